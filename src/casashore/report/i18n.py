"""English and French labels and number formats for the plan report and the dashboard (French is the working
language of most Moroccan offshore sites)."""

from __future__ import annotations

from datetime import date

LANGS = ("en", "fr")

WORDS = {
    # key: (English, French), side by side so that no key lacks a language
    "title": ("Plan", "Plan"),
    "summary": ("Summary", "Synthèse"),
    "forecast": ("Forecast calls per interval (client's time, 80 % band)",
                 "Appels prévus par intervalle (heure du client, bande à 80 %)"),
    "coverage": ("Agents required vs scheduled (site time)", "Agents requis et planifiés (heure du site)"),
    "service": ("Expected service level per interval (simulated, 95 % band)",
                "Niveau de service attendu par intervalle (simulé, bande à 95 %)"),
    "occupancy": ("Agent occupancy (simulated)", "Taux d'occupation des agents (simulé)"),
    "link": ("Link use at the busy interval", "Utilisation du lien à l'intervalle chargé"),
    "bandwidth": ("Voice bandwidth per interval (both directions)", "Débit voix par intervalle (deux sens)"),
    "required": ("required, after shrinkage (rostered)", "requis, après absentéisme (à planifier)"),
    "scheduled": ("scheduled", "planifiés"),
    "calls": ("calls", "appels"),
    "goal": ("goal", "objectif"),
    "metric": ("measure", "mesure"),
    "value": ("value", "valeur"),
    "seats_at_peak": ("Seats at peak", "Positions à la pointe"),
    "seats_available": ("Seats available", "Positions disponibles"),
    "floor_m2": ("Floor area (m²)", "Surface (m²)"),
    "fte": ("FTE (44 h weeks)", "ETP (semaines de 44 h)"),
    "jobs": ("Jobs (FTE rounded up)", "Emplois (ETP arrondis)"),
    "people_at_least": ("People needed, at least (one shift a day, weekly rest)",
                        "Personnes nécessaires, au moins (une vacation par jour, repos hebdomadaire)"),
    "paid_hours": ("Paid hours", "Heures payées"),
    "labour_cost": ("Labour cost", "Coût salarial"),
    "phone_lines": ("Phone lines (Erlang B)", "Lignes téléphoniques (Erlang B)"),
    "busy_bandwidth": ("Busy-interval bandwidth", "Débit à l'intervalle chargé"),
    "link_share": ("Share of the usable link", "Part du lien utilisable"),
    "service_level": ("Service level", "Niveau de service"),
    "p_abandon": ("Abandoned", "Abandons"),
    "asa": ("ASA (s)", "Délai moyen de réponse (s)"),
    "mean_wait": ("ASA", "Délai moyen de réponse"),  # followed by the wait with its unit (i18n.wait)
    "queue": ("Queue", "File"),
    "schedule_status": ("Schedule", "Planning"),
    "models": ("Forecast models", "Modèles de prévision"),
    "reused": ("Steps read back from the workspace", "Étapes relues dans l'espace de travail"),
    "generated": ("Generated", "Généré le"),
    "gap": ("gap", "écart"),
    "optimal": ("optimal", "optimal"),
    "feasible": ("feasible", "réalisable"),
    "voice": ("voice", "voix"),
    "band_80": ("80 % band", "bande à 80 %"),
    # What the plan assumes where its history cannot say (report/assumptions.py).
    "assumptions": ("Assumptions (what the history cannot say)", "Hypothèses (ce que l'historique ne dit pas)"),
    "assumed_patience_s_scenario": (
        "{queue}: callers' patience {value} s, the scenario's patience_s (interval reports give no waits to "
        "measure it from)",
        "{queue} : patience des appelants {value} s, patience_s du scénario (les rapports par intervalle ne "
        "donnent pas d'attentes pour la mesurer)"),
    "assumed_patience_s_default": (
        "{queue}: callers taken never to hang up (Erlang C, no abandonment simulated): interval reports give no "
        "waits to measure patience from, and the scenario sets no patience_s",
        "{queue} : appelants supposés ne jamais raccrocher (Erlang C, aucun abandon simulé) : les rapports par "
        "intervalle ne donnent pas d'attentes pour mesurer la patience, et le scénario ne fixe pas patience_s"),
    "assumed_aht_s_scenario": (
        "{queue}: AHT {value} s, the scenario's aht_s (the interval reports give no handle time)",
        "{queue} : DMT {value} s, aht_s du scénario (les rapports par intervalle ne donnent pas de durée de "
        "traitement)"),
    "assumed_aht_s_reports": (
        "{queue}: AHT from the records that give it (some interval report rows give none)",
        "{queue} : DMT tirée des enregistrements qui la donnent (certaines lignes des rapports n'en donnent pas)"),
    # The verdict.
    "verdict": ("Verdict", "Verdict"),
    "verdict_met": ("Goals met", "Objectifs atteints"),
    "verdict_at_risk": ("Goals at risk", "Objectifs menacés"),
    "verdict_not_met": ("Goals not met", "Objectifs non atteints"),
    "met": ("met", "atteint"),
    "at_risk": ("at risk", "à risque"),
    "not_met": ("not met", "non atteint"),
    "reason_goal_not_met": ("Goal missed beyond the simulation's noise on {n} queue-days: {days}.",
                            "Objectif manqué au-delà du bruit de la simulation sur {n} jours-files : {days}."),
    "reason_goal_at_risk": ("Goal within the simulation's noise (not shown to be met) on {n} queue-days: {days}.",
                            "Objectif dans le bruit de la simulation (atteinte non démontrée) sur {n} jours-files : "
                            "{days}."),
    "reason_safety_limit": ("Search stopped by the wall-clock safety limit: this result may differ on another machine.",
                            "Recherche arrêtée par la limite de sécurité en temps réel : ce résultat peut différer "
                            "sur une autre machine."),
    "reason_uncoverable": ("{n} intervals that no allowed shift can cover (listed below).",
                           "{n} intervalles qu'aucune vacation autorisée ne peut couvrir (liste ci-dessous)."),
    "closed_days": ("Closed (no open hours under opening_hours = \"{hours}\"), not judged: {days}.",
                    "Fermé (aucune heure d'ouverture selon opening_hours = \"{hours}\"), non jugé : {days}."),
    "closed": ("closed", "fermé"),
    "coverage_share": ("Requirement covered", "Besoin couvert"),
    "schedule_cost": ("Schedule cost", "Coût du planning"),
    "cost_within": ("{cost} (the sum of the shifts' costs, in the scenario's cost units), within {gap} of a proven "
                    "lower bound {bound}",
                    "{cost} (somme des coûts des vacations, dans les unités de coût du scénario), à {gap} d'une "
                    "borne inférieure prouvée de {bound}"),
    "objective_within": ("{cost} (shift costs); with the penalties for intervals left short the objective is "
                         "{objective}, within {gap} of a proven lower bound {bound}",
                         "{cost} (coûts des vacations) ; avec les pénalités des intervalles sous-couverts l'objectif "
                         "vaut {objective}, à {gap} d'une borne inférieure prouvée de {bound}"),
    "stopped": ("How the search stopped", "Arrêt de la recherche"),
    "stopped_optimal": ("proven optimal", "optimum prouvé"),
    "stopped_dive": ("first schedule already within the gap asked for (rounded from the LP relaxation, no search "
                     "needed)",
                     "premier planning déjà dans l'écart demandé (arrondi de la relaxation linéaire, sans recherche)"),
    "stopped_gap": ("by the search (the LP's neighbourhood, then branch and bound), within the gap asked for",
                    "par la recherche (voisinage de la relaxation, puis séparation et évaluation), dans l'écart "
                    "demandé"),
    "stopped_nodes": ("by the deterministic limits (nodes, days searched), before reaching the gap asked for",
                      "par les limites déterministes (nœuds, jours cherchés), avant d'atteindre l'écart demandé"),
    "stopped_time_safety": ("stopped by the wall-clock safety limit: this result may differ on another machine",
                            "arrêtée par la limite de sécurité en temps réel : ce résultat peut différer sur une "
                            "autre machine"),
    "goals_per_day": ("Goals per queue and site day (service level ± 95 % half-width vs goal)",
                      "Objectifs par file et par jour du site (niveau de service ± demi-largeur à 95 %, face à "
                      "l'objectif)"),
    "day_cell": ("{level} ± {half} vs {goal}: {status}", "{level} ± {half} pour {goal}\u00a0: {status}"),
    "no_calls": ("no calls", "sans appels"),
    "gap_header": ("Gap", "Écart"),
    "rounds": ("Goal loop (schedule, simulate, raise the intervals that miss)",
               "Boucle d'objectifs (planifier, simuler, relever les intervalles manqués)"),
    "round": ("Round", "Tour"),
    "cost": ("Cost", "Coût"),
    "missed": ("Intervals missed (per skill)", "Intervalles manqués (par compétence)"),
    "none": ("none", "aucun"),
    "uncoverable": ("Intervals no allowed shift can cover (site clock)",
                    "Intervalles qu'aucune vacation autorisée ne peut couvrir (heure du site)"),
    "skill": ("Skill", "Compétence"),
    "interval": ("Interval", "Intervalle"),
    # What a planner prints.
    "shift_table": ("Shifts: agents starting each template per site day",
                    "Vacations : agents commençant chaque modèle par jour du site"),
    "template": ("Template", "Modèle"),
    "total": ("Total", "Total"),
    "daily": ("Daily summary (site days)", "Synthèse quotidienne (jours du site)"),
    "day": ("Day", "Jour"),
    "agents_started": ("Agents scheduled (shift starts)", "Agents planifiés (prises de poste)"),
    "paid_hours_day": ("Paid hours (worked that day)", "Heures payées (travaillées ce jour)"),
    "labour_cost_day": ("Labour cost", "Coût salarial"),
    "interval_csv": ("Per-interval table (CSV)", "Tableau par intervalle (CSV)"),
    "interval_csv_text": ("Per agent group and site interval: its channel, calls (chat sessions, email items), "
                          "AHT, agents required before shrinkage and after shrinkage (rostered), required after "
                          "the goal loop (after shrinkage), scheduled, simulated service level and abandonment, "
                          "voice bandwidth (0 for chat and email) ({rows} rows).",
                          "Par groupe d'agents et intervalle du site : son canal, appels (chats, courriels), "
                          "DMT, agents requis avant absentéisme et après absentéisme (à planifier), requis après "
                          "la boucle d'objectifs (après absentéisme), planifiés, niveau de service et abandons "
                          "simulés, débit voix (0 pour le chat et le courriel) ({rows} lignes)."),
    "download_csv": ("Download the per-interval CSV", "Télécharger le CSV par intervalle"),
    # The workbooks (.xlsx).
    "xl_verdict": ("Verdict", "Verdict"),
    "xl_shifts": ("Shifts", "Vacations"),
    "xl_intervals": ("Requirement", "Besoin"),
    "xl_daily": ("Daily", "Synthèse quotidienne"),
    "xl_roster": ("Roster", "Planning"),
    "xl_open": ("Open shifts", "Vacations non pourvues"),
    "xl_start": ("Start ({zone})", "Début ({zone})"),
    "xl_end": ("End ({zone})", "Fin ({zone})"),
    "xl_skills": ("Skills", "Compétences"),
    "xl_agents": ("Agents", "Agents"),
    "xl_breaks": ("Breaks (length@window after the start)", "Pauses (durée@fenêtre après le début)"),
    "xl_group": ("Skill group", "Groupe de compétences"),
    "xl_calls": ("Calls (forecast)", "Appels (prévus)"),
    "xl_aht": ("AHT (s)", "DMT (s)"),
    "xl_required": ("Agents required, after shrinkage (rostered)", "Agents requis, après absentéisme (à planifier)"),
    "xl_required_after": ("Required after the goal loop, after shrinkage (rostered)",
                          "Requis après la boucle d'objectifs, après absentéisme (à planifier)"),
    "xl_scheduled": ("Agents scheduled (on shift, not on break)", "Agents planifiés (en poste, hors pause)"),
    "xl_short": ("Short (required - scheduled)", "Manque (requis - planifiés)"),
    "xl_service": ("Service level (simulated)", "Niveau de service (simulé)"),
    "xl_abandon": ("Abandoned (simulated)", "Abandons (simulés)"),
    "xl_agents_started": ("Agents starting a shift", "Agents prenant leur poste"),
    "xl_paid_hours": ("Paid hours", "Heures payées"),
    "xl_cost": ("Labour cost ({currency})", "Coût salarial ({currency})"),
    "xl_sl_low": ("Service level, 95 % low", "Niveau de service, borne basse à 95 %"),
    "xl_sl_high": ("Service level, 95 % high", "Niveau de service, borne haute à 95 %"),
    "xl_goal": ("Goal", "Objectif"),
    "xl_status": ("Verdict", "Verdict"),
    "xl_all_queues": ("All queues", "Toutes les files"),
    "xl_reason": ("Why", "Pourquoi"),
    "xl_bound": ("Proven lower bound", "Borne inférieure prouvée"),
    "xl_gap": ("Gap to the bound", "Écart à la borne"),
    "xl_rounds": ("Scheduling rounds", "Tours de planification"),
    "xl_agent": ("Agent", "Agent"),
    "xl_week": ("Week {n} (h)", "Semaine {n} (h)"),
    "xl_total_h": ("Total (h)", "Total (h)"),
    "xl_off": ("off", "repos"),
    "xl_unavailable": ("unavailable", "indisponible"),
    "xl_at_work": ("Agents at work", "Agents au travail"),
    "xl_shift": ("Shift", "Vacation"),
    "xl_site_zone": ("Site time zone", "Fuseau horaire du site"),
    # The channels (issue 21).
    "channels": ("Channels", "Canaux"),
    "channel": ("Channel", "Canal"),
    "chat": ("chat", "chat"),
    "email": ("email", "courriel"),
    "channel_queue": ("Queue", "File"),
    "peak_agents": ("Agents required at peak, before shrinkage", "Agents requis au pic, avant absentéisme"),
    "required_hours": ("Agent hours required, after shrinkage (rostered)",
                       "Heures-agents requises, après absentéisme (à planifier)"),
    "scheduled_hours": ("Agent hours scheduled", "Heures-agents planifiées"),
    "channel_coverage": ("Coverage", "Couverture"),
    "simulated_level": ("Simulated level (95 %)", "Niveau simulé (95 %)"),
    "channel_goal": ("Goal", "Objectif"),
    "holding_chat": ("agents holding a chat", "agents tenant un chat"),
    "slot_use": ("{group}: {slot_use} of the chat slots in use (sessions held over agents × {max_sessions}, the "
                 "slot use); {occupancy} of the agents' time holding at least one chat (the occupancy chart's line: "
                 "an agent holding any chat counts as busy).",
                 "{group} : {slot_use} des places de chat occupées (sessions tenues sur agents × {max_sessions}, "
                 "l'occupation des places) ; {occupancy} du temps des agents à tenir au moins un chat (la courbe du "
                 "graphique d'occupation : un agent qui tient un chat compte comme occupé)."),
    "channel_measure": ("Measure", "Mesure"),
    "sl_within": ("answered within the target", "répondus dans le délai cible"),
    "share_within_deadline": ("taken up within the deadline", "traités dans le délai"),
    "channels_note": ("Each channel is staffed by its own model (voice: Erlang A; chat: agents holding up to "
                      "max_sessions conversations, slowed by each other; email: the backlog carried across the day "
                      "against its deadline), scheduled on its own skill and simulated by its own engine. In this "
                      "plan each channel has its own skill, so its agents are its own; to let agents blend channels "
                      "(a chat between calls, emails in quiet hours), put a voice queue and its chat or email queues "
                      "on one skill: a blended pool (docs/plan.md, \"Blended pools\").",
                      "Chaque canal est dimensionné par son propre modèle (voix : Erlang A ; chat : des agents "
                      "tenant jusqu'à max_sessions conversations, ralenties les unes par les autres ; courriel : le "
                      "stock reporté d'un intervalle à l'autre face à son délai), planifié sur sa propre compétence "
                      "et simulé par son propre moteur. Dans ce plan chaque canal a sa propre compétence, donc ses "
                      "propres agents ; pour que des agents mélangent les canaux (un chat entre deux appels, des "
                      "courriels aux heures creuses), placez une file voix et ses files chat ou courriel sur une même "
                      "compétence : un groupe mixte (docs/plan.md, « Blended pools »)."),
    "backlog": ("Email backlog (items waiting, with the scheduled agents)",
                "Stock de courriels (en attente, avec les agents planifiés)"),
    "items_waiting": ("items waiting", "courriels en attente"),
    # The daily summary per channel: each channel's own measures, never averaged across channels.
    "contacts": ("Contacts, forecast ({kinds})", "Contacts prévus ({kinds})"),
    "voice_contacts": ("calls", "appels"),
    "chat_contacts": ("chats", "chats"),
    "email_contacts": ("emails", "courriels"),
    "forecast_contacts": ("Forecast contacts per interval: calls, chat sessions, email items (client's time, 80 % "
                          "band)", "Contacts prévus par intervalle : appels, chats, courriels (heure du client, "
                          "bande à 80 %)"),
    "contacts_axis": ("contacts", "contacts"),
    "no_contacts": ("no contacts", "sans contacts"),
    "xl_contacts": ("Contacts (forecast: calls, chats, email items)", "Contacts (prévus : appels, chats, courriels)"),
    "within_deadline": ("Within the deadline", "Traités dans le délai"),
    "backlog_day_end": ("Backlog at day end", "Stock en fin de journée"),
    "xl_channel": ("Channel", "Canal"),
    "xl_asa": ("ASA (s, simulated)", "Délai moyen de réponse (s, simulé)"),
    "xl_backlog_end": ("Email backlog at day end (items)", "Stock de courriels en fin de journée"),
    "xl_all_channel": ("All {channel} queues", "Toutes les files {channel}"),
    "blended_pool": ("blended pool", "groupe mixte"),
    "channels_note_blended": (
        "Each channel is staffed by its own model (voice: Erlang A; chat: agents holding up to max_sessions "
        "conversations, slowed by each other; email: the backlog carried across the day against its deadline). A "
        "blended pool (a voice queue with a chat queue, an email queue or both on one skill) is staffed as one: its "
        "calls by "
        "Erlang, its chats by the agents they hold (an agent holding a chat takes no call, and chats go to idle agents "
        "first), its emails first in the time calls and chats leave (an email goes to an agent only when no call or "
        "chat waits), then by agents added for them; it is scheduled on its "
        "skill and simulated by the blended engine (an email pauses under a call). Its queues' rows give each "
        "channel's own part of the pool's requirement (its agents at peak, its share of the hours) and its own "
        "simulated level; the pool's row after them gives the pool's totals, scheduled hours and coverage, once "
        "(its queues' rows add up to it); its backlog is the simulated one.",
        "Chaque canal est dimensionné par son propre modèle (voix : Erlang A ; chat : des agents tenant jusqu'à "
        "max_sessions conversations, ralenties les unes par les autres ; courriel : le stock reporté d'un intervalle "
        "à l'autre face à son délai). Un groupe mixte (une file voix et une file chat, une file courriel ou les deux "
        "sur une même "
        "compétence) est dimensionné d'un bloc : ses appels par Erlang, ses chats par les agents qu'ils occupent (un "
        "agent en chat ne prend pas d'appel, et un chat va d'abord à un agent libre), ses courriels d'abord dans le "
        "temps que les appels et les chats "
        "laissent (un courriel ne va à un agent que si aucun appel ni chat n'attend), puis par des agents ajoutés "
        "pour eux ; il est planifié sur sa compétence et simulé par le moteur "
        "mixte (un courriel s'interrompt pendant un appel). Les lignes de ses files donnent la part de chaque canal "
        "dans le besoin du groupe (ses agents au pic, sa part des heures) et son niveau simulé ; la ligne du groupe, "
        "après elles, donne une seule fois les totaux du groupe, ses heures planifiées et sa couverture (les lignes "
        "de ses files s'y additionnent) ; son stock est celui simulé."),
    "pools": ("Blended pools against separate pools", "Groupes mixtes face à des groupes séparés"),
    "pool": ("pool", "groupe"),
    "email_coverage_rule": (
        "Email coverage is judged on the deadline (the backlog), not interval by interval: an email group's agents "
        "may be on break or not yet started while items arrive, the items wait and are worked later, before the "
        "deadline (the backlog chart). An interval with fewer agents than its items' work is deferral, not "
        "under-coverage.",
        "La couverture du courriel se juge au délai (le stock), pas intervalle par intervalle : les agents d'un "
        "groupe courriel peuvent être en pause ou pas encore arrivés quand des courriels arrivent ; ceux-ci "
        "attendent et sont traités plus tard, avant le délai (le graphique du stock). Un intervalle avec moins "
        "d'agents que le travail de ses courriels est du report, pas un sous-effectif."),
    "email_deferred": ("{skill}: {hours} agent hours deferred to later intervals, over {intervals} intervals",
                       "{skill} : {hours} heures-agents reportées à des intervalles suivants, sur {intervals} "
                       "intervalles"),
    "coverage_email": ("email judged on its deadline, not per interval: {hours} agent hours deferred, see Channels",
                       "courriel jugé à son délai, pas par intervalle : {hours} heures-agents reportées, voir Canaux"),
    "pool_row": ("the rows above together", "les lignes ci-dessus ensemble"),
    "pool_required_hours": ("agent hours required (on the phones)", "heures d'agent requises (en poste)"),
    "pool_parts": ("per channel", "par canal"),
    "pool_apart_hours": ("its queues apart", "ses files séparées"),
    "pool_saving": ("saved by blending", "gagnées en mélangeant"),
    "pools_note": ("The staffing step's requirement before shrinkage and before the goal loop, in agent hours: the "
                   "pool's in parts per channel, and its queues each staffed alone as the plan staffs a separate queue "
                   "(Erlang, the chat chain, the email queue's work: its items' handle time, which the schedule "
                   "places before the deadline). A negative saving means blending costs agents.",
                   "Le besoin de l'étape de dimensionnement avant absentéisme et avant la boucle d'objectifs, en "
                   "heures d'agent : celui du groupe, par canal, et celui de ses files dimensionnées chacune seule "
                   "comme le plan dimensionne une file séparée (Erlang, la chaîne du chat, le travail de la file "
                   "courriel : le temps de traitement de ses courriels, que le planning place avant le délai). "
                   "Un gain négatif : mélanger coûte des agents."),
}


WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
            "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")}

PLOTLY_LOCALE_FR = {
    # plotly.js's own French locale (dist/plotly-locale-fr.js is not in the Python package): month and day names
    # on the date axes, and the mode bar's tooltips.
    "moduleType": "locale", "name": "fr",
    "dictionary": {"Autoscale": "Échelle automatique", "Box Select": "Sélection rectangulaire",
                   "Download plot as a png": "Télécharger le graphique en PNG", "Download plot": "Télécharger le "
                   "graphique", "Double-click to zoom back out": "Double-cliquer pour dézoomer",
                   "Lasso Select": "Sélection lasso", "Pan": "Translation", "Reset axes": "Réinitialiser les axes",
                   "Reset": "Réinitialiser", "Toggle Spike Lines": "Activer/désactiver les pics",
                   "Show closest data on hover": "Données les plus proches au survol",
                   "Compare data on hover": "Comparer les données au survol", "Zoom": "Zoom",
                   "Zoom in": "Zoom intérieur", "Zoom out": "Zoom extérieur", "Produced with Plotly.js":
                   "Généré avec Plotly.js", "Snapshot succeeded": "Capture d'écran réussie",
                   "Taking snapshot - this may take a few seconds": "Capture d'écran en cours - cela peut prendre "
                   "quelques secondes", "trace": "tracé"},
    "format": {"days": ["Dimanche", "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"],
               "shortDays": ["Dim", "Lun", "Mar", "Mer", "Jeu", "Ven", "Sam"],
               "months": ["Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre",
                          "Octobre", "Novembre", "Décembre"],
               "shortMonths": ["Janv", "Févr", "Mars", "Avr", "Mai", "Juin", "Juil", "Août", "Sept", "Oct", "Nov",
                               "Déc"],
               "date": "%d/%m/%Y", "decimal": ",", "thousands": "\u202f"},
}


def label(lang: str, key: str) -> str:
    """``key``'s word in ``lang`` (English for a language not in LANGS); an unknown key is itself."""
    words = WORDS.get(key)
    return key if words is None else words[LANGS.index(lang) if lang in LANGS else 0]


def number(value: float, lang: str, digits: int = 0) -> str:
    """1,234.5 in English; 1 234,5 in French (narrow no-break space between thousands)."""
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def percent(value: float, lang: str, digits: int = 1) -> str:
    return number(100 * value, lang, digits) + ("\u00a0%" if lang == "fr" else " %")


def wait(seconds: float, lang: str) -> str:
    """A wait in the unit a reader takes in: 45.0 s, 12.5 min, 3.2 h, 2.5 days (an email's waits run to hours and
    days, a call's to seconds)."""
    if seconds >= 2 * 86400:
        return f"{number(seconds / 86400, lang, 1)} {'j' if lang == 'fr' else 'days'}"
    if seconds >= 3600:
        return f"{number(seconds / 3600, lang, 1)} h"
    if seconds >= 60:
        return f"{number(seconds / 60, lang, 1)} min"
    return f"{number(seconds, lang, 1)} s"


def bits(value: float, lang: str) -> str:
    for unit, scale in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if value >= scale:
            return f"{number(value / scale, lang, 2)} {unit}"
    return f"{number(value, lang)} bit/s"


def day_name(day: date, lang: str) -> str:
    """Mon 2026-03-02 in English; lun. 02/03/2026 in French."""
    weekday = WEEKDAYS.get(lang, WEEKDAYS["en"])[day.weekday()]
    return f"{weekday} {day:%d/%m/%Y}" if lang == "fr" else f"{weekday} {day.isoformat()}"
