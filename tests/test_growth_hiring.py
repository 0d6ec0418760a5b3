"""The hiring MILP against cases solved by hand, a learning curve computed as a spreadsheet would, and a
brute-force enumeration of every class start and size on small cases (an independent formulation)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casashore.growth.hiring import cohorts, plan_hiring
from casashore.growth.scenario import LanguageTerms

MONTH_OF_WEEKS = 52 / 12


def terms(**changes) -> LanguageTerms:
    base = dict(language="fr", salary_per_month=100.0, attrition_monthly=0.0, lead_months=0, class_min=1,
                class_max=20, training_weeks=MONTH_OF_WEEKS, trainers=5, hire_cost=0.0, class_cost=50.0,
                learning_curve=[], overtime_share=0.0, short_cost_per_fte=1e6)
    return LanguageTerms(**(base | changes))


def test_no_attrition_one_class_by_hand():
    """10 FTE needed from month 2, a month's training, no attrition: one class of 10 starts in month 1."""
    plan = plan_hiring(terms(), np.array([0.0, 0.0, 10.0, 10.0]))
    assert plan.stopped_by == "optimal"
    assert plan.classes.tolist() == [0, 1, 0, 0]
    assert plan.hires.tolist() == [0, 10, 0, 0]
    assert plan.trainees.tolist() == pytest.approx([0, 10, 0, 0])
    assert plan.productive.tolist() == pytest.approx([0, 0, 10, 10])
    assert plan.headcount.tolist() == pytest.approx([0, 10, 10, 10])
    assert plan.short.tolist() == pytest.approx([0, 0, 0, 0])
    assert plan.cost == pytest.approx(50 + 3 * 10 * 100)  # one class, ten people paid three months


def test_lead_time_leaves_months_short():
    """Two months to recruit: nobody can be productive before month 3; months 0-2 are reported short."""
    plan = plan_hiring(terms(lead_months=2), np.array([5.0, 5.0, 5.0, 5.0, 5.0]))
    assert plan.hires.tolist() == [0, 0, 5, 0, 0]
    assert plan.short.tolist() == pytest.approx([5, 5, 5, 0, 0])
    assert plan.cost == pytest.approx(50 + 3 * 5 * 100)


def test_class_size_limit_splits_classes_and_trainers_limit_them():
    plan = plan_hiring(terms(class_max=12, trainers=1), np.array([0.0, 0.0, 20.0, 20.0]))
    # one class in training at once, a class of 12 at most: 12 in month 1 and 8 more cannot be ready in time
    assert plan.classes.tolist() == [1, 1, 0, 0]
    assert plan.hires.tolist() == [8, 12, 0, 0]
    assert plan.short.tolist() == pytest.approx([0, 0, 0, 0])


def test_learning_curve_as_a_spreadsheet_computes_it():
    """One hire's worth by tenure, attrition 10 % a month, two weeks' training, handle time x1.5 then x1.2:
    the columns a planner's spreadsheet has (present, in training, productive)."""
    co = cohorts(terms(attrition_monthly=0.1, training_weeks=2, learning_curve=[1.5, 1.2]), 5)
    training_months = 2 * 12 / 52  # 0.461538...
    spreadsheet = [
        # tenure, present, share in training, multiplier, productive FTE
        (0, 1.0, training_months, 1.5, 1.0 * (1 - training_months) / 1.5),  # 0.358974
        (1, 0.9, 0.0, 1.2, 0.9 / 1.2),                                       # 0.75
        (2, 0.81, 0.0, 1.0, 0.81),
        (3, 0.729, 0.0, 1.0, 0.729),
        (4, 0.6561, 0.0, 1.0, 0.6561),
    ]
    assert co.present.tolist() == pytest.approx([row[1] for row in spreadsheet])
    assert co.training.tolist() == pytest.approx([row[2] for row in spreadsheet])
    assert co.productive.tolist() == pytest.approx([0.358974359, 0.75, 0.81, 0.729, 0.6561])


def test_the_plan_applies_the_curve_to_its_cohorts():
    """productive_t = E (1 - a)^t + sum_s h_s x cohort(t - s), recomputed from the plan's own hires."""
    t = terms(attrition_monthly=0.05, training_weeks=3, learning_curve=[1.4, 1.1], agents_now=7,
              overtime_share=0.04, overtime_premium=0.25)
    plan = plan_hiring(t, np.array([7.0, 9.0, 14.0, 16.0, 16.0, 18.0]))
    co = cohorts(t, 6)
    for month in range(6):
        expected = 7 * 0.95 ** month + sum(plan.hires[s] * co.productive[month - s] for s in range(month + 1))
        assert plan.productive[month] == pytest.approx(expected)
        assert plan.productive[month] + plan.overtime[month] + plan.short[month] >= plan.required[month] - 1e-6
        assert plan.overtime[month] <= 0.04 * plan.productive[month] + 1e-6


def brute_force(t: LanguageTerms, required: np.ndarray, most: int) -> float:
    """Every vector of hires 0..most a month (and fewest classes that hold them within the trainers), each
    month's overtime then shortfall taken greedily (months are independent once the hires are fixed)."""
    T = len(required)
    co = cohorts(t, T)
    training = [k for k in range(T) if co.training[k] > 0]
    best = math.inf
    for hires in itertools.product(range(most + 1), repeat=T):
        if any(h and m < t.lead_months for m, h in enumerate(hires)):
            continue
        classes = []
        for h in hires:
            fewest = math.ceil(h / t.class_max)
            if fewest * t.class_min > h:
                break
            classes.append(fewest)
        if len(classes) < T:
            continue
        if any(sum(classes[m - k] for k in training if m - k >= 0) > t.trainers for m in range(T)):
            continue
        cost = 0.0
        for m in range(T):
            present = t.agents_now * co.present[m] + sum(hires[s] * co.present[m - s] for s in range(m + 1))
            productive = t.agents_now * co.present[m] + sum(hires[s] * co.productive[m - s] for s in range(m + 1))
            overtime = min(t.overtime_share * productive, max(0.0, required[m] - productive))
            short = max(0.0, required[m] - productive - overtime)
            cost += (t.salary_per_month * present + t.hire_cost * hires[m] + t.class_cost * classes[m]
                     + t.salary_per_month * (1 + t.overtime_premium) * overtime + t.short_cost_per_fte * short)
        best = min(best, cost)
    return best


CASES = [
    (dict(attrition_monthly=0.05, training_weeks=2, class_min=2, class_max=4, trainers=1, hire_cost=30,
          class_cost=80, learning_curve=[1.3], overtime_share=0.05, overtime_premium=0.25,
          short_cost_per_fte=2000, agents_now=2), [2.0, 3.0, 5.5, 6.0]),
    (dict(attrition_monthly=0.1, training_weeks=6, class_min=1, class_max=3, trainers=1, hire_cost=10,
          class_cost=200, learning_curve=[1.5, 1.2], overtime_share=0.1, overtime_premium=0.5,
          short_cost_per_fte=900, lead_months=1), [0.0, 1.0, 3.0, 4.5, 5.0]),
    (dict(attrition_monthly=0.0, training_weeks=0, class_min=3, class_max=5, trainers=2, hire_cost=0,
          class_cost=120, learning_curve=[2.0, 1.25], overtime_share=0.0, short_cost_per_fte=400), [1.0, 2.5, 4.0]),
]


@pytest.mark.parametrize(("changes", "required"), CASES)
def test_optimal_against_brute_force(changes, required):
    t = terms(**changes)
    most = 6 if len(required) <= 4 else 4
    plan = plan_hiring(t, np.array(required), gap=0.0)
    best = brute_force(t, np.array(required), most)
    assert plan.hires.max() <= most  # else the enumeration's range was too small to compare
    assert plan.stopped_by == "optimal"
    assert plan.objective == pytest.approx(best, rel=1e-7)
    assert plan.bound <= best * (1 + 1e-7)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(attrition=st.sampled_from([0.0, 0.03, 0.1]), weeks=st.sampled_from([0.0, 2.0, 4.0, 7.0]),
       lead=st.integers(0, 2), class_min=st.integers(1, 4), extra=st.integers(0, 6), trainers=st.integers(0, 2),
       now=st.integers(0, 10), overtime=st.sampled_from([0.0, 0.05]),
       required=st.lists(st.floats(0, 30, allow_nan=False).map(lambda v: round(v, 2)), min_size=2, max_size=8))
def test_every_plan_keeps_its_rules(attrition, weeks, lead, class_min, extra, trainers, now, overtime, required):
    """Whatever the terms and the demand: a plan exists, and it keeps the rules the docstring writes down."""
    t = terms(attrition_monthly=attrition, training_weeks=weeks, lead_months=lead, class_min=class_min,
              class_max=class_min + extra, trainers=trainers, agents_now=now, overtime_share=overtime,
              learning_curve=[1.2], hire_cost=5.0)
    plan = plan_hiring(t, np.array(required))
    co = cohorts(t, len(required))
    assert plan.stopped_by in ("optimal", "gap")
    for m in range(len(required)):
        assert plan.classes[m] * t.class_min <= plan.hires[m] <= plan.classes[m] * t.class_max
        if m < lead:
            assert plan.hires[m] == 0 and plan.classes[m] == 0
        in_training = sum(plan.classes[m - k] for k in range(m + 1) if co.training[k] > 0)
        assert in_training <= t.trainers
        assert plan.overtime[m] <= overtime * plan.productive[m] + 1e-6
        assert plan.productive[m] + plan.overtime[m] + plan.short[m] >= required[m] - 1e-6
        assert plan.headcount[m] == pytest.approx(now * co.present[m] + sum(
            plan.hires[s] * co.present[m - s] for s in range(m + 1)))
        assert plan.trainees[m] <= plan.headcount[m] + 1e-9
    # the price of a missing FTE is far above a month's salary: a plan is short only where hiring cannot help
    # (without lead time or training, hiring always can: no class is in training, so trainers limit nothing)
    if lead == 0 and weeks == 0.0:
        assert plan.short.sum() == pytest.approx(0, abs=1e-6)
