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

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from casashore.errors import UserError
from casashore.schedule.inputs import ShiftTemplate, _rows, _time_of_day
from casashore.schedule.rules import DAYS, LabourRules
from casashore.units import number

OPEN_SHIFT_WEIGHT = 1000
"""Per hour of a planned shift left open: far above a contract hour short (10) or an hour off preference (1)."""


@dataclass(frozen=True)
class Agent:
    name: str
    skills: frozenset[str]
    weekly_hours: float
    night_work: bool = True
    unavailable_days: frozenset[int] = frozenset()
    """Weekdays, 0 = Monday."""
    unavailable_dates: frozenset[date] = frozenset()
    preferred_start_min: int | None = None


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
    """optimal, feasible or infeasible (CP-SAT's verdict within the time limit)."""
    objective: float
    best_bound: float
    gap: float | None
    assignments: list[Assignment]
    open_shifts: list[tuple[date, str, int]] = field(default_factory=list)
    """(day, template, agents the plan wants but no one could take)."""
    short_hours: dict[tuple[str, int], float] = field(default_factory=dict)
    """(agent, week) -> contract hours not given."""
    size: dict[str, int] = field(default_factory=dict)


def read_agents(path: Path, groups: list[str], rules: LabourRules) -> list[Agent]:
    """``agent,skills,weekly_hours`` and optionally ``night_work`` (yes/no), ``unavailable`` (weekdays such as
    ``fri`` or dates such as ``2026-03-06``, separated by ``;``) and ``preferred_start`` (HH:MM)."""
    rows = _rows(path, ("agent", "skills", "weekly_hours"), ("night_work", "unavailable", "preferred_start"))
    agents, seen = [], set()
    for line, row in rows:
        where = f"{path} line {line}"
        skills = frozenset(filter(None, row["skills"].split("+"))) or frozenset({""})
        unknown = sorted(skills - set(groups))
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
        agents.append(Agent(row["agent"], skills, hours, night.lower() in ("yes", "true", "1"), frozenset(days),
                            frozenset(dates), _time_of_day("preferred_start", preferred, where) if preferred else None))
    if not agents:
        raise UserError("roster", str(path), "at least one agent")
    return agents


def _touches_night(start_min: int, length_min: int, night: tuple[int, int]) -> bool:
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


def solve_roster(agents: list[Agent], shifts: list[ShiftTemplate], counts: dict[tuple[str, int], int],
                 first_day: date, days: int, rules: LabourRules, *, time_limit_s: float = 60.0,
                 workers: int = 0) -> Roster:
    """Assign ``agents`` to the planned shifts: ``counts`` maps (template, day index) to agents wanted, for days
    0..days-1 from ``first_day``."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()  # the time limit covers building the model and the greedy start too
    by_name = {s.name: s for s in shifts}
    model = cp_model.CpModel()
    n_weeks = -(-days // 7)
    night = rules.night_min
    options = {d: [(name, n) for (name, day), n in sorted(counts.items()) if day == d and n > 0] for d in range(days)}
    y: dict[tuple[int, int, str], cp_model.IntVar] = {}
    for a, agent in enumerate(agents):
        for d in range(days):
            today = first_day + timedelta(days=d)
            if today.weekday() in agent.unavailable_days or today in agent.unavailable_dates:
                continue
            for name, _ in options[d]:
                shift = by_name[name]
                if not set(shift.skills) <= agent.skills:
                    continue
                if not agent.night_work and _touches_night(shift.start_min, shift.length_min, night):
                    continue
                y[a, d, name] = model.new_bool_var(f"y{a}_{d}_{name}")
    # A feasible start, hinted to every variable: on a large roster CP-SAT alone may find no solution within the
    # limit; from a greedy one it only improves (and the greedy roster is the answer if it cannot).
    greedy = _greedy(agents, by_name, options, set(y), first_day, days, rules)
    greedy_shift = {(a, d): name for a, d, name in greedy}
    greedy_open = _left_open(options, greedy)
    greedy_short = _short_minutes(agents, by_name, greedy, days, rules)
    for key, var in y.items():
        model.add_hint(var, key in greedy)
    per_agent_day: dict[tuple[int, int], list[tuple[str, cp_model.IntVar]]] = {}
    for (a, d, name), var in y.items():
        per_agent_day.setdefault((a, d), []).append((name, var))
    work = {}
    for a in range(len(agents)):
        for d in range(days):
            chosen = [var for _, var in per_agent_day.get((a, d), [])]
            work[a, d] = model.new_bool_var(f"w{a}_{d}")
            model.add_hint(work[a, d], (a, d) in greedy_shift)
            model.add(sum(chosen) == work[a, d])  # at most one shift a day
    objective = []
    open_vars = {}
    for d in range(days):
        for name, wanted in options[d]:
            takers = [y[a, d, name] for a in range(len(agents)) if (a, d, name) in y]
            open_vars[d, name] = model.new_int_var(0, wanted, f"open{d}_{name}")
            model.add(sum(takers) + open_vars[d, name] == wanted)
            model.add_hint(open_vars[d, name], greedy_open[d, name])
            objective.append(OPEN_SHIFT_WEIGHT * by_name[name].paid_min * open_vars[d, name])
    rest_min = int(round(rules.min_rest_hours * 60))
    for (a, d), chosen in per_agent_day.items():
        tomorrow = per_agent_day.get((a, d + 1), [])
        for name, var in chosen:
            end = by_name[name].start_min + by_name[name].length_min  # minutes after day d's midnight
            clash = [v for other, v in tomorrow if 1440 + by_name[other].start_min - end < rest_min]
            if clash:
                model.add(var + sum(clash) <= 1)
    short = {}
    for a, agent in enumerate(agents):
        for w in range(n_weeks):
            week = range(7 * w, min(7 * w + 7, days))
            minutes = sum(by_name[name].paid_min * var for d in week for name, var in per_agent_day.get((a, d), []))
            cap = _weekly_cap_min(agent, len(week), rules)
            model.add(minutes <= cap)
            short[a, w] = model.new_int_var(0, cap, f"short{a}_{w}")
            model.add_hint(short[a, w], greedy_short[a, w])
            model.add(minutes + short[a, w] >= cap)
            objective.append(10 * short[a, w])
            rest_days = rules.weekly_rest_days if len(week) == 7 else 0
            model.add(sum(work[a, d] for d in week) <= len(week) - rest_days)
            if rules.days_off_in_pairs and len(week) == 7:
                pairs, pair_hints = [], []
                for d in list(week)[:-1]:
                    pair = model.new_bool_var(f"pair{a}_{d}")
                    model.add_implication(pair, work[a, d].Not())
                    model.add_implication(pair, work[a, d + 1].Not())
                    pairs.append(pair)
                    free_pair = (a, d) not in greedy_shift and (a, d + 1) not in greedy_shift
                    model.add_hint(pair, free_pair and not any(hinted for hinted in pair_hints))
                    pair_hints.append(free_pair)
                model.add_bool_or(pairs)
            starts = sorted({by_name[name].start_min for d in week for name, _ in per_agent_day.get((a, d), [])})
            band = int(round(rules.start_band_hours * 60))
            if len(starts) > 1 and starts[-1] - starts[0] > band:
                lows = {low: model.new_bool_var(f"band{a}_{w}_{low}") for low in starts}
                worked_starts = [by_name[greedy_shift[a, d]].start_min for d in week if (a, d) in greedy_shift]
                for low, var in lows.items():
                    model.add_hint(var, bool(worked_starts) and low == min(worked_starts))
                model.add_at_most_one(lows.values())
                for d in week:
                    for name, var in per_agent_day.get((a, d), []):
                        s = by_name[name].start_min
                        model.add_bool_or([lows[low] for low in starts if low <= s <= low + band]).only_enforce_if(var)
        for d in range(days - rules.max_consecutive_days):
            model.add(sum(work[a, k] for k in range(d, d + rules.max_consecutive_days + 1))
                      <= rules.max_consecutive_days)
        if rules.weekend_off_every_weeks:
            weekends = [d for d in range(days - 1) if (first_day + timedelta(days=d)).weekday() == 5]
            off = []
            for d in weekends:
                free = model.new_bool_var(f"weekend{a}_{d}")
                model.add_implication(free, work[a, d].Not())
                model.add_implication(free, work[a, d + 1].Not())
                off.append(free)
                model.add_hint(free, (a, d) not in greedy_shift and (a, d + 1) not in greedy_shift)
            n = rules.weekend_off_every_weeks
            for i in range(len(off) - n + 1):
                model.add_bool_or(off[i:i + n])
    for (a, _), chosen in per_agent_day.items():
        preferred = agents[a].preferred_start_min
        if preferred is not None:
            objective.extend(abs(by_name[name].start_min - preferred) // 60 * var for name, var in chosen)
    model.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, time_limit_s - (time.perf_counter() - started))
    solver.parameters.num_workers = workers or 0
    # Measured on the 300-agent, 4-week benchmark: default presolve and symmetry detection spend a third of a
    # 60-second budget before the search; lighter settings name more shifts in the same time.
    solver.parameters.symmetry_level = 0
    solver.parameters.max_presolve_iterations = 1
    solver.parameters.log_search_progress = bool(os.environ.get("CASASHORE_SOLVER_LOG"))
    status = solver.solve(model)
    size = {"boolean_variables": len(y), "agents": len(agents), "days": days}
    bound = solver.best_objective_bound
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        label = "optimal" if status == cp_model.OPTIMAL else "feasible"
        value = solver.objective_value
        taken = {key for key, var in y.items() if solver.boolean_value(var)}
    elif status == cp_model.INFEASIBLE:
        return Roster("infeasible", float("nan"), float("nan"), None, [], size=size)
    else:  # stopped without a solution of its own: the greedy roster keeps every rule
        label, taken = "feasible", greedy
        value = _objective(agents, by_name, options, greedy, days, rules)
        size["from"] = "greedy start (CP-SAT found no better roster within the time limit)"
    gap = 0.0 if label == "optimal" else max(0.0, value - bound) / max(abs(value), 1e-9)
    assignments = []
    for a, d, name in sorted(taken):
        shift = by_name[name]
        day = first_day + timedelta(days=d)
        start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=shift.start_min)
        assignments.append(Assignment(agents[a].name, day, name, start, start + timedelta(minutes=shift.length_min),
                                      shift.paid_min / 60, shift.group))
    open_shifts = [(first_day + timedelta(days=d), name, left)
                   for (d, name), left in _left_open(options, taken).items() if left]
    short_hours = {}
    for (a, w), cap_left in _short_minutes(agents, by_name, taken, days, rules).items():
        if cap_left:
            short_hours[agents[a].name, w] = cap_left / 60
    return Roster(label, value, bound, gap, assignments, open_shifts, short_hours, size)


def _left_open(options: dict[int, list[tuple[str, int]]], taken: set[tuple[int, int, str]]
               ) -> dict[tuple[int, str], int]:
    """(day, template) -> planned agents no one was named for."""
    named = Counter((d, name) for _, d, name in taken)
    return {(d, name): wanted - named[d, name] for d, planned in options.items() for name, wanted in planned}


def _weekly_cap_min(agent: Agent, days_in_week: int, rules: LabourRules) -> int:
    return int(round(min(agent.weekly_hours, rules.max_weekly_hours) * 60 * days_in_week / 7))


def _short_minutes(agents: list[Agent], by_name: dict[str, ShiftTemplate], taken: set[tuple[int, int, str]],
                   days: int, rules: LabourRules) -> dict[tuple[int, int], int]:
    """(agent, week) -> contract minutes not given."""
    given: dict[tuple[int, int], int] = {}
    for a, d, name in taken:
        given[a, d // 7] = given.get((a, d // 7), 0) + by_name[name].paid_min
    return {(a, w): max(0, _weekly_cap_min(agent, min(7, days - 7 * w), rules) - given.get((a, w), 0))
            for a, agent in enumerate(agents) for w in range(-(-days // 7))}


def _objective(agents: list[Agent], by_name: dict[str, ShiftTemplate], options: dict[int, list[tuple[str, int]]],
               taken: set[tuple[int, int, str]], days: int, rules: LabourRules) -> float:
    """The model's objective for a roster, computed outside the model (for the greedy start)."""
    value = sum(OPEN_SHIFT_WEIGHT * by_name[name].paid_min * left
                for (_, name), left in _left_open(options, taken).items())
    value += 10 * sum(_short_minutes(agents, by_name, taken, days, rules).values())
    for a, _, name in taken:
        preferred = agents[a].preferred_start_min
        if preferred is not None:
            value += abs(by_name[name].start_min - preferred) // 60
    return value


def _greedy(agents: list[Agent], by_name: dict[str, ShiftTemplate], options: dict[int, list[tuple[str, int]]],
            allowed: set[tuple[int, int, str]], first_day: date, days: int, rules: LabourRules
            ) -> set[tuple[int, int, str]]:
    """Weekends first (the days a week of Monday-to-Friday habits leaves short), then the other days: each
    planned shift to the eligible agent with the most contract hours left (the same start as the day before
    first), taken only if every rule still holds with all days not yet given off — so the result keeps every
    rule, whatever comes after."""
    n = len(agents)
    worked: dict[tuple[int, int], str] = {}
    hours_left = {(a, w): _weekly_cap_min(agent, min(7, days - 7 * w), rules)
                  for a, agent in enumerate(agents) for w in range(-(-days // 7))}
    rest_min = rules.min_rest_hours * 60
    band = rules.start_band_hours * 60
    saturdays = [d for d in range(days - 1) if (first_day + timedelta(days=d)).weekday() == 5]
    chosen: set[tuple[int, int, str]] = set()

    def rested(first: ShiftTemplate, second: ShiftTemplate) -> bool:
        """Enough rest between ``first`` on one day and ``second`` the next."""
        return 1440 + second.start_min - (first.start_min + first.length_min) >= rest_min

    def may_work(a: int, d: int, shift: ShiftTemplate) -> bool:
        w = d // 7
        week = range(7 * w, min(7 * w + 7, days))
        if hours_left[a, w] < shift.paid_min:
            return False
        if (a, d - 1) in worked and not rested(by_name[worked[a, d - 1]], shift):
            return False
        if (a, d + 1) in worked and not rested(shift, by_name[worked[a, d + 1]]):
            return False
        before = after = 0
        while (a, d - before - 1) in worked:
            before += 1
        while (a, d + after + 1) in worked:
            after += 1
        if before + 1 + after > rules.max_consecutive_days:
            return False
        on = [(a, k) in worked or k == d for k in week]
        if len(on) == 7 and sum(on) > 7 - rules.weekly_rest_days:
            return False
        if rules.days_off_in_pairs and len(on) == 7 and not any(
                not on[k] and not on[k + 1] for k in range(6)):
            return False
        starts = [by_name[worked[a, k]].start_min for k in week if (a, k) in worked] + [shift.start_min]
        if max(starts) - min(starts) > band:
            return False
        n_weeks = rules.weekend_off_every_weeks
        if n_weeks and (first_day + timedelta(days=d)).weekday() in (5, 6):
            free = [(a, s) not in worked and (a, s + 1) not in worked and d not in (s, s + 1) for s in saturdays]
            if any(not any(free[i:i + n_weeks]) for i in range(len(free) - n_weeks + 1)):
                return False
        return True

    order = sorted(range(days), key=lambda d: ((first_day + timedelta(days=d)).weekday() < 5, d))
    for d in order:
        for name, wanted in sorted(options[d], key=lambda item: by_name[item[0]].start_min):
            shift = by_name[name]
            candidates = [a for a in range(n) if (a, d, name) in allowed and (a, d) not in worked]
            candidates.sort(key=lambda a: (all(worked.get((a, k)) is None or by_name[worked[a, k]].start_min
                                               != shift.start_min for k in (d - 1, d + 1)),
                                           -hours_left[a, d // 7]))
            for a in candidates:
                if wanted == 0:
                    break
                if may_work(a, d, shift):
                    worked[a, d] = name
                    hours_left[a, d // 7] -= shift.paid_min
                    chosen.add((a, d, name))
                    wanted -= 1
    return chosen
