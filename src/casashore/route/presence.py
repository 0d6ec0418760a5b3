"""Who is at work now, from the router's statuses against the roster: what the intraday re-plan needs beyond
the roster (docs/intraday.md, "Who is at work"). Pure: the agents' timelines of what they did (adherence.py's
``done_timeline``, kept by the AdherenceMonitor) and an instant are given; no clock is read.

The rules, for an agent whose rostered shift has started and not ended at the instant ``at``:

- **absent**: she is offline (or has not logged in) and has been so for at least ``grace_s`` of *planned work*
  since her shift started (time offline during a planned break or lunch does not count: logging off for lunch is
  not an absence). She then counts as absent for the rest of the day, unless she comes back: the rule is judged
  again at each question, and an agent available (or on a call) again is at work.
- **away**: she is on a break (status ``break``, any reason) while her roster plans work — a break taken late or
  early, an overrun or an unplanned one. She is away from ``at`` until her break has lasted as long as the
  planned break it stands for (the roster's break of the same kind, ``lunch`` or ``break``, nearest in time to
  when she went; any break when none is of that kind); once it has lasted that long (an overrun), or when she
  has no planned break, for ``grace_s`` more (to the next minute): she is expected back soon, and the next
  question sees whether she came. A break inside her planned break is the roster's own and changes nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from casashore.intraday.day import NotAtWork
from casashore.route.adherence import BREAKS, Timeline
from casashore.route.adherence_monitor import KEEP_DAYS, AdherenceMonitor, iso
from casashore.route.planned import PlannedShift


class RouterPresence:
    """Who is at work as an AdherenceMonitor's log shows it: the router's live view (its monitor, fed by every
    event) and the CLI's (a monitor replaying the records). Judged only where the log is whole: from the first
    day the monitor holds every event of (a router started today holds nothing of yesterday) and within the days
    it keeps; elsewhere nobody is seen away, and ``judged`` says the roster alone was read."""

    def __init__(self, monitor: AdherenceMonitor, source: str = "the router's statuses") -> None:
        self.monitor, self.source = monitor, source
        self._by_day: dict[date, list[PlannedShift]] = {}
        for shift in monitor.roster.shifts:  # a shift containing an instant started that site day or the day before
            self._by_day.setdefault(shift.day, []).append(shift)

    def judged(self, at: float, now: float) -> tuple[tuple[NotAtWork, ...], str]:
        """At ``at`` (the statuses known at ``now``: a later ``at`` is judged at ``now``): the agents absent or away,
        and what was read, in words."""
        at = min(at, now)
        day = self.monitor.site_day(at)
        first = self.monitor.first_day
        if (first is not None and day < first) or at < now - KEEP_DAYS * 86_400:
            return (), f"the roster alone ({self.source} do not reach {iso(at, self.monitor.zone)})"
        shifts = [*self._by_day.get(day - timedelta(days=1), ()), *self._by_day.get(day, ())]
        seen = not_at_work(shifts, self.monitor.done, self.monitor.grace_s, at, self.monitor.roster.time_zone)
        return tuple(seen), f"{self.source} at {iso(at, self.monitor.zone)} (grace {self.monitor.grace_s:g} s)"


def not_at_work(shifts: Iterable[PlannedShift], done: Callable[[str], Timeline], grace_s: float, at: float,
                time_zone: str) -> list[NotAtWork]:
    """The rostered agents absent or away at ``at`` (by agent), each with why in words on the site's clock."""
    zone = ZoneInfo(time_zone)
    found = {}
    for shift in shifts:
        work = shift.spans[0]
        if work.start <= at < work.end and shift.agent not in found:
            status = agent_status(shift, done(shift.agent), grace_s, at, zone)
            if status is not None:
                found[shift.agent] = status
    return [found[agent] for agent in sorted(found)]


def agent_status(shift: PlannedShift, done: Timeline, grace_s: float, at: float, zone: ZoneInfo) -> NotAtWork | None:
    """One agent's presence at ``at`` inside her shift: None when at work (or in her planned break)."""
    doing = done.at(at)
    plan = Timeline.of_spans(shift.spans)
    work = shift.spans[0]
    since = spell_start(done, at)
    if doing == "off":
        counted = planned_work_s(plan, max(since, work.start), at)
        if counted < grace_s:
            return None
        why = (f"not logged in since her shift began at {_hhmm(work.start, zone)}" if since <= work.start
               else f"offline since {_hhmm(since, zone)}")
        return NotAtWork(shift.agent, "absent", max(since, work.start), None, why)
    if doing not in BREAKS or plan.at(at) != "work":
        return None
    planned = _nearest_break(shift, doing, since)
    length = 0.0 if planned is None else planned.end - planned.start
    if since + length > at:
        back = since + length
        why = f"on {doing} since {_hhmm(since, zone)}, back by {_hhmm(back, zone)} (planned {length / 60:g} min)"
    else:
        back = math.ceil((at + grace_s) / 60) * 60  # to the minute: the same answer for a minute's questions
        overrun = (f"over her planned {length / 60:g} min" if planned is not None else "no break planned now")
        why = f"on {doing} since {_hhmm(since, zone)} ({overrun}): expected back by {_hhmm(back, zone)}"
    return NotAtWork(shift.agent, "away", since, back, why)


def spell_start(done: Timeline, at: float) -> float:
    """When the agent's activity at ``at`` began (-inf: before anything the router saw of her)."""
    i = bisect_right(done.times, at) - 1
    if i < 0 or (i == 0 and done.activities[0] == "off"):  # off from the first thing seen: never logged in
        return float("-inf")
    return done.times[i]


def planned_work_s(plan: Timeline, start: float, until: float) -> float:
    """Seconds of [start, until) the roster plans at work (breaks and lunch left out)."""
    if until <= start:
        return 0.0
    cuts = sorted({start, until, *(t for t in plan.times if start < t < until)})
    return sum(b - a for a, b in zip(cuts, cuts[1:], strict=False) if plan.at(a) == "work")


def _nearest_break(shift: PlannedShift, kind: str, since: float):
    breaks = list(shift.spans[1:])
    same = [b for b in breaks if b.activity == kind] or breaks
    return min(same, key=lambda b: (abs(b.start - since), b.start), default=None)


def _hhmm(t: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(t, zone).strftime("%H:%M")
