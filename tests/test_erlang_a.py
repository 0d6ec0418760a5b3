"""Erlang A against the birth-death chain in mpmath, Erlang C in the limit, and pyworkforce's underflow case."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from casashore.queueing import erlang_a, erlang_a_asa, erlang_c, erlang_c_asa, erlang_c_service_level

CASES = [  # agents, Erlangs, AHT s, patience s, target s: under, near and over load
    (14, 10.0, 180, 300, 20),
    (8, 10.0, 180, 300, 20),
    (30, 40.0, 180, 60, 20),
    (3, 0.7, 240, 900, 30),
    (25, 22.5, 300, 45, 15),
]


@pytest.mark.parametrize(("agents", "traffic", "aht", "patience", "target"), CASES)
def test_matches_birth_death_chain(agents, traffic, aht, patience, target):
    p_wait, p_ab, sl, asa, asa_all = (float(v) for v in reference.erlang_a(agents, traffic, aht, patience, target))
    got = erlang_a(agents, traffic, aht, patience, target)
    assert float(got.p_wait) == pytest.approx(p_wait, rel=1e-10)
    assert float(got.p_abandon) == pytest.approx(p_ab, rel=1e-10)
    assert float(got.service_level) == pytest.approx(sl, rel=1e-10)
    assert float(got.asa_all_s) == pytest.approx(asa_all, rel=1e-10)
    assert float(erlang_a_asa(agents, traffic, aht, patience)) == pytest.approx(asa, rel=1e-9)


def test_pyworkforce_underflow_case():
    """2,500 Erlangs, AHT 3 min, patience 2 min, 60 s target: pyworkforce 0.5.4 underflows (exp(-lambda t) = 0
    in its uniformisation) and reports 0.55 at 2,500 agents. The exact answer, from the birth-death chain
    in mpmath for P(wait) and P(abandon) and a 30-digit quadrature of the offered-wait law for the service
    level, is 0.991 at 2,500 agents and 0.992 at 2,505."""
    agents, traffic, aht, patience, target = 2505, 2500.0, 180.0, 120.0, 60.0
    got = erlang_a(agents, traffic, aht, patience, target)
    assert float(got.service_level) == pytest.approx(0.9922, abs=5e-5)
    p_wait, p_ab, sl = reference.erlang_a_by_quadrature(agents, traffic, aht, patience, target)
    assert float(got.p_wait) == pytest.approx(float(p_wait), rel=1e-9)
    assert float(got.p_abandon) == pytest.approx(float(p_ab), rel=1e-9)
    assert float(got.service_level) == pytest.approx(float(sl), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.5, 2000.0), st.floats(30.0, 600.0), st.floats(0.0, 60.0))
def test_tends_to_erlang_c_as_patience_grows(traffic, aht, target):
    """The difference shrinks like the abandonment, which near critical load needs a vast patience to vanish."""
    n = math.floor(traffic) + 2
    got = erlang_a(n, traffic, aht, aht * 1e9, target)
    assert float(got.p_wait) == pytest.approx(float(erlang_c(n, traffic)), rel=1e-4, abs=1e-12)
    assert float(got.service_level) == pytest.approx(float(erlang_c_service_level(n, traffic, aht, target)),
                                                     rel=1e-4, abs=1e-12)
    assert float(erlang_a_asa(n, traffic, aht, aht * 1e9)) == pytest.approx(float(erlang_c_asa(n, traffic, aht)),
                                                                           rel=1e-3, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.1, 5e4), st.floats(30.0, 600.0), st.floats(5.0, 900.0), st.floats(1.0, 60.0))
def test_invariants(traffic, aht, patience, target):
    """Finite at any load; more agents never hurt; service level tends to 1 - P(abandon) as the target grows."""
    n = np.arange(0, math.ceil(traffic * 1.2) + 5)
    got = erlang_a(n, traffic, aht, patience, target)
    for series in got:
        assert np.all(np.isfinite(series))
    assert np.all(np.diff(got.service_level) >= -1e-12)
    assert np.all(np.diff(got.p_abandon) <= 1e-12)
    assert np.all((got.p_abandon <= got.p_wait + 1e-15) & (got.occupancy <= 1 + 1e-12))
    late = erlang_a(n, traffic, aht, patience, 1e9)
    np.testing.assert_allclose(late.service_level, 1 - late.p_abandon, atol=1e-12)


def test_overload_at_a_million_erlangs_stays_finite():
    got = erlang_a([500_000, 1_000_000, 1_100_000], 1_000_000.0, 180, 120, 20)
    assert np.all(np.isfinite(got.service_level)) and np.all(np.isfinite(got.p_abandon))
    # Half the agents needed: about half the callers are lost, answered ones wait long.
    assert got.p_abandon[0] == pytest.approx(0.5, abs=1e-3)


def test_no_agents_and_no_calls():
    got = erlang_a([0, 0, 5], [3.0, 0.0, 0.0], 180, 120, 20)
    np.testing.assert_array_equal(got.p_abandon, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(got.service_level, [0.0, 1.0, 1.0])


def test_no_agents_and_infinite_patience_is_erlang_c():
    """Nobody to answer and callers who never hang up: everyone waits, nobody abandons (the simulator agrees)."""
    got = erlang_a([0, 0], [3.0, 3.0], 180, [np.inf, 120], 20)
    np.testing.assert_array_equal(got.p_wait, [1.0, 1.0])
    np.testing.assert_array_equal(got.p_abandon, [0.0, 1.0])
    np.testing.assert_array_equal(got.service_level, [0.0, 0.0])
