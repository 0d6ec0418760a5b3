"""Staffing searches: published answers, minimality, zero volume, shrinkage, and a week in one call."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from casashore.queueing import agents_with_shrinkage, queue_measures, required_agents, traffic_erlangs


def test_call_centre_helper_answer():
    """Call Centre Helper: 100 calls in 30 min, AHT 180 s, 80 % in 20 s -> 14 agents; 30 % shrinkage -> 20."""
    traffic = traffic_erlangs(100, 1800, 180)
    agents = required_agents(traffic, 180, target_s=20, service_level=0.8)
    assert agents == 14
    assert agents_with_shrinkage(agents, 0.3) == 20


def test_light_traffic_erlang_a_is_exact():
    """One agent, traffic far below an Erlang: a caller waits with probability ~A and, waiting, is answered
    before hanging up with probability x / (x + 1), x = patience / AHT (here 15): P(abandon) ~ A / 16.
    The gamma-function difference lost every digit of this (and overflowed for subnormal A)."""
    for traffic in (1e-10, 1e-300, 1.1e-308):
        m = queue_measures(1, traffic, 20, 1, 300)
        assert m["p_wait"] == pytest.approx(traffic, rel=1e-9)
        assert m["p_abandon"] == pytest.approx(traffic / 16, rel=1e-9)
        assert required_agents(traffic, 20, target_s=1, max_abandon=0.01, patience_s=300) == 1


def test_zero_volume_needs_no_agents():
    assert required_agents(0.0, 180, service_level=0.8) == 0
    assert required_agents(0.0, 180, service_level=0.8, patience_s=60) == 0
    assert required_agents(0.0, 180, max_occupancy=0.85) == 0


def test_fractional_traffic_is_not_rounded():
    """0.3 Erlangs: 1 agent answers 71.3 % within 20 s, so a 70/20 target needs 1 agent; rounding the load
    up to 1 Erlang, as spreadsheets do, asks for 3."""
    assert required_agents(0.3, 300, target_s=20, service_level=0.7) == 1
    assert queue_measures(1, 0.3, 300, 20)["service_level"] == pytest.approx(1 - 0.3 * math.exp(-0.7 * 20 / 300))
    assert required_agents(1.0, 300, target_s=20, service_level=0.7) == 3


def test_erlang_a_may_staff_below_the_load():
    traffic = 100.0
    n = int(required_agents(traffic, 180, target_s=20, max_abandon=0.1, patience_s=60))
    assert n < traffic
    assert queue_measures(n, traffic, 180, 20, 60)["p_abandon"] <= 0.1


def test_a_week_in_one_call_equals_interval_by_interval():
    rng = np.random.default_rng(7)
    traffic = rng.uniform(0, 150, 672) * (rng.random(672) > 0.2)
    week = required_agents(traffic, 240, target_s=20, service_level=0.8)
    one_by_one = [int(required_agents(a, 240, target_s=20, service_level=0.8)) for a in traffic[:50]]
    assert list(week[:50]) == one_by_one
    assert week.shape == (672,) and np.all(week[traffic == 0] == 0)


TARGETS = st.sampled_from(["service_level", "asa", "occupancy", "abandon"])


@settings(max_examples=80, deadline=None)
@given(st.floats(0.0, 3000.0), st.floats(20.0, 900.0), st.floats(1.0, 60.0), st.one_of(st.none(), st.floats(10, 600)),
       TARGETS, st.floats(0.05, 0.95))
# Subnormal traffic: x / y and the Poisson terms overflowed, Erlang A gave NaN and the search "unreachable".
@example(traffic=1.1e-308, aht=20.0, target=1.0, patience=None, kind="abandon", level=0.05)
@example(traffic=5e-324, aht=20.0, target=1.0, patience=60.0, kind="service_level", level=0.95)
@example(traffic=1.1e-308, aht=20.0, target=1.0, patience=None, kind="asa", level=0.05)
def test_every_answer_is_minimal(traffic, aht, target, patience, kind, level):
    """The answer meets its target and one agent fewer misses it."""
    pat = math.inf if patience is None else patience
    if kind == "abandon" and math.isinf(pat):
        pat = 300.0
    kwargs = {"service_level": {"service_level": level}, "asa": {"asa_s": level * 60},
              "occupancy": {"max_occupancy": level}, "abandon": {"max_abandon": level / 4}}[kind]
    n = int(required_agents(traffic, aht, target_s=target, patience_s=pat, **kwargs))
    assert _meets(n, traffic, aht, target, pat, kwargs)
    if n > 0:
        stable = math.isfinite(pat) or n - 1 > traffic
        assert not (stable and _meets(n - 1, traffic, aht, target, pat, kwargs))


def _meets(n, traffic, aht, target, pat, kwargs):
    m = queue_measures(n, traffic, aht, target, pat)
    slack = 1e-12
    if "service_level" in kwargs:
        return m["service_level"] >= kwargs["service_level"] * (1 - slack)
    if "asa_s" in kwargs:
        return m["asa_s"] <= kwargs["asa_s"] * (1 + slack) or traffic == 0
    if "max_occupancy" in kwargs:
        return m["occupancy"] <= kwargs["max_occupancy"] * (1 + slack)
    return m["p_abandon"] <= kwargs["max_abandon"] * (1 + slack)


def test_targets_combine():
    traffic = traffic_erlangs(100, 1800, 180)
    both = required_agents(traffic, 180, target_s=20, service_level=0.8, max_occupancy=0.6)
    assert both == max(required_agents(traffic, 180, target_s=20, service_level=0.8),
                       required_agents(traffic, 180, max_occupancy=0.6))


@pytest.mark.parametrize(("agents", "shrinkage", "rostered"), [(14, 0.3, 20), (10, 0.0, 10), (7, 0.35, 11),
                                                               (0, 0.5, 0)])
def test_shrinkage(agents, shrinkage, rostered):
    assert agents_with_shrinkage(agents, shrinkage) == rostered


def test_a_million_agents():
    n = int(required_agents(1_000_000.0, 180, target_s=20, service_level=0.8))
    assert 1_000_000 < n < 1_000_100
    assert queue_measures(n - 1, 1_000_000.0, 180, 20)["service_level"] < 0.8
