"""Erlang B against published tables, the recursion (mpmath) and its own inverses."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from casashore.queueing import erlang_b, erlang_b_servers, erlang_b_traffic

# Traffic (Erlangs) offered to N lines at a blocking of 1 %, 2 % and 5 %, from the standard Erlang B table as
# printed, to three decimals, in the ITU-D "Teletraffic Engineering Handbook" (Iversen, table of Erlang's B
# formula) and in Cisco's "Traffic Analysis for Voice over IP" (e.g. 15 lines at 1 %: 8.108 E).
ERLANG_B_TABLE = {
    0.01: {1: 0.0101, 2: 0.153, 5: 1.361, 10: 4.461, 15: 8.108, 20: 12.031, 50: 37.901, 100: 84.064},
    0.02: {1: 0.0204, 2: 0.223, 5: 1.657, 10: 5.084, 20: 13.182, 50: 40.255, 100: 87.972},
    0.05: {1: 0.0526, 2: 0.381, 5: 2.218, 10: 6.216, 20: 15.249, 50: 44.533, 100: 95.240},
}


@pytest.mark.parametrize("blocking", sorted(ERLANG_B_TABLE))
def test_published_table_rows(blocking):
    for servers, traffic in ERLANG_B_TABLE[blocking].items():
        assert erlang_b_traffic(servers, blocking) == pytest.approx(traffic, abs=6e-4)
        assert erlang_b_servers(erlang_b_traffic(servers, blocking), blocking) == servers


@pytest.mark.parametrize(("servers", "traffic"), [(1, 0.5), (15, 8.108), (30, 45.5), (200, 180.25),
                                                  (1000, 950.0), (5000, 5100.3)])
def test_matches_recursion_in_mpmath(servers, traffic):
    assert float(erlang_b(servers, traffic)) == pytest.approx(float(reference.erlang_b(servers, traffic)), rel=1e-12)


@pytest.mark.parametrize(("servers", "traffic"), [(100_000, 99_500.5), (1_000_000, 1_000_000.0),
                                                  (1_000_000, 998_765.4321), (990_000, 1_000_000.0)])
def test_matches_recursion_at_a_million_erlangs(servers, traffic):
    assert float(erlang_b(servers, traffic)) == pytest.approx(float(reference.erlang_b(servers, traffic)), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.floats(0.01, 400.0))
def test_recursion_equals_closed_form(servers, traffic):
    """B(N) = A B(N-1) / (N + A B(N-1)), computed in floats from B(0) = 1, equals the log-space closed form."""
    b = 1.0
    for n in range(1, servers + 1):
        b = traffic * b / (n + traffic * b)
    assert float(erlang_b(servers, traffic)) == pytest.approx(b, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 1e5), st.floats(1e-4, 0.5))
def test_servers_is_the_fewest_meeting_the_blocking(traffic, blocking):
    n = int(erlang_b_servers(traffic, blocking))
    assert erlang_b(n, traffic) <= blocking
    assert n == 0 or erlang_b(n - 1, traffic) > blocking


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 100_000), st.floats(1e-6, 0.9))
def test_traffic_inverse_round_trips(servers, blocking):
    assert float(erlang_b(servers, erlang_b_traffic(servers, blocking))) == pytest.approx(blocking, rel=1e-9)


def test_zero_traffic_and_no_servers():
    assert erlang_b(0, 0.0) == 0.0 and erlang_b(10, 0.0) == 0.0
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b_servers(0.0, 0.01) == 0


def test_is_vectorised():
    n = np.arange(1, 673)
    np.testing.assert_allclose(erlang_b(n, n * 0.9), [erlang_b(k, k * 0.9) for k in n], rtol=1e-15)
