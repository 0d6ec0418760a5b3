"""Seats from the busiest week's schedule: for one building and month, each language pool's agents on the phones
over a week, scheduled into shifts by the project's shift scheduler (schedule/covering.py), and the most agents on
shift at once in that schedule (an agent on break still holds a seat).

    requirement(pool, d, h) = sum over the pool's queues open on weekday d of ceil(staffed agents(m, h))
    (each queue is staffed apart, so each is rounded up to whole agents before its pool adds them; the week is
    7 x 24 hours of the site's clock from Monday 00:00, every open day the month's typical day: with no public
    holiday it is the month's busiest week)
    on shift(t)   = sum over the building's pools of the agents on shift at hour t (breaks included)
    on-shift peak = max over t of on shift(t)  >=  the busiest hour's agents on the phones

A pool's agents work only its own requirement (a French speaker does not take English calls), so each pool is
scheduled on its own — exactly what scheduling them together would give, as the pools share no column — and the
building adds the pools' shifts hour by hour. The week wraps (Sunday night's shift runs into Monday morning: the
week repeats), every requirement must be covered (no shortfall), the solver stops at a proven optimum or its
deterministic node limit, on one thread, and a small price per idle agent-hour picks, among the cheapest
schedules, the one with fewest agents idle. A pool's schedule is cached by its requirement: a month whose pool
needs what another month's did is not solved again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from casashore.domain.shift import shift_length_s, time_of_day_min
from casashore.errors import UserError
from casashore.growth.scenario import WEEKDAYS, WeekShift
from casashore.schedule.covering import solve
from casashore.schedule.inputs import Requirement, ShiftTemplate, parse_breaks

HOURS = 7 * 24
IDLE_PRICE = 0.01
"""Per agent-hour on shift beyond the requirement: a tie-breaker far below any shift's cost."""
SAFETY_S = 60.0
"""The scheduler's wall-clock safety valve per pool and month (reported when hit, as the hiring plans' is)."""

DEFAULT_SHIFTS = tuple(
    [WeekShift(name=f"8h-{h:02d}", start=f"{h:02d}:00", length="8h", cost=8.0)
     for h in range(24)]
    + [WeekShift(name=f"4h-{h:02d}", start=f"{h:02d}:00", length="4h", cost=4.4) for h in range(24)])
"""Without ``[[shifts]]``: a full-time 8-hour shift starting on any hour, with a lunch hour starting 3 or 4 hours
in, costed by its 8 paid hours, and a 4-hour part-time shift starting on any hour, each hour 10 % dearer (a
person's fixed costs spread over fewer hours), so that part-timers fill what full days cannot."""


@dataclass(frozen=True)
class WeekSeats:
    on_shift_peak: np.ndarray
    """Per month: the most agents on shift at once in the busiest week's schedule."""
    stopped_by: list[str] = field(default_factory=list)
    """How the schedules' searches stopped (optimal, gap, nodes, time_safety), each listed once."""
    schedules: int = 0
    """Pool-weeks solved (the others were a cached requirement or needed nobody)."""


def week_of_day(day: np.ndarray, open_days: list[str]) -> np.ndarray:
    """A queue's typical day (24 site hours, whole agents) on each of its open weekdays, 0 on the others."""
    week = np.zeros(HOURS)
    for d, name in enumerate(WEEKDAYS):
        if name in open_days:
            week[d * 24:(d + 1) * 24] = day
    return week


def templates(shifts: tuple[WeekShift, ...] | list[WeekShift], group: str) -> list[ShiftTemplate]:
    """The scenario's shifts (or the default set) as the scheduler's templates for one pool."""
    out = []
    for s in shifts:
        start = time_of_day_min("start", s.start)
        length = int(round(shift_length_s("length", s.length) / 60))
        out.append(ShiftTemplate(f"{group} {s.name}", start, length, s.cost, group,
                                 parse_breaks(s.breaks, length, 60, s.name)))
    return out


class PoolSchedules:
    """The busiest week's schedules of every pool, cached by requirement over the months and buildings."""

    def __init__(self, shifts: tuple[WeekShift, ...] | list[WeekShift] | None):
        self.shifts = tuple(shifts) if shifts else DEFAULT_SHIFTS
        self.cache: dict[bytes, tuple[np.ndarray, str]] = {}
        self.solved = 0
        self.starts = [datetime(1900, 1, 1) + timedelta(hours=t) for t in range(HOURS)]

    def on_shift(self, requirement: np.ndarray) -> tuple[np.ndarray, str]:
        """Agents on shift each hour of the week (breaks included) in the cheapest schedule covering
        ``requirement`` (168 whole agents), and how its search stopped."""
        if not requirement.any():
            return np.zeros(HOURS), "optimal"
        key = requirement.astype(np.int64).tobytes()
        if key not in self.cache:
            self.solved += 1
            week = Requirement(self.starts, 60, ["pool"], {"pool": [float(v) for v in requirement]}, one_day=False)
            result = solve(week, templates(self.shifts, "pool"), cyclic=True, hard=True, over_penalty=IDLE_PRICE,
                           time_limit_s=SAFETY_S)
            if result.status == "infeasible":
                hour = result.uncoverable[0][1] if result.uncoverable else int(np.argmax(requirement))
                raise UserError("shifts", f"{len(self.shifts)} shift templates", "shifts that can cover every hour a "
                                f"queue is open; none covers {WEEKDAYS[hour // 24]} {hour % 24:02d}:00 (site time)")
            self.cache[key] = (np.asarray(result.on_shift_total, dtype=float), result.stopped_by)
        return self.cache[key]


def week_seats(pools: list[list[tuple[np.ndarray, list[str]]]], months: int, schedules: PoolSchedules) -> WeekSeats:
    """``pools``: per language pool of a building, its queues as (staffed agents: months x 24 site hours, open
    days)."""
    peak = np.zeros(months)
    stops: set[str] = set()
    solved = schedules.solved
    for m in range(months):
        total = np.zeros(HOURS)
        for queues in pools:
            need = sum((week_of_day(np.ceil(np.round(agents[m], 9)), days) for agents, days in queues),
                       np.zeros(HOURS))
            on, stopped_by = schedules.on_shift(need)
            if need.any():
                stops.add(stopped_by)
            total += on
        peak[m] = total.max(initial=0.0)
    return WeekSeats(peak, sorted(stops), schedules.solved - solved)
