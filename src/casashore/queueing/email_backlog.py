"""Email (back-office) staffing: items with a deadline, worked first in first out, the backlog carried from interval
to interval. Not an Erlang formula: over deadlines of hours the randomness of arrivals and handle times matters
little next to the daily cycle, so the backlog is followed as a fluid (docs/capacity.md, "Email").

The model: in interval i items arrive at a constant rate (``items[i]`` spread evenly over it) and N_i agents work
them at 1 / aht_s each, oldest first, none abandoned. A(t) counts items arrived by t, and the items taken up by t
are D(t) = A(t) - B(t), where the backlog B rises at (arrival rate - capacity) while positive and stays at 0
otherwise: both are piecewise linear, with a kink at each interval boundary and where the backlog empties. The
item arrived at t is taken up when D reaches A(t), so it is on time when D(t + deadline) >= A(t).

The horizon ends at T (the last interval's end) with nothing taken up after it. An item is judged when it is
taken up or its deadline passes, whichever comes first, before T: **met** (taken up within the deadline),
**missed** (its deadline passed first), or else **open** at T (still waiting, deadline beyond T). The share within
the deadline is met / (met + missed): open items are neither (a plan should run a deadline past the days it
judges). Everything is exact for the fluid: the share integrates the arrival rate over the times where
D(min(t + deadline, T)) - A(t), linear between kinks, is not negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from casashore.errors import UserError
from casashore.queueing.domain import MAX_SERVERS, check, check_durations, check_servers
from casashore.queueing.search import fewest_meeting

MAX_ITEMS_PER_INTERVAL = 1e7
_EPS = 1e-12
"""Relative slack on D(t + deadline) >= A(t): an item taken up exactly at its deadline is on time."""


@dataclass(frozen=True)
class Backlog:
    """An email queue's fluid backlog over the horizon, and its items judged by arrival interval."""

    backlog: np.ndarray
    """[I + 1] items waiting at each interval boundary (0 at the start)."""
    met: np.ndarray
    """[I] items arrived in each interval and taken up within the deadline"""
    missed: np.ndarray
    """[I] items arrived in each interval whose deadline passed before they were taken up (within the horizon)"""
    open: np.ndarray
    """[I] items arrived in each interval still waiting at the end, their deadline beyond it"""

    @property
    def share_within_deadline(self) -> float:
        """Met over judged items (met + missed); 1 when nothing was judged."""
        judged = float(self.met.sum() + self.missed.sum())
        return min(float(self.met.sum()) / judged, 1.0) if judged > 0 else 1.0  # a sum's last bit: never above 1


def _curves(items: np.ndarray, agents: np.ndarray, interval_s: float, aht_s: float):
    """Kinks (times) of A and D, and their values there: interval boundaries and the moments the backlog empties."""
    times, arrived, taken = [0.0], [0.0], [0.0]
    backlog = [0.0]
    a_total, b = 0.0, 0.0
    for i, (n_items, n_agents) in enumerate(zip(items.tolist(), agents.tolist(), strict=True)):
        start = i * interval_s
        lam, cap = n_items / interval_s, n_agents / aht_s
        net = lam - cap
        if b > 0.0 and net < 0.0 and b / -net < interval_s:  # the backlog empties inside the interval
            empty_at = b / -net
            times.append(start + empty_at)
            arrived.append(a_total + lam * empty_at)
            taken.append(arrived[-1])
            b_end = 0.0
        else:
            b_end = max(b + net * interval_s, 0.0) if (b > 0.0 or net > 0.0) else 0.0
        a_total += n_items
        b = b_end
        times.append(start + interval_s)
        arrived.append(a_total)
        taken.append(a_total - b)
        backlog.append(b)
    return np.array(times), np.array(arrived), np.array(taken), np.array(backlog)


def email_backlog(items, agents, interval_s: float, aht_s: float, deadline_s: float) -> Backlog:
    """The fluid backlog of ``items`` per interval worked by ``agents`` per interval (see the module's docstring)."""
    items = np.atleast_1d(np.asarray(items, dtype=float))
    agents = np.broadcast_to(np.asarray(agents, dtype=float), items.shape)
    check("items", items, high=MAX_ITEMS_PER_INTERVAL, what="items per interval")
    check_servers(agents, "agents")
    check_durations(aht_s=aht_s)
    check("deadline", deadline_s, low=0, low_open=True, high=1e7, what="a deadline in seconds")
    times, arrived, taken, backlog = _curves(items, agents, interval_s, aht_s)
    horizon = times[-1]

    def taken_by(t):
        return np.interp(np.minimum(t, horizon), times, taken)

    # h(t) = D(min(t + deadline, T)) - A(t) is linear between these points: A's kinks, D's kinks moved back by the
    # deadline, and T - deadline (where min(., T) bends).
    points = np.unique(np.concatenate((times, times - deadline_s, [horizon - deadline_s])))
    points = points[(points >= 0.0) & (points <= horizon)]
    scale = max(float(arrived[-1]), 1.0)
    h = taken_by(points + deadline_s) - np.interp(points, times, arrived) + _EPS * scale
    met, missed, waiting = (np.zeros(items.size) for _ in range(3))
    for lo, hi, h_lo, h_hi in zip(points[:-1], points[1:], h[:-1], h[1:], strict=True):
        i = min(int(lo // interval_s), items.size - 1)
        mass = items[i] / interval_s * (hi - lo)  # items arrived in [lo, hi]
        if mass == 0.0:
            continue
        if h_lo >= 0.0 and h_hi >= 0.0:
            on_time = 1.0
        elif h_lo < 0.0 and h_hi < 0.0:
            on_time = 0.0
        else:  # the sign changes once: the share of the piece where h >= 0
            root = h_lo / (h_lo - h_hi)
            on_time = 1.0 - root if h_hi >= 0.0 else root
        met[i] += mass * on_time
        # Late items are missed when their deadline falls within the horizon, else open: T - deadline is one of
        # the points, so a piece lies wholly on one side of it.
        late = mass * (1.0 - on_time)
        if hi <= horizon - deadline_s:
            missed[i] += late
        else:
            waiting[i] += late
    return Backlog(backlog=backlog, met=met, missed=missed, open=waiting)


def email_cyclic_backlog(items, agents, interval_s: float, aht_s: float, deadline_s: float) -> Backlog:
    """The backlog of a horizon that repeats (a typical day) worked by ``agents`` per interval: followed three
    times and the middle copy judged, as email_required_agents judges its levels (the first copy fills the
    backlog the horizon's closed hours carry into its next open ones)."""
    items = np.atleast_1d(np.asarray(items, dtype=float))
    agents = np.broadcast_to(np.asarray(agents, dtype=float), items.shape)
    n = items.size
    result = email_backlog(np.tile(items, 3), np.tile(agents, 3), interval_s, aht_s, deadline_s)
    return Backlog(result.backlog[n:2 * n + 1], result.met[n:2 * n], result.missed[n:2 * n], result.open[n:2 * n])


@dataclass(frozen=True)
class EmailRequirement:
    """Agents per interval meeting the deadline goal, and the backlog they leave."""

    agents: np.ndarray
    """[I] whole agents"""
    backlog: Backlog
    """the backlog with those agents (over the repeated horizon's middle copy when cyclic)"""


def _day_name(index: int, first_day: date | None) -> str:
    """The ``index``-th day (from 0) as an error names it: its date when known, else day 1, day 2..."""
    return f"day {index + 1}" if first_day is None else (first_day + timedelta(days=index)).isoformat()


def email_required_agents(items, interval_s: float, aht_s: float, deadline_s: float, deadline_share: float, *,
                          open_intervals=None, days: int = 1, cyclic: bool = True, spare=None,
                          first_day: date | None = None) -> EmailRequirement:
    """The fewest agents, one level per day over the intervals ``open_intervals`` marks (all by default), such that
    ``deadline_share`` of each day's judged items are taken up within ``deadline_s``.

    ``cyclic``: the horizon (a typical day or week) repeats, so its last items are worked by its first intervals'
    agents: it is followed three times and the middle copy judged (the first copy fills the backlog). Otherwise it
    stands alone and an item still waiting at its end counts as missed (the plan must take it up by then). A
    repeating horizon must also be worked off within it (capacity over the cycle at least its items), or its
    backlog would grow from one cycle to the next, which three copies would not show.
    ``spare``: agents' worth of capacity per interval that email gets before any agent of its own (a blended
    pool's time its calls leave, plan/channels.py); the levels are then the agents added to the pool.
    ``first_day``: the date of the items' first day, for an error to name the day it means (else its number; a
    single day is not named).
    Levels are chosen day after day: day d's is the least for which day d's arrivals meet the share when every
    later day keeps that level (earlier days' levels fixed, their backlog carried). More agents never leave more
    late items (FIFO fluid: D rises with capacity at every instant), so each level is a doubling and a bisection.
    """
    items = np.atleast_1d(np.asarray(items, dtype=float))
    check("deadline_share", deadline_share, low=0, low_open=True, high=1.0, what="a share")
    is_open = np.ones(items.size, bool) if open_intervals is None else np.asarray(open_intervals, bool)
    spare = np.zeros(items.size) if spare is None else np.broadcast_to(np.asarray(spare, float), items.shape)
    if is_open.shape != items.shape or not is_open.any():
        raise UserError("open_intervals", int(is_open.sum()), f"{items.size} flags, at least one interval open")
    if days < 1 or items.size % days:
        raise UserError("days", days, f"a whole number of days dividing the {items.size} intervals")
    per_day = items.size // days
    copies = 3 if cyclic else 1
    judged_copy = slice(items.size, 2 * items.size) if cyclic else slice(0, items.size)

    def backlog_with(levels: np.ndarray) -> Backlog:
        result = email_backlog(np.tile(items, copies), np.tile(levels * is_open + spare, copies), interval_s, aht_s,
                               deadline_s)
        if cyclic:
            return Backlog(result.backlog[items.size:2 * items.size + 1], result.met[judged_copy],
                           result.missed[judged_copy], result.open[judged_copy])
        return Backlog(result.backlog, result.met, result.missed + result.open, np.zeros(items.size))

    def day_share(levels: np.ndarray, day: slice) -> float:
        b = backlog_with(levels)
        judged = b.met[day].sum() + b.missed[day].sum()
        return 1.0 if judged == 0 else float(b.met[day].sum() / judged)

    levels = np.zeros(items.size)
    workload = items.sum() * aht_s / (is_open.sum() * interval_s)  # agents that just keep up, on average
    for day_start in range(0, items.size, per_day):
        day = slice(day_start, day_start + per_day)
        best = levels.copy()
        best[day_start:] = MAX_SERVERS - np.ceil(spare.max())  # the most the fluid's domain takes
        if day_share(best, day) < deadline_share * (1 - 1e-12):
            on = "" if days == 1 and first_day is None else f"on {_day_name(day_start // per_day, first_day)} "
            raise UserError("deadline_share", deadline_share, f"a share the open intervals allow: {on}at most "
                            f"{day_share(best, day):.4f} of the items can be taken up within the deadline, however "
                            "many agents work")

        def meets(candidates: np.ndarray, day_start=day_start, day=day) -> np.ndarray:
            ok = np.empty(candidates.shape, bool)
            for j, n in enumerate(candidates.tolist()):
                trial = levels.copy()
                trial[day_start:] = n
                keeps_up = not cyclic or (trial * is_open + spare).sum() * interval_s / aht_s >= items.sum()
                ok[j] = keeps_up and day_share(trial, day) >= deadline_share * (1 - 1e-12)
            return ok

        levels[day_start:] = fewest_meeting(np.zeros(1), np.array([np.ceil(workload) + 1.0]), meets)[0]
    return EmailRequirement(agents=(levels * is_open).astype(np.int64), backlog=backlog_with(levels))
