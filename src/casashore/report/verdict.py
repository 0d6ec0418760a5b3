"""The top of the report: is the plan good (goals met, at risk, not met), and why — requirement covered, the
schedule's cost against its proven bound and how the search stopped, each queue's goal per site day, the goal
loop's rounds, and the intervals no allowed shift can cover."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from casashore.plan.result import PlanResult, Verdict
from casashore.report.channels import deferred_hours, has_channels
from casashore.report.i18n import day_name, label, number, percent
from casashore.report.markup import Cell, bullet_list, heading, paragraph, table
from casashore.report.tables import closed_days, interval_minutes


def _queue_days(verdict: Verdict, status: str, lang: str) -> list[str]:
    return [f"{d.queue} {day_name(date.fromisoformat(d.day), lang)}" for d in verdict.days if d.status == status]


def reasons(plan: PlanResult, lang: str) -> list[tuple[str, str]]:
    """The verdict's reasons in words, each with its CSS class (the safety limit is an alarm)."""
    verdict, t = plan.verdict, lambda key: label(lang, key)
    out = []
    for reason in verdict.reasons:
        kind = reason.reason
        if kind in ("goal_not_met", "goal_at_risk"):
            days = _queue_days(verdict, kind.removeprefix("goal_"), lang)
            out.append((t(f"reason_{kind}").format(n=len(days), days=", ".join(days)), f"reason {kind}"))
        elif kind == "uncoverable":
            out.append((t("reason_uncoverable").format(n=len(reason.intervals or [])), f"reason {kind}"))
        else:  # safety_limit, and any reason added later (named by its key rather than hidden)
            out.append((t(f"reason_{kind}"), f"reason {kind} alarm"))
    return out


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def cost_against_bound(plan: PlanResult, lang: str) -> str:
    """The schedule's cost, and its objective's distance from the proven lower bound it is measured against."""
    schedule = plan.schedule
    cost = number(schedule.cost, lang, 1)
    bound, objective, gap = schedule.bound, schedule.objective, schedule.gap
    if not (_finite(bound) and _finite(objective) and gap is not None):
        return cost
    words = {"cost": cost, "gap": percent(gap, lang, 2), "bound": number(bound, lang, 1),
             "objective": number(objective, lang, 1)}
    same = abs(objective - schedule.cost) <= 1e-6 * max(1.0, abs(objective))
    return label(lang, "cost_within" if same else "objective_within").format(**words)


def coverage_text(share: float, lang: str) -> str:
    """The share covered, never rounded up to 100 % when some requirement is left short."""
    digits = 1
    while share < 1 and round(100 * share, digits) >= 100 and digits < 6:
        digits += 1
    return percent(share, lang, digits)


def facts(plan: PlanResult, lang: str) -> list[list[Cell]]:
    verdict, t = plan.verdict, lambda key: label(lang, key)
    stopped = verdict.stopped_by or plan.schedule.stopped_by or ""
    stop_cell: Cell = t(f"stopped_{stopped}") if stopped else "—"
    if stopped == "time_safety":
        stop_cell = (t("stopped_time_safety"), "alarm")
    covered = coverage_text(verdict.coverage, lang)
    if deferred := deferred_hours(plan):
        hours = number(sum(h for _, h in deferred.values()), lang, 1)
        covered = f"{covered} ({t('coverage_email').format(hours=hours)})"
    return [[t("coverage_share"), covered],
            [t("schedule_cost"), cost_against_bound(plan, lang)],
            [t("stopped"), stop_cell]]


def goals_table(plan: PlanResult, lang: str) -> str:
    """Queue x site day: service level ± half-width vs goal, coloured by the day's status."""
    t = lambda key: label(lang, key)  # noqa: E731
    days = sorted({d.day for d in plan.verdict.days})
    cells = {(d.queue, d.day): d for d in plan.verdict.days}
    queues = [q.queue for q in plan.simulation.queues]
    rows: list[list[Cell]] = []
    for queue in queues:
        row: list[Cell] = [queue]
        for day in days:
            d = cells.get((queue, day))
            if d is None:
                row.append((t("no_contacts" if has_channels(plan) else "no_calls"), "none"))
                continue
            text = t("day_cell").format(level=percent(d.service_level, lang),
                                        half=percent(d.service_level_ci95, lang),
                                        goal=percent(d.goal, lang, 0), status=t(d.status))
            row.append((text, d.status))
        rows.append(row)
    headers = [t("queue")] + [day_name(date.fromisoformat(day), lang) for day in days]
    return table(headers, rows, "goals-per-day", t("goals_per_day"))


def rounds_table(plan: PlanResult, lang: str) -> str:
    t = lambda key: label(lang, key)  # noqa: E731
    rows: list[list[Cell]] = []
    for i, r in enumerate(plan.rounds, start=1):
        missed = ", ".join(f"{skill}: {number(n, lang)}" for skill, n in sorted(r.missed_intervals.items()))
        gap = percent(r.gap, lang, 2) if r.gap is not None else "—"
        rows.append([number(i, lang), number(r.cost, lang, 1), gap, missed or t("none")])
    return table([t("round"), t("cost"), t("gap_header"), t("missed")], rows, "rounds", t("rounds"))


def uncoverable_ranges(plan: PlanResult) -> list[tuple[str, date, str, str]]:
    """(skill, site day, first start HH:MM, end HH:MM): runs of consecutive uncoverable intervals, cut at
    midnight."""
    step = timedelta(minutes=interval_minutes(plan))
    runs: list[list] = []
    for item in sorted(plan.schedule.uncoverable, key=lambda u: (u.skill, u.start)):
        start = datetime.fromisoformat(item.start)
        last = runs[-1] if runs else None
        if last and last[0] == item.skill and last[2] + step == start and start.date() == last[1].date():
            last[2] = start
        else:
            runs.append([item.skill, start, start])
    return [(skill, first.date(), f"{first:%H:%M}", f"{last + step:%H:%M}") for skill, first, last in runs]


def uncoverable_section(plan: PlanResult, lang: str) -> str:
    t = lambda key: label(lang, key)  # noqa: E731
    ranges = uncoverable_ranges(plan)
    if not ranges:
        return heading(3, t("uncoverable")) + paragraph(t("none"), "none")
    rows: list[list[Cell]] = [[skill, day_name(day, lang), f"{first}–{end}"] for skill, day, first, end in ranges]
    return heading(3, t("uncoverable")) + table([t("skill"), t("day"), t("interval")], rows, "uncoverable")


def closed_text(plan: PlanResult, opening_hours: str | None, lang: str) -> str | None:
    """The plan's closed days named (they have no row in the goals, the daily summary or the verdict's count),
    or None when the site opens every day of the plan."""
    closed = closed_days(plan, opening_hours)
    if not closed:
        return None
    return label(lang, "closed_days").format(hours=opening_hours, days=", ".join(day_name(d, lang) for d in closed))


def verdict_section(plan: PlanResult, lang: str, opening_hours: str | None = None) -> str:
    t = lambda key: label(lang, key)  # noqa: E731
    status = plan.verdict.status
    parts = [f"<section id='verdict' class='verdict {status}' data-status='{status}'>", heading(2, t("verdict")),
             paragraph(t(f"verdict_{status}"), f"verdict-status {status}")]
    closed = closed_text(plan, opening_hours, lang)
    if closed:
        parts.append(paragraph(closed, "closed-days"))
    listed = reasons(plan, lang)
    if listed:
        parts.append(bullet_list(listed, "verdict-reasons"))
    parts.append(table([t("metric"), t("value")], facts(plan, lang), "verdict-facts"))
    parts += [goals_table(plan, lang), rounds_table(plan, lang), uncoverable_section(plan, lang), "</section>"]
    return "".join(parts)
