"""The plan as one self-contained HTML file, in English or French: the verdict at the top (report/verdict.py),
what a planner prints (shifts per day, a daily summary, the per-interval CSV embedded as a download), a summary
table and plotly charts (the library inlined once, so it opens offline). Deterministic: the same plan gives the
same bytes apart from the generation time (fixed figure ids, no random ones)."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from casashore.plan.result import PlanResult
from casashore.report.assumptions import assumptions_section
from casashore.report.channels import backlog_figure, channel_section, has_channels
from casashore.report.i18n import PLOTLY_LOCALE_FR, bits, day_name, label, number, percent, wait
from casashore.report.markup import Cell, heading, table
from casashore.report.tables import (
    DaySummary,
    daily_summary,
    interval_csv_chunks,
    interval_minutes,
    iter_interval_rows,
    plan_channels,
    shift_table,
    shown_span,
)
from casashore.report.verdict import verdict_section


def figures(plan: PlanResult, lang: str) -> list[tuple[str, go.Figure]]:
    """(title, figure) for every chart of the plan. Series go to plotly as numpy arrays, which it takes as they
    are (a list is checked element by element: minutes for a month of hundreds of queues), and each pass over the
    plan's intervals is one pass, not one per queue."""
    t = lambda key: label(lang, key)  # noqa: E731
    out = []
    forecast = go.Figure()
    rows = plan.forecast.intervals
    names = np.array(rows.values("queue"), dtype=object)
    starts = _times(rows.values("start"))
    columns = {name: rows.column(name) for name in ("calls", "calls_lo_80", "calls_hi_80")}
    for queue in sorted(set(names.tolist())):
        mine = names == queue
        x = starts[mine]
        forecast.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]),
                                      y=np.concatenate([columns["calls_hi_80"][mine],
                                                        columns["calls_lo_80"][mine][::-1]]),
                                      fill="toself", opacity=0.2, line={"width": 0}, showlegend=False,
                                      hoverinfo="skip", name=f"{queue} {t('band_80')}"))
        forecast.add_trace(go.Scatter(x=x, y=columns["calls"][mine], name=queue, mode="lines"))
    channels = has_channels(plan)  # a chat queue's sessions and an email queue's items are not calls
    forecast.update_layout(yaxis_title=t("contacts_axis" if channels else "calls"))
    out.append((t("forecast_contacts" if channels else "forecast"), forecast))
    staffing, schedule = plan.staffing, plan.schedule
    # The intervals the outputs show (tables.shown_span: not the zeros of the grid's extra site day), and one x
    # range for every chart: error bars would otherwise widen one axis past the others.
    shown = shown_span(plan)
    x_all = _times(staffing.starts)[shown.start:shown.stop]
    cut = lambda values: _values(values)[shown.start:shown.stop]  # noqa: E731
    coverage = go.Figure()
    for group, req in staffing.required.items():
        coverage.add_trace(go.Scatter(x=x_all, y=cut(req.with_shrinkage), name=f"{group} {t('required')}",
                                      mode="lines", line={"dash": "dot"}))
        coverage.add_trace(go.Scatter(x=x_all, y=cut(schedule.scheduled[group]),
                                      name=f"{group} {t('scheduled')}", mode="lines", line={"shape": "hv"}))
    out.append((t("coverage"), coverage))
    service = go.Figure()
    every = len(staffing.starts)
    for queue in plan.simulation.queues:
        # NaN (null in the page) where no call is offered, so the line breaks over closed hours.
        sl, half = np.full(every, np.nan), np.full(every, np.nan)
        rows = queue.intervals
        level, shown_at = rows.column("service_level"), np.asarray(rows.values("interval"))
        judged = (rows.column("offered") > 0.5) & ~np.isnan(level)
        sl[shown_at[judged]] = level[judged]
        half[shown_at[judged]] = np.nan_to_num(rows.column("service_level_ci95"), nan=0.0)[judged]
        service.add_trace(go.Scatter(x=x_all, y=cut(sl), name=queue.queue, mode="lines",
                                     error_y={"type": "data", "array": cut(half), "thickness": 0.6, "width": 0}))
    # One line per distinct goal (a site of hundreds of queues has a handful of goals).
    for goal in sorted({q.service_level_goal for q in plan.simulation.queues}):
        service.add_hline(y=goal, line_dash="dot", annotation_text=t("goal"))
    service.update_layout(yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    out.append((t("service"), service))
    occupancy = go.Figure()
    for group in plan.simulation.groups:
        values = np.full(every, np.nan)
        values[np.asarray(group.intervals.values("interval"))] = group.intervals.column("occupancy")
        # A chat group's occupancy counts an agent holding any chat as busy: named for it (its slot use, the share
        # of the chat slots in use, is in the Channels section).
        chat = group.group in staffing.required and staffing.required[group.group].channel == "chat"
        name = f"{group.group}: {t('holding_chat')}" if chat else group.group
        occupancy.add_trace(go.Scatter(x=x_all, y=cut(values), name=name, mode="lines"))
    occupancy.update_layout(yaxis={"range": [0, 1.02], "tickformat": ".0%"})
    out.append((t("occupancy"), occupancy))
    link = go.Figure(go.Scatter(x=x_all, y=cut(plan.sizing.bandwidth_bps), mode="lines", name=t("voice")))
    link.update_layout(yaxis_title="bit/s")
    out.append((t("bandwidth"), link))
    if (backlog := backlog_figure(plan, lang)) is not None:
        out.append((t("backlog"), backlog))
    if len(x_all):
        end = datetime.fromisoformat(staffing.starts[shown.stop - 1]) + timedelta(minutes=interval_minutes(plan))
        for _, figure in out:
            figure.update_xaxes(range=[x_all[0], end.isoformat()])
    return out


def _times(starts) -> np.ndarray:
    """Instants as the page shows them: ISO text with the UTC offset, one array (plotly keeps it as is)."""
    return np.array([s if isinstance(s, str) else s.isoformat() for s in starts], dtype=object)


def _values(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def summary_rows(plan: PlanResult, lang: str) -> list[tuple[str, str]]:
    s = plan.sizing
    t = lambda key: label(lang, key)  # noqa: E731
    rows = [(t("seats_at_peak"), f"{number(s.seats_at_peak, lang)} / {number(s.seats_available, lang)}"),
            (t("floor_m2"), number(s.floor_m2, lang)), (t("fte"), number(s.fte, lang, 1)),
            (t("jobs"), number(s.jobs, lang)),
            *([(t("people_at_least"), number(s.people_at_least, lang))] if s.people_at_least is not None else []),
            (t("paid_hours"), number(s.paid_hours, lang, 1)),
            (t("labour_cost"), f"{number(s.labour_cost, lang)} {s.currency}"),
            (t("phone_lines"), number(s.phone_lines, lang)),
            (t("busy_bandwidth"), bits(s.busy_bandwidth_bps, lang)),
            (t("link_share"), percent(s.link_share, lang, 3)),
            (t("schedule_status"),
             f"{t(plan.schedule.status)}, {t('gap')} {percent(plan.schedule.gap or 0, lang, 2)}"),
            (t("models"), ", ".join(f"{q}: {m}" for q, m in plan.forecast.models.items()))]
    for q in plan.simulation.queues:
        m = q.measures
        if q.channel == "email":  # no abandonment: the share taken up within the deadline, and the mean wait, in
            rows.append((f"{t('queue')} {q.queue} ({t('email')})", f"{t('share_within_deadline')} "  # hours
                         f"{percent(m.service_level or 0, lang)} ± {percent(m.service_level_ci95 or 0, lang)}, "
                         f"{t('mean_wait')} {wait(m.asa or 0, lang)}"))
            continue
        rows.append((f"{t('queue')} {q.queue}{f' ({t(q.channel)})' if q.channel else ''}",
                     f"{t('service_level')} {percent(m.service_level or 0, lang)}"
                     f" ± {percent(m.service_level_ci95 or 0, lang)}, {t('p_abandon')} "
                     f"{percent(m.p_abandon or 0, lang)}, {t('asa')} {number(m.asa or 0, lang, 1)}"))
    return rows


STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#111}
table{border-collapse:collapse;margin:.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eee}td.num,th.num{text-align:right}
.verdict{border:3px solid #888;border-radius:.4rem;padding:.2rem 1rem 1rem;margin-bottom:2rem}
.verdict.met{border-color:#2e7d32}.verdict.at_risk{border-color:#c77700}.verdict.not_met{border-color:#c62828}
.verdict-status{font-size:1.6rem;font-weight:700;margin:.3rem 0}
td.met,.verdict-status.met{background:#dcefdc}td.at_risk,.verdict-status.at_risk{background:#fdebc8}
td.not_met,.verdict-status.not_met{background:#f8d4d4}td.none{color:#777}
.alarm{background:#c62828!important;color:#fff;font-weight:700;padding:.2rem .4rem}
.download{display:inline-block;padding:.4rem .8rem;border:1px solid #1565c0;border-radius:.3rem;color:#1565c0;
text-decoration:none;font-weight:600}
.generated{color:#555}
@media print{
 body{margin:0;max-width:none;font-size:10pt}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 table{page-break-inside:auto;font-size:9pt}tr,td,th{page-break-inside:avoid}thead{display:table-header-group}
 h2,h3,caption{page-break-after:avoid}.download,.modebar-container{display:none!important}
 .plotly-graph-div{page-break-inside:avoid}
}
"""


def shift_section(plan: PlanResult, days: list, lang: str) -> str:
    """Template x site day: agents starting the shift (days: the daily summary's, so both tables agree)."""
    t = lambda key: label(lang, key)  # noqa: E731
    all_days, templates = shift_table(plan)
    columns = [all_days.index(day) for day in days]
    rows: list[list[Cell]] = []
    for name, agents in templates:
        picked = [agents[i] for i in columns]
        rows.append([name, *[(number(n, lang), "num") for n in picked], (number(sum(picked), lang), "num")])
    totals = [sum(agents[i] for _, agents in templates) for i in columns]
    rows.append([t("total"), *[(number(n, lang), "num") for n in totals], (number(sum(totals), lang), "num")])
    headers = [t("template"), *[day_name(day, lang) for day in days], t("total")]
    return table(headers, rows, "shift-table", t("shift_table"))


def channel_columns(channels: list[str], lang: str) -> list[tuple[str, str, str]]:
    """The daily summary's measure columns, each channel's own: (channel, field of ChannelDay, header). A plan of
    one channel names the measures alone, as a voice plan's report always did; several, each after its channel."""
    t = lambda key: label(lang, key)  # noqa: E731
    measures = {"voice": [("service_level", t("service_level")), ("asa_s", t("asa")), ("p_abandon", t("p_abandon"))],
                "chat": [("service_level", t("service_level")), ("asa_s", t("asa")), ("p_abandon", t("p_abandon"))],
                "email": [("service_level", t("within_deadline")), ("backlog_end", t("backlog_day_end"))]}
    named = len(channels) > 1
    lower = lambda h: h if h[:2].isupper() else h[0].lower() + h[1:]  # noqa: E731 (ASA stays ASA)
    colon = " : " if lang == "fr" else ": "  # French puts a space before the colon
    return [(c, field, f"{t(c).capitalize()}{colon}{lower(header)}" if named else header)
            for c in channels for field, header in measures[c]]


def contacts_header(channels: list[str], lang: str) -> str:
    """The daily summary's contacts column, naming only the channels the plan has: forecast contacts (the
    verdict's ``days[].calls`` are the simulation's arrivals, which differ by its random draws)."""
    kinds = ", ".join(label(lang, f"{c}_contacts") for c in channels)
    return label(lang, "contacts").format(kinds=kinds)


def daily_section(summary: list[DaySummary], channels: list[str], currency: str, lang: str) -> str:
    t = lambda key: label(lang, key)  # noqa: E731
    columns = channel_columns(channels, lang)

    def shown(day: DaySummary, channel: str, field: str) -> Cell:
        value = next((getattr(c, field) for c in day.channels if c.channel == channel), None)
        if value is None:
            return ("—", "num")
        if field == "asa_s" and 0 < value < 0.5:
            return ("< 1 s", "num")  # a wait, however short, is not 0 s
        if field in ("asa_s", "backlog_end"):
            return (number(value, lang), "num")
        return (percent(value, lang), "num")

    rows: list[list[Cell]] = [[day_name(d.day, lang), (number(d.calls, lang), "num"),
                               (number(d.agents, lang), "num"), (number(d.paid_hours, lang, 1), "num"),
                               *[shown(d, c, field) for c, field, _ in columns],
                               (f"{number(d.labour_cost, lang)} {currency}", "num")] for d in summary]
    rows.append([t("total"), (number(sum(d.calls for d in summary), lang), "num"),
                 (number(sum(d.agents for d in summary), lang), "num"),
                 (number(sum(d.paid_hours for d in summary), lang, 1), "num"), *[""] * len(columns),
                 (f"{number(sum(d.labour_cost for d in summary), lang)} {currency}", "num")])
    contacts = t("calls").capitalize() if channels == ["voice"] else contacts_header(channels, lang)
    headers = [t("day"), contacts, t("agents_started"), t("paid_hours_day"), *[h for _, _, h in columns],
               t("labour_cost_day")]
    return table(headers, rows, "daily-summary", t("daily"))


def csv_section(plan: PlanResult, lang: str, file_stem: str) -> Iterator[str]:
    """The per-interval table as a CSV inside the page: a download link on a data: URI (no network, no script),
    in pieces: a month of hundreds of queues is ~800,000 rows, ~160 MB of base64, never held whole."""
    # One row per group and shown interval (tables.iter_interval_rows): the count is known before the rows.
    count = len(plan.staffing.required) * len(shown_span(plan))
    link_text = html.escape(label(lang, "download_csv"))
    name = html.escape(f"{file_stem}-intervals.csv", quote=True)
    yield (heading(2, label(lang, "interval_csv"), "intervals") +
           f"<p>{html.escape(label(lang, 'interval_csv_text').format(rows=number(count, lang)))}</p>"
           f"<p><a id='interval-csv' class='download' download='{name}' href='data:text/csv;charset=utf-8;base64,")
    # Rows, CSV and base64 made a chunk at a time; base64 of pieces cut at multiples of 3 bytes is the base64 of
    # the whole.
    pending = b""
    for chunk in interval_csv_chunks(iter_interval_rows(plan)):
        pending += chunk.encode("utf-8")
        cut = len(pending) - len(pending) % 3
        yield base64.b64encode(pending[:cut]).decode("ascii")
        pending = pending[cut:]
    yield base64.b64encode(pending).decode("ascii")
    yield f"'>{link_text}</a></p>"


def plotly_scripts(lang: str) -> str:
    """plotly.js once, inlined (the report opens offline), and its French locale when the report is French."""
    scripts = ("<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
               f"<script>{get_plotlyjs()}</script>")
    if lang == "fr":
        scripts += f"<script>Plotly.register({json.dumps(PLOTLY_LOCALE_FR, ensure_ascii=False)});</script>"
    return scripts


def download_stem(title: str) -> str:
    """The CSV's file name from the site's name (not the report's path: the same plan gives the same bytes)."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "plan"


def render(plan: PlanResult, lang: str = "en", title: str = "", generated: datetime | None = None,
           opening_hours: str | None = None) -> str:
    """The report's HTML. Only ``generated`` (now by default) varies between two renders of the same plan;
    ``opening_hours`` (the scenario's rules) names its closed days."""
    return "".join(render_pieces(plan, lang, title, generated, opening_hours))


def render_pieces(plan: PlanResult, lang: str = "en", title: str = "", generated: datetime | None = None,
                  opening_hours: str | None = None) -> Iterator[str]:
    """``render``'s HTML in pieces, each made as it is written (the CSV and each chart): never the whole page."""
    stamp = (generated or datetime.now().astimezone()).isoformat(timespec="minutes")
    t = lambda key: label(lang, key)  # noqa: E731
    summary = daily_summary(plan)
    yield (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{STYLE}</style>{plotly_scripts(lang)}</head><body>")
    yield f"<h1>{html.escape(t('title'))} — {html.escape(title)}</h1>"
    yield f"<p class='generated'>{html.escape(t('generated'))} <time id='generated'>{stamp}</time></p>"
    yield verdict_section(plan, lang, opening_hours)
    yield assumptions_section(plan, lang)
    yield shift_section(plan, [d.day for d in summary], lang)
    yield daily_section(summary, plan_channels(plan), plan.sizing.currency, lang)
    if has_channels(plan):
        yield channel_section(plan, lang)
    yield from csv_section(plan, lang, download_stem(title))
    yield heading(2, t("summary")) + "<table id='summary'>"
    yield from [f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in summary_rows(plan, lang)]
    yield "</table>"
    config = {"displaylogo": False, **({"locale": "fr"} if lang == "fr" else {})}
    for i, (heading_text, figure) in enumerate(figures(plan, lang)):
        figure.update_layout(height=380, margin={"l": 50, "r": 20, "t": 30, "b": 40},
                             separators=", " if lang == "fr" else ".,")
        yield heading(2, heading_text)
        # A fixed id per chart: plotly's default is a random uuid, which would change the bytes on every write.
        yield figure.to_html(full_html=False, include_plotlyjs=False, config=config, div_id=f"figure-{i + 1}")
    yield "</body></html>"


def write_report(plan: PlanResult, path: Path, lang: str = "en", title: str = "", *,
                 generated: datetime | None = None, opening_hours: str | None = None) -> None:
    """One HTML file that opens offline; written atomically (a partial file never replaces a good one)."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as page:  # the page written as it is made, piece by piece
            for piece in render_pieces(plan, lang, title, generated, opening_hours):
                page.write(piece)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
