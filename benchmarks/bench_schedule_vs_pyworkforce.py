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
    subprocess.run([sys.executable, "-c", "from casashore.cli import app; app()", "staff", "--input",
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


if __name__ == "__main__":
    main()
