"""The goal loop's judgements (plan/goals.py): simultaneous intervals, the misses they flag, the requirement they
raise, and the verdict per queue and day."""

from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casashore.plan.goals import daily_levels, missed_intervals, raise_requirement, simultaneous_widening
from casashore.plan.result import Staffing
from casashore.simulate.results import SimulatedCentre


def test_one_judged_interval_needs_no_widening():
    assert simultaneous_widening(20, 1) == pytest.approx(1.0)


def test_with_many_replications_the_widening_is_the_normal_quantiles_ratio():
    # Student's t tends to the normal: an independent reference from the standard library.
    normal = NormalDist()
    for judged in (10, 400, 5000):
        expected = normal.inv_cdf(1 - 0.025 / judged) / normal.inv_cdf(0.975)
        assert simultaneous_widening(10**7, judged) == pytest.approx(expected, rel=1e-5)


@given(st.integers(2, 500), st.integers(1, 10_000))
def test_more_judged_intervals_never_narrow_the_intervals(replications, judged):
    assert simultaneous_widening(replications, judged + 1) >= simultaneous_widening(replications, judged) >= 1.0


UNJUDGED = dict.fromkeys(["p_wait", "p_wait_ci95", "p_abandon_ci95", "asa", "asa_ci95", "mean_time_to_abandon",
                          "mean_time_to_abandon_ci95"])
"""The simulator's other measures, which the goal loop does not read."""


def simulation(rows, goal=0.8, replications=20, channel=None):
    return SimulatedCentre.from_json({"replications": replications, "calls_simulated": 0, "groups": [], "queues": [
        {"queue": "fr-bank", "skill": "fr", **({"channel": channel} if channel else {}),
         "offered": sum(r[0] for r in rows), "service_level_goal": goal,
         "service_level": None, "service_level_ci95": None, "p_abandon": None, **UNJUDGED,
         "intervals": [{"interval": i, "start_min": 15 * i, "offered": offered, "service_level": level,
                        "service_level_ci95": half, "p_abandon": 0.02, **UNJUDGED}
                       for i, (offered, level, half) in enumerate(rows)]}]})


def test_only_misses_beyond_the_simultaneous_intervals_are_raised():
    # 0.70 +- 0.09 misses 0.8 at 95 % alone, but not once 3 intervals are judged together (widening 1.25).
    rows = [(50, 0.70, 0.09), (50, 0.40, 0.05), (50, 0.95, 0.02), (0.5, 0.0, 0.0)]
    assert missed_intervals(simulation(rows)) == {"fr": [1]}  # the 4th has too few calls to judge


def test_a_raise_touches_only_the_missed_intervals():
    staffing = Staffing.from_json({"starts": ["2026-12-07T08:00:00", "2026-12-07T08:15:00"], "queues": {},
                                   "required": {"fr": {"on_phone": [10.0, 12.0], "with_shrinkage": [12.0, 15.0],
                                                       "calls": [40.0, 48.0], "aht_s": [240.0, 240.0]}}})
    raised = raise_requirement(staffing, {"fr": [1]}, shrinkage=0.15).to_json()
    assert raised["required"]["fr"]["on_phone"] == [10.0, 13.0]
    assert raised["required"]["fr"]["with_shrinkage"] == [12.0, 16.0]  # ceil(13 / 0.85)
    assert staffing.to_json()["required"]["fr"]["on_phone"] == [10.0, 12.0]  # the input is not changed


def test_a_day_is_met_at_risk_or_not_met():
    starts = ["2026-12-07T09:00:00", "2026-12-07T09:15:00", "2026-12-08T09:00:00", "2026-12-09T09:00:00"]
    rows = [(100, 0.90, 0.02), (300, 0.78, 0.04), (100, 0.79, 0.03), (100, 0.60, 0.05)]
    days = {d.day: d.to_json() for d in daily_levels(simulation(rows), starts)}
    monday = days["2026-12-07"]
    assert monday["service_level"] == pytest.approx((100 * 0.90 + 300 * 0.78) / 400)  # calls-weighted: 0.81
    assert monday["service_level_ci95"] == pytest.approx(((0.25 * 0.02) ** 2 + (0.75 * 0.04) ** 2) ** 0.5)
    assert monday["status"] == "met" and monday["intervals_below_goal"] == 1
    assert days["2026-12-08"]["status"] == "at_risk"  # 0.79 + 0.03 reaches 0.8
    assert days["2026-12-09"]["status"] == "not_met"


def test_a_day_s_level_is_a_share_even_when_its_weights_add_up_past_one():
    # 44.1, 56.5 and 28.2 calls: the weights' floating-point sum is 1 + 2e-16, so every interval at 1.0 would give
    # a day at 1.0000000000000002 (the blended plan's verdict JSON showed it)
    rows = [(44.1, 1.0, 0.0), (56.5, 1.0, 0.0), (28.2, 1.0, 0.0)]
    assert sum(r[0] / sum(r[0] for r in rows) for r in rows) > 1.0  # the case holds
    starts = ["2026-12-07T09:00:00", "2026-12-07T09:15:00", "2026-12-07T09:30:00"]
    day = daily_levels(simulation(rows), starts)[0].to_json()
    assert day["service_level"] == 1.0 and day["p_abandon"] <= 1.0


def test_an_email_day_counts_its_arrivals_even_those_still_open_at_the_horizon_s_end():
    # The evening's items are all still open when the horizon ends: no level, yet they arrived that day (the
    # trial of issue 21 read 111.3 items for a day of 128).
    starts = ["2026-12-07T09:00:00", "2026-12-07T17:00:00", "2026-12-07T23:45:00"]
    rows = [(100, 0.9, 0.01), (20, 0.5, 0.05), (8, None, None)]
    day = daily_levels(simulation(rows, channel="email"), starts)[0].to_json()
    assert day["calls"] == 128 and day["judged"] == 120
    assert day["service_level"] == pytest.approx((100 * 0.9 + 20 * 0.5) / 120)  # over the items judged
    voice = daily_levels(simulation(rows), starts)[0].to_json()
    assert voice["calls"] == 128 and "judged" not in voice
