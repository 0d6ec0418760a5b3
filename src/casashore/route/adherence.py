"""Real-time adherence: what each agent was planned to do (the roster) against what the agent did (the router's
status log), over a window and on a clock that are given: pure functions, no server, no clock read.

Both sides are timelines of activities, constant between changes: ``work`` (planned: on shift; done: status
available, or a call in progress whatever the status), ``break`` and ``lunch`` (planned: the roster's breaks;
done: status break, ``lunch`` when its reason is ``lunch``), ``off`` (planned: no shift; done: offline).

Definitions (docs/routing.md, "Adherence"), over the window [start, until):
- scheduled time S_a: the time planned in activity a; S = S_work + S_break + S_lunch (``off`` is not scheduled);
- in adherence: planned work and doing work, planned break or lunch and on a break of either kind (a lunch
  taken at a break's time is still in adherence only for their common minutes), planned off and offline; or
  inside a supervisor's approved exception;
- adherence = (time in adherence while scheduled) / S; minutes out of adherence = (S - that time) / 60;
- conformance = (time doing work, anywhere in the window) / S_work — exceptions do not change it;
- per activity: scheduled, in adherence, of which by exception, out of adherence (``off`` too: working while
  planned off is out of adherence there, and not in the adherence ratio).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ACTIVITIES = ("work", "break", "lunch", "off")
SCHEDULED = ("work", "break", "lunch")
BREAKS = ("break", "lunch")
PRECEDENCE = ("off", "work", "break", "lunch")
"""Where planned spans overlap, the later in this order wins (a lunch inside a shift is lunch)."""


@dataclass(frozen=True)
class Span:
    """An activity from ``start`` to ``end`` (epoch seconds, end excluded)."""

    start: float
    end: float
    activity: str


@dataclass(frozen=True)
class Excused:
    """A supervisor's approved exception: the agent counts as in adherence from ``start`` to ``end``."""

    start: float
    end: float
    reason: str = ""
    approved_by: str = ""


def in_adherence(planned: str, done: str) -> bool:
    """Whether doing ``done`` keeps to ``planned``: the same activity, or any break for a planned break."""
    return planned == done or (planned in BREAKS and done in BREAKS)


class Timeline:
    """A step function of activities: ``at(t)`` is the activity of the last change at or before t (``off``
    before the first). Built from spans (the plan) or from changes (what was done)."""

    def __init__(self, changes: Iterable[tuple[float, str]]) -> None:
        ordered = sorted(changes, key=lambda change: change[0])
        self.times: list[float] = []
        self.activities: list[str] = []
        for at, activity in ordered:  # a later change at the same instant wins; a repeated activity is no change
            if self.times and self.times[-1] == at:
                self.activities[-1] = activity
                if len(self.activities) > 1 and self.activities[-2] == activity:
                    self.times.pop()
                    self.activities.pop()
            elif not self.activities or self.activities[-1] != activity:
                self.times.append(at)
                self.activities.append(activity)

    @classmethod
    def of_spans(cls, spans: Iterable[Span]) -> Timeline:
        """The plan: a break (or lunch) span wins over a shift it falls in, a shift over off."""
        spans = [span for span in spans if span.end > span.start]
        instants = sorted({t for span in spans for t in (span.start, span.end)})

        def planned(t: float) -> str:
            covering = [span.activity for span in spans if span.start <= t < span.end]
            return max(covering, key=PRECEDENCE.index, default="off")

        return cls((t, planned(t)) for t in instants)

    def at(self, t: float) -> str:
        i = bisect_right(self.times, t) - 1
        return self.activities[i] if i >= 0 else "off"


def done_timeline(statuses: Iterable[tuple[float, str, str]], calls: Iterable[tuple[float, float]]) -> Timeline:
    """What the agent did: ``statuses`` (instant, status available/break/offline, reason) and the calls it held
    (answer, end — +inf for a call still in progress; an agent holds one call at a time), a call counting as
    work whatever the status."""
    statuses = sorted(statuses, key=lambda s: s[0])
    calls = sorted(calls)
    starts = [start for start, _ in calls]
    instants = sorted({at for at, _, _ in statuses} | {t for call in calls for t in call if t != float("inf")})
    status_times = [at for at, _, _ in statuses]
    changes = []
    for t in instants:
        c = bisect_right(starts, t) - 1
        on_call = c >= 0 and t < calls[c][1]
        i = bisect_right(status_times, t) - 1
        status, reason = (statuses[i][1], statuses[i][2]) if i >= 0 else ("offline", "")
        changes.append((t, "work" if on_call else status_activity(status, reason)))
    return Timeline(changes)


def status_activity(status: str, reason: str) -> str:
    """The activity a router status stands for."""
    if status == "available":
        return "work"
    if status == "break":
        return "lunch" if reason.strip().lower() == "lunch" else "break"
    return "off"


@dataclass
class Figures:
    """One agent's (or one team's) seconds over a window; the ratios are derived."""

    scheduled_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ACTIVITIES, 0.0))
    adherent_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ACTIVITIES, 0.0))
    excepted_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ACTIVITIES, 0.0))
    """Of the time in adherence, the time counted so by an approved exception only."""
    worked_s: float = 0.0

    def add(self, other: Figures) -> None:
        for activity in ACTIVITIES:
            self.scheduled_s[activity] += other.scheduled_s[activity]
            self.adherent_s[activity] += other.adherent_s[activity]
            self.excepted_s[activity] += other.excepted_s[activity]
        self.worked_s += other.worked_s

    @property
    def scheduled_total_s(self) -> float:
        return sum(self.scheduled_s[a] for a in SCHEDULED)

    @property
    def adherence(self) -> float | None:
        total = self.scheduled_total_s
        return sum(self.adherent_s[a] for a in SCHEDULED) / total if total > 0 else None

    @property
    def conformance(self) -> float | None:
        work = self.scheduled_s["work"]
        return self.worked_s / work if work > 0 else None

    @property
    def out_of_adherence_min(self) -> float:
        return sum(self.scheduled_s[a] - self.adherent_s[a] for a in SCHEDULED) / 60

    def to_json(self) -> dict:
        return {"adherence": _rounded(self.adherence), "conformance": _rounded(self.conformance),
                "scheduled_min": round(self.scheduled_total_s / 60, 3),
                "worked_min": round(self.worked_s / 60, 3),
                "out_of_adherence_min": round(self.out_of_adherence_min, 3),
                "activities": {a: {"scheduled_min": round(self.scheduled_s[a] / 60, 3),
                                   "in_adherence_min": round(self.adherent_s[a] / 60, 3),
                                   "by_exception_min": round(self.excepted_s[a] / 60, 3),
                                   "out_of_adherence_min": round((self.scheduled_s[a] - self.adherent_s[a]) / 60, 3)}
                               for a in ACTIVITIES}}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _segments(plan: Timeline, done: Timeline, excused: Sequence[Excused], start: float, until: float):
    """(from, to, planned, done, excused) over [start, until), constant on each piece."""
    cuts = {start, until}
    for t in (*plan.times, *done.times, *(e.start for e in excused), *(e.end for e in excused)):
        if start < t < until:
            cuts.add(t)
    ordered = sorted(cuts)
    for a, b in zip(ordered, ordered[1:], strict=False):
        yield a, b, plan.at(a), done.at(a), any(e.start <= a < e.end for e in excused)


def figures(plan: Timeline, done: Timeline, excused: Sequence[Excused], start: float, until: float) -> Figures:
    """The agent's figures over [start, until) (nothing when until <= start)."""
    result = Figures()
    for a, b, planned, doing, excepted in _segments(plan, done, excused, start, until):
        length = b - a
        result.scheduled_s[planned] += length
        if in_adherence(planned, doing):
            result.adherent_s[planned] += length
        elif excepted:
            result.adherent_s[planned] += length
            result.excepted_s[planned] += length
        if doing == "work":
            result.worked_s += length
    return result


def out_since(plan: Timeline, done: Timeline, excused: Sequence[Excused], start: float,
              now: float) -> tuple[float, str, str] | None:
    """When the agent is out of adherence at ``now``: (since when — not before ``start`` —, planned, doing);
    None when in adherence (an approved exception covering ``now`` included)."""
    planned, doing = plan.at(now), done.at(now)
    if now < start or in_adherence(planned, doing) or any(e.start <= now < e.end for e in excused):
        return None
    # Back from now, one piece at a time: only the current spell's pieces are looked at (alerts are checked
    # often, over every agent: the whole day's pieces each time would cost more as the day goes on)
    since = now
    while since > start:
        cut = _previous_cut(plan, done, excused, since, start)
        if in_adherence(plan.at(cut), done.at(cut)) or any(e.start <= cut < e.end for e in excused):
            break
        since = cut
    return since, planned, doing


def _previous_cut(plan: Timeline, done: Timeline, excused: Sequence[Excused], t: float, start: float) -> float:
    """The last instant before ``t`` (not before ``start``) where the plan, the agent or an exception changes."""
    cut = start
    for line in (plan, done):
        i = bisect_left(line.times, t) - 1
        if i >= 0:
            cut = max(cut, line.times[i])
    for e in excused:
        for edge in (e.start, e.end):
            if cut < edge < t:
                cut = edge
    return cut


def team_figures(agents: dict[str, Figures], teams: dict[str, str]) -> dict[str, Figures]:
    """Team -> its agents' figures summed (``teams``: agent -> team; agents without one are left out)."""
    summed: dict[str, Figures] = {}
    for agent, figure in agents.items():
        team = teams.get(agent)
        if team:
            summed.setdefault(team, Figures()).add(figure)
    return summed
