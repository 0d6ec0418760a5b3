"""Solving one covering sub-model with HiGHS, deterministically: the same model gives the same answer on any
machine, at any load, with any number of cores.

1. The LP relaxation: its optimum is a proven lower bound (covering models with implicit breaks have tight
   relaxations: on the example week the MILP's own root bound is within 0.01 % of it).
2. A constructive answer from a dive: the most fractional-up integer counts are fixed to their ceilings and the
   LP re-solved from its basis, until every count is an integer. Rounding up never uncovers anyone, so the dive
   ends with a schedule whenever under-coverage is priced rather than forbidden; on the example week it lands
   within 0.8 % of the bound in a fraction of a second per day.
3. Only when needed (covering.py decides, for the whole schedule): a neighbourhood search (RENS, after Berthold
   2014): the part with every count held between the floor and the ceiling of its LP value (the dive's LP, kept),
   a small model solved in a few hundredths of a second — by CP-SAT (one worker, a deterministic-time limit, no
   LP of its own) on the model reduced by what those bounds decide, when its data are whole numbers once the
   costs are scaled, as the plan's are, else by HiGHS's branch and bound, node-limited. Rounding up
   overshoots on a small team's day (a few agents per skill, where one shift too many is 5-10 % of the day's
   cost); the best of the LP's integer neighbours rarely does (the 300-queue scenario's small clients: 10 % above
   the bound after the dive, 1-4 % after this).
4. Only when still needed: branch and bound on the whole part from the best answer so far, limited by a node
   count (a deterministic limit) and, as a safety valve only, by a wall-clock limit that is reported when it is
   hit (``SolvedPart.stopped_by == "time_safety"``).

HiGHS runs on one thread per model, so that its search does not depend on how many cores there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm

import highspy
import numpy as np
from scipy import sparse

FRACTIONAL = 1e-6
"""A count further than this from an integer is fractional."""
SURE_ROUND_UP = 0.8
"""Counts at least this far above their floor are fixed to their ceilings together, in one round of the dive."""
NEIGHBOURHOOD_DETERMINISTIC_TIME = 2.0
"""CP-SAT's work on one neighbourhood at most, in its deterministic time (its own count of work, roughly a second
of one core each; the same place on any machine): the 300-queue scenario's small days need 0.01-0.5."""
COST_SCALE_LIMIT = 10_000
"""Costs are scaled to whole numbers for CP-SAT by at most this factor (the plan's grid of 0.0125: 80)."""
NEIGHBOURHOOD_NODES = 200
"""Branch-and-bound nodes of one neighbourhood search at most: its ~20 floor-or-ceiling choices per day mostly
need 1 to 70 (the 30- and 300-queue scenarios' days), and a count keeps its work the same on any machine."""


@dataclass(frozen=True)
class Problem:
    """min costs.x, matrix x = row_bounds, 0 <= x <= upper, integer where asked."""

    matrix: sparse.csc_matrix
    costs: np.ndarray
    upper: np.ndarray
    row_bounds: np.ndarray
    integer: np.ndarray


@dataclass(frozen=True)
class SolvedPart:
    values: np.ndarray
    """Empty when the dive could not finish (branch and bound must find a schedule)."""
    objective: float
    bound: float
    """A proven lower bound on the objective (the LP relaxation's, or branch and bound's when it is higher)."""
    stopped_by: str
    """optimal (proven), dive (the dive's answer, not searched further), neighbourhood (the best of the dive and
    the neighbourhood search, not searched further), gap (branch and bound within the gap asked for), nodes (its
    deterministic node limit), time_safety (the wall-clock safety limit: a result that may depend on the
    machine)."""
    lps: int
    """LP solves in the dive."""
    nodes: int
    """Branch-and-bound nodes (0 when the dive's answer was kept)."""
    relaxed: np.ndarray | None = None
    """The LP relaxation's integer columns (the dive's only): the neighbourhood search starts from them instead of
    solving the same LP again (a fifth of a search's work on the 300-queue scenario's small days)."""

    @property
    def slack(self) -> float:
        return max(0.0, self.objective - self.bound)


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance silenced by its own option, set before any other call (the ``highspy.Highs`` wrapper
    writes its banner to standard output on construction, which would break ``--json``). One thread: HiGHS's
    search is then the same whatever the machine's cores."""
    # The bare binding (highspy >= 1.8 wraps it in a class that logs on construction); older ones are bare.
    highs = getattr(highspy, "_Highs", highspy.Highs)()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    return highs


def proven_optimal(objective: float, bound: float) -> bool:
    return objective - bound <= 1e-6 * max(1.0, abs(objective))


def relax_and_dive(problem: Problem, at_least: np.ndarray | None = None) -> SolvedPart | None:
    """The LP bound and the dive's answer; None when even the relaxation is infeasible. ``at_least`` (one value
    per integer column: an earlier answer to the same model with a requirement no higher anywhere) starts a
    second dive from that answer, kept when it is cheaper: raising a few intervals' requirement then adds a few
    shifts instead of redrawing the day."""
    relaxation = _relaxation(problem)
    if not _optimal(relaxation):
        return None
    bound = float(relaxation.getInfo().objective_function_value)
    integer = np.flatnonzero(problem.integer)
    relaxed = np.asarray(relaxation.getSolution().col_value)[integer]  # a copy, before the dive moves the LP
    dived = _dive(relaxation, integer)
    if at_least is not None:
        grown = _relaxation(problem)
        grown.changeColsBounds(len(integer), integer.astype(np.int32), np.asarray(at_least, float),
                               np.full(len(integer), highspy.kHighsInf))
        grown.run()
        from_earlier = _dive(grown, integer) if _optimal(grown) else None
        if from_earlier is not None and (dived is None or from_earlier[1] < dived[1]):
            dived = from_earlier
    if dived is None:
        return SolvedPart(np.zeros(0), float("inf"), bound, "dive", 0, 0, relaxed)
    values, objective, lps = dived
    return SolvedPart(values, objective, bound, "optimal" if proven_optimal(objective, bound) else "dive", lps, 0,
                      relaxed)


def relax_together(problems: list[Problem]) -> list[SolvedPart] | None:
    """Parts without integer columns, solved as one LP (their block-diagonal sum: one HiGHS call instead of one per
    part), each answer proven optimal; None when one is infeasible. Meant for parts whose optimum is unique (a
    closed hour: no one at work, its requirement under-covered), so the answers are those of separate solves."""
    matrix = sparse.block_diag([p.matrix for p in problems], format="csc")
    joined = Problem(matrix, np.concatenate([p.costs for p in problems]), np.concatenate([p.upper for p in problems]),
                     np.concatenate([p.row_bounds for p in problems]), np.zeros(matrix.shape[1], bool))
    highs = _relaxation(joined)
    if not _optimal(highs):
        return None
    values = np.asarray(highs.getSolution().col_value)
    answers, start = [], 0
    for problem in problems:
        own = values[start:start + len(problem.costs)].copy()
        start += len(problem.costs)
        objective = float(problem.costs @ own)
        answers.append(SolvedPart(own, objective, objective, "optimal", 1, 0))  # its LP, solved with the others'
    return answers


def neighbourhood(problem: Problem, dived: SolvedPart, gap: float, node_limit: int, safety_s: float) -> SolvedPart:
    """The best schedule whose counts all lie between the floor and the ceiling of their LP values (RENS), or the
    dive's when that is no cheaper or the neighbourhood holds none. Searched by CP-SAT when the part's data are
    whole numbers once the costs are scaled to integers (the plan's: agents required, shift costs on a grid such as
    0.0125), else by HiGHS as before. The bound stays the LP's: the neighbourhood's own bound says nothing about
    the rest of the part."""
    solved_again = dived.relaxed is None
    if not solved_again:
        lp = dived.relaxed
    else:  # an answer made without the dive's LP: solve it again (the same model, so the same vertex)
        lp = np.asarray(_relaxation(problem).getSolution().col_value)[np.flatnonzero(problem.integer)]
    lower = np.floor(lp + FRACTIONAL)
    upper = np.maximum(lower, np.ceil(lp - FRACTIONAL))
    scale = _integer_scale(problem)
    if scale is not None:
        found, nodes, timed_out = _neighbourhood_cp_sat(problem, lower, upper, scale, dived, gap, safety_s)
    else:
        found, nodes, timed_out = _neighbourhood_highs(problem, lower, upper, dived, gap, node_limit, safety_s)
    nodes += dived.nodes
    if found is None or found[1] >= dived.objective:
        return SolvedPart(dived.values, dived.objective, dived.bound,
                          "time_safety" if timed_out else _stop(dived.objective, dived.bound, "neighbourhood"),
                          dived.lps + solved_again, nodes)
    values, objective = found
    return SolvedPart(values, objective, dived.bound,
                      "time_safety" if timed_out else _stop(objective, dived.bound, "neighbourhood"),
                      dived.lps + solved_again, nodes)


def _integer_scale(problem: Problem) -> int | None:
    """The smallest factor (at most COST_SCALE_LIMIT) that makes every cost a whole number, when the matrix, the
    right-hand sides and the finite upper bounds are whole numbers already; None otherwise. Then the part is an
    integer program as it stands: with whole counts of shifts and breaks, the flows (a transportation problem) and
    the assignments, under- and over-coverage (a flow per interval) have whole optima too (totally unimodular
    blocks), so requiring them whole loses nothing."""
    finite = problem.upper[np.isfinite(problem.upper)]
    for values in (problem.matrix.data, problem.row_bounds, finite):
        if len(values) and not np.array_equal(values, np.rint(values)):
            return None
    scale = 1
    for cost in np.unique(problem.costs):
        fraction = Fraction(float(cost)).limit_denominator(COST_SCALE_LIMIT)
        if float(fraction) != float(cost):
            return None
        scale = lcm(scale, fraction.denominator)
        if scale > COST_SCALE_LIMIT:
            return None
    return scale


def _neighbourhood_cp_sat(problem: Problem, lower: np.ndarray, upper: np.ndarray, scale: int, dived: SolvedPart,
                          gap: float, safety_s: float) -> tuple[tuple[np.ndarray, float] | None, int, bool]:
    """CP-SAT on the neighbourhood with every variable whole: one worker, a fixed seed, stopped by ``gap`` (of its
    own bound within the neighbourhood) or NEIGHBOURHOOD_DETERMINISTIC_TIME (CP-SAT's count of work, the same on
    any machine), the wall-clock ``safety_s`` only as a reported safety valve. Returns ((values, objective) or
    None, branches, stopped by the safety valve). Its answer's flows are whole already: no LP re-solve."""
    from ortools.sat.python import cp_model  # lazy: ~1 s to load, only the searched parts need it

    integer = np.flatnonzero(problem.integer)
    n = problem.matrix.shape[1]
    # Domains: counts within the neighbourhood; the other columns at most every agent of it plus the largest
    # requirement (a flow, an assignment or an over-coverage is at most the agents on shift, an under-coverage at
    # most a requirement), or their own upper bound.
    most = int(np.abs(problem.row_bounds).max(initial=0.0) + upper.sum()) + 1
    low = np.zeros(n, np.int64)
    high = np.where(np.isfinite(problem.upper), np.minimum(problem.upper, most), most).astype(np.int64)
    low[integer], high[integer] = lower.astype(np.int64), upper.astype(np.int64)
    reduced = _reduce(problem.matrix, np.rint(problem.row_bounds).astype(np.int64), low, high)
    if reduced is None:  # a row the fixed columns cannot meet: the neighbourhood holds no schedule
        return None, 0, False
    matrix, rhs_kept, kept, fixed_values = reduced
    costs = np.rint(problem.costs * scale).astype(np.int64)
    model = cp_model.CpModel()
    proto = model.proto  # filled directly: ~950 columns and ~570 rows a day once reduced, in a few milliseconds
    for j in kept.tolist():
        proto.variables.add().domain.extend([int(low[j]), int(high[j])])
    indices, coefficients = matrix.indices.tolist(), matrix.data.tolist()
    starts, rhs = matrix.indptr.tolist(), rhs_kept.tolist()
    for i in range(matrix.shape[0]):
        row = proto.constraints.add().linear
        row.vars.extend(indices[starts[i]:starts[i + 1]])
        row.coeffs.extend(coefficients[starts[i]:starts[i + 1]])
        row.domain.extend([rhs[i], rhs[i]])
    priced = np.flatnonzero(costs[kept])
    proto.objective.vars.extend(priced.tolist())
    proto.objective.coeffs.extend(costs[kept][priced].tolist())
    if len(dived.values):  # a hint CP-SAT repairs where the dive left the neighbourhood
        proto.solution_hint.vars.extend(range(len(kept)))
        proto.solution_hint.values.extend(
            np.clip(np.rint(dived.values[kept]), low[kept], high[kept]).astype(np.int64).tolist())
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.num_workers = 1  # several workers race one another: the winner would depend on the machine's load
    parameters.random_seed = 0
    # A neighbourhood is a small model once presolved (~300 variables, most of them 0/1): CP-SAT's own search proves
    # its optimum faster without the LP relaxation, symmetry detection, probing or repeated presolve (on 70 of the
    # 300-queue scenario's days: 0.035 s a day with the reduced model instead of 0.34-0.43 s, every day at its
    # neighbourhood's optimum, which the LP-guided search reached on some days only within its 1 % gap;
    # docs/benchmarks.md, seventh pass).
    parameters.linearization_level = 0
    parameters.symmetry_level = 0
    parameters.cp_model_probing_level = 0
    parameters.max_presolve_iterations = 1
    parameters.relative_gap_limit = float(gap)
    parameters.max_deterministic_time = NEIGHBOURHOOD_DETERMINISTIC_TIME
    parameters.max_time_in_seconds = float(safety_s)
    status = solver.solve(model)
    # Stopped short of its gap and of its deterministic limit: the wall clock stopped it (a proof of no schedule,
    # INFEASIBLE, is not a stop).
    timed_out = (status in (cp_model.FEASIBLE, cp_model.UNKNOWN)
                 and solver.deterministic_time < NEIGHBOURHOOD_DETERMINISTIC_TIME - 1e-6)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, int(solver.num_branches), timed_out
    values = fixed_values.astype(float)
    values[kept] = solver.response_proto.solution
    return (values, float(problem.costs @ values)), int(solver.num_branches), timed_out


def _reduce(matrix: sparse.csc_matrix, rhs: np.ndarray, low: np.ndarray, high: np.ndarray
            ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray] | None:
    """The neighbourhood's model without what its bounds decide (``matrix`` x = ``rhs``, ``low`` <= x <= ``high``,
    whole numbers): columns with one value are put into the rows' right-hand sides; a row whose other columns all
    have the same sign and a lower bound of 0 and whose right-hand side is then 0 sets them all to 0 (a shift left
    at 0 has no flows to breaks, a break at 0 none into it); a row with one other column sets it. Repeated until
    nothing more is decided: on the 300-queue scenario's days 1,582 columns and 912 rows become ~950 and ~570, with
    exactly the same schedules (CP-SAT's presolve finds this too, in more time than its search then takes).
    Returns (the rows left over the columns left, their right-hand sides, the columns left, every column's decided
    value), or None when a row cannot be met."""
    n = matrix.shape[1]
    rows = matrix.tocsr()
    sign = np.sign(rows.data).astype(np.int64)
    coefficients = np.rint(rows.data).astype(np.int64)
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    fixed = low == high
    value = np.where(fixed, low, 0)
    while True:
        free_entry = ~fixed[rows.indices]
        left = rhs - _row_sums(row_of, coefficients * value[rows.indices], rows.shape[0])
        free_count = _row_sums(row_of, free_entry, rows.shape[0])
        if ((free_count == 0) & (left != 0)).any():
            return None
        # Rows whose free columns are all of one sign, all at least 0, with nothing left to cover: all 0.
        positive = _row_sums(row_of, free_entry & (sign > 0), rows.shape[0])
        at_zero = _row_sums(row_of, free_entry & (low[rows.indices] == 0), rows.shape[0])
        one_sign = (positive == 0) | (positive == free_count)
        zero_rows = (free_count > 0) & (left == 0) & (at_zero == free_count) & one_sign
        newly = np.zeros(n, bool)
        newly[rows.indices[free_entry & zero_rows[row_of]]] = True
        # Rows with one free column: it takes the value left, when that is whole and within its bounds.
        single = free_entry & (free_count[row_of] == 1) & ~zero_rows[row_of]
        columns, share = rows.indices[single], coefficients[single]
        whole = left[row_of[single]] % share == 0
        if not whole.all():
            return None
        forced = left[row_of[single]] // share
        if ((forced < low[columns]) | (forced > high[columns])).any():
            return None
        newly[columns] = True
        if not newly.any():
            break
        value[newly] = 0
        value[columns] = forced
        fixed |= newly
        # Two rows may set one column to different values: checked on the next pass (a row left with no free
        # column must be met exactly).
    kept = np.flatnonzero(~fixed)
    live = np.flatnonzero(free_count > 0)
    reduced = rows[live][:, kept]
    reduced = sparse.csr_matrix((np.rint(reduced.data).astype(np.int64), reduced.indices, reduced.indptr),
                                shape=reduced.shape)
    return reduced, left[live], kept, value


def _row_sums(row_of: np.ndarray, entries: np.ndarray, rows: int) -> np.ndarray:
    """Each row's sum of its entries' whole numbers (``entries`` in the order of a CSR matrix's data)."""
    totals = np.zeros(rows, np.int64)
    np.add.at(totals, row_of, entries.astype(np.int64))
    return totals


def _neighbourhood_highs(problem: Problem, lower: np.ndarray, upper: np.ndarray, dived: SolvedPart, gap: float,
                         node_limit: int, safety_s: float) -> tuple[tuple[np.ndarray, float] | None, int, bool]:
    """HiGHS on the neighbourhood (for data that are not whole numbers): one thread, to ``gap`` of the
    neighbourhood's own bound or ``node_limit`` nodes, at most NEIGHBOURHOOD_NODES (the wall-clock ``safety_s``
    only as a reported safety valve)."""
    integer = np.flatnonzero(problem.integer)
    model = _model(problem, relaxed=False)
    low, high = np.asarray(model.col_lower_, float), np.asarray(model.col_upper_, float)
    low[integer], high[integer] = lower, upper
    model.col_lower_, model.col_upper_ = low, high
    highs = quiet_highs()
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("mip_max_nodes", int(min(node_limit, NEIGHBOURHOOD_NODES)))
    highs.setOptionValue("time_limit", float(safety_s))
    highs.passModel(model)
    highs.run()
    info = highs.getInfo()
    timed_out = highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    if info.primal_solution_status != 2:
        return None, int(info.mip_node_count), timed_out
    values = np.asarray(highs.getSolution().col_value)
    objective = float(info.objective_function_value)
    if objective < dived.objective and 0 < len(integer) < len(values):
        values = _integral_flows(highs, integer, np.rint(values[integer]))
    return (values, objective), int(info.mip_node_count), timed_out


def _stop(objective: float, bound: float, otherwise: str) -> str:
    return "optimal" if proven_optimal(objective, bound) else otherwise


def _relaxation(problem: Problem) -> highspy.Highs:
    highs = quiet_highs()
    highs.setOptionValue("solver", "simplex")  # vertices: integral flows once the counts are integers
    highs.passModel(_model(problem, relaxed=True))
    highs.run()
    return highs


def branch_and_bound(problem: Problem, dived: SolvedPart, gap: float, node_limit: int,
                     safety_s: float) -> SolvedPart | None:
    """HiGHS's branch and bound from the dive's answer, to relative ``gap`` or ``node_limit`` nodes (or the
    wall-clock ``safety_s``, reported as such); None when no schedule exists."""
    highs = quiet_highs()
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("mip_max_nodes", int(node_limit))
    highs.setOptionValue("time_limit", float(safety_s))
    highs.passModel(_model(problem, relaxed=False))
    if len(dived.values):
        start = highspy.HighsSolution()
        start.col_value = dived.values
        start.value_valid = True
        highs.setSolution(start)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    if info.primal_solution_status != 2:  # no solution
        return None
    objective = float(info.objective_function_value)
    values = np.asarray(highs.getSolution().col_value)
    if len(dived.values) and dived.objective <= objective:
        values, objective = dived.values, dived.objective
    mip_bound = float(info.mip_dual_bound)
    bound = min(objective, max(dived.bound, mip_bound) if np.isfinite(mip_bound) else dived.bound)
    if status == highspy.HighsModelStatus.kTimeLimit:
        stopped_by = "time_safety"
    elif proven_optimal(objective, bound):
        stopped_by = "optimal"
    elif objective - bound <= gap * abs(objective):
        stopped_by = "gap"
    else:
        stopped_by = "nodes"
    integer = np.flatnonzero(problem.integer)
    if 0 < len(integer) < len(values):
        values = _integral_flows(highs, integer, np.rint(values[integer]))
    return SolvedPart(values, objective, bound, stopped_by, dived.lps, int(info.mip_node_count))


def _model(problem: Problem, relaxed: bool) -> highspy.HighsLp:
    matrix = problem.matrix
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = problem.costs
    lp.col_lower_ = np.zeros(matrix.shape[1])
    lp.col_upper_ = np.where(np.isinf(problem.upper), highspy.kHighsInf, problem.upper)
    lp.row_lower_, lp.row_upper_ = problem.row_bounds, problem.row_bounds
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    if not relaxed:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in problem.integer]
    return lp


def _optimal(highs: highspy.Highs) -> bool:
    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


def _dive(highs: highspy.Highs, integer: np.ndarray) -> tuple[np.ndarray, float, int] | None:
    """Fix fractional counts to their ceilings, the largest fractions first, re-solving the LP each round (the
    basis carries over, so a round costs a few pivots). Returns (values, objective, LP solves), or None when a
    fixing made the model infeasible (possible only when under-coverage is forbidden)."""
    lps = 1
    while True:
        values = np.asarray(highs.getSolution().col_value)
        counts = values[integer]
        fraction = counts - np.floor(counts + FRACTIONAL)
        fractional = np.flatnonzero(fraction > FRACTIONAL)
        if not len(fractional):
            values = values.copy()
            values[integer] = np.rint(counts)
            return values, float(highs.getInfo().objective_function_value), lps
        # The largest fractions first, a twentieth of them per round at least; ties broken by column order.
        order = fractional[np.argsort(-fraction[fractional], kind="stable")]
        chosen = np.union1d(order[:max(1, len(order) // 20)], fractional[fraction[fractional] >= SURE_ROUND_UP])
        ceiling = np.ceil(counts[chosen])
        highs.changeColsBounds(len(chosen), integer[chosen].astype(np.int32), ceiling, ceiling)
        highs.run()
        lps += 1
        if not _optimal(highs):
            return None


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
