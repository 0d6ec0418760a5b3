"""English and French words of the growth report (report/growth_report.py); the dashboard's /growth page has its
own copy in static/growth.js, as the plan's pages have theirs."""

from __future__ import annotations

WORDS = {
    "en": {
        "title": "Growth", "subtitle": "Park scenarios month by month, side by side; differences against {first}.",
        "generated": "Generated", "scenarios": "Scenarios", "scenario": "Scenario", "currency": "Currency",
        "first_month": "First month", "months": "Months", "month": "Month", "figure": "Figure",
        "minus": "{name} − {first}",
        "charts": "Month by month", "totals": "Over the horizon", "differences": "Differences month by month",
        "c_headcount": "Headcount (people on the payroll)", "c_hires": "Hires per month",
        "c_fte": "Productive FTE (solid) vs FTE needed (dotted)", "c_short": "FTE short (months the plan cannot "
        "meet the requirement)", "c_seats": "Seats needed (solid) vs seats of the open phases (dotted)",
        "c_margin": "Margin per client ({currency})", "c_service": "Service level (contacts-weighted over the park)",
        "c_contract_service": "Service level per contract as its term measures it; simulated: the 95 % interval "
        "as a band and Erlang C's dotted; months from the records marked ◆",
        "low": "low", "interval": "simulated 95 % interval", "erlang": "Erlang C", "actual": "actual (records)",
        "actual_months": "Months from the records", "worst_simulated": "Worst simulated month (95 % interval)",
        "needed": "needed", "productive": "productive", "open": "open",
        "headcount": "Headcount", "hires": "Hires", "required_fte": "FTE needed", "productive_fte": "Productive FTE",
        "short_fte": "FTE short", "labour_cost": "Labour cost", "revenue": "Revenue", "margin": "Margin",
        "service_level": "Service level", "seats_needed": "Seats needed", "seats_open": "Seats open",
        "short_fte_total": "FTE-months short",
        "hiring": "{name}: hiring plans", "operator": "Operator", "language": "Language", "classes": "Classes",
        "months_short": "Months short", "cost": "Cost", "search": "Search", "within": "{how}, within {gap} of the "
        "bound",
        "contracts": "{name}: contracts over the horizon", "client": "Client", "contacts": "Contacts",
        "bonus": "Bonus", "penalty": "Penalty", "below": "Months below the term",
        "phases": "{name}: buildings' phases", "building": "Building", "phase": "Phase", "seats": "Seats",
        "opens": "Opens", "needed_by": "Needed by", "late": "LATE: must open earlier",
        "cable": "{name}: at most {share} of the usable link ({lines} lines) in {month}",
        "none": "none", "more": "{shown} and {n} more", "money_note": "Money in each scenario's currency ({units}).",
    },
    "fr": {
        "title": "Croissance", "subtitle": "Scénarios du parc mois par mois, côte à côte ; écarts par rapport à "
        "{first}.",
        "generated": "Généré le", "scenarios": "Scénarios", "scenario": "Scénario", "currency": "Devise",
        "first_month": "Premier mois", "months": "Mois", "month": "Mois", "figure": "Indicateur",
        "minus": "{name} − {first}",
        "charts": "Mois par mois", "totals": "Sur l'horizon", "differences": "Écarts mois par mois",
        "c_headcount": "Effectif (personnes en poste)", "c_hires": "Recrutements par mois",
        "c_fte": "ETP productifs (trait plein) et ETP nécessaires (pointillés)",
        "c_short": "ETP manquants (mois où le plan ne peut couvrir le besoin)",
        "c_seats": "Positions nécessaires (trait plein) et positions des tranches ouvertes (pointillés)",
        "c_margin": "Marge par client ({currency})", "c_service": "Niveau de service (pondéré par les contacts du "
        "parc)",
        "c_contract_service": "Niveau de service par contrat tel que son objectif le mesure ; simulé : l'intervalle "
        "à 95 % en bande et celui d'Erlang C en pointillés ; mois tirés des enregistrements marqués ◆",
        "low": "bas", "interval": "intervalle simulé à 95 %", "erlang": "Erlang C", "actual": "réel "
        "(enregistrements)",
        "actual_months": "Mois tirés des enregistrements", "worst_simulated": "Pire mois simulé (intervalle à 95 %)",
        "needed": "nécessaires", "productive": "productifs", "open": "ouvertes",
        "headcount": "Effectif", "hires": "Recrutements", "required_fte": "ETP nécessaires",
        "productive_fte": "ETP productifs", "short_fte": "ETP manquants", "labour_cost": "Coût salarial",
        "revenue": "Chiffre d'affaires", "margin": "Marge", "service_level": "Niveau de service",
        "seats_needed": "Positions nécessaires", "seats_open": "Positions ouvertes",
        "short_fte_total": "ETP-mois manquants",
        "hiring": "{name} : plans de recrutement", "operator": "Opérateur", "language": "Langue",
        "classes": "Promotions", "months_short": "Mois en manque", "cost": "Coût", "search": "Recherche",
        "within": "{how}, à {gap} de la borne",
        "contracts": "{name} : contrats sur l'horizon", "client": "Client", "contacts": "Contacts",
        "bonus": "Bonus", "penalty": "Pénalité", "below": "Mois sous l'objectif contractuel",
        "phases": "{name} : tranches des bâtiments", "building": "Bâtiment", "phase": "Tranche",
        "seats": "Positions", "opens": "Ouverture", "needed_by": "Nécessaire dès",
        "late": "EN RETARD : doit ouvrir plus tôt",
        "cable": "{name} : au plus {share} du lien utilisable ({lines} lignes) en {month}",
        "none": "aucun", "more": "{shown} et {n} autres", "money_note": "Montants dans la devise de chaque scénario "
        "({units}).",
    },
}


def word(lang: str, key: str) -> str:
    return WORDS.get(lang, WORDS["en"]).get(key, key)
