"""Candidate changes to the rest of the day's roster, each checked against the labour rules (rules.py) and
valued by the formula (formula.py) against the roster unchanged.

Four kinds, each a changed shift of one named agent:
- ``move_break``: a break that has not started moves by BREAK_STEP_MIN steps within its window;
- ``overtime``: the shift starts earlier (not before the as-of time) or ends later, by OVERTIME_MIN;
- ``voluntary_time_off``: the shift ends earlier by VTO_MIN, offered only where every interval the agent leaves
  keeps its goal without her (and all of them are in the reforecast's rest of the day);
- ``move_queue``: a multi-skilled agent serves another of her queues for MOVE_SPAN_MIN from an interval's start.

Each candidate's gain is the calls below goal it removes (formula.shortfall, summed over queues and intervals);
those that gain nothing (voluntary time off apart) are dropped, and of the rest the best of each kind per agent is
kept. The ranking is deterministic: gain (most first, rounded to 1e-6 calls), then paid minutes added (fewest
first, so time off saving the most comes first among its kind), then the kind, the agent and the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from casashore.intraday import formula
from casashore.intraday.day import AgentShift, Grid, QueueRest, contribution
from casashore.intraday.rules import BREAK_WINDOW_MIN, broken_rule
from casashore.schedule.rules import LabourRules

BREAK_STEP_MIN = 15
OVERTIME_MIN = (30, 60, 120)
VTO_MIN = (30, 60, 120)
MOVE_SPAN_MIN = 60
KINDS = ("move_break", "move_queue", "overtime", "voluntary_time_off")


@dataclass(frozen=True)
class Candidate:
    kind: str
    agent: str
    planned: AgentShift
    changed: AgentShift
    what: str
    """the change in words (times on the site's clock are filled in by the caller's renderer)"""
    at: float
    """when the change starts (epoch seconds): the moved break's new start, the overtime's or time off's start"""
    paid_min: float
    """paid minutes added (overtime > 0, time off < 0)"""


@dataclass(frozen=True)
class Valued:
    candidate: Candidate
    gain: float
    """calls below goal removed"""
    cells: tuple[tuple[int, int], ...]
    """(queue, interval) whose staffing changes"""
    staffed_after: np.ndarray
    """[Q, len(cells columns)] staffing of the changed columns after the change"""
    level_after: np.ndarray
    columns: np.ndarray


@dataclass(frozen=True)
class Context:
    queues: list[QueueRest]
    index: dict[str, int]
    grid: Grid
    staffed: np.ndarray
    level: np.ndarray
    shortfall: np.ndarray
    rules: LabourRules
    as_of: float
    site_zone: str


def candidates(shift: AgentShift, ctx: Context) -> list[Candidate]:
    """Every change of ``shift`` the rules allow."""
    if shift.absent or shift.end <= ctx.as_of:
        return []
    found = []
    breaks = sorted(shift.breaks)
    for j, (a, b, kind) in enumerate(breaks):
        for step in range(-BREAK_WINDOW_MIN // BREAK_STEP_MIN, BREAK_WINDOW_MIN // BREAK_STEP_MIN + 1):
            if step:
                moved = list(breaks)
                moved[j] = (a + step * BREAK_STEP_MIN * 60, b + step * BREAK_STEP_MIN * 60, kind)
                found.append(Candidate("move_break", shift.agent, shift, shift.with_changes(breaks=tuple(moved)),
                                       f"{kind} {j + 1}", a + step * BREAK_STEP_MIN * 60, 0.0))
    for minutes in OVERTIME_MIN:
        found.append(Candidate("overtime", shift.agent, shift, shift.with_changes(end=shift.end + minutes * 60),
                               "after the shift", shift.end, float(minutes)))
        found.append(Candidate("overtime", shift.agent, shift, shift.with_changes(start=shift.start - minutes * 60),
                               "before the shift", shift.start - minutes * 60, float(minutes)))
    for minutes in VTO_MIN:
        end = shift.end - minutes * 60
        kept = tuple(x for x in breaks if x[1] <= end)
        if any(a < end < b for a, b, _ in breaks):
            continue
        cut = shift.worked_s - shift.with_changes(end=end, breaks=kept).worked_s
        found.append(Candidate("voluntary_time_off", shift.agent, shift, shift.with_changes(end=end, breaks=kept),
                               "leaves early", end, -cut / 60))
    for queue in shift.skills[1:]:
        if queue not in ctx.index:
            continue
        for begin in ctx.grid.starts():
            if begin >= ctx.as_of and shift.start <= begin < shift.end:
                until = min(begin + MOVE_SPAN_MIN * 60, shift.end)
                found.append(Candidate("move_queue", shift.agent, shift,
                                       shift.with_changes(moves=((begin, until, queue),)), f"to {queue}", begin, 0.0))
    return [c for c in found if broken_rule(c.changed, c.planned, ctx.rules, ctx.as_of, ctx.site_zone) is None]


def value(candidate: Candidate, ctx: Context) -> Valued | None:
    """The candidate's effect by the formula; None when it changes nothing on the grid, gains nothing (time off:
    when an interval it touches would fall below goal)."""
    delta = contribution(candidate.changed, ctx.grid, ctx.index) - contribution(candidate.planned, ctx.grid, ctx.index)
    changed = np.abs(delta) > 1e-9
    columns = np.flatnonzero(changed.any(axis=0))
    if columns.size == 0:
        return None
    after = ctx.staffed[:, columns] + delta[:, columns]
    level = formula.service_level(ctx.queues, after, ctx.grid.interval_s, columns)
    gain = float(ctx.shortfall[:, columns].sum() - formula.shortfall(ctx.queues, level, columns).sum())
    cells = tuple((int(q), int(columns[c])) for q, c in zip(*np.nonzero(changed[:, columns]), strict=True))
    if candidate.kind == "voluntary_time_off":
        if candidate.planned.end > ctx.grid.end:
            return None  # hours the forecast does not reach: nothing says they are over-staffed
        goals = np.array([q.goal for q in ctx.queues])
        if any(level[q, list(columns).index(i)] < goals[q] - 1e-12 for q, i in cells):
            return None
    elif gain <= 1e-6:
        return None
    return Valued(candidate, gain, cells, after, level, columns)


def ranked(shifts: list[AgentShift], ctx: Context) -> list[Valued]:
    """The valued candidates of every shift, the best of each kind per agent, in the ranking's order."""
    best: dict[tuple[str, str], Valued] = {}
    for shift in shifts:
        for candidate in candidates(shift, ctx):
            valued = value(candidate, ctx)
            if valued is None:
                continue
            key = (candidate.kind, candidate.agent)
            if key not in best or order(valued) < order(best[key]):
                best[key] = valued
    return sorted(best.values(), key=order)


def order(v: Valued) -> tuple:
    c = v.candidate
    return (-round(v.gain, 6), c.paid_min, KINDS.index(c.kind), c.agent, c.at, c.what)
