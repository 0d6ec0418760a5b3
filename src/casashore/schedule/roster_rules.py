"""The roster's rules checked one assignment at a time, outside the solver: the greedy start uses them to keep every
rule by construction, and the diagnosis uses them to say why a planned shift stayed open.

The checks mirror the CP-SAT model in roster_model.py rule for rule (weekly rest and paired days off only in whole
weeks, runs over the horizon, weekends as Saturdays with their Sunday in the horizon); tests/roster_validator.py
checks both from the roster's dates and times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from casashore.schedule.inputs import ShiftTemplate
from casashore.schedule.rules import LabourRules

REASONS = {
    "skill": "lack the skill",
    "unavailable": "are unavailable that day",
    "night": "may not work nights",
    "busy": "already work another shift that day",
    "hours": "are at their weekly contract hours",
    "rest": "would rest less than the minimum between shifts",
    "run": "would work too many days in a row",
    "weekly_rest": "would lose their weekly rest",
    "pair": "would lose their two days off in a row",
    "weekend": "would lose their weekend off",
    "band": "would start outside their start band that week",
}
"""Why an agent may not take a shift, in the order they are checked (the first that applies is reported)."""
ONE_AGENT = {"skill": "lacks the skill", "unavailable": "is unavailable that day",
             "busy": "already works another shift that day", "hours": "is at the weekly contract hours",
             "weekly_rest": "would lose the weekly rest", "pair": "would lose the two days off in a row",
             "weekend": "would lose the weekend off", "band": "would start outside the start band that week"}
"""REASONS for one agent: "1 is unavailable that day", not "1 are"."""


@dataclass(frozen=True)
class Agent:
    """Who the rules apply to: skills, contract hours and what the agent may not work."""

    name: str
    skills: frozenset[str]
    weekly_hours: float
    night_work: bool = True
    unavailable_days: frozenset[int] = frozenset()
    """Weekdays, 0 = Monday."""
    unavailable_dates: frozenset[date] = frozenset()
    preferred_start_min: int | None = None


def touches_night(start_min: int, length_min: int, night: tuple[int, int]) -> bool:
    """Whether [start, start + length) on the clock meets the night window (which may cross midnight)."""
    begin, end = night
    for day_offset in (-1440, 0, 1440):
        if end > begin:
            windows = [(begin + day_offset, end + day_offset)]
        else:
            windows = [(begin + day_offset, 1440 + day_offset), (day_offset, end + day_offset)]
        if any(start_min < b and a < start_min + length_min for a, b in windows):
            return True
    return False


def weekly_cap_min(agent: Agent, days_in_week: int, rules: LabourRules) -> int:
    """Contract minutes in a (possibly partial) week, never above the legal maximum."""
    return int(round(min(agent.weekly_hours, rules.max_weekly_hours) * 60 * days_in_week / 7))


def static_reason(agent: Agent, day: date, shift: ShiftTemplate, rules: LabourRules) -> str | None:
    """What rules the agent out whatever else the roster holds: skills, availability, night work."""
    if not set(shift.skills) <= agent.skills:
        return "skill"
    if day.weekday() in agent.unavailable_days or day in agent.unavailable_dates:
        return "unavailable"
    if not agent.night_work and touches_night(shift.start_min, shift.length_min, rules.night_min):
        return "night"
    return None


@dataclass
class RosterState:
    """Who works which shift on which day so far; ``reason`` says whether one more assignment keeps every rule."""

    agents: list[Agent]
    by_name: dict[str, ShiftTemplate]
    first_day: date
    days: int
    rules: LabourRules
    worked: dict[tuple[int, int], str] = field(default_factory=dict)
    minutes: dict[tuple[int, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.saturdays = [d for d in range(self.days - 1) if (self.first_day + timedelta(days=d)).weekday() == 5]
        self.weekend_days = {s + i for s in self.saturdays for i in (0, 1)}

    def cap(self, a: int, w: int) -> int:
        return weekly_cap_min(self.agents[a], min(7, self.days - 7 * w), self.rules)

    def hours_left(self, a: int, w: int) -> int:
        return self.cap(a, w) - self.minutes.get((a, w), 0)

    def add(self, a: int, d: int, name: str) -> None:
        self.worked[a, d] = name
        self.minutes[a, d // 7] = self.minutes.get((a, d // 7), 0) + self.by_name[name].paid_min

    def _rested(self, first: ShiftTemplate, second: ShiftTemplate) -> bool:
        """Enough rest between ``first`` on one day and ``second`` the next."""
        return 1440 + second.start_min - (first.start_min + first.length_min) >= self.rules.min_rest_hours * 60

    def reason(self, a: int, d: int, name: str) -> str | None:
        """None when agent ``a`` may take ``name`` on day ``d`` with every other day as it is (days not given
        are off), else the first rule it would break (a key of REASONS)."""
        shift, rules, worked = self.by_name[name], self.rules, self.worked
        why = static_reason(self.agents[a], self.first_day + timedelta(days=d), shift, rules)
        if why:
            return why
        if (a, d) in worked:
            return "busy"
        w = d // 7
        week = range(7 * w, min(7 * w + 7, self.days))
        if self.hours_left(a, w) < shift.paid_min:
            return "hours"
        if (a, d - 1) in worked and not self._rested(self.by_name[worked[a, d - 1]], shift):
            return "rest"
        if (a, d + 1) in worked and not self._rested(shift, self.by_name[worked[a, d + 1]]):
            return "rest"
        before = after = 0
        while (a, d - before - 1) in worked:
            before += 1
        while (a, d + after + 1) in worked:
            after += 1
        if before + 1 + after > rules.max_consecutive_days:
            return "run"
        on = [(a, k) in worked or k == d for k in week]
        if len(on) == 7 and sum(on) > 7 - rules.weekly_rest_days:
            return "weekly_rest"
        if rules.days_off_in_pairs and len(on) == 7 and not any(not on[k] and not on[k + 1] for k in range(6)):
            return "pair"
        n = rules.weekend_off_every_weeks
        if n and d in self.weekend_days:
            free = [(a, s) not in worked and (a, s + 1) not in worked and d not in (s, s + 1) for s in self.saturdays]
            if any(not any(free[i:i + n]) for i in range(len(free) - n + 1)):
                return "weekend"
        starts = [self.by_name[worked[a, k]].start_min for k in week if (a, k) in worked] + [shift.start_min]
        if max(starts) - min(starts) > rules.start_band_hours * 60:
            return "band"
        return None


def diagnose(state: RosterState, open_shifts: list[tuple[int, str, int]]) -> list[dict]:
    """Per open (day, template, agents left): how many agents each rule keeps from it in the final roster —
    a planner reads which rule, or which missing agent, leaves it open."""
    out = []
    for d, name, left in open_shifts:
        counts: dict[str, int] = {}
        for a in range(len(state.agents)):
            why = state.reason(a, d, name) or "free"  # "free" cannot happen in a roster no agent can improve
            counts[why] = counts.get(why, 0) + 1
        blocked = {key: counts[key] for key in (*REASONS, "free") if key in counts}
        day = state.first_day + timedelta(days=d)
        words = "; ".join(f"{n} {reason_words(key, n)}"
                          for key, n in sorted(blocked.items(), key=lambda kv: (-kv[1], kv[0])))
        out.append({"day": day, "shift": name, "agents": left, "blocked": blocked,
                    "text": f"{day.isoformat()} {name}: {left} open — of {len(state.agents)} agents, {words}"})
    return out


def reason_words(key: str, count: int) -> str:
    """Why ``count`` agents may not take a shift, in words that agree with the count."""
    if key == "free":
        return "could take it (left open by the search)"
    return ONE_AGENT.get(key, REASONS[key]) if count == 1 else REASONS[key]
