"""Park scenarios side by side as one self-contained HTML file, in English or French, in the plan report's style
(report/plan_report.py): plotly charts month by month with every scenario overlaid (headcount, hires, productive
FTE against the requirement, FTE short, seats against the open phases, margin per client, service level), the
totals and the month-by-month differences against the first scenario, and each scenario's hiring plans,
contracts and phases. Read from the documents `casashore growth --json` prints, so the report, the JSON and the
dashboard's /growth page show the same numbers. Deterministic: the same scenarios give the same bytes apart from
the generation time (fixed chart ids)."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go

from casashore.growth.compare import FIGURES
from casashore.report.growth_words import word
from casashore.report.i18n import label, number, percent
from casashore.report.markup import Cell, heading, paragraph, table
from casashore.report.plan_report import STYLE, plotly_scripts

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
"""One colour per scenario in every chart but the margins' (there one per client, the scenario by its dash)."""
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "5px,2px", "1px,3px")
"""One line style per scenario (at most eight, as `casashore growth` takes)."""
TOTALS = ("hires", "labour_cost", "revenue", "margin", "short_fte")
SHORT = 0.005
"""FTE short below this is the solver's rounding, not a short month (as the CLI's tables count them)."""


def _plain(text: str) -> str:
    """A name as plotly shows it: its pseudo-HTML (<b>, <a href>) written as text, not markup."""
    return html.escape(text, quote=False)


def _series(rows: list[dict], key: str) -> list[float | None]:
    return [row[key] for row in rows]


def figures(docs: list[dict], lang: str) -> list[tuple[str, go.Figure]]:
    """(title, figure) per chart: scenario i in COLOURS[i] (its two lines solid and dotted where a chart has
    two), or, for the margins, each client in its colour and scenario i drawn with DASHES[i]."""
    w = lambda key: word(lang, key)  # noqa: E731
    out = []
    headcount, hires, fte, short, seats, service = (go.Figure() for _ in range(6))
    for i, doc in enumerate(docs):
        name, rows = _plain(doc["scenario"]), doc["summary"]
        x = _series(rows, "month")
        colour = COLOURS[i % len(COLOURS)]
        line = {"color": colour, "dash": DASHES[i % len(DASHES)]}
        headcount.add_trace(go.Scatter(x=x, y=_series(rows, "headcount"), name=name, mode="lines", line=line))
        hires.add_trace(go.Bar(x=x, y=_series(rows, "hires"), name=name, marker_color=colour))
        fte.add_trace(go.Scatter(x=x, y=_series(rows, "productive_fte"), name=f"{name} {w('productive')}",
                                 mode="lines", line={"color": colour}, legendgroup=name))
        fte.add_trace(go.Scatter(x=x, y=_series(rows, "required_fte"), name=f"{name} {w('needed')}",
                                 mode="lines", line={"color": colour, "dash": "dot"}, legendgroup=name))
        short.add_trace(go.Bar(x=x, y=_series(rows, "short_fte"), name=name, marker_color=colour))
        seats.add_trace(go.Scatter(x=x, y=_series(rows, "seats_needed"), name=f"{name} {w('needed')}",
                                   mode="lines", line={"color": colour}, legendgroup=name))
        seats.add_trace(go.Scatter(x=x, y=_series(rows, "seats_open"), name=f"{name} {w('open')}",
                                   mode="lines", line={"color": colour, "dash": "dot", "shape": "hv"},
                                   legendgroup=name))
        service.add_trace(go.Scatter(x=x, y=_series(rows, "service_level"), name=name, mode="lines", line=line))
    hires.update_layout(barmode="group")
    short.update_layout(barmode="group")
    service.update_layout(yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    margin = go.Figure()
    clients = list(dict.fromkeys(c["client"] for doc in docs for c in doc["contracts"]))
    for i, doc in enumerate(docs):
        for contract in doc["contracts"]:
            colour = COLOURS[clients.index(contract["client"]) % len(COLOURS)]
            margin.add_trace(go.Scatter(x=_series(contract["months"], "month"),
                                        y=_series(contract["months"], "margin"), mode="lines",
                                        name=f"{_plain(doc['scenario'])} — {_plain(contract['client'])}",
                                        line={"color": colour, "dash": DASHES[i % len(DASHES)]}))
    currencies = ", ".join(dict.fromkeys(doc["currency"] for doc in docs))
    out += [(w("c_headcount"), headcount), (w("c_hires"), hires), (w("c_fte"), fte), (w("c_short"), short),
            (w("c_seats"), seats), (w("c_margin").format(currency=currencies), margin), (w("c_service"), service),
            (w("c_contract_service"), contract_service(docs, clients, lang))]
    return out


def _translucent(colour: str) -> str:
    red, green, blue = (int(colour[k:k + 2], 16) for k in (1, 3, 5))
    return f"rgba({red},{green},{blue},0.18)"


def contract_service(docs: list[dict], clients: list[str], lang: str) -> go.Figure:
    """Each contract's service level as its term measures it (the client by colour, the scenario by dash); when
    simulated, the simulation's 95 % interval as a band around it and Erlang C's level dotted; the months the
    workspace's records give (source actual or mixed) marked by a diamond."""
    w = lambda key: word(lang, key)  # noqa: E731
    chart = go.Figure()
    for i, doc in enumerate(docs):
        for contract in doc["contracts"]:
            rows, colour = contract["months"], COLOURS[clients.index(contract["client"]) % len(COLOURS)]
            x, name = _series(rows, "month"), f"{_plain(doc['scenario'])} — {_plain(contract['client'])}"
            if doc.get("simulation"):
                chart.add_trace(go.Scatter(x=x, y=_series(rows, "simulated_low"), mode="lines", line={"width": 0},
                                           legendgroup=name, showlegend=False, hoverinfo="skip",
                                           name=f"{name} {w('low')}"))
                chart.add_trace(go.Scatter(x=x, y=_series(rows, "simulated_high"), mode="lines",
                                           line={"width": 0}, fill="tonexty", fillcolor=_translucent(colour),
                                           legendgroup=name, name=f"{name} {w('interval')}"))
                chart.add_trace(go.Scatter(x=x, y=_series(rows, "erlang_service_level"), mode="lines",
                                           legendgroup=name, name=f"{name} {w('erlang')}",
                                           line={"color": colour, "dash": "dot", "width": 1}))
            chart.add_trace(go.Scatter(x=x, y=_series(rows, "service_level"), mode="lines", legendgroup=name,
                                       name=name, line={"color": colour, "dash": DASHES[i % len(DASHES)]}))
            actual = [r["service_level"] if r["source"] != "plan" else None for r in rows]
            if any(v is not None for v in actual):
                chart.add_trace(go.Scatter(x=x, y=actual, mode="markers", legendgroup=name,
                                           name=f"{name} {w('actual')}",
                                           marker={"color": colour, "symbol": "diamond", "size": 8}))
    chart.update_layout(yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    return chart


def value_text(figure: str, value: float | None, lang: str, signed: bool = False) -> str:
    """A figure's value as the tables show it: shares in %, counts whole, FTE to a tenth, money whole."""
    if value is None:
        return "—"
    if figure == "service_level":
        text = percent(value, lang)
    else:
        text = number(value, lang, 1 if figure.endswith("fte") or figure == "headcount" else 0)
    if signed and not text.startswith("-"):
        text = "+" + text
    return text


def _scenario_table(docs: list[dict], lang: str) -> str:
    w = lambda key: word(lang, key)  # noqa: E731
    rows: list[list[Cell]] = [[str(i), d["scenario"], d["currency"], d["months"][0],
                               (number(len(d["months"]), lang), "num")] for i, d in enumerate(docs, start=1)]
    return table(["#", w("scenario"), w("currency"), w("first_month"), w("months")], rows, "scenarios")


def _headers(names: list[str], lang: str, first: str) -> list[str]:
    return [*names, *[word(lang, "minus").format(name=n, first=first) for n in names[1:]]]


def totals_section(comparison: dict, lang: str) -> str:
    w = lambda key: word(lang, key)  # noqa: E731
    names = comparison["scenarios"]
    rows: list[list[Cell]] = []
    for row in comparison["totals"]:
        figure = row["figure"]
        shown = "short_fte_total" if figure == "short_fte" else figure
        rows.append([w(shown), *[(value_text(figure, v, lang), "num") for v in row["values"]],
                     *[(value_text(figure, d, lang, signed=True), "num") for d in row["differences"][1:]]])
    return table([w("figure"), *_headers(names, lang, names[0])], rows, "totals", w("totals"))


def differences_section(comparison: dict, lang: str) -> str:
    """One table per figure: a row per month, a column per scenario and per difference from the first."""
    w = lambda key: word(lang, key)  # noqa: E731
    names = comparison["scenarios"]
    by = {(r["figure"], r["month"]): r for r in comparison["rows"]}
    parts = [heading(2, w("differences"), "differences")]
    for figure in FIGURES:
        rows: list[list[Cell]] = []
        for month in comparison["months"]:
            row = by[figure, month]
            rows.append([month, *[(value_text(figure, v, lang), "num") for v in row["values"]],
                         *[(value_text(figure, d, lang, signed=True), "num") for d in row["differences"][1:]]])
        parts.append(table([w("month"), *_headers(names, lang, names[0])], rows, f"differences-{figure}",
                           w(figure)))
    return "".join(parts)


def _months(labels: list[str], lang: str) -> str:
    if not labels:
        return word(lang, "none")
    shown = ", ".join(labels[:4])
    return word(lang, "more").format(shown=shown, n=len(labels) - 4) if len(labels) > 4 else shown


def _worst_simulated(rows: list[dict], lang: str) -> str:
    """The month of lowest simulated service level with its 95 % interval; — when not simulated."""
    simulated = [r for r in rows if r.get("simulated_service_level") is not None]
    if not simulated:
        return "—"
    worst = min(simulated, key=lambda r: r["simulated_service_level"])
    interval = ("" if worst["simulated_low"] is None else
                f" ({percent(worst['simulated_low'], lang)} – {percent(worst['simulated_high'], lang)})")
    return f"{worst['month']}: {percent(worst['simulated_service_level'], lang)}{interval}"


def scenario_sections(doc: dict, index: int, lang: str) -> str:
    """The scenario's hiring plans (months short), contracts over the horizon and phases (late ones marked)."""
    w = lambda key: word(lang, key)  # noqa: E731
    name, currency = doc["scenario"], doc["currency"]
    plans: list[list[Cell]] = []
    for p in doc["hiring"]:
        rows = p["months"]
        short = [r["month"] for r in rows if r["short_fte"] > SHORT]
        gap = (p["objective"] - p["bound"]) / p["objective"] if p["objective"] else 0.0
        plans.append([p["operator"], p["language"], (number(sum(r["hires"] for r in rows), lang), "num"),
                      (number(sum(r["classes"] for r in rows), lang), "num"),
                      (_months(short, lang), "alarm" if short else ""),
                      (number(sum(r["short_fte"] for r in rows), lang, 1), "num"),
                      (f"{number(p['cost'], lang)} {currency}", "num"),
                      w("within").format(how=label(lang, f"stopped_{p['stopped_by']}"), gap=percent(gap, lang, 3))])
    parts = [heading(2, name, f"scenario-{index}"),
             table([w("operator"), w("language"), w("hires"), w("classes"), w("months_short"), w("short_fte_total"),
                    w("cost"), w("search")], plans, f"hiring-{index}", w("hiring").format(name=name))]
    contracts: list[list[Cell]] = []
    for c in doc["contracts"]:
        rows = c["months"]
        below = [r["month"] for r in rows if r["service_level"] is not None and r["service_level"] < c["goal"] - 1e-9]
        actual = [r["month"] for r in rows if r["source"] != "plan"]
        contracts.append([c["client"], c["operator"],
                          *[(number(sum(r[k] for r in rows), lang) + ("" if k == "contacts" else f" {currency}"),
                             "num") for k in ("contacts", "revenue", "bonus", "penalty", "labour_cost", "margin")],
                          _months(below, lang), _months(actual, lang), _worst_simulated(rows, lang)])
    parts.append(table([w("client"), w("operator"), w("contacts"), w("revenue"), w("bonus"), w("penalty"),
                        w("labour_cost"), w("margin"), w("below"), w("actual_months"), w("worst_simulated")],
                       contracts, f"contracts-{index}", w("contracts").format(name=name)))
    phases: list[list[Cell]] = [[b["building"], p["phase"], (number(p["seats"], lang), "num"), p["opening"],
                                 p["needed_by"] or "—", (w("late"), "alarm") if p["late"] else ""]
                                for b in doc["buildings"] for p in b["phases"]]
    parts.append(table([w("building"), w("phase"), w("seats"), w("opens"), w("needed_by"), ""], phases,
                       f"phases-{index}", w("phases").format(name=name)))
    if doc["cable"]:
        busiest = max(doc["cable"], key=lambda r: r["share"])
        parts.append(paragraph(w("cable").format(name=name, share=percent(busiest["share"], lang, 2),
                                                 lines=number(busiest["lines"], lang), month=busiest["month"])))
    return "".join(parts)


def render(docs: list[dict], comparison: dict, lang: str = "en", generated: datetime | None = None) -> str:
    """The report's HTML from `casashore growth --json`'s scenarios and comparison; only ``generated`` (now by
    default) varies between two renders of the same scenarios."""
    stamp = (generated or datetime.now().astimezone()).isoformat(timespec="minutes")
    w = lambda key: word(lang, key)  # noqa: E731
    names = comparison["scenarios"]
    title = " / ".join(names)
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
             f"<title>{html.escape(w('title'))} — {html.escape(title)}</title>"
             f"<style>{STYLE}</style>{plotly_scripts(lang)}</head><body>",
             f"<h1>{html.escape(w('title'))} — {html.escape(title)}</h1>",
             f"<p class='generated'>{html.escape(w('generated'))} <time id='generated'>{stamp}</time></p>",
             paragraph(w("subtitle").format(first=names[0])),
             _scenario_table(docs, lang), totals_section(comparison, lang),
             paragraph(w("money_note").format(units=", ".join(dict.fromkeys(d["currency"] for d in docs)))),
             heading(2, w("charts"), "charts")]
    config = {"displaylogo": False, **({"locale": "fr"} if lang == "fr" else {})}
    for i, (text, figure) in enumerate(figures(docs, lang)):
        figure.update_layout(height=360, margin={"l": 60, "r": 20, "t": 30, "b": 40},
                             separators=", " if lang == "fr" else ".,", xaxis={"type": "category"})
        parts.append(heading(3, text))
        parts.append(figure.to_html(full_html=False, include_plotlyjs=False, config=config,
                                    div_id=f"figure-{i + 1}"))
    parts.append(differences_section(comparison, lang))
    parts += [scenario_sections(doc, i, lang) for i, doc in enumerate(docs, start=1)]
    parts.append("</body></html>")
    return "".join(parts)


def write_growth_report(docs: list[dict], comparison: dict, path: Path, lang: str = "en", *,
                        generated: datetime | None = None) -> None:
    """One HTML file that opens offline; written atomically (a partial file never replaces a good one)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render(docs, comparison, lang, generated), encoding="utf-8")
    partial.replace(path)
