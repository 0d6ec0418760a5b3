"""Goals met, not assumed: what the simulated schedule gives each queue, interval by interval and day by day, and
where the requirement must rise for the next round of scheduling.

A queue's goal is a share of its calls answered within ``target_s``. Per interval the simulator gives the service
level with a 95 % half-width over its replications; an interval *misses* when even the top of its confidence
interval is below the goal. A plan judges hundreds of intervals at once, so at 95 % each, about one in forty
intervals that truly meet their goal would look like misses; the intervals are therefore simultaneous
(Bonferroni: each at 1 - 0.05 / judged intervals, Student's t with replications - 1 degrees of freedom), so that
what is raised is a miss the simulation shows, not noise. Per day (on the site's clock), the service level
is the calls-weighted mean of the day's intervals, its half-width combined as for independent intervals:

    SL_day = sum(w_i SL_i),  w_i = offered_i / sum(offered),  h_day = sqrt(sum((w_i h_i)^2))

and the day is *met* when SL_day >= goal, *at risk* when SL_day < goal <= SL_day + h_day, *not met* otherwise.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime

import numpy as np
from scipy.special import stdtrit  # Student t quantiles; scipy.stats costs 1.5 s of imports

from casashore.plan.result import (
    DayLevel,
    GoalRound,
    Schedule,
    Staffing,
    Verdict,
    VerdictReason,
)
from casashore.simulate.results import QueueResult, SimulatedCentre

MIN_CALLS = 1.0
"""Intervals with fewer calls than this on average are not judged: one call more or less swings their level."""


def _judged(simulation: SimulatedCentre, min_calls: float) -> list[tuple[QueueResult, np.ndarray]]:
    """Per queue, whether each interval is judged: a service level measured, and enough calls."""
    return [(queue, ~np.isnan(queue.intervals.column("service_level"))
             & (queue.intervals.column("offered") >= min_calls)) for queue in simulation.queues]


def simultaneous_widening(replications: int, judged: int) -> float:
    """How much wider than a 95 % half-width each of ``judged`` intervals must be for all of them to hold at
    95 % together (Bonferroni)."""
    if replications < 2 or judged < 1:
        return 1.0
    dof = replications - 1
    return float(stdtrit(dof, 1 - 0.025 / judged) / stdtrit(dof, 0.975))


def missed_intervals(simulation: SimulatedCentre, min_calls: float = MIN_CALLS) -> dict[str, list[int]]:
    """skill -> intervals where one of the skill's queues misses its goal beyond the simultaneous 95 %
    intervals."""
    judged = _judged(simulation, min_calls)
    widening = simultaneous_widening(simulation.replications, sum(int(mask.sum()) for _, mask in judged))
    missed: dict[str, set[int]] = {}
    for queue, mask in judged:
        level = queue.intervals.column("service_level")
        half = np.nan_to_num(queue.intervals.column("service_level_ci95"), nan=0.0)
        below = mask & (np.where(mask, level, 0.0) + widening * half < queue.service_level_goal)
        if below.any():
            missed.setdefault(queue.skill, set()).update(np.asarray(queue.intervals.values("interval"))[below].tolist())
    return {skill: sorted(v) for skill, v in sorted(missed.items())}


def raise_requirement(staffing: Staffing, missed: dict[str, list[int]], shrinkage: float) -> Staffing:
    """A copy of ``staffing`` whose requirement is one agent on the phones higher where an interval missed (and
    unchanged elsewhere, so that the days without a miss are not scheduled again)."""
    # Lazy: queueing.staffing loads the numba kernels, which a warm plan (verdict only) does without.
    from casashore.queueing.staffing import agents_with_shrinkage

    required = dict(staffing.required)
    for skill, intervals in missed.items():
        row = required[skill]
        on_phone = np.array(row.on_phone, float)  # copies: the staffing's arrays are read-only
        with_shrinkage = np.array(row.with_shrinkage, float)
        on_phone[intervals] += 1.0
        with_shrinkage[intervals] = agents_with_shrinkage(on_phone[intervals], shrinkage)
        required[skill] = dataclasses.replace(row, on_phone=on_phone, with_shrinkage=with_shrinkage)
    return dataclasses.replace(staffing, required=required)


def daily_levels(simulation: SimulatedCentre, starts: list[str], min_calls: float = MIN_CALLS) -> list[DayLevel]:
    """Per queue and site day with calls: calls (arrivals), service level and its half-width, abandonment, verdict."""
    days = [datetime.fromisoformat(s).date().isoformat() for s in starts]
    out = []
    for queue in simulation.queues:
        goal = queue.service_level_goal
        # The queue's rows as (offered, level, half-width, abandonment) tuples, summed in order as always.
        columns = [queue.intervals.values(n) for n in ("offered", "service_level", "service_level_ci95", "p_abandon")]
        by_day: dict[str, list[tuple]] = {}
        for interval, row in zip(queue.intervals.values("interval"), zip(*columns, strict=True), strict=True):
            by_day.setdefault(days[interval], []).append(row)
        for day, rows in sorted(by_day.items()):
            # The day's calls are its arrivals; its level weighs only the intervals with a measured level (an
            # email interval whose items are all still open at the horizon's end has none).
            arrived = sum(r[0] for r in rows if r[0] > 0)
            rows = [r for r in rows if r[0] > 0 and r[1] is not None]
            calls = sum(r[0] for r in rows)
            if calls < min_calls:
                continue
            weights = [r[0] / calls for r in rows]
            # shares, clamped to [0, 1]: weights summing to 1 in floating point may leave a level of 1 + 2e-16
            level = _share(sum(w * r[1] for w, r in zip(weights, rows, strict=True)))
            half = math.sqrt(sum((w * (r[2] or 0.0)) ** 2 for w, r in zip(weights, rows, strict=True)))
            abandon = _share(sum(w * (r[3] or 0.0) for w, r in zip(weights, rows, strict=True)))
            status = "met" if level >= goal else "at_risk" if level + half >= goal else "not_met"
            below = sum(1 for r in rows if r[0] >= min_calls and r[1] < goal)
            judged = calls if queue.channel == "email" else None
            out.append(DayLevel(queue=queue.queue, day=day, calls=arrived, service_level=level,
                                service_level_ci95=half, goal=goal, p_abandon=abandon, status=status,
                                intervals_below_goal=below, channel=queue.channel, judged=judged))
    return out


def _share(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def coverage(staffing: Staffing, schedule: Schedule) -> float:
    """Share of the requirement (agents with shrinkage x intervals) the schedule covers; an email skill's
    requirement is work the schedule places when it chooses (plan/pipeline.py ``email_work``), covered by its
    agent-intervals in all, whenever they are."""
    needed = covered = 0.0
    for skill, row in staffing.required.items():
        required = np.asarray(row.with_shrinkage, float)
        scheduled = np.asarray(schedule.scheduled[skill], float)
        needed += required.sum()
        covered += min(required.sum(), scheduled.sum()) if row.channel == "email" else np.minimum(
            required, scheduled).sum()
    return covered / needed if needed > 0 else 1.0


def email_deferred(staffing: Staffing, schedule: Schedule) -> dict[str, np.ndarray]:
    """Per email skill, the agents short of its items' work in each interval (with shrinkage; 0 where covered):
    work the schedule defers to later intervals (breaks, later starts), allowed because email is judged on its
    deadline (the backlog), not interval by interval (``coverage``). Not a blended pool's: it is covered per
    interval, as a voice skill."""
    return {skill: np.maximum(np.asarray(row.with_shrinkage, float) - np.asarray(schedule.scheduled[skill], float),
                              0.0)
            for skill, row in staffing.required.items() if row.channel == "email"}


def verdict(staffing: Staffing, schedule: Schedule, simulation: SimulatedCentre, rounds: list[GoalRound]) -> Verdict:
    """The plan at a glance: met (every queue's goal met on every day), at risk (some day within the noise of
    its goal, or a schedule stopped by its safety limit), not met (some day below its goal beyond the noise),
    with the reasons behind it."""
    days = daily_levels(simulation, staffing.starts)
    statuses = {d.status for d in days}
    reasons = []
    for status in ("not_met", "at_risk"):
        if status in statuses:
            reasons.append(VerdictReason(reason=f"goal_{status}",
                                         days=[f"{d.queue} {d.day}" for d in days if d.status == status]))
    if schedule.stopped_by == "time_safety":
        reasons.append(VerdictReason(reason="safety_limit"))
    status = "not_met" if "not_met" in statuses else "at_risk" if reasons else "met"
    if schedule.uncoverable:  # a note: the days' verdicts already count what these intervals cost
        reasons.append(VerdictReason(reason="uncoverable", intervals=list(schedule.uncoverable)))
    return Verdict(status=status, reasons=reasons, coverage=coverage(staffing, schedule), cost=schedule.cost,
                   bound=schedule.bound, gap=schedule.gap, stopped_by=schedule.stopped_by, rounds=len(rounds),
                   days=days)
