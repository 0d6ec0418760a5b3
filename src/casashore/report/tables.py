"""The plan's numbers a planner prints, as plain rows (no language, no markup): shifts per template and site day,
a summary per site day, and every group's intervals. plan_report.py formats them; tests compare them to the plan."""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from casashore.plan.result import PlanResult

INTERVAL_COLUMNS = ("start", "group", "calls", "aht_s", "required", "required_after_rounds", "scheduled",
                    "service_level", "p_abandon", "bandwidth_bps")
"""The CLI's --output columns (start, group, calls, aht_s, required, scheduled, bandwidth_bps) and what the goal
loop and the simulation add."""


def interval_minutes(plan: PlanResult) -> int:
    starts = plan.staffing.starts
    if len(starts) < 2:
        return 1440
    return int((datetime.fromisoformat(starts[1]) - datetime.fromisoformat(starts[0])).total_seconds() // 60)


def site_days(plan: PlanResult) -> list[date]:
    """The site days of the plan's grid (whole days from midnight, so a schedule's day index counts from the
    first)."""
    return sorted({datetime.fromisoformat(s).date() for s in plan.staffing.starts})


def plan_days(plan: PlanResult) -> list[date]:
    """The scenario's days (plan.start and plan.days): the forecast's client days."""
    return sorted({date.fromisoformat(s[:10]) for s in set(plan.forecast.intervals.values("start"))})


def shown_span(plan: PlanResult) -> range:
    """The intervals of the plan's grid that its outputs show (charts, per-interval tables, CSV, workbook).

    The grid (staffing.starts) is whole site days covering every client's days: a client west of the site (London
    in winter, an hour behind Casablanca) ends its last day after the site's midnight, so the grid has one more
    site day, which the schedule's day indices count from. Shown: the plan's days on the site's clock, widened to
    the first and last intervals the clients' days reach (that last hour past midnight), not the rest of that
    extra day's zeros."""
    starts = [datetime.fromisoformat(s) for s in plan.staffing.starts]
    if not starts or not plan.forecast.intervals:
        return range(len(starts))
    days = plan_days(plan)
    reached = [datetime.fromisoformat(s) for s in set(plan.forecast.intervals.values("site_start"))]
    first = min(datetime.combine(days[0], time()), min(reached))
    end = max(datetime.combine(days[-1] + timedelta(days=1), time()),
              max(reached) + timedelta(minutes=interval_minutes(plan)))
    return range(bisect_left(starts, first), bisect_left(starts, end))


def closed_days(plan: PlanResult, opening_hours: str | None) -> list[date]:
    """The plan's days on which ``opening_hours`` (the scenario's rules) opens no interval: no call is judged there,
    and the outputs say so rather than leave the day out."""
    if opening_hours is None:
        return []
    from casashore.schedule.rules import open_intervals  # numpy and pydantic, already loaded by any plan

    step = interval_minutes(plan)
    closed = []
    for day in plan_days(plan):
        starts = [datetime.combine(day, time()) + timedelta(minutes=m) for m in range(0, 1440, step)]
        if not open_intervals(opening_hours, starts, step, False).any():
            closed.append(day)
    return closed


def _day_of_interval(plan: PlanResult) -> list[date]:
    return [datetime.fromisoformat(s).date() for s in plan.staffing.starts]


def shift_table(plan: PlanResult) -> tuple[list[date], list[tuple[str, list[int]]]]:
    """(site days, [(template, agents starting it each day)]), templates in name order."""
    days = site_days(plan)
    rows: dict[str, list[int]] = {}
    for count in plan.schedule.counts:
        rows.setdefault(count.shift, [0] * len(days))[count.day] += count.agents
    return days, sorted(rows.items())


@dataclass(frozen=True)
class DaySummary:
    """One site day of the daily summary (see ``daily_summary``)."""
    day: date
    calls: float
    agents: int
    """agents starting a shift"""
    paid_hours: float
    service_level: float | None
    p_abandon: float | None
    labour_cost: float


def daily_summary(plan: PlanResult) -> list[DaySummary]:
    """Per site day with calls or agents: calls (forecast, every queue), agents starting a shift, paid hours
    worked that day on the site's clock (a night shift's hours after midnight count for the next day), the
    calls-weighted service level and abandonment of the day's queues (as judged by the verdict; None when no
    queue had enough calls), labour cost."""
    step_h = interval_minutes(plan) / 60
    days = site_days(plan)
    first = days[0] if days else None
    day_of = _day_of_interval(plan)
    calls = dict.fromkeys(days, 0.0)
    for queue in plan.staffing.queues.values():
        for i, c in enumerate(queue.calls):
            calls[day_of[i]] += c
    hours = dict.fromkeys(days, 0.0)
    for agents in plan.schedule.at_work.values():
        for i, n in enumerate(agents):
            hours[day_of[i]] += n * step_h
    starts = dict.fromkeys(days, 0)
    for count in plan.schedule.counts:
        starts[first + timedelta(days=count.day)] += count.agents
    judged: dict[date, list] = {}
    for row in plan.verdict.days:
        judged.setdefault(date.fromisoformat(row.day), []).append(row)
    rate = plan.site.cost_per_agent_hour
    out = []
    for day in days:
        if calls[day] <= 0 and starts[day] == 0 and hours[day] <= 0:
            continue
        rows = judged.get(day, [])
        weight = sum(r.calls for r in rows)
        level = sum(r.calls * r.service_level for r in rows) / weight if weight > 0 else None
        abandon = sum(r.calls * r.p_abandon for r in rows) / weight if weight > 0 else None
        out.append(DaySummary(day=day, calls=calls[day], agents=starts[day], paid_hours=hours[day],
                              service_level=level, p_abandon=abandon, labour_cost=hours[day] * rate))
    return out


def _weighted(rows: list[tuple[float, float | None]]) -> float | None:
    known = [(w, v) for w, v in rows if v is not None and w > 0]
    weight = sum(w for w, _ in known)
    return sum(w * v for w, v in known) / weight if weight > 0 else None


def interval_rows(plan: PlanResult) -> list[dict]:
    """Per agent group (skill) and site interval shown (``shown_span``), in group then time order (one CSV row
    each, keyed by INTERVAL_COLUMNS); service level and abandonment are the calls-weighted means of the group's
    queues (None where no call was offered) — a blended pool's of its voice queue, whose calls the row shows."""
    return list(iter_interval_rows(plan))


def iter_interval_rows(plan: PlanResult) -> Iterator[dict]:
    """``interval_rows`` one at a time: a month of hundreds of queues is ~800,000 rows, ~1 KB each as dicts."""
    staffing, schedule = plan.staffing, plan.schedule
    after = plan.required_after_rounds or staffing.required
    queues_of: dict[str, list] = {}
    for queue in plan.simulation.queues:
        queues_of.setdefault(queue.skill, []).append((queue.channel, queue.intervals))
    out = []
    shown = shown_span(plan)
    for group, required in staffing.required.items():
        channels = queues_of.get(group, [])
        pooled = [q for channel, q in channels if channel is None] or [q for _, q in channels]  # a pool: its calls'
        # The group's queues' rows as (offered, level, abandonment) by interval, one group at a time.
        mine = [dict(zip(q.values("interval"), zip(*(q.values(n) for n in ("offered", "service_level", "p_abandon")),
                                                     strict=True), strict=True)) for q in pooled]
        for i in shown:
            start = staffing.starts[i]
            simulated = [q[i] for q in mine if i in q]
            out.append({"start": start, "group": group, "calls": required.calls[i],
                        "aht_s": required.aht_s[i], "required": required.with_shrinkage[i],
                        "required_after_rounds": after[group].with_shrinkage[i],
                        "scheduled": schedule.scheduled[group][i],
                        "service_level": _weighted([(r[0], r[1]) for r in simulated]),
                        "p_abandon": _weighted([(r[0], r[2]) for r in simulated]),
                        "bandwidth_bps": plan.sizing.bandwidth_bps[i]})
        yield from out
        out.clear()


def interval_csv(rows: Iterable[dict]) -> str:
    """Machine-readable in every language: `.` decimals, full precision (floats written as repr, so reading
    them back gives the plan's numbers exactly), empty where there is no value."""
    return "".join(interval_csv_chunks(rows))


def interval_csv_chunks(rows: Iterable[dict], rows_per_chunk: int = 4096) -> Iterator[str]:
    """``interval_csv`` in pieces of ``rows_per_chunk`` rows (the header in the first)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INTERVAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows, start=1):
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in INTERVAL_COLUMNS})
        if i % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
