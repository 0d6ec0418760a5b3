"""Shift scheduling: how many agents start each shift template on each day, at least cost, as a MILP (HiGHS).

Columns: one integer count per (template, day) and, per (group, interval), continuous under- and over-coverage.
Rows: for each group and interval, agents on shift + under - over = required. Objective: shift costs + a penalty
per agent-interval uncovered (default: 100 times the dearest shift, so coverage comes first, and what cannot be
covered is reported instead of "infeasible") + an optional penalty per agent-interval over. With ``hard``,
under-coverage is forbidden and an impossible requirement is "infeasible", with the intervals no shift covers.
``cyclic`` wraps the horizon: a shift running past its end covers its beginning (a night crossing midnight on a
one-day horizon; Sunday night into Monday on a week). Without it, the part past the end is simply not counted.

Multi-skilled agents (a template whose group is "fr+es+en") are one agent each: per interval, the agents of a
skill set on shift are split between their skills by continuous assignment variables (assignments = agents on
shift), and only assignments cover a requirement — a trilingual agent counts once, not three times.
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


def coverage_matrix(requirement: Requirement, shifts: list[ShiftTemplate], cyclic: bool,
                    classes: list[str] | None = None):
    """Sparse [class-intervals x (template, day)] 0/1 matrix (a class is a template's group: one requirement
    group, or a '+'-joined skill set), and the column keys."""
    n = len(requirement.starts)
    per_day = 1440 // requirement.interval_min
    days = 1 if requirement.one_day else n // per_day
    group_row = {g: i * n for i, g in enumerate(classes or requirement.groups)}
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
    matrix = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n * len(group_row), len(keys)))
    matrix.sum_duplicates()
    return matrix, keys


def solve(requirement: Requirement, shifts: list[ShiftTemplate], *, cyclic: bool = False, hard: bool = False,
          under_penalty: float | None = None, over_penalty: float = 0.0, time_limit_s: float = 60.0) -> ShiftSchedule:
    n = len(requirement.starts)
    groups = requirement.groups
    classes = sorted({s.group for s in shifts} | set(groups))
    on_shift, keys = coverage_matrix(requirement, shifts, cyclic, classes)  # [class x t, columns]
    required = np.concatenate([np.asarray(requirement.required[g], float) for g in groups])
    rows = len(required)
    cost_of = {s.name: s.cost for s in shifts}
    shift_cost = np.array([cost_of[name] for name, _ in keys])
    penalty = under_penalty if under_penalty is not None else 100.0 * max(1.0, shift_cost.max(initial=1.0))
    n_shift = on_shift.shape[1]

    # Assignments: for each class, interval and skill of the class, agents of that class serving that skill.
    assign = [(ci, t, groups.index(skill)) for ci, c in enumerate(classes) for skill in c.split("+")
              for t in range(n)]
    a_rows_cover = [k * n + t for _, t, k in assign]          # which requirement row each assignment serves
    a_rows_limit = [ci * n + t for ci, t, _ in assign]        # which class-interval capacity it uses
    n_assign = len(assign)
    cover_a = sparse.csc_matrix((np.ones(n_assign), (a_rows_cover, range(n_assign))), shape=(rows, n_assign))
    limit_a = sparse.csc_matrix((np.ones(n_assign), (a_rows_limit, range(n_assign))),
                                shape=(len(classes) * n, n_assign))
    identity = sparse.identity(rows, format="csc")
    zeros = sparse.csc_matrix((rows, n_shift))
    # Rows: coverage (assignments + under - over = required), then capacity (assignments = on shift: every agent
    # on shift serves one of its skills, so an agent too many shows as over-coverage somewhere).
    top = sparse.hstack([zeros, cover_a, identity, -identity], format="csc")
    bottom = sparse.hstack([-on_shift, limit_a, sparse.csc_matrix((len(classes) * n, 2 * rows))], format="csc")
    matrix = sparse.vstack([top, bottom], format="csc")
    served = np.asarray(cover_a @ np.asarray(limit_a.T @ np.asarray(on_shift.sum(axis=1)).ravel() > 0,
                                             float)).ravel() > 0
    uncoverable = [(groups[r // n], r % n) for r in np.flatnonzero((required > 0) & ~served)]

    highs = _quiet_highs()
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("time_limit", float(time_limit_s))
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = matrix.shape[1]
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = np.concatenate([shift_cost, np.zeros(n_assign), np.full(rows, penalty), np.full(rows, over_penalty)])
    lp.col_lower_ = np.zeros(matrix.shape[1])
    lp.col_upper_ = np.concatenate([np.full(n_shift + n_assign, inf), np.zeros(rows) if hard else np.full(rows, inf),
                                    np.full(rows, inf)])
    lp.row_lower_ = np.concatenate([required, np.zeros(len(classes) * n)])
    lp.row_upper_ = np.concatenate([required, np.zeros(len(classes) * n)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = ([highspy.HighsVarType.kInteger] * n_shift
                       + [highspy.HighsVarType.kContinuous] * (n_assign + 2 * rows))
    highs.passModel(lp)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    if status == highspy.HighsModelStatus.kOptimal:
        label = "optimal"
    elif info.primal_solution_status == 2:  # stopped with a feasible solution
        label = "feasible"
    else:
        return ShiftSchedule("infeasible", float("nan"), float("nan"), None, {}, {}, uncoverable)
    values = np.asarray(highs.getSolution().col_value)
    x = np.rint(values[:n_shift]).astype(int)
    serving = cover_a @ values[n_shift:n_shift + n_assign]
    scheduled = {g: serving[i * n:(i + 1) * n] for i, g in enumerate(groups)}
    if all("+" not in c for c in classes):  # one skill per agent: every agent on shift serves its group
        total = on_shift @ x
        scheduled = {g: total[classes.index(g) * n:(classes.index(g) + 1) * n] for g in groups}
    counts = {key: int(v) for key, v in zip(keys, x, strict=True) if v}
    gap = 0.0 if label == "optimal" else float(info.mip_gap)
    return ShiftSchedule(label, float(shift_cost @ x), float(info.objective_function_value), gap, counts, scheduled,
                         uncoverable)
