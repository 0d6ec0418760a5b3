"""Shift scheduling: casashore (HiGHS) vs pyworkforce 0.5.4 (OR-Tools CP-SAT), side by side in one run.

pyworkforce needs Python >= 3.12:

    python3.12 -m venv /tmp/bench312
    /tmp/bench312/bin/pip install pyworkforce==0.5.4 -e .
    /tmp/bench312/bin/python benchmarks/bench_schedule_vs_pyworkforce.py

The week is the bundled example (examples/week.csv staffed with its 30 % shrinkage: 7 x 96 quarter-hours, in
Casablanca time), made a 24/7 line by a floor of 4 agents from 22:00 to 06:00; the templates are 4, 5, 6, 7, 8
and 9 hours starting at every hour (6 x 24 = 144; the 132 that end by midnight for the calendar-day model).
Cost: one per agent-hour.

1. Plain covering on calendar days (no shift crosses midnight), hard coverage: both solvers, same model.
2. Night shifts crossing midnight and Sunday wrapping to Monday: casashore only (pyworkforce's shift arrays hold
   one day, so a shift cannot cross midnight); the calendar-day optimum leaves the night to shifts starting at
   00:00 and is dearer.
3. Breaks and 15-minute start times, calendar days, hard coverage: 8-hour shifts starting every quarter-hour
   from 00:00 to 16:00 with a lunch hour starting 3h to 4h30 in; 6-hour shifts starting every hour to 18:00 with a
   30-minute break 2h to 3h in; 4-hour shifts every hour to 20:00 with a 15-minute break 1h30 to 2h in. Cost: the
   hours worked. pyworkforce has no breaks: each (shift, break placement) is a shift of its own (the explicit
   model); casashore's implicit model has shift counts and break counts only. HiGHS on the explicit model too.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from casashore.schedule.covering import solve
from casashore.schedule.inputs import read_requirement, read_shifts

ROOT = Path(__file__).resolve().parents[1]
LENGTHS_H = (4, 5, 6, 7, 8, 9)
NIGHT_FLOOR = 4


def staffed_week(tmp: Path) -> Path:
    out = tmp / "staffed.csv"
    subprocess.run([sys.executable, "-c", "from casashore.interfaces.cli.app import app; app()", "staff", "--input",
                    str(ROOT / "examples" / "week.csv"), "--output", str(out), "--json"], check=True,
                   capture_output=True)
    return out


def templates(tmp: Path, crossing: bool) -> Path:
    path = tmp / f"shifts_{crossing}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "start", "length", "cost", "group"])
        for length in LENGTHS_H:
            for start in range(24):
                if crossing or start + length <= 24:
                    writer.writerow([f"h{length}_{start:02d}", f"{start:02d}:00", f"{length}h", length, "fr-banking"])
    return path


BREAK_FAMILIES = (  # (length h, starts (h, step min, last h), break "length@earliest-latest", paid h)
    (8, (0, 15, 16), "1h@3h-4h30m", 7.0),
    (6, (0, 60, 18), "30m@2h-3h", 5.5),
    (4, (0, 60, 20), "15m@1h30m-2h", 3.75),
)


def break_templates(tmp: Path) -> Path:
    path = tmp / "shifts_breaks.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "start", "length", "cost", "group", "breaks"])
        for length, (first, step, last), rule, paid in BREAK_FAMILIES:
            for minute in range(first * 60, last * 60 + 1, step):
                clock = f"{minute // 60:02d}:{minute % 60:02d}"
                writer.writerow([f"h{length}_{clock.replace(':', '')}", clock, f"{length}h", paid, "fr-banking", rule])
    return path


def explicit_columns(requirement, shifts):
    """Per day: one 0/1 column of quarter-hours per (shift, break placement), and its cost."""
    per_day = 1440 // requirement.interval_min
    coverage, cost = {}, {}
    for shift in shifts:
        first = shift.start_min // requirement.interval_min
        (rule,) = shift.breaks
        for offset in range(rule.earliest_min // 15, rule.latest_min // 15 + 1):
            row = np.zeros(per_day, dtype=int)
            row[first:first + shift.length_min // 15] = 1
            row[first + offset:first + offset + rule.length_min // 15] = 0
            coverage[f"{shift.name}_b{offset}"], cost[f"{shift.name}_b{offset}"] = row.tolist(), shift.cost
    return coverage, cost


def highs_explicit(need_by_day: np.ndarray, coverage: dict, cost: dict) -> tuple[float, float, int]:
    """The explicit model on HiGHS: min cost.x, A x >= need, x integer, A = the columns repeated for every day."""
    import highspy
    from scipy import sparse

    from casashore.schedule.covering import _quiet_highs

    days, per_day = need_by_day.shape
    day_matrix = sparse.csc_matrix(np.array(list(coverage.values()), float).T)
    matrix = sparse.block_diag([day_matrix] * days, format="csc")
    costs = np.tile(np.array(list(cost.values()), float), days)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = costs, np.zeros(len(costs)), np.full(len(costs), highspy.kHighsInf)
    lp.row_lower_, lp.row_upper_ = need_by_day.ravel().astype(float), np.full(matrix.shape[0], highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(costs)
    highs = _quiet_highs()
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("time_limit", 240.0)
    highs.passModel(lp)
    started = time.perf_counter()
    highs.run()
    status = "optimal" if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal else "stopped"
    return highs.getInfo().objective_function_value, time.perf_counter() - started, len(costs), status


def pyworkforce_explicit(need_by_day: np.ndarray, coverage: dict, cost: dict):
    try:
        from pyworkforce.scheduling import MinRequiredResources
    except ImportError:
        return None
    model = MinRequiredResources(num_days=need_by_day.shape[0], periods=need_by_day.shape[1],
                                 shifts_coverage=coverage, required_resources=need_by_day.tolist(),
                                 max_period_concurrency=int(need_by_day.max() * 3),
                                 max_shift_concurrency=int(need_by_day.max() * 3), cost_dict=cost,
                                 max_search_time=240, num_search_workers=2)
    started = time.perf_counter()
    solution = model.solve()
    return solution, time.perf_counter() - started


def ours(requirement, shifts_path: Path, cyclic: bool):
    shifts = read_shifts(shifts_path, requirement)
    started = time.perf_counter()
    result = solve(requirement, shifts, cyclic=cyclic, hard=True)
    return result, time.perf_counter() - started


def pyworkforce_calendar(requirement, shifts_path: Path):
    try:
        from pyworkforce.scheduling import MinRequiredResources
    except ImportError:
        return None
    per_day = 1440 // requirement.interval_min
    need = np.rint(np.asarray(requirement.required["fr-banking"])).astype(int).reshape(-1, per_day)
    coverage, cost = {}, {}
    for shift in read_shifts(shifts_path, requirement):
        row = np.zeros(per_day, dtype=int)
        first = shift.start_min // requirement.interval_min
        row[first:first + shift.length_min // requirement.interval_min] = 1
        coverage[shift.name], cost[shift.name] = row.tolist(), shift.cost
    model = MinRequiredResources(num_days=need.shape[0], periods=per_day, shifts_coverage=coverage,
                                 required_resources=need.tolist(), max_period_concurrency=int(need.max() * 3),
                                 max_shift_concurrency=int(need.max() * 3), cost_dict=cost, max_search_time=240,
                                 num_search_workers=2)
    started = time.perf_counter()
    solution = model.solve()
    return solution, time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        requirement = read_requirement(staffed_week(tmp))
        night = np.array([s.hour >= 22 or s.hour < 6 for s in requirement.starts])
        need = np.where(night, np.maximum(requirement.required["fr-banking"], NIGHT_FLOOR),
                        requirement.required["fr-banking"])
        requirement = replace(requirement, required={"fr-banking": need.tolist()})
        print(f"Week: {len(need)} quarter-hours, peak {need.max():.0f} agents, "
              f"{need.sum() / 4:,.0f} agent-hours required.\n")
        print("| model | solver | status | cost (agent-hours) | seconds |")
        print("|---|---|---|---:|---:|")
        calendar = templates(tmp, crossing=False)
        result, seconds = ours(requirement, calendar, cyclic=False)
        print(f"| calendar days, 132 templates, hard coverage | casashore (HiGHS) | {result.status}, gap "
              f"{result.gap:.0%} | {result.cost:,.0f} | {seconds:.2f} |")
        theirs = pyworkforce_calendar(requirement, calendar)
        if theirs is None:
            print("| calendar days | pyworkforce | not installed | — | — |")
        else:
            solution, seconds_pwf = theirs
            print(f"| calendar days, 132 templates, hard coverage | pyworkforce 0.5.4 (CP-SAT) | "
                  f"{solution.get('status')} | {solution.get('cost', float('nan')):,.0f} | {seconds_pwf:.2f} |")
        crossing = templates(tmp, crossing=True)
        result, seconds = ours(requirement, crossing, cyclic=True)
        print(f"| nights cross midnight, Sunday wraps to Monday, 144 templates | casashore (HiGHS) | "
              f"{result.status}, gap {result.gap:.0%} | {result.cost:,.0f} | {seconds:.2f} |")
        print("| nights cross midnight | pyworkforce 0.5.4 | cannot be expressed (one-day shift arrays) | — | — |")
        breaks_week(tmp, requirement)


def breaks_week(tmp: Path, requirement) -> None:
    shifts = read_shifts(break_templates(tmp), requirement)
    started = time.perf_counter()
    result = solve(requirement, shifts, hard=True)
    seconds = time.perf_counter() - started
    need = np.rint(np.asarray(requirement.required["fr-banking"])).astype(int).reshape(-1, 96)
    coverage, cost = explicit_columns(requirement, shifts)
    print(f"\nBreaks and 15-minute starts: {len(shifts)} templates a day, {len(coverage)} (shift, break placement) "
          f"columns a day.\n")
    print("| model | solver | integer variables | status | cost (hours worked) | seconds |")
    print("|---|---|---:|---|---:|---:|")
    print(f"| implicit breaks | casashore (HiGHS) | {result.size['integer_variables']:,} | {result.status}, gap "
          f"{result.gap:.0%} | {result.cost:,.2f} | {seconds:.2f} |")
    objective, seconds_explicit, n_vars, status = highs_explicit(need, coverage, cost)
    print(f"| explicit (one column per placement) | HiGHS | {n_vars:,} | {status} | {objective:,.2f} | "
          f"{seconds_explicit:.2f} |")
    theirs = pyworkforce_explicit(need, coverage, cost)
    if theirs is None:
        print("| explicit | pyworkforce | not installed | — | — | — |")
    else:
        solution, seconds_pwf = theirs
        print(f"| explicit (one column per placement) | pyworkforce 0.5.4 (CP-SAT) | {n_vars:,} | "
              f"{solution.get('status')} | {solution.get('cost', float('nan')):,.2f} | {seconds_pwf:.2f} |")
        theirs_cost = solution.get("cost", float("nan"))
        verdict = ("the same proven optimum" if solution.get("status") == "OPTIMAL" and abs(theirs_cost - result.cost)
                   < 1e-6 else f"pyworkforce {solution.get('status')} at {theirs_cost:,.2f} (ours proven "
                   f"{result.cost:,.2f})")
        print(f"\nImplicit breaks vs pyworkforce: {seconds_pwf / seconds:.1f}x faster; {verdict}.")


if __name__ == "__main__":
    main()
