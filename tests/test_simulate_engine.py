"""Behaviour of the event engine: conservation, staffing changes, routing policies, laws, reproducibility."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casashore.simulate.distributions import EMPIRICAL, GAMMA, LOGNORMAL
from casashore.simulate.engine import (
    ABANDONED,
    ANSWERED,
    BUSY_S,
    DELAYED,
    HANDLED,
    OFFERED,
    STAFFED_S,
    WAIT_ABANDONED_S,
    WAIT_ANSWERED_S,
    WITHIN_TARGET,
    run_replication,
)
from casashore.simulate.estimates import call_measures
from casashore.simulate.replications import run
from simulation_helpers import centre


def once(c, seed=0):
    return run_replication(c, np.random.default_rng(seed), False)[:3]


@st.composite
def centres(draw):
    queues = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 4))
    intervals = draw(st.integers(1, 4))
    calls = draw(st.lists(st.lists(st.sampled_from([0.0, 1.0, 5.0, 40.0, 120.0]), min_size=intervals,
                                   max_size=intervals), min_size=queues, max_size=queues))
    agents = draw(st.lists(st.lists(st.integers(0, 12), min_size=intervals, max_size=intervals), min_size=groups,
                           max_size=groups))
    priority = np.array(draw(st.lists(st.lists(st.integers(-1, 2), min_size=queues, max_size=queues),
                                      min_size=groups, max_size=groups)))
    for q in range(queues):  # every queue needs some group
        if (priority[:, q] < 0).all():
            priority[draw(st.integers(0, groups - 1)), q] = 0
    delay = np.array(draw(st.lists(st.lists(st.sampled_from([0.0, 0.0, 5.0, 60.0]), min_size=queues,
                                            max_size=queues), min_size=groups, max_size=groups)))
    patience = draw(st.sampled_from([None, 30.0, 300.0]))
    return centre(calls, agents, interval_s=600.0, aht_s=draw(st.sampled_from([60.0, 300.0])), patience_s=patience,
                  priority=priority, delay_s=delay, warmup_s=draw(st.sampled_from([0.0, 300.0])))


@settings(max_examples=int(os.environ.get("SIM_EXAMPLES", 60)), deadline=None)
@given(c=centres(), seed=st.integers(0, 2**32))
def test_every_call_is_counted_once_and_agent_time_adds_up(c, seed):
    calls, agent_time, simulated = once(c, seed)
    offered, answered, abandoned = calls[..., OFFERED], calls[..., ANSWERED], calls[..., ABANDONED]
    assert (answered + abandoned <= offered).all()
    if c.agents[:, -1].sum() > 0 or c.patience_kind[0] != 4:  # someone left to drain the queue at the end
        served_at_end = (c.agents[:, -1] > 0)
        if served_at_end.any() and ((c.priority[served_at_end] >= 0).any(axis=0)).all():
            np.testing.assert_array_equal(answered + abandoned, offered)
    assert (calls[..., WITHIN_TARGET] <= answered).all()
    assert (calls[..., DELAYED] <= offered).all()
    assert (calls[..., WAIT_ANSWERED_S] >= 0).all() and (calls[..., WAIT_ABANDONED_S] >= 0).all()
    assert simulated >= offered.sum()
    assert (agent_time[..., BUSY_S] <= agent_time[..., STAFFED_S] * (1 + 1e-12) + 1e-9).all()
    # Until staffing first falls (leavers then finish their calls), staffed time is exactly agents x interval.
    steady = np.logical_and.accumulate(np.concatenate(([True], (np.diff(c.agents, axis=1) >= 0).all(axis=0))))
    expected = c.agents * c.interval_s
    np.testing.assert_allclose(agent_time[:, steady, STAFFED_S], expected[:, steady], rtol=1e-12, atol=1e-6)


def test_no_agents_answer_nothing_and_no_calls_keep_agents_idle():
    calls, agent_time, _ = once(centre([[50.0, 50.0]], [[0, 0]], patience_s=60.0))
    assert calls[..., ANSWERED].sum() == 0 and calls[..., ABANDONED].sum() == calls[..., OFFERED].sum() > 0
    calls, agent_time, simulated = once(centre([[0.0, 0.0]], [[5, 5]]))
    assert simulated == 0 and agent_time[..., BUSY_S].sum() == 0 and agent_time[..., STAFFED_S].sum() == 5 * 1800


def test_a_million_agents_with_few_calls():
    calls, agent_time, _ = once(centre([[100.0]], [[1_000_000]]))
    assert calls[0, 0, WITHIN_TARGET] == calls[0, 0, OFFERED] > 0
    assert agent_time[0, 0, STAFFED_S] == pytest.approx(1_000_000 * 900.0, rel=1e-12)


def test_agents_leaving_at_a_shift_end_finish_the_call_in_hand():
    """20 agents in interval 0, none in interval 1: calls in hand at the boundary are finished, not dropped."""
    c = centre([[400.0, 0.0]], [[20, 0]], aht_s=300.0, patience_s=None)
    calls, agent_time, _ = once(c, 3)
    assert agent_time[0, 1, BUSY_S] > 0  # work finished after the boundary
    np.testing.assert_allclose(agent_time[0, 1, BUSY_S], agent_time[0, 1, STAFFED_S])  # and only that
    assert agent_time[0, 1, HANDLED] == 0  # nobody starts a new call after the end of the shift
    # Calls still waiting when the last agents log off are never answered (patience none): counted unanswered.
    assert calls[0, 0, ANSWERED] < calls[0, 0, OFFERED]


def test_joining_agents_take_waiting_calls_at_once():
    c = centre([[300.0, 300.0]], [[0, 40]], aht_s=120.0, patience_s=None)
    calls, agent_time, _ = once(c, 1)
    assert calls[0, 0, ANSWERED] == calls[0, 0, OFFERED]  # the backlog of interval 0 is served from 15:00
    assert calls[0, 0, WITHIN_TARGET] < 10  # and none of it within 20 s


def test_priority_serves_the_first_queue_first():
    """One group of c = 14 agents serves A at priority 0 and B at priority 1; B alone overloads them and never
    hangs up, so every agent is always busy and A's calls are served by the Poisson stream of departures
    (rate c/AHT), one at a time: A's wait is an M/M/1 sojourn, P(W <= t) = 1 - exp(-(c/AHT - lambda_A) t)."""
    lam_a, c_mu, t = 40.0 / 900.0, 14 / 240.0, 20.0
    c = centre([[40.0] * 4, [60.0] * 4], [[14] * 4], aht_s=240.0, priority=[[0, 1]], warmup_s=1800.0)
    batch = run(c, 100, 2, workers=1)
    est = call_measures(batch.calls.sum(axis=2), 0.99)["service_level"]
    exact_a = 1 - np.exp(-(c_mu - lam_a) * t)
    assert abs(est.mean[0] - exact_a) <= est.half_width[0], (est.mean[0], est.half_width[0], exact_a)
    assert est.mean[1] < 0.01


def test_overflow_group_takes_calls_only_after_the_delay():
    """Queue A is served by group 0 at once and by group 1 after 30 s; group 1 never answers within 30 s."""
    c = centre([[600.0] * 2], [[10, 10], [40, 40]], aht_s=180.0, patience_s=None, delay_s=[[0.0], [30.0]],
               target_s=30.0 - 1e-9)
    calls, agent_time, _ = once(c, 4)
    # Any call answered within 30 s was answered by group 0: at most its share of the answered calls.
    handled_0 = agent_time[0, :, HANDLED].sum()
    assert calls[0, :, WITHIN_TARGET].sum() <= handled_0 + 10
    assert agent_time[1, :, HANDLED].sum() > 0  # and group 1 does take the overflow
    never = centre([[600.0] * 2], [[10, 10], [40, 40]], aht_s=180.0, patience_s=120.0,
                   delay_s=[[0.0], [np.inf]])
    _, agent_time, _ = once(never, 4)
    assert agent_time[1, :, HANDLED].sum() == 0


@pytest.mark.parametrize("kind, cv", [(LOGNORMAL, 0.7), (LOGNORMAL, 1.5), (GAMMA, 0.5), (GAMMA, 2.0)])
def test_handle_time_laws_keep_their_mean_and_spread(kind, cv):
    """Without queueing (many agents) each call's busy time is one handle-time draw: check mean and cv."""
    rng = np.random.default_rng(9)
    from casashore.simulate.distributions import draw_s
    draws = np.array([draw_s(rng, kind, 200.0, cv, np.zeros(1), 0, 0) for _ in range(200_000)])
    assert draws.mean() == pytest.approx(200.0, rel=0.02)
    assert draws.std() / draws.mean() == pytest.approx(cv, rel=0.06)


def test_empirical_handle_times_are_resampled_from_history():
    observed = np.array([30.0, 60.0, 600.0])
    c = centre([[200.0] * 8], [[500] * 8], handle_kind=EMPIRICAL, observed_s=observed, interval_s=3600.0)
    calls, agent_time, _ = once(c, 8)
    mean_busy = agent_time[0, :-1, BUSY_S].sum() / agent_time[0, :-1, HANDLED].sum()
    assert mean_busy == pytest.approx(observed.mean(), rel=0.05)


def test_forecast_uncertainty_widens_the_spread_of_volumes():
    """Gamma-mixed Poisson volumes: variance = m + m^2 cv^2 (negative binomial), against m for pure Poisson."""
    m, cv = 1000.0, 0.2
    plain = run(centre([[m]], [[100]], interval_s=3600.0), 400, 1, workers=1).calls[:, 0, 0, OFFERED]
    mixed = run(centre([[m]], [[100]], interval_s=3600.0, forecast_shape=1 / cv**2), 400, 1,
                workers=1).calls[:, 0, 0, OFFERED]
    assert plain.var() == pytest.approx(m, rel=0.25)
    assert mixed.var() == pytest.approx(m + m**2 * cv**2, rel=0.25)
    assert mixed.mean() == pytest.approx(m, rel=0.05)


def test_the_same_seed_gives_the_same_results_in_any_number_of_processes():
    c = centre([[300.0] * 3, [100.0] * 3], [[20] * 3, [5] * 3], patience_s=90.0, priority=[[0, 1], [-1, 0]])
    one = run(c, 16, 42, workers=1)
    two = run(c, 16, 42, workers=2)
    np.testing.assert_array_equal(one.calls, two.calls)
    np.testing.assert_array_equal(one.agent_time, two.agent_time)
    other = run(c, 16, 43, workers=1)
    assert not np.array_equal(one.calls, other.calls)
