"""Shift scheduling: how many agents start each shift template on each day, at least cost, as a MILP (HiGHS).

Columns: one integer count per (template, day) and, per (group, interval), continuous under- and over-coverage.
Rows: for each group and interval, agents on shift + under - over = required. Objective: shift costs + a penalty
per agent-interval uncovered (default: 100 times the dearest shift, so coverage comes first, and what cannot be
covered is reported instead of "infeasible") + an optional penalty per agent-interval over. With ``hard``,
under-coverage is forbidden and an impossible requirement is "infeasible", with the intervals no shift covers.
``cyclic`` wraps the horizon: a shift running past its end covers its beginning (a night crossing midnight on a
one-day horizon; Sunday night into Monday on a week). Without it, the part past the end is simply not counted.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from casashore.schedule.inputs import Requirement, ShiftTemplate


@dataclass(frozen=True)
class ShiftSchedule:
    status: str
    """optimal (gap 0), feasible (stopped with a solution), infeasible."""
    cost: float
    """Shift costs only."""
    objective: float
    gap: float | None
    counts: dict[tuple[str, int], int]
    """(template, day) -> agents starting it."""
    scheduled: dict[str, np.ndarray]
    """group -> agents on shift per interval."""
    uncoverable: list[tuple[str, int]]
    """(group, interval) with a requirement that no template covers."""


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing: its banner is written to file descriptor 1 on construction, which
    would break ``--json`` (one JSON document on stdout and nothing else)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highs


def coverage_matrix(requirement: Requirement, shifts: list[ShiftTemplate], cyclic: bool):
    """Sparse [group-intervals x (template, day)] 0/1 matrix, and the column keys."""
    n = len(requirement.starts)
    per_day = 1440 // requirement.interval_min
    days = 1 if requirement.one_day else n // per_day
    group_row = {g: i * n for i, g in enumerate(requirement.groups)}
    rows, cols, keys = [], [], []
    for shift in shifts:
        first = shift.start_min // requirement.interval_min
        length = shift.length_min // requirement.interval_min
        for day in range(days):
            col = len(keys)
            keys.append((shift.name, day))
            for k in range(length):
                t = day * per_day + first + k
                if t >= n:
                    if not cyclic:
                        break
                    t %= n
                rows.append(group_row[shift.group] + t)
                cols.append(col)
    matrix = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n * len(requirement.groups), len(keys)))
    matrix.sum_duplicates()
    return matrix, keys


def solve(requirement: Requirement, shifts: list[ShiftTemplate], *, cyclic: bool = False, hard: bool = False,
          under_penalty: float | None = None, over_penalty: float = 0.0, time_limit_s: float = 60.0) -> ShiftSchedule:
    cover, keys = coverage_matrix(requirement, shifts, cyclic)
    required = np.concatenate([np.asarray(requirement.required[g], float) for g in requirement.groups])
    rows = len(required)
    cost_of = {s.name: s.cost for s in shifts}
    shift_cost = np.array([cost_of[name] for name, _ in keys])
    penalty = under_penalty if under_penalty is not None else 100.0 * max(1.0, shift_cost.max(initial=1.0))
    covered = np.asarray(cover.sum(axis=1)).ravel() > 0
    uncoverable = [(requirement.groups[r // len(requirement.starts)], r % len(requirement.starts))
                   for r in np.flatnonzero((required > 0) & ~covered)]

    identity = sparse.identity(rows, format="csc")
    matrix = sparse.hstack([cover, identity, -identity], format="csc")  # shifts, under, over
    n_shift = cover.shape[1]
    highs = _quiet_highs()
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("time_limit", float(time_limit_s))
    lp = highspy.HighsLp()
    lp.num_col_ = matrix.shape[1]
    lp.num_row_ = rows
    lp.col_cost_ = np.concatenate([shift_cost, np.full(rows, penalty), np.full(rows, over_penalty)])
    lp.col_lower_ = np.zeros(matrix.shape[1])
    upper_under = np.zeros(rows) if hard else np.full(rows, highspy.kHighsInf)
    lp.col_upper_ = np.concatenate([np.full(n_shift, highspy.kHighsInf), upper_under, np.full(rows, highspy.kHighsInf)])
    lp.row_lower_ = required
    lp.row_upper_ = required
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_shift + [highspy.HighsVarType.kContinuous] * (2 * rows)
    highs.passModel(lp)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kOptimal:
        label = "optimal"
    elif has_solution:
        label = "feasible"
    else:
        return ShiftSchedule("infeasible", float("nan"), float("nan"), None, {}, {}, uncoverable)
    x = np.rint(np.asarray(highs.getSolution().col_value[:n_shift])).astype(int)
    on_shift = cover @ x
    n = len(requirement.starts)
    scheduled = {g: on_shift[i * n:(i + 1) * n] for i, g in enumerate(requirement.groups)}
    counts = {key: int(v) for key, v in zip(keys, x, strict=True) if v}
    gap = 0.0 if label == "optimal" else float(info.mip_gap)
    return ShiftSchedule(label, float(shift_cost @ x), float(info.objective_function_value), gap, counts, scheduled,
                         uncoverable)
