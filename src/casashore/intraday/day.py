"""The rest of a day as the re-plan sees it: queues with their reforecast calls on a grid of intervals, agents with
their shift, breaks and the queue they serve, and the agents on the phones per interval that follow.

Times are epoch seconds (instants): the reforecast's client times and the roster's site times meet on them. An
agent counts on a queue for the share of an interval she is at work, not on a break and serving that queue, so a
15-minute break in a 30-minute interval is half an agent less (the staffed count is fractional; the formula
interpolates between whole agents, formula.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class QueueRest:
    """One queue's rest of the day on the grid."""

    name: str
    calls: np.ndarray
    """calls forecast per interval of the grid (0 where the queue's day has none)"""
    aht_s: float
    """the handle time of the rest of the day (one per queue: the simulator takes one mean per queue)"""
    target_s: float
    goal: float
    """the share of calls to answer within target_s"""
    patience_s: float | None = None
    """None: Erlang C (callers wait for ever); else Erlang A and the simulator's exponential patience"""


@dataclass(frozen=True)
class AgentShift:
    """One agent's shift today with what the labour rules need of the days around it."""

    agent: str
    skills: tuple[str, ...]
    """the queues the agent may serve; she serves the first unless ``moves`` says otherwise"""
    start: float
    end: float
    breaks: tuple[tuple[float, float, str], ...] = ()
    """(start, end, "break" or "lunch"), in time order, inside the shift"""
    moves: tuple[tuple[float, float, str], ...] = ()
    """(from, until, queue): spans when she serves another of her skills"""
    absent: bool = False
    """not at work today (known at the as-of time): counts on no queue"""
    away: tuple[tuple[float, float], ...] = ()
    """(from, until): spans she is known to be off the phones beyond her plan (a break overrun seen by the
    router, presence.py): not a break of the roster, so no proposal moves it"""
    previous_end: float | None = None
    """the end of her shift before this one (the minimum rest before it)"""
    next_start: float | None = None
    """the start of her next shift (the minimum rest after this one)"""
    week_other_s: float = 0.0
    """seconds worked on the week's other days (Monday to Sunday on the site's clock), for the weekly maximum"""

    @property
    def worked_s(self) -> float:
        return self.end - self.start - sum(b - a for a, b, _ in self.breaks)

    def with_changes(self, **changes) -> AgentShift:
        return replace(self, **changes)


@dataclass(frozen=True)
class NotAtWork:
    """An agent the router sees not at work at the as-of time (route/presence.py), or one said absent."""

    agent: str
    kind: str
    """``absent`` (for the rest of the day) or ``away`` (until ``until``)"""
    since: float | None
    until: float | None
    """the end of an ``away`` span; None for ``absent``"""
    why: str


@dataclass(frozen=True)
class Grid:
    """The intervals of the rest of the day: ``count`` intervals of ``interval_s`` from ``start``."""

    start: float
    interval_s: float
    count: int

    def starts(self) -> np.ndarray:
        return self.start + self.interval_s * np.arange(self.count)

    @property
    def end(self) -> float:
        return self.start + self.interval_s * self.count


def working_spans(shift: AgentShift, since: float = -np.inf) -> list[tuple[float, float, str]]:
    """The spans the agent is on the phones, each with the queue she serves: the shift less its breaks and the
    spans she is away, cut by her moves; nothing when she is absent."""
    if shift.absent:
        return []
    spans, at = [], shift.start
    for a, b in sorted([(a, b) for a, b, _ in shift.breaks] + list(shift.away)):
        if a > at:
            spans.append((at, a))
        at = max(at, b)
    if shift.end > at:
        spans.append((at, shift.end))
    out = []
    for a, b in spans:
        cuts = sorted({a, b, *(x for m in shift.moves for x in m[:2] if a < x < b)})
        for left, right in zip(cuts, cuts[1:], strict=False):
            queue = next((q for f, u, q in shift.moves if f <= left and right <= u), shift.skills[0])
            out.append((max(left, since), right, queue))
    return [(a, b, q) for a, b, q in out if b > a]


def contribution(shift: AgentShift, grid: Grid, queues: dict[str, int], step_s: float | None = None) -> np.ndarray:
    """[Q, I]: the share of each interval (of ``step_s`` seconds, the grid's by default) the agent spends on each
    queue; a queue not in ``queues`` (no forecast today) counts nowhere."""
    step = step_s or grid.interval_s
    count = int(round(grid.count * grid.interval_s / step))
    starts = grid.start + step * np.arange(count)
    out = np.zeros((len(queues), count))
    for a, b, queue in working_spans(shift):
        if queue in queues:
            out[queues[queue]] += np.clip(np.minimum(b, starts + step) - np.maximum(a, starts), 0.0, None) / step
    return out


def staffed(shifts: list[AgentShift], grid: Grid, queues: dict[str, int], step_s: float | None = None) -> np.ndarray:
    """[Q, I]: agents on each queue per interval (fractional: the share of the interval each is there)."""
    step = step_s or grid.interval_s
    total = np.zeros((len(queues), int(round(grid.count * grid.interval_s / step))))
    for shift in shifts:
        total += contribution(shift, grid, queues, step)
    return total
