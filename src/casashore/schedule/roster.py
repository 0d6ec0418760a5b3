"""Rostering: named agents onto the shifts the shift plan starts, over one or more weeks, with OR-Tools CP-SAT.

The shift plan (covering.py) says how many agents start each template on each day; the roster says who. One
boolean per (agent, day, template the plan uses that day) the agent may work (skills, availability, night work);
CP-SAT suits this part: its rules are logical (pairs of days off, rotating weekends, rest between shifts) where
the covering model is an LP-strong count problem that HiGHS proves fast.

Rules (schedule/rules.py gives their sources): at most one shift a day; hours worked per calendar week within the
agent's contract and the legal maximum; ``weekly_rest_days`` whole days off every week, two of them consecutive
when ``days_off_in_pairs``; at most ``max_consecutive_days`` in a row; ``min_rest_hours`` between the end of a
shift and the start of the next; a whole weekend off in every ``weekend_off_every_weeks`` weekends; within a week,
shifts starting within ``start_band_hours`` of each other; no shift touching the night window for an agent who may
not work nights. Objective, in order of weight: fill every planned shift (the hours left open are reported), then
give agents their contract hours, then their preferred start times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from casashore.domain.shift import time_of_day_min
from casashore.domain.units import number
from casashore.errors import UserError
from casashore.schedule.inputs import ShiftTemplate
from casashore.schedule.roster_greedy import eligible, fill, greedy, objective
from casashore.schedule.roster_model import Solved, solve_model
from casashore.schedule.roster_rules import Agent, RosterState, diagnose
from casashore.schedule.rules import DAYS, LabourRules
from casashore.schedule.tables import Table, read_table

DETERMINISTIC_TIME = 10.0
"""CP-SAT's budget in deterministic time (its own count of work, roughly a second of one core each): the same
search, so the same roster, on any machine at any load."""
SEARCH_MAX_BOOLEANS = 20_000
"""Above this many (agent, day, shift) booleans the search is skipped and the greedy roster is the answer: on the
README's roster (200 agents x 4 weeks, 42,000 booleans) 5 units of one-worker search took 45 s of wall time and
improved nothing, and 12 units of interleaved search neither. A size, not a clock, decides: the same everywhere."""


@dataclass(frozen=True)
class Assignment:
    agent: str
    day: date
    shift: str
    start: datetime
    end: datetime
    paid_hours: float
    group: str


@dataclass
class Roster:
    status: str
    """optimal or feasible (CP-SAT's verdict within its deterministic limit)."""
    objective: float
    best_bound: float
    gap: float | None
    assignments: list[Assignment]
    open_shifts: list[tuple[date, str, int]] = field(default_factory=list)
    """(day, template, agents the plan wants but no one could take)."""
    short_hours: dict[tuple[str, int], float] = field(default_factory=dict)
    """(agent, week) -> contract hours not given."""
    size: dict[str, int] = field(default_factory=dict)
    stopped_by: str = "optimal"
    """optimal, deterministic_limit (the answer on any machine), size_limit (too large to search: the greedy roster)
    or time_safety (the wall-clock valve fired first: the roster keeps every rule but may differ between runs)."""
    deterministic_time: float = 0.0
    diagnosis: list[dict] = field(default_factory=list)
    """Per open shift: day, shift, agents open, blocked (rule -> agents it keeps off) and text."""
    greedy_open: int = 0
    """Planned shifts the constructive start left open, before the search."""


AGENT_COLUMNS, AGENT_OPTIONAL = ("agent", "skills", "weekly_hours"), ("night_work", "unavailable", "preferred_start")


def read_agents(path: Path, groups: list[str], rules: LabourRules) -> list[Agent]:
    """``agent,skills,weekly_hours`` and optionally ``night_work`` (yes/no), ``unavailable`` (weekdays such as
    ``fri`` or dates such as ``2026-03-06``, separated by ``;``) and ``preferred_start`` (HH:MM), from a CSV file
    or an .xlsx workbook (its sheet named Agents, else its first)."""
    return agents_from_table(read_table(path, "roster", "agents"), groups, rules)


def agents_from_table(table: Table, groups: list[str] | None, rules: LabourRules) -> list[Agent]:
    """The agents of a table read from a file or an upload; ``groups`` None accepts any skill (an agent list read
    before the requirement it will serve)."""
    with table.cells_named():
        return _agents(table, groups, rules)


def _agents(table: Table, groups: list[str] | None, rules: LabourRules) -> list[Agent]:
    rows = table.checked(AGENT_COLUMNS, AGENT_OPTIONAL)
    agents, seen = [], set()
    for line, row in rows:
        where = table.where(line)
        skills = frozenset(filter(None, row["skills"].split("+"))) or frozenset({""})
        unknown = [] if groups is None else sorted(skills - set(groups))
        if unknown:
            raise UserError("skills", unknown[0], "groups of the requirement: " + ", ".join(groups)
                            + " (several joined by +)", where=where)
        try:
            hours = number("weekly_hours", row["weekly_hours"], low=0, high=rules.max_weekly_hours,
                           expected=f"contract hours a week in [0, {rules.max_weekly_hours:g}] (the legal maximum)")
        except UserError as exc:
            raise UserError(exc.field, exc.value, exc.expected, where=where) from None
        night = row.get("night_work", "") or "yes"
        if night.lower() not in ("yes", "no", "true", "false", "1", "0"):
            raise UserError("night_work", night, "yes or no", where=where)
        days, dates = set(), set()
        for item in filter(None, (part.strip().lower() for part in row.get("unavailable", "").split(";"))):
            if item[:3] in DAYS and len(item) <= 9:
                days.add(DAYS.index(item[:3]))
                continue
            try:
                dates.add(date.fromisoformat(item))
            except ValueError:
                raise UserError("unavailable", item, "weekdays (mon..sun) or dates (2026-03-06) separated by ;",
                                where=where) from None
        preferred = row.get("preferred_start", "")
        if row["agent"] in seen or not row["agent"]:
            raise UserError("agent", row["agent"], "a name, not empty and not used twice", where=where)
        seen.add(row["agent"])
        preferred_min = time_of_day_min("preferred_start", preferred, where) if preferred else None
        agents.append(Agent(row["agent"], skills, hours, night.lower() in ("yes", "true", "1"), frozenset(days),
                            frozenset(dates), preferred_min))
    if not agents:
        raise UserError("roster", table.source, "at least one agent")
    return agents


def solve_roster(agents: list[Agent], shifts: list[ShiftTemplate], counts: dict[tuple[str, int], int],
                 first_day: date, days: int, rules: LabourRules, *, time_limit_s: float = 60.0,
                 deterministic_time: float = DETERMINISTIC_TIME, max_booleans: int = SEARCH_MAX_BOOLEANS) -> Roster:
    """Assign ``agents`` to the planned shifts: ``counts`` maps (template, day index) to agents wanted, for days
    0..days-1 from ``first_day``. ``time_limit_s`` is a safety valve only (``stopped_by`` says when it fired)."""
    by_name = {s.name: s for s in shifts}
    options = {d: [(name, n) for (name, day), n in sorted(counts.items()) if day == d and n > 0] for d in range(days)}
    start, left = greedy(agents, by_name, options, first_day, days, rules)
    greedy_open, greedy_value = sum(left.values()), objective(start, left)
    booleans = sum(len(v) for v in eligible(start, options).values())
    size = {"boolean_variables": booleans, "agents": len(agents), "days": days}
    if booleans <= max_booleans and greedy_value > 0:
        solved = solve_model(start, options, deterministic_time=deterministic_time, time_safety_s=time_limit_s)
    else:  # nothing to improve, or too large to improve within the budget
        solved = Solved("unknown", set(), float("nan"), float("nan"),
                        "size_limit" if booleans > max_booleans else "optimal", 0.0, booleans)
    state = RosterState(agents, by_name, first_day, days, rules)
    if solved.status in ("optimal", "feasible") and solved.objective <= greedy_value:
        for a, d, name in sorted(solved.taken):
            state.add(a, d, name)
        left = {(d, name): wanted - sum(1 for a in range(len(agents)) if state.worked.get((a, d)) == name)
                for d, planned in options.items() for name, wanted in planned}
        label = solved.status
    else:  # no better roster from the search: the greedy one keeps every rule
        state, label = start, "feasible"
        size["from"] = ("greedy start (too large to search)" if solved.stopped_by == "size_limit"
                        else "greedy start (CP-SAT found no better roster)")
    if booleans <= max_booleans and greedy_value == 0:
        label = "optimal"  # the greedy roster already costs nothing: nothing to search
    if label != "optimal":
        fill(state, options, left)  # a stopped search may leave a shift some agent could still take
    value = float(objective(state, left))
    bound = solved.bound if solved.bound == solved.bound else float("nan")
    gap = 0.0 if label == "optimal" else (max(0.0, value - bound) / max(abs(value), 1e-9) if bound == bound
                                         else None)
    assignments = []
    for (a, d), name in sorted(state.worked.items()):
        shift = by_name[name]
        day = first_day + timedelta(days=d)
        begin = datetime.combine(day, datetime.min.time()) + timedelta(minutes=shift.start_min)
        assignments.append(Assignment(agents[a].name, day, name, begin, begin + timedelta(minutes=shift.length_min),
                                      shift.paid_min / 60, shift.group))
    open_list = [(d, name, n) for (d, name), n in sorted(left.items()) if n]
    open_shifts = [(first_day + timedelta(days=d), name, n) for d, name, n in open_list]
    short_hours = {(agents[a].name, w): state.hours_left(a, w) / 60
                   for a in range(len(agents)) for w in range(-(-days // 7)) if state.hours_left(a, w) > 0}
    return Roster(label, value, bound, gap, assignments, open_shifts, short_hours, size, solved.stopped_by,
                  solved.deterministic_time, diagnose(state, open_list), greedy_open)
