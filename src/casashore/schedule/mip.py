"""Solving one covering sub-model with HiGHS, deterministically: the same model gives the same answer on any
machine, at any load, with any number of cores.

1. The LP relaxation: its optimum is a proven lower bound (covering models with implicit breaks have tight
   relaxations: on the example week the MILP's own root bound is within 0.01 % of it).
2. A constructive answer from a dive: the most fractional-up integer counts are fixed to their ceilings and the
   LP re-solved from its basis, until every count is an integer. Rounding up never uncovers anyone, so the dive
   ends with a schedule whenever under-coverage is priced rather than forbidden; on the example week it lands
   within 0.8 % of the bound in a fraction of a second per day.
3. Only when needed (covering.py decides, for the whole schedule): a neighbourhood search (RENS, after Berthold
   2014): HiGHS's branch and bound on the part with every count held between the floor and the ceiling of its
   LP value, a small model that HiGHS solves in a fraction of a second, node-limited. Rounding up overshoots on a
   small team's day (a few agents per skill, where one shift too many is 5-10 % of the day's cost); the best of
   the LP's integer neighbours rarely does (the 300-queue scenario's small clients: 10 % above the bound after
   the dive, 1-4 % after this).
4. Only when still needed: branch and bound on the whole part from the best answer so far, limited by a node
   count (a deterministic limit) and, as a safety valve only, by a wall-clock limit that is reported when it is
   hit (``SolvedPart.stopped_by == "time_safety"``).

HiGHS runs on one thread per model, so that its search does not depend on how many cores there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

FRACTIONAL = 1e-6
"""A count further than this from an integer is fractional."""
SURE_ROUND_UP = 0.8
"""Counts at least this far above their floor are fixed to their ceilings together, in one round of the dive."""
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
        return SolvedPart(np.zeros(0), float("inf"), bound, "dive", 0, 0)
    values, objective, lps = dived
    return SolvedPart(values, objective, bound, "optimal" if proven_optimal(objective, bound) else "dive", lps, 0)


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
    dive's when that is no cheaper or the neighbourhood holds none: HiGHS on the part with those bounds, one
    thread, to ``gap`` of the neighbourhood's own bound or ``node_limit`` nodes, at most NEIGHBOURHOOD_NODES (the
    wall-clock ``safety_s`` only as a reported safety valve). The bound stays the LP's: the neighbourhood's own
    bound says nothing about the rest of the part."""
    relaxation = _relaxation(problem)
    integer = np.flatnonzero(problem.integer)
    lp = np.asarray(relaxation.getSolution().col_value)[integer]
    model = _model(problem, relaxed=False)
    lower, upper = np.asarray(model.col_lower_, float), np.asarray(model.col_upper_, float)
    lower[integer] = np.floor(lp + FRACTIONAL)
    upper[integer] = np.maximum(lower[integer], np.ceil(lp - FRACTIONAL))
    model.col_lower_, model.col_upper_ = lower, upper
    highs = quiet_highs()
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("mip_max_nodes", int(min(node_limit, NEIGHBOURHOOD_NODES)))
    highs.setOptionValue("time_limit", float(safety_s))
    highs.passModel(model)
    highs.run()
    info = highs.getInfo()
    timed_out = highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    nodes = dived.nodes + int(info.mip_node_count)
    if info.primal_solution_status != 2 or float(info.objective_function_value) >= dived.objective:
        return SolvedPart(dived.values, dived.objective, dived.bound,
                          "time_safety" if timed_out else _stop(dived.objective, dived.bound, "neighbourhood"),
                          dived.lps + 1, nodes)
    objective = float(info.objective_function_value)
    values = np.asarray(highs.getSolution().col_value)
    if 0 < len(integer) < len(values):
        values = _integral_flows(highs, integer, np.rint(values[integer]))
    return SolvedPart(values, objective, dived.bound,
                      "time_safety" if timed_out else _stop(objective, dived.bound, "neighbourhood"),
                      dived.lps + 1, nodes)


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
