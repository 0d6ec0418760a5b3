"""Shift scheduling: how many agents start each shift template on each day, and when they take their breaks, at
least cost, as a MILP (HiGHS).

Columns: one integer count per (template, day); per (group, break length, interval) an integer number of breaks
starting then; continuous under- and over-coverage per (group, interval). Rows: for each group and interval,
agents on shift - agents on break + under - over = required. Objective: shift costs + a penalty per agent-interval
uncovered (default: 100 times the dearest shift, so coverage comes first, and what cannot be covered is reported
instead of "infeasible") + an optional penalty per agent-interval over. With ``hard``, under-coverage is
forbidden and an impossible requirement is "infeasible", with the intervals no shift covers. ``cyclic`` wraps the
horizon: a shift running past its end covers its beginning (a night crossing midnight on a one-day horizon; Sunday
night into Monday on a week). Without it, the part past the end is simply not counted.

Breaks are implicit (after Bechtold & Jacobs 1990 and Aykin 1996): the model does not have a column per shift and
break placement, only counts of shifts and counts of breaks per start time, tied by continuous transportation
flows (each shift's agents send one unit per break rule into the break starts of its window, each break start
receives exactly its count). Given integer shift and break counts the transportation polytope is integral
(bipartite, totally unimodular), so a fractional flow exists exactly when an integer one does: every shift's
agents can then be given their breaks. After the MILP, the counts are fixed and the flows re-solved by simplex,
whose vertex is integral: the break placement per shift.

Multi-skilled agents (a template whose group is "fr+es+en") are one agent each: per interval, the agents of a
skill set on shift are split between their skills by continuous assignment variables (assignments = agents on
shift less those on break), and only assignments cover a requirement — a trilingual agent counts once, not
three times.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

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
    """group -> agents on shift and not on break per interval."""
    uncoverable: list[tuple[str, int]]
    """(group, interval) with a requirement that no template covers."""
    breaks: dict[tuple[str, int, int, int], int] = field(default_factory=dict)
    """(template, day, break rule index, interval where the break starts) -> agents; the interval is -1 for a
    break past the end of a horizon that does not wrap."""
    size: dict[str, int] = field(default_factory=dict)
    """integer_variables, continuous_variables, rows: the model as solved."""
    at_work: dict[str, np.ndarray] = field(default_factory=dict)
    """skill set (a template's group) -> its agents on shift and not on break, per interval."""
    on_shift_total: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """All agents on shift per interval, breaks included: the seats taken."""


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


@dataclass
class _Columns:
    keys: list[tuple[str, int]]
    """(template, day) per shift column."""
    on_shift: sparse.csc_matrix
    """[class-interval x shift column] 0/1."""
    break_keys: list[tuple[int, int, int]]
    """(class, break length in intervals, start interval or n for past the end) per break-count variable."""
    break_cover: sparse.csc_matrix
    """[class-interval x break-count variable] 0/1: the intervals a break takes its agent away."""
    flows: list[tuple[int, int, int]]
    """(supply row = a shift column's break rule, break-count variable, start interval) per flow variable."""
    supplies: list[tuple[int, int]]
    """(shift column, break rule index) per supply row."""


def _columns(requirement: Requirement, shifts: list[ShiftTemplate], cyclic: bool, classes: list[str],
             open_mask: np.ndarray | None = None) -> _Columns:
    n = len(requirement.starts)
    step = requirement.interval_min
    per_day = 1440 // step
    days = 1 if requirement.one_day else n // per_day

    def at(t: int) -> int | None:
        """The interval t lands on, wrapped or None past a horizon that does not wrap."""
        return t % n if cyclic else (t if t < n else None)

    rows, cols, keys = [], [], []
    break_index: dict[tuple[int, int, int], int] = {}
    flows, supplies = [], []
    for shift in shifts:
        first = shift.start_min // step
        c = classes.index(shift.group)
        for day in range(days):
            covered = [t for k in range(shift.length_min // step) if (t := at(day * per_day + first + k)) is not None]
            if open_mask is not None and not open_mask[covered].all():
                continue  # no one works while the site is closed
            col = len(keys)
            keys.append((shift.name, day))
            rows.extend(c * n + t for t in covered)
            cols.extend([col] * len(covered))
            for j, rule in enumerate(shift.breaks):
                supply = len(supplies)
                supplies.append((col, j))
                length = rule.length_min // step
                for offset in range(rule.earliest_min // step, rule.latest_min // step + 1):
                    t = at(day * per_day + first + offset)
                    start = n if t is None else t
                    var = break_index.setdefault((c, length, start), len(break_index))
                    flows.append((supply, var, start))
    on_shift = sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n * len(classes), len(keys)))
    on_shift.sum_duplicates()
    b_rows, b_cols = [], []
    for (c, length, start), var in break_index.items():
        for k in range(length if start < n else 0):
            if (t := at(start + k)) is not None:
                b_rows.append(c * n + t)
                b_cols.append(var)
    break_cover = sparse.csc_matrix((np.ones(len(b_rows)), (b_rows, b_cols)), shape=(n * len(classes),
                                                                                      len(break_index)))
    return _Columns(keys, on_shift, list(break_index), break_cover, flows, supplies)


def solve(requirement: Requirement, shifts: list[ShiftTemplate], *, cyclic: bool = False, hard: bool = False,
          under_penalty: float | None = None, over_penalty: float = 0.0, time_limit_s: float = 60.0,
          open_mask: np.ndarray | None = None, gap: float = 0.0) -> ShiftSchedule:
    """The cheapest shifts and breaks for ``requirement``; ``open_mask`` (one bool per interval) keeps shifts out
    of the hours the site is closed; ``gap``: stop at this relative MIP gap (0: prove the optimum)."""
    n = len(requirement.starts)
    groups = requirement.groups
    classes = sorted({s.group for s in shifts} | set(groups))
    cols = _columns(requirement, shifts, cyclic, classes, open_mask)
    on_shift = cols.on_shift
    required = np.concatenate([np.asarray(requirement.required[g], float) for g in groups])
    rows = len(required)
    cost_of = {s.name: s.cost for s in shifts}
    shift_cost = np.array([cost_of[name] for name, _ in cols.keys])
    penalty = under_penalty if under_penalty is not None else 100.0 * max(1.0, shift_cost.max(initial=1.0))
    n_shift, n_break, n_flow, n_supply = on_shift.shape[1], len(cols.break_keys), len(cols.flows), len(cols.supplies)

    # Assignments: for each class, interval and skill of the class, agents of that class serving that skill.
    assign = [(ci, t, groups.index(skill)) for ci, c in enumerate(classes) for skill in c.split("+")
              for t in range(n)]
    n_assign = len(assign)
    cover_a = sparse.csc_matrix((np.ones(n_assign), ([k * n + t for _, t, k in assign], range(n_assign))),
                                shape=(rows, n_assign))
    limit_a = sparse.csc_matrix((np.ones(n_assign), ([ci * n + t for ci, t, _ in assign], range(n_assign))),
                                shape=(len(classes) * n, n_assign))
    supply_of_flow = np.array([s for s, _, _ in cols.flows], dtype=np.int64)
    break_of_flow = np.array([b for _, b, _ in cols.flows], dtype=np.int64)
    flow_rows = sparse.csc_matrix((np.ones(n_flow), (supply_of_flow, np.arange(n_flow))), shape=(n_supply, n_flow))
    flow_into = sparse.csc_matrix((np.ones(n_flow), (break_of_flow, np.arange(n_flow))), shape=(n_break, n_flow))
    shift_supply = sparse.csc_matrix((np.ones(n_supply), ([s for s in range(n_supply)],
                                                          [col for col, _ in cols.supplies])),
                                     shape=(n_supply, n_shift))
    cap_rows = len(classes) * n
    identity = sparse.identity(rows, format="csc")
    empty = sparse.csc_matrix
    # Variables: shift counts | break counts | flows | assignments | under | over.
    # Rows: coverage (assignments + under - over = required); capacity (assignments = on shift - on break: every
    # agent at work serves one of its skills, so an agent too many shows as over-coverage somewhere); supply (a
    # shift column's flows for one break rule = its agents); demand (flows into a break start = breaks there).
    matrix = sparse.vstack([
        sparse.hstack([empty((rows, n_shift + n_break + n_flow)), cover_a, identity, -identity]),
        sparse.hstack([-on_shift, cols.break_cover, empty((cap_rows, n_flow)), limit_a, empty((cap_rows, 2 * rows))]),
        sparse.hstack([-shift_supply, empty((n_supply, n_break)), flow_rows, empty((n_supply, n_assign + 2 * rows))]),
        sparse.hstack([empty((n_break, n_shift)), -sparse.identity(n_break), flow_into,
                       empty((n_break, n_assign + 2 * rows))]),
    ], format="csc")
    served = np.asarray(cover_a @ np.asarray(limit_a.T @ np.asarray(on_shift.sum(axis=1)).ravel() > 0,
                                             float)).ravel() > 0
    uncoverable = [(groups[r // n], r % n) for r in np.flatnonzero((required > 0) & ~served)]

    n_int = n_shift + n_break
    n_cols = matrix.shape[1]
    costs = np.concatenate([shift_cost, np.zeros(n_break + n_flow + n_assign), np.full(rows, penalty),
                            np.full(rows, over_penalty)])
    upper = np.concatenate([np.full(n_int + n_flow + n_assign, np.inf),
                            np.zeros(rows) if hard else np.full(rows, np.inf), np.full(rows, np.inf)])
    row_bounds = np.concatenate([required, np.zeros(matrix.shape[0] - rows)])
    size = {"integer_variables": n_int, "continuous_variables": n_cols - n_int, "rows": matrix.shape[0]}
    solved = _solve_by_component(matrix, costs, upper, row_bounds, n_int, time_limit_s, gap)
    if solved is None:
        return ShiftSchedule("infeasible", float("nan"), float("nan"), None, {}, {}, uncoverable, {}, size)
    label, values, objective, gap = solved
    counts_int = np.rint(values[:n_int])
    x = counts_int[:n_shift].astype(int)
    at_work = on_shift @ x - cols.break_cover @ counts_int[n_shift:n_int]
    serving = cover_a @ values[n_int + n_flow:n_int + n_flow + n_assign]
    if all("+" not in c for c in classes):  # one skill per agent: every agent at work serves its group
        scheduled = {g: at_work[classes.index(g) * n:(classes.index(g) + 1) * n] for g in groups}
    else:
        scheduled = {g: serving[i * n:(i + 1) * n] for i, g in enumerate(groups)}
    breaks: dict[tuple[str, int, int, int], int] = defaultdict(int)
    for (supply, _, start), flow in zip(cols.flows, np.rint(values[n_int:n_int + n_flow]), strict=True):
        if flow:
            col, j = cols.supplies[supply]
            name, day = cols.keys[col]
            breaks[(name, day, j, start if start < n else -1)] += int(flow)
    counts = {key: int(v) for key, v in zip(cols.keys, x, strict=True) if v}
    at_work_by_class = {c: at_work[i * n:(i + 1) * n] for i, c in enumerate(classes)}
    seats = (on_shift @ x).reshape(len(classes), n).sum(axis=0)
    return ShiftSchedule(label, float(shift_cost @ x), objective, gap, counts, scheduled, uncoverable, dict(breaks),
                         size, at_work_by_class, seats)


def _components(matrix: sparse.csc_matrix) -> tuple[int, np.ndarray, np.ndarray]:
    """Independent sub-models: (count, component of each row, component of each column). A week of calendar days
    whose shifts end by midnight is seven of them; a wrapped week, one."""
    rows, cols = matrix.shape
    graph = sparse.bmat([[None, matrix], [matrix.T, None]], format="csr")
    count, labels = connected_components(graph, directed=False)
    return count, labels[:rows], labels[rows:]


def _solve_by_component(matrix: sparse.csc_matrix, costs: np.ndarray, upper: np.ndarray, row_bounds: np.ndarray,
                        n_int: int, time_limit_s: float, gap: float = 0.0
                        ) -> tuple[str, np.ndarray, float, float] | None:
    """Solve each independent sub-model on its own (a MILP's search grows far faster than its size: a week of
    independent days proves optimal day by day when the whole week stalls at a small gap), then join them.
    Returns (optimal | feasible, values, objective, relative gap), or None when a part is infeasible."""
    count, row_part, col_part = _components(matrix)
    values = np.zeros(matrix.shape[1])
    workers = min(count, os.cpu_count() or 1)
    # Each part with integer columns gets its share of the time, so that all of them end within the limit (the
    # others are LPs: an interval no shift covers, solved at once).
    searches = max(1, len(np.unique(col_part[:n_int])))
    part_limit = max(1.0, time_limit_s * min(workers, searches) / searches)

    def solve_part(part: int):
        cols = np.flatnonzero(col_part == part)
        part_rows = np.flatnonzero(row_part == part)
        solved = _solve_milp(matrix[part_rows][:, cols].tocsc(), costs[cols], upper[cols], row_bounds[part_rows],
                             cols < n_int, part_limit, gap)
        return cols, solved

    # HiGHS releases the GIL while it solves: independent parts run on every core in threads.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(solve_part, range(count)))
    if any(solved is None for _, solved in parts):
        return None
    objective = sum(solved[2] for _, solved in parts)
    bound = sum(solved[3] for _, solved in parts)
    label = "optimal" if all(solved[0] == "optimal" for _, solved in parts) else "feasible"
    for cols, solved in parts:
        values[cols] = solved[1]
    gap = 0.0 if label == "optimal" else max(0.0, objective - bound) / max(abs(objective), 1e-9)
    return label, values, objective, gap


def _solve_milp(matrix: sparse.csc_matrix, costs: np.ndarray, upper: np.ndarray, row_bounds: np.ndarray,
                integer: np.ndarray, time_limit_s: float, gap: float = 0.0
                ) -> tuple[str, np.ndarray, float, float] | None:
    """min costs.x, matrix x = row_bounds, 0 <= x <= upper, integer where asked: (status, x, objective, dual
    bound), the flows made integral (see _integral_flows); None when infeasible or stopped without a solution."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = costs
    lp.col_lower_ = np.zeros(matrix.shape[1])
    lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
    lp.row_lower_, lp.row_upper_ = row_bounds, row_bounds
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    highs = _quiet_highs()
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.passModel(lp)
    highs.run()
    info = highs.getInfo()
    if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        # Within the gap asked for: "optimal" only when proven (gap 0).
        label = "optimal" if gap == 0 or not integer.any() or info.mip_gap <= 1e-9 else "feasible"
    elif info.primal_solution_status == 2:  # stopped with a feasible solution
        label = "feasible"
    else:
        return None
    objective = float(info.objective_function_value)
    bound = objective if label == "optimal" or not integer.any() else float(info.mip_dual_bound)
    values = np.asarray(highs.getSolution().col_value)
    if integer.any() and not integer.all():
        values = _integral_flows(highs, np.flatnonzero(integer), np.rint(values[integer]))
    return label, values, objective, bound


def _integral_flows(highs: highspy.Highs, integer: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Fix the shift and break counts and re-solve the rest as an LP by simplex: the flows of a basic solution
    of a transportation problem with integer supplies and demands are integers (the MILP's own flows may be any
    point of the polytope)."""
    index = integer.astype(np.int32)
    highs.changeColsBounds(len(index), index, counts, counts)
    highs.changeColsIntegrality(len(index), index, np.full(len(index), highspy.HighsVarType.kContinuous))
    highs.setOptionValue("solver", "simplex")
    highs.run()
    return np.asarray(highs.getSolution().col_value)
