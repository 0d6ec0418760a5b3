"""The hiring plan of one operator's language: when to start training classes and how many to hire into each,
at least cost, so that productive FTE (with some overtime) meets the monthly requirement. A MILP on HiGHS.

Per month t (0 = the horizon's first): classes c_t and hires h_t (integers), overtime o_t and shortfall s_t
(FTE, continuous). A person hired in month s is, in month t (tenure k = t - s), still there with probability
(1 - a)^k (attrition a a month: expected values, linear in the hires), in training for a share f_k of the month
(f_k = clip(training months - k, 0, 1), training months = weeks x 12 / 52) and productive for the rest at the
pace 1 / m_k (m_k the learning curve's handle-time multiplier, 1 after the list). A curve by week on the phones
(m(u), u weeks since training ended) makes (1 - f_k) / m_k the month's mean pace, (1 / L) x the integral of
1 / m(w - T) over the month's weeks after training, [max(k L, T), (k + 1) L) with L = 52 / 12 and T the
training weeks:

    headcount_t  = E (1 - a)^t + sum_s h_s (1 - a)^(t-s)                      E: tenured agents at the start
    trainees_t   = sum_s h_s (1 - a)^(t-s) f_(t-s)
    productive_t = E (1 - a)^t + sum_s h_s (1 - a)^(t-s) (1 - f_(t-s)) / m_(t-s)
    class_min c_t <= h_t <= class_max c_t,  h_t <= max hires,  c_t = 0 for t < lead months
    sum over k with f_k > 0 of c_(t-k) <= trainers                              (classes in training at once)
    o_t <= overtime share x productive_t,   productive_t + o_t + s_t >= required_t
    minimise sum_t salary x headcount_t + hire cost x h_t + class cost x c_t
                   + salary (1 + premium) o_t + short cost x s_t

HiGHS runs on one thread with a fixed seed and a node limit: the same plan on any machine at any load.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from casashore.growth.scenario import LanguageTerms
from casashore.schedule.mip import proven_optimal, quiet_highs

NODE_LIMIT = 2_000
GAP = 1e-3
"""Relative: a plan within 0.1 % of the least cost is kept (on the example the last 0.1 % costs three times the
search); the plan reports its proven bound."""
SAFETY_S = 60.0
"""A wall-clock safety valve only: a plan stopped by it says so (stopped_by = time_safety)."""


@dataclass(frozen=True)
class Cohorts:
    """What one hire is worth at each tenure k (months since the class's first day)."""

    present: np.ndarray
    """(1 - a)^k"""
    training: np.ndarray
    """f_k: the share of month k in training."""
    productive: np.ndarray
    """(1 - a)^k (1 - f_k) / m_k: productive FTE of one hire at tenure k."""


def cohorts(terms: LanguageTerms, months: int) -> Cohorts:
    k = np.arange(months, dtype=float)
    present = (1 - terms.attrition_monthly) ** k
    training = np.clip(terms.training_weeks * 12 / 52 - k, 0.0, 1.0)
    if terms.learning_curve_weeks is not None:
        return Cohorts(present, training, present * weekly_pace(terms.learning_curve_weeks, terms.training_weeks,
                                                                 months))
    curve = np.ones(months)
    given = min(len(terms.learning_curve), months)
    curve[:given] = terms.learning_curve[:given]
    return Cohorts(present, training, present * (1 - training) / curve)


def weekly_pace(curve: list[float], training_weeks: float, months: int) -> np.ndarray:
    """Per month k of tenure, the share of the month spent productive, each week on the phones at the pace
    1 / curve[week] (1 after the list): the exact integral of a step function, week by week."""
    month = 52 / 12
    pace = np.zeros(months)
    for k in range(months):
        # The month's time on the phones, in weeks since training ended.
        start, end = max(k * month, training_weeks) - training_weeks, (k + 1) * month - training_weeks
        week, total = int(start), 0.0
        while week < min(end, len(curve)):
            total += (min(end, week + 1) - max(start, week)) / curve[week]
            week += 1
        total += max(0.0, end - max(start, len(curve)))
        pace[k] = total / month
    return pace


@dataclass(frozen=True)
class HiringPlan:
    language: str
    required: np.ndarray
    classes: np.ndarray
    hires: np.ndarray
    headcount: np.ndarray
    trainees: np.ndarray
    productive: np.ndarray
    """Productive FTE without overtime."""
    overtime: np.ndarray
    short: np.ndarray
    salaries: np.ndarray
    hiring_cost: np.ndarray
    """Hires' and classes' costs."""
    overtime_cost: np.ndarray
    cost: float
    """Salaries, hiring, classes and overtime over the horizon (the shortfall's price apart)."""
    objective: float
    bound: float
    stopped_by: str
    """optimal (proven), gap (within the relative gap), nodes (the node limit), time_safety."""

    @property
    def labour_cost(self) -> np.ndarray:
        return self.salaries + self.hiring_cost + self.overtime_cost


def _convolve(weights: np.ndarray, hires: np.ndarray) -> np.ndarray:
    """sum_s hires_s weights_(t-s) for every t."""
    return np.convolve(hires, weights)[:len(hires)]


def plan_hiring(terms: LanguageTerms, required: np.ndarray, gap: float = GAP) -> HiringPlan:
    """The least-cost plan for ``required`` productive FTE a month (see the module's docstring), within the
    relative ``gap`` of its proven bound (0: proven optimal unless the node limit stops it)."""
    T = len(required)
    co = cohorts(terms, T)
    tenured = terms.agents_now * co.present
    in_training = np.flatnonzero(co.training > 0)
    cols = {"c": 0, "h": T, "o": 2 * T, "s": 3 * T}
    n = 4 * T
    cost = np.zeros(n)
    cost[:T] = terms.class_cost
    # a hire in month s is paid in every later month while present: salary x sum_(k < T - s) (1 - a)^k
    cost[T:2 * T] = terms.hire_cost + terms.salary_per_month * np.cumsum(co.present)[::-1]
    cost[2 * T:3 * T] = terms.salary_per_month * (1 + terms.overtime_premium)
    cost[3 * T:] = terms.short_cost_per_fte
    lower, upper = np.zeros(n), np.full(n, highspy.kHighsInf)
    upper[:T] = np.where(np.arange(T) < terms.lead_months, 0, highspy.kHighsInf)
    upper[T:2 * T] = np.where(np.arange(T) < terms.lead_months, 0, terms.max_hires_per_month)

    rows: list[tuple[dict[int, float], float, float]] = []
    inf = highspy.kHighsInf
    for t in range(T):
        rows.append(({cols["h"] + t: 1.0, cols["c"] + t: -terms.class_max}, -inf, 0.0))
        rows.append(({cols["h"] + t: 1.0, cols["c"] + t: -terms.class_min}, 0.0, inf))
        if len(in_training):
            rows.append(({cols["c"] + t - k: 1.0 for k in in_training if t - k >= 0}, -inf, float(terms.trainers)))
        productive = {cols["h"] + s: co.productive[t - s] for s in range(t + 1) if co.productive[t - s] > 0}
        overtime = {i: -terms.overtime_share * w for i, w in productive.items()} | {cols["o"] + t: 1.0}
        rows.append((overtime, -inf, terms.overtime_share * tenured[t]))
        cover = productive | {cols["o"] + t: 1.0, cols["s"] + t: 1.0}
        rows.append((cover, float(required[t] - tenured[t]), inf))

    highs = quiet_highs()
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("mip_max_nodes", NODE_LIMIT)
    highs.setOptionValue("time_limit", SAFETY_S)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_ = np.array([r[1] for r in rows])
    lp.row_upper_ = np.array([r[2] for r in rows])
    starts, index, value = [0], [], []
    for entries, _, _ in rows:
        for col in sorted(entries):
            index.append(col)
            value.append(entries[col])
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = starts, index, value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (2 * T) + [highspy.HighsVarType.kContinuous] * (2 * T)
    highs.passModel(lp)
    highs.run()
    info = highs.getInfo()
    x = np.asarray(highs.getSolution().col_value)
    classes, hires = np.rint(x[:T]) + 0.0, np.rint(x[T:2 * T]) + 0.0  # + 0.0: no -0
    overtime, short = np.maximum(x[2 * T:3 * T], 0.0), np.maximum(x[3 * T:], 0.0)
    objective = float(info.objective_function_value) + terms.salary_per_month * tenured.sum()
    bound = float(info.mip_dual_bound) + terms.salary_per_month * tenured.sum()
    if highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
        stopped_by = "time_safety"
    elif proven_optimal(objective, bound):
        stopped_by = "optimal"
    elif objective - bound <= gap * abs(objective) * 1.0001:
        stopped_by = "gap"
    else:
        stopped_by = "nodes"
    headcount = tenured + _convolve(co.present, hires)
    productive = tenured + _convolve(co.productive, hires)
    salaries = terms.salary_per_month * headcount
    hiring_cost = terms.hire_cost * hires + terms.class_cost * classes
    overtime_cost = terms.salary_per_month * (1 + terms.overtime_premium) * overtime
    return HiringPlan(terms.language, np.asarray(required, float), classes, hires, headcount,
                      _convolve(co.present * co.training, hires), productive, overtime, short, salaries, hiring_cost,
                      overtime_cost, float((salaries + hiring_cost + overtime_cost).sum()), objective,
                      min(bound, objective), stopped_by)
