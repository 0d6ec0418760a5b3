"""The simulator against the exact formulas of the capacity core, where they describe the same system."""

import numpy as np
import pytest

from casashore.queueing.staffing import queue_measures
from casashore.simulate.centre import single_queue_centre
from casashore.simulate.estimates import call_measures, occupancy
from casashore.simulate.replications import run
from simulation_helpers import centre

MEASURES = (("p_wait", "p_wait"), ("p_abandon", "p_abandon"), ("service_level", "service_level"),
            ("asa", "asa_s"))


def simulated(c, replications, seed, confidence=0.99):
    batch = run(c, replications, seed, workers=1)
    pooled = batch.calls.sum(axis=2)  # [R, Q, 7]: intervals pooled
    measures = call_measures(pooled, confidence)
    measures["occupancy"] = occupancy(batch.agent_time.sum(axis=2), confidence)
    return measures


def exact(agents, traffic, aht_s, patience_s, target_s):
    m = queue_measures(np.array([agents], float), np.array([traffic]), np.array([aht_s]), np.array([target_s]),
                       np.array([patience_s]))
    return {name: m[key][0] for name, key in (*MEASURES, ("occupancy", "occupancy"))}


@pytest.mark.parametrize("load", [0.90, 0.95, 1.00, 1.05, 1.10])
@pytest.mark.parametrize("agents", [20, 100])
def test_single_queue_matches_erlang_a_within_99_percent(load, agents):
    """A fully flexible pool with exponential handle times and patience is Erlang A (M/M/N+M)."""
    aht, patience, interval = 180.0, 120.0, 3600.0
    traffic = load * agents
    c = single_queue_centre(traffic * interval / aht, interval, aht, agents, patience_s=patience, intervals=4)
    sim = simulated(c, 200, seed=agents + int(load * 100))
    ref = exact(agents, traffic, aht, patience, 20.0)
    for name in ("p_wait", "p_abandon", "service_level", "asa", "occupancy"):
        est = sim[name]
        assert abs(est.mean[0] - ref[name]) <= est.half_width[0], (name, est.mean[0], est.half_width[0], ref[name])


@pytest.mark.parametrize("load", [0.80, 0.95])
def test_single_queue_without_patience_matches_erlang_c(load):
    agents, aht, interval = 30, 240.0, 3600.0
    traffic = load * agents
    c = single_queue_centre(traffic * interval / aht, interval, aht, agents, intervals=4, warmup_s=7200.0)
    sim = simulated(c, 300, seed=11)
    ref = exact(agents, traffic, aht, np.inf, 20.0)
    assert sim["p_abandon"].mean[0] == 0.0
    for name in ("p_wait", "service_level", "asa", "occupancy"):
        est = sim[name]
        assert abs(est.mean[0] - ref[name]) <= est.half_width[0], (name, est.mean[0], est.half_width[0], ref[name])


def test_multiskill_centre_whose_agents_hold_every_skill_reduces_to_erlang_a():
    """Three queues, five groups, every agent holds every skill at one priority: one pool, Erlang A on the
    pooled traffic, and every queue sees the pooled service (routing is FIFO across queues)."""
    calls = np.array([[900.0] * 4, [500.0] * 4, [300.0] * 4])  # per hour, per queue
    agents = np.array([[20] * 4, [15] * 4, [10] * 4, [8] * 4, [10] * 4])  # 63 agents in five groups
    aht, patience, interval = 180.0, 120.0, 3600.0
    c = centre(calls, agents, interval_s=interval, aht_s=aht, patience_s=patience, warmup_s=3600.0)
    batch = run(c, 200, 5, workers=1)
    traffic = calls[:, 0].sum() * aht / interval
    ref = exact(int(agents[:, 0].sum()), traffic, aht, patience, 20.0)
    per_queue = call_measures(batch.calls.sum(axis=2), 0.99)  # [Q]
    pooled = call_measures(batch.calls.sum(axis=(1, 2)), 0.99)
    for name, _ in MEASURES:
        assert abs(pooled[name].mean - ref[name]) <= pooled[name].half_width, (name, pooled[name], ref[name])
        for q in range(3):
            est = per_queue[name]
            assert abs(est.mean[q] - ref[name]) <= est.half_width[q], (name, q, est.mean[q], ref[name])


def test_short_replications_are_not_biased():
    """100 calls per replication: a busy replication has more calls and worse service, so the mean of
    per-replication ratios underestimates P(wait) by ~3 standard errors here; the ratio of sums does not."""
    c = single_queue_centre(100, 1800.0, 180.0, 12, patience_s=300.0)
    sim = simulated(c, 4000, seed=12)
    ref = exact(12, 10.0, 180.0, 300.0, 20.0)
    for name in ("p_wait", "p_abandon", "service_level", "asa", "occupancy"):
        est = sim[name]
        assert abs(est.mean[0] - ref[name]) <= est.half_width[0], (name, est.mean[0], est.half_width[0], ref[name])
