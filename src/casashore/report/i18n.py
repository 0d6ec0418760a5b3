"""English and French labels and number formats for the plan report and the dashboard (French is the working
language of most Moroccan offshore sites)."""

from __future__ import annotations

LANGS = ("en", "fr")

LABELS = {
    "en": {
        "title": "Plan", "summary": "Summary", "forecast": "Forecast calls per interval (client's time, 80 % band)",
        "coverage": "Agents required vs scheduled (site time)", "service": "Expected service level per interval "
        "(simulated, 95 % band)", "occupancy": "Agent occupancy (simulated)", "link": "Link use at the busy interval",
        "bandwidth": "Voice bandwidth per interval (both directions)", "required": "required", "scheduled": "scheduled",
        "calls": "calls", "goal": "goal", "metric": "measure", "value": "value",
        "seats_at_peak": "Seats at peak", "seats_available": "Seats available", "floor_m2": "Floor area (m²)",
        "fte": "FTE (44 h weeks)", "jobs": "Jobs", "paid_hours": "Paid hours", "labour_cost": "Labour cost",
        "phone_lines": "Phone lines (Erlang B)", "busy_bandwidth": "Busy-interval bandwidth",
        "link_share": "Share of the usable link", "service_level": "Service level", "p_abandon": "Abandoned",
        "asa": "ASA (s)", "queue": "Queue", "schedule_status": "Schedule", "models": "Forecast models",
        "reused": "Steps read back from the workspace",
    },
    "fr": {
        "title": "Plan", "summary": "Synthèse", "forecast": "Appels prévus par intervalle (heure du client, bande "
        "à 80 %)", "coverage": "Agents requis et planifiés (heure du site)", "service": "Niveau de service attendu "
        "par intervalle (simulé, bande à 95 %)", "occupancy": "Taux d'occupation des agents (simulé)",
        "link": "Utilisation du lien à l'intervalle chargé", "bandwidth": "Débit voix par intervalle (deux sens)",
        "required": "requis", "scheduled": "planifiés", "calls": "appels", "goal": "objectif", "metric": "mesure",
        "value": "valeur", "seats_at_peak": "Positions à la pointe", "seats_available": "Positions disponibles",
        "floor_m2": "Surface (m²)", "fte": "ETP (semaines de 44 h)", "jobs": "Emplois", "paid_hours": "Heures payées",
        "labour_cost": "Coût salarial", "phone_lines": "Lignes téléphoniques (Erlang B)",
        "busy_bandwidth": "Débit à l'intervalle chargé", "link_share": "Part du lien utilisable",
        "service_level": "Niveau de service", "p_abandon": "Abandons", "asa": "Délai moyen de réponse (s)",
        "queue": "File", "schedule_status": "Planning", "models": "Modèles de prévision",
        "reused": "Étapes relues dans l'espace de travail",
    },
}


def label(lang: str, key: str) -> str:
    return LABELS.get(lang, LABELS["en"]).get(key, key)


def number(value: float, lang: str, digits: int = 0) -> str:
    """1,234.5 in English; 1 234,5 in French (narrow no-break space between thousands)."""
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def percent(value: float, lang: str, digits: int = 1) -> str:
    return number(100 * value, lang, digits) + ("\u00a0%" if lang == "fr" else " %")


def bits(value: float, lang: str) -> str:
    for unit, scale in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if value >= scale:
            return f"{number(value / scale, lang, 2)} {unit}"
    return f"{number(value, lang)} bit/s"
