"""A plan as an Excel workbook (.xlsx), for the planners who live in Excel: the verdict and its figures, the shift
table, the requirement against the agents scheduled per skill group and site interval, and the daily summary per
site day and queue. Numbers stay numbers (formatted as percent, agents, hours, the site's currency), times are the
site's clock with its zone in the headers, headers are English or French (i18n.py).

Everything comes from PlanResult's typed fields (plan/result.py) and the report's rows (tables.py); the shift
templates' times and breaks, which the plan's result does not carry, from the scenario's shifts when given.
The API's kept plans and the CLI call ``plan_workbook`` alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter

from casashore.domain.shift import ShiftSpec, shift_length_s, time_of_day_min
from casashore.plan.result import PlanResult
from casashore.report import xlsx_style as style
from casashore.report.channels import has_channels
from casashore.report.i18n import label
from casashore.report.tables import (
    closed_days,
    daily_summary,
    iter_interval_rows,
    plan_channels,
    queue_days,
    site_days,
)
from casashore.report.verdict import closed_text, reasons

AGENT_DECIMALS = 6
"""Agents in the Requirement sheet: a millionth of an agent is below any planner's care and above float noise."""


def plan_workbook(plan: PlanResult, lang: str, shifts: Sequence[ShiftSpec] = (),
                  opening_hours: str | None = None) -> bytes:
    """The .xlsx file of ``plan`` in ``lang`` (en or fr); ``shifts`` are the scenario's templates (their start,
    end, skills and breaks fill the shift table; without them those columns stay empty), ``opening_hours`` its
    rules' (its closed days named in the verdict and the daily summary). The same plan gives the same bytes."""
    book = style.new_book()
    closed = closed_days(plan, opening_hours)
    _verdict_sheet(book, plan, lang, closed_text(plan, opening_hours, lang))
    _shift_sheet(book, plan, lang, {s.name: s for s in shifts})
    _interval_sheet(book, plan, lang)
    _daily_sheet(book, plan, lang, closed)
    first = site_days(plan)[0] if plan.staffing.starts else date(2000, 1, 1)
    return style.as_bytes(book, datetime.combine(first, datetime.min.time()))


def _t(lang: str, key: str, **words: str) -> str:
    return label(lang, key).format(**words)


def _verdict_sheet(book, plan: PlanResult, lang: str, closed: str | None) -> None:
    t = lambda key, **w: _t(lang, key, **w)  # noqa: E731
    verdict, schedule, sizing = plan.verdict, plan.schedule, plan.sizing
    ws = style.sheet(book, t("xl_verdict"), [t("metric"), t("value")])
    ws.append([t("verdict"), t(f"verdict_{verdict.status}")])
    for text in [*(text for text, _ in reasons(plan, lang)), *([closed] if closed else [])]:
        ws.append([t("xl_reason"), text])
    rows: list[tuple[str, object, str | None]] = [
        (t("coverage_share"), verdict.coverage, _share_format(verdict.coverage)),
        (t("schedule_cost"), schedule.cost, "#,##0.00"),
        (t("xl_bound"), schedule.bound, "#,##0.00"),
        (t("xl_gap"), schedule.gap, "0.00%"),
        (t("stopped"), t(f"stopped_{schedule.stopped_by}") if schedule.stopped_by else "", None),
        (t("xl_rounds"), verdict.rounds, style.COUNT),
        (t("seats_at_peak"), sizing.seats_at_peak, style.COUNT),
        (t("seats_available"), sizing.seats_available, style.COUNT),
        (t("fte"), sizing.fte, "0.0"),
        (t("jobs"), sizing.jobs, style.COUNT),
        (t("paid_hours"), sizing.paid_hours, "#,##0.0"),
        (t("labour_cost"), sizing.labour_cost, style.currency(sizing.currency)),
        (t("phone_lines"), sizing.phone_lines, style.COUNT),
        (t("link_share"), sizing.link_share, "0.000%"),
        (t("xl_site_zone"), plan.site.time_zone, None),
    ]
    for key, value, fmt in rows:
        ws.append([key, value])
        if fmt:
            ws.cell(ws.max_row, 2).number_format = fmt
    ws.cell(2, 2).font = style.BOLD
    if verdict.status != "met":
        ws.cell(2, 2).fill = style.SHORT_FILL
    style.widths(ws, most=100)


def _share_format(share: float) -> str:
    """A percent with the digits that keep a share short of 100 % from showing as 100 % (as the report does)."""
    digits = 1
    while share < 1 and round(100 * share, digits) >= 100 and digits < 6:
        digits += 1
    return f"0.{'0' * digits}%"


def _shift_sheet(book, plan: PlanResult, lang: str, specs: dict[str, ShiftSpec]) -> None:
    t = lambda key, **w: _t(lang, key, **w)  # noqa: E731
    zone = plan.site.time_zone
    ws = style.sheet(book, t("xl_shifts"), [t("template"), t("day"), t("xl_start", zone=zone), t("xl_end", zone=zone),
                                            t("xl_skills"), t("xl_agents"), t("xl_breaks")], freeze="B2")
    days = site_days(plan)
    for count in sorted(plan.schedule.counts, key=lambda c: (c.day, c.shift)):
        day = days[count.day] if count.day < len(days) else days[0] + timedelta(days=count.day)
        spec = specs.get(count.shift)
        start = end = None
        if spec is not None:
            start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=time_of_day_min("start",
                                                                                                  spec.start))
            end = start + timedelta(seconds=shift_length_s("length", spec.length))
        ws.append([count.shift, day, start, end, spec.group if spec else None, count.agents,
                   (spec.breaks or None) if spec else None])
    style.number_formats(ws, {2: style.DATE[lang], 3: style.DATE_TIME[lang], 4: style.DATE_TIME[lang],
                              6: style.COUNT})
    ws.auto_filter.ref = ws.dimensions
    style.widths(ws)
    style.for_print(ws)


def _interval_sheet(book, plan: PlanResult, lang: str) -> None:
    t = lambda key, **w: _t(lang, key, **w)  # noqa: E731
    calls = t("xl_contacts" if has_channels(plan) else "xl_calls")  # chats and email items are not calls
    header = [t("xl_start", zone=plan.site.time_zone), t("xl_group"), calls, t("xl_aht"), t("xl_required"),
              t("xl_required_after"), t("xl_scheduled"), t("xl_short"), t("xl_service"), t("xl_abandon")]
    ws = style.sheet(book, t("xl_intervals"), header, freeze="C2")
    for row in iter_interval_rows(plan):
        # Agents to 6 decimals: the schedule's are whole agents less the shares on break, whose sums leave float
        # noise (21.99999999999999, a Short of 7e-15) that a filter "Short > 0" would catch.
        required, scheduled = round(row["required_after_shrinkage_and_rounds"], AGENT_DECIMALS), round(row["scheduled"],
                                                                                          AGENT_DECIMALS)
        short = max(0.0, round(required - scheduled, AGENT_DECIMALS))
        ws.append([datetime.fromisoformat(row["start"]), row["group"], row["calls"], row["aht_s"],
                   round(row["required_after_shrinkage"], AGENT_DECIMALS), required, scheduled, short,
                   row["service_level"], row["p_abandon"]])
    style.number_formats(ws, {1: style.DATE_TIME[lang], 3: style.CALLS, 4: style.SECONDS, 5: style.AGENTS,
                              6: style.AGENTS, 7: style.AGENTS, 8: style.AGENTS, 9: style.PERCENT,
                              10: style.PERCENT})
    if ws.max_row > 1:
        # Excel's own conditional format: a row stays flagged (or not) when a planner edits its numbers.
        cells = f"A2:{get_column_letter(len(header))}{ws.max_row}"
        ws.conditional_formatting.add(cells, FormulaRule(formula=["ROUND($F2-$G2,6)>0"], fill=style.SHORT_FILL))
    ws.auto_filter.ref = ws.dimensions
    style.widths(ws)
    style.for_print(ws)


def _daily_sheet(book, plan: PlanResult, lang: str, closed: list[date]) -> None:
    """Per site day: each queue judged by its own goal (email: the share within the deadline, and its backlog at
    the day's end; voice and chat: their ASA too), then, in a plan of several channels, each channel's queues
    together (never one level across channels), then the day's contacts, agents, hours and cost."""
    t = lambda key, **w: _t(lang, key, **w)  # noqa: E731
    currency = plan.sizing.currency
    calls = t("xl_contacts" if has_channels(plan) else "xl_calls")
    header = [t("day"), t("queue"), calls, t("xl_agents_started"), t("xl_paid_hours"),
              t("xl_cost", currency=currency), t("xl_service"), t("xl_sl_low"), t("xl_sl_high"), t("xl_goal"),
              t("xl_abandon"), t("xl_status"), t("xl_channel"), t("xl_asa"), t("xl_backlog_end")]
    ws = style.sheet(book, t("xl_daily"), header, freeze="C2")
    judged: dict[date, list] = {}
    for row in plan.verdict.days:
        judged.setdefault(date.fromisoformat(row.day), []).append(row)
    forecast: dict[tuple[str, date], float] = {}  # the forecast's calls, as the day's total counts them
    for name, volume in plan.staffing.queues.items():
        for start, calls in zip(plan.staffing.starts, volume.calls, strict=True):
            key = (name, datetime.fromisoformat(start).date())
            forecast[key] = forecast.get(key, 0.0) + calls
    totals = []
    summary = {day.day: day for day in daily_summary(plan)}
    simulated = queue_days(plan)
    several = len(plan_channels(plan)) > 1
    for when in sorted({*summary, *closed}):
        if when in closed and when not in summary:  # said, not dropped: no row would leave the day unexplained
            ws.append([when, t("xl_all_queues"), 0.0, 0, 0.0, 0.0, None, None, None, None, None, t("closed"), None,
                       None, None])
            totals.append(ws.max_row)
            continue
        day = summary[when]
        for q in judged.get(day.day, []):
            low = max(0.0, q.service_level - q.service_level_ci95)
            high = min(1.0, q.service_level + q.service_level_ci95)
            channel = q.channel or "voice"
            mine = simulated.get((q.queue, day.day))
            ws.append([day.day, q.queue, forecast.get((q.queue, day.day), 0.0), None, None, None, q.service_level,
                       low, high, q.goal, None if channel == "email" else q.p_abandon, t(q.status), t(channel),
                       mine and mine.asa_s, mine and mine.backlog_end])
            if q.status != "met":
                ws.cell(ws.max_row, 12).fill = style.SHORT_FILL
        for c in day.channels if several else ():
            ws.append([day.day, t("xl_all_channel", channel=t(c.channel)), c.contacts, None, None, None,
                       c.service_level, None, None, None, c.p_abandon, None, t(c.channel), c.asa_s, c.backlog_end])
        alone = None if several or not day.channels else day.channels[0]
        ws.append([day.day, t("xl_all_queues"), day.calls, day.agents, day.paid_hours, day.labour_cost,
                   alone and alone.service_level, None, None, None, alone and alone.p_abandon, None,
                   alone and t(alone.channel), alone and alone.asa_s, alone and alone.backlog_end])
        totals.append(ws.max_row)
    style.number_formats(ws, {1: style.DATE[lang], 3: style.CALLS, 4: style.COUNT, 5: style.HOURS,
                              6: style.currency(currency), 7: style.PERCENT, 8: style.PERCENT, 9: style.PERCENT,
                              10: style.PERCENT, 11: style.PERCENT, 14: style.HOURS, 15: style.CALLS})
    style.bold_rows(ws, totals)
    style.widths(ws)
    style.for_print(ws)
