"""The roster as a CP-SAT model, hinted with the greedy roster and solved under deterministic limits only.

Determinism: the model is built in a fixed order (agents, days, templates sorted; no iteration over sets of
strings), the search runs on one worker with a fixed seed and a limit in deterministic time (CP-SAT's count of
work, the same on any machine at any load). Interleaved parallel search was tried: on the README's roster it
overshot a 5-unit deterministic budget to 12.4 and took 54 s of wall time for no better roster. The
wall-clock limit is a safety valve only: when it stops the search first, the result says so (``stopped_by``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from casashore.schedule.roster_greedy import OPEN_WEIGHT, SHORT_WEIGHT
from casashore.schedule.roster_rules import RosterState, static_reason

SEED = 20260105


@dataclass
class Solved:
    status: str
    """optimal, feasible (a roster, no proof) or unknown (no roster of its own)."""
    taken: set[tuple[int, int, str]]
    objective: float
    bound: float
    stopped_by: str
    """optimal, deterministic_limit or time_safety."""
    deterministic_time: float
    size: int


def solve_model(start: RosterState, options: dict[int, list[tuple[str, int]]], *, deterministic_time: float,
                time_safety_s: float) -> Solved:
    from ortools.sat.python import cp_model  # lazy: ~1 s to load, and only the CP-SAT roster needs it

    agents, by_name, days, rules = start.agents, start.by_name, start.days, start.rules
    model = cp_model.CpModel()
    n_weeks = -(-days // 7)
    hint = start.worked
    y: dict[tuple[int, int, str], cp_model.IntVar] = {}
    for a, agent in enumerate(agents):
        for d in range(days):
            today = start.first_day + timedelta(days=d)
            for name, _ in options[d]:
                if static_reason(agent, today, by_name[name], rules) is None:
                    y[a, d, name] = model.new_bool_var(f"y{a}_{d}_{name}")
                    model.add_hint(y[a, d, name], hint.get((a, d)) == name)
    per_agent_day: dict[tuple[int, int], list[tuple[str, cp_model.IntVar]]] = {}
    for (a, d, name), var in y.items():
        per_agent_day.setdefault((a, d), []).append((name, var))
    work = {}
    for a in range(len(agents)):
        for d in range(days):
            work[a, d] = model.new_bool_var(f"w{a}_{d}")
            model.add_hint(work[a, d], (a, d) in hint)
            model.add(sum(var for _, var in per_agent_day.get((a, d), [])) == work[a, d])  # one shift a day
    objective = []
    for d in range(days):
        for name, wanted in options[d]:
            takers = [y[a, d, name] for a in range(len(agents)) if (a, d, name) in y]
            left = model.new_int_var(0, wanted, f"open{d}_{name}")
            model.add(sum(takers) + left == wanted)
            model.add_hint(left, wanted - sum(1 for a in range(len(agents)) if hint.get((a, d)) == name))
            objective.append(OPEN_WEIGHT * by_name[name].paid_min * left)
    rest_min = rules.min_rest_hours * 60
    for (a, d), chosen in per_agent_day.items():
        tomorrow = per_agent_day.get((a, d + 1), [])
        for name, var in chosen:
            end = by_name[name].start_min + by_name[name].length_min  # minutes after day d's midnight
            clash = [v for other, v in tomorrow if 1440 + by_name[other].start_min - end < rest_min]
            if clash:
                model.add(var + sum(clash) <= 1)
    band = rules.start_band_hours * 60
    for a in range(len(agents)):
        for w in range(n_weeks):
            week = range(7 * w, min(7 * w + 7, days))
            minutes = sum(by_name[name].paid_min * var for d in week for name, var in per_agent_day.get((a, d), []))
            cap = start.cap(a, w)
            model.add(minutes <= cap)
            short = model.new_int_var(0, cap, f"short{a}_{w}")
            model.add_hint(short, max(0, start.hours_left(a, w)))
            model.add(minutes + short >= cap)
            objective.append(SHORT_WEIGHT * short)
            if len(week) == 7:
                model.add(sum(work[a, d] for d in week) <= 7 - rules.weekly_rest_days)
                if rules.days_off_in_pairs:
                    pairs, hinted = [], False
                    for d in list(week)[:-1]:
                        pair = model.new_bool_var(f"pair{a}_{d}")
                        model.add_implication(pair, work[a, d].Not())
                        model.add_implication(pair, work[a, d + 1].Not())
                        pairs.append(pair)
                        free = (a, d) not in hint and (a, d + 1) not in hint
                        model.add_hint(pair, free and not hinted)
                        hinted = hinted or free
                    model.add_bool_or(pairs)
            starts = sorted({by_name[name].start_min for d in week for name, _ in per_agent_day.get((a, d), [])})
            if len(starts) > 1 and starts[-1] - starts[0] > band:
                lows = {low: model.new_bool_var(f"band{a}_{w}_{low}") for low in starts}
                worked_starts = [by_name[hint[a, d]].start_min for d in week if (a, d) in hint]
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
            off = []
            for d in start.saturdays:
                free = model.new_bool_var(f"weekend{a}_{d}")
                model.add_implication(free, work[a, d].Not())
                model.add_implication(free, work[a, d + 1].Not())
                off.append(free)
                model.add_hint(free, (a, d) not in hint and (a, d + 1) not in hint)
            n = rules.weekend_off_every_weeks
            for i in range(len(off) - n + 1):
                model.add_bool_or(off[i:i + n])
    for (a, _), chosen in per_agent_day.items():
        preferred = agents[a].preferred_start_min
        if preferred is not None:
            objective.extend(abs(by_name[name].start_min - preferred) // 60 * var for name, var in chosen)
    model.minimize(sum(objective))

    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1  # several workers race one another: the winner would depend on the machine's load
    p.random_seed = SEED
    p.max_deterministic_time = deterministic_time
    p.max_time_in_seconds = time_safety_s  # a safety valve, reported when it stops the search
    p.log_search_progress = bool(os.environ.get("CASASHORE_SOLVER_LOG"))
    status = solver.solve(model)
    spent = solver.deterministic_time
    if status == cp_model.OPTIMAL:
        stopped = "optimal"
    elif spent + 1e-6 >= deterministic_time:
        stopped = "deterministic_limit"
    else:
        stopped = "time_safety"
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        taken = {key for key, var in y.items() if solver.boolean_value(var)}
        label = "optimal" if status == cp_model.OPTIMAL else "feasible"
        return Solved(label, taken, solver.objective_value, solver.best_objective_bound, stopped, spent, len(y))
    if status == cp_model.INFEASIBLE:  # cannot happen (every shift may stay open), kept as CP-SAT's word
        return Solved("infeasible", set(), float("nan"), float("nan"), stopped, spent, len(y))
    return Solved("unknown", set(), float("nan"), solver.best_objective_bound, stopped, spent, len(y))
