"""The intraday re-plan, pure: for the rest of a day, the gap per queue and interval (the agents the formula
requires for the reforecast against those the roster has on the queue), the service level if nothing changes (the
formula's, and the simulator's with its 95 % interval), and the ranked proposals (proposals.py) with their effect
per interval, the top ``simulate_top`` of them simulated too (with the same seed as the unchanged day: common
random numbers, so before and after differ by the change, not by the draws).

Proposals are alternatives, each valued against the roster unchanged: applying one and re-planning values the
next against the changed roster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from casashore.domain.units import json_number
from casashore.intraday import formula
from casashore.intraday.day import AgentShift, Grid, QueueRest, staffed
from casashore.intraday.proposals import Context, Valued, candidates, ranked
from casashore.intraday.question import Settings
from casashore.intraday.simulated import Simulated, simulate


@dataclass(frozen=True)
class Replan:
    intervals: list[dict]
    """per queue and interval: queue, start, calls, required, scheduled, gap, service_level (formula),
    simulated_service_level and its ci95"""
    proposals: list[dict]
    summary: dict


def replan(queues: list[QueueRest], shifts: list[AgentShift], grid: Grid, settings: Settings) -> Replan:
    index = {q.name: k for k, q in enumerate(queues)}
    on_queue = staffed(shifts, grid, index)
    level = formula.service_level(queues, on_queue, grid.interval_s)
    need = formula.required(queues, grid.interval_s)
    short = formula.shortfall(queues, level)
    ctx = Context(queues, index, grid, on_queue, level, short, settings.rules, settings.as_of, settings.site_zone)
    now = simulate(queues, shifts, grid, replications=settings.replications, seed=settings.seed)
    sim_level, sim_half = now.level()
    starts = grid.starts()
    at = _clock(settings.site_zone)
    rows = [{"queue": q.name, "start": at(starts[i]), "calls": float(q.calls[i]), "aht_s": q.aht_s,
             "required": int(need[k, i]), "scheduled": round(float(on_queue[k, i]), 6),
             "gap": round(float(need[k, i] - on_queue[k, i]), 6), "service_level": float(level[k, i]),
             "goal": q.goal, "simulated_service_level": json_number(sim_level[k, i]),
             "simulated_service_level_ci95": json_number(sim_half[k, i])}
            for k, q in enumerate(queues) for i in range(grid.count)]
    chosen = ranked(shifts, ctx)[:settings.max_proposals]
    proposals = []
    for rank, valued in enumerate(chosen, start=1):
        effect = None
        if rank <= settings.simulate_top:
            effect = simulated_effect(valued, queues, shifts, grid, settings, now)
        proposals.append(_proposal(rank, valued, ctx, at, effect))
    summary = {"as_of": at(settings.as_of), "site_zone": settings.site_zone,
               "interval_min": round(grid.interval_s / 60), "interval_count": grid.count, "agents": len(shifts),
               "absent": sorted(s.agent for s in shifts if s.absent),
               "calls_below_goal": float(short.sum()), "replications": settings.replications, "seed": settings.seed,
               "no_proposal": None if proposals else why_none(shifts, ctx, need - on_queue)}
    return Replan(rows, proposals, summary)


def why_none(shifts: list[AgentShift], ctx: Context, gap: np.ndarray) -> dict:
    """Why no change is proposed, and the agents the day lacks: ``no_shortfall`` (every interval keeps its goal,
    and no agent can leave early without one missing it), ``no_change_allowed`` (short, but the labour rules allow
    no change to any shift at work), or ``no_single_change_helps`` (short, and no one change lifts a short
    interval's service level: typically a day so short that the formula's level stays at 0 with one agent more
    for an hour or two; the agents needed are the gap's)."""
    short = np.maximum(gap, 0.0)
    peak = int(np.ceil(short.max() - 1e-9)) if short.size else 0
    hours = round(float(short.sum()) * ctx.grid.interval_s / 3600, 6)
    if ctx.shortfall.sum() <= 1e-6:
        reason = "no_shortfall"
        words = "every interval meets its goal, and no agent can leave early without one falling below it"
    elif not any(candidates(shift, ctx) for shift in shifts):
        reason = "no_change_allowed"
        words = ("short of agents, but the labour rules allow no change to any shift at work (breaks, overtime, "
                 "moves)")
    else:
        reason = "no_single_change_helps"
        zero = int(((ctx.level <= 1e-9) & (np.array([q.calls for q in ctx.queues]) > 0)).sum())
        words = (f"no single change lifts a short interval's service level ({zero} intervals at 0 %): the day "
                 f"lacks up to {peak} agents at once ({hours:g} agent-hours short in all); bring in more agents, "
                 "then ask again")
    return {"reason": reason, "words": words, "agents_short_peak": peak, "agent_hours_short": hours}


def apply(shifts: list[AgentShift], valued: Valued) -> list[AgentShift]:
    """The roster with the proposal made: its agent's shift replaced by the changed one."""
    return [valued.candidate.changed if s.agent == valued.candidate.agent else s for s in shifts]


def simulated_effect(valued: Valued, queues: list[QueueRest], shifts: list[AgentShift], grid: Grid,
                     settings: Settings, before: Simulated) -> dict:
    """The proposal simulated: the service level over the intervals it changes, before and after, each with its
    95 % half-width (after: the interval a re-run of the changed day is predicted to fall in)."""
    after = simulate(queues, apply(shifts, valued), grid, replications=settings.replications, seed=settings.seed)
    level_before, half_before = before.pooled(valued.cells)
    level_after, half_after = after.pooled(valued.cells)
    return {"service_level_before": json_number(level_before), "service_level_before_ci95": json_number(half_before),
            "service_level_after": json_number(level_after), "service_level_after_ci95": json_number(half_after)}


def _proposal(rank: int, valued: Valued, ctx: Context, at, effect: dict | None) -> dict:
    c = valued.candidate
    calls = np.array([q.calls for q in ctx.queues])
    cells = [{"queue": ctx.queues[q].name, "start": at(ctx.grid.starts()[i]),
              "scheduled_before": round(float(ctx.staffed[q, i]), 6),
              "scheduled_after": round(float(valued.staffed_after[q, list(valued.columns).index(i)]), 6),
              "service_level_before": float(ctx.level[q, i]),
              "service_level_after": float(valued.level_after[q, list(valued.columns).index(i)])}
             for q, i in valued.cells]
    offered = sum(calls[q, i] for q, i in valued.cells)

    def pooled(key: str) -> float | None:
        """the calls-weighted service level over the changed intervals"""
        if not offered:
            return None
        return float(sum(calls[q, i] * x[key] for (q, i), x in zip(valued.cells, cells, strict=True)) / offered)

    return {"rank": rank, "kind": c.kind, "agent": c.agent, "what": _words(c, at), "at": at(c.at),
            "shift_before": _shift(c.planned, at), "shift_after": _shift(c.changed, at),
            "paid_min": c.paid_min, "calls_below_goal_removed": round(valued.gain, 6),
            "service_level_before": pooled("service_level_before"),
            "service_level_after": pooled("service_level_after"),
            "intervals": cells, "simulated": effect}


def _words(c, at) -> str:
    if c.kind == "move_break":
        old = next(b for b in sorted(c.planned.breaks) if b not in c.changed.breaks)
        new = next(b for b in sorted(c.changed.breaks) if b not in c.planned.breaks)
        return f"{c.agent}: {old[2]} from {at(old[0])[11:16]} to {at(new[0])[11:16]}"
    if c.kind == "overtime":
        span = f"{at(c.changed.start)[11:16]}-{at(c.changed.end)[11:16]}"
        return f"{c.agent}: {c.paid_min:g} min overtime {c.what} ({span})"
    if c.kind == "voluntary_time_off":
        return f"{c.agent}: leaves at {at(c.changed.end)[11:16]} instead of {at(c.planned.end)[11:16]}"
    a, b, queue = c.changed.moves[0]
    return f"{c.agent}: serves {queue} instead of {c.planned.skills[0]} from {at(a)[11:16]} to {at(b)[11:16]}"


def _shift(shift: AgentShift, at) -> dict:
    return {"start": at(shift.start), "end": at(shift.end),
            "breaks": [{"kind": k, "start": at(a), "end": at(b)} for a, b, k in sorted(shift.breaks)],
            "moves": [{"queue": q, "start": at(a), "end": at(b)} for a, b, q in shift.moves]}


def _clock(site_zone: str):
    zone = ZoneInfo(site_zone)
    return lambda t: datetime.fromtimestamp(float(t), zone).isoformat(timespec="minutes")
