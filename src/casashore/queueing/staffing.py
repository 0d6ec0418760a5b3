"""Staffing: the fewest agents meeting service targets, and the measures a planner reads for a staffing.

Erlang C is used when the patience is infinite, Erlang A otherwise. Every search is vectorised over
intervals (a week of 672 is one call) and exact: it returns the smallest whole number of agents for which each
given target holds, so one agent fewer misses at least one of them.
"""

from __future__ import annotations

import numpy as np

from casashore.queueing.domain import check_durations, check_servers, check_traffic
from casashore.queueing.erlang_a import erlang_a, erlang_a_asa
from casashore.queueing.erlang_c import fewest_agents_erlang_c
from casashore.queueing.search import TOLERANCE, fewest_meeting


def traffic_erlangs(calls, interval_s, aht_s) -> np.ndarray:
    """Offered traffic in Erlangs: calls per interval times handle time over interval length."""
    calls, interval, aht = (np.asarray(v, dtype=float) for v in (calls, interval_s, aht_s))
    return calls * aht / interval


def queue_measures(agents, traffic, aht_s, target_s, patience_s=np.inf) -> dict[str, np.ndarray]:
    """Measures of a queue staffed with ``agents``: Erlang C, or Erlang A when ``patience_s`` is finite.

    Keys: ``p_wait``, ``service_level`` (answered within ``target_s`` over offered), ``asa_s`` (mean wait of
    answered calls), ``asa_all_s`` (mean wait of all callers), ``occupancy``, ``p_abandon``.
    """
    n, a, aht, t, pat = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                              (agents, traffic, aht_s, target_s, patience_s)))
    check_servers(n, "agents")
    check_traffic(a)
    check_durations(aht, t, pat)
    ea = erlang_a(n, a, aht, pat, t)
    return {
        "p_wait": ea.p_wait,
        "service_level": ea.service_level,
        "asa_s": erlang_a_asa(n, a, aht, pat),
        "asa_all_s": ea.asa_all_s,
        "occupancy": ea.occupancy,
        "p_abandon": ea.p_abandon,
    }


def required_agents(
    traffic,
    aht_s,
    *,
    target_s=20.0,
    service_level=None,
    asa_s=None,
    max_abandon=None,
    max_occupancy=None,
    patience_s=np.inf,
) -> np.ndarray:
    """Fewest agents meeting every target given (the others are ignored), element by element.

    Each target is a scalar or an array with NaN where an element has no such target.
    ``service_level``: share of offered calls answered within ``target_s`` (0 <= share < 1).
    ``asa_s``: the highest acceptable average speed of answer of answered calls, seconds.
    ``max_abandon``: the highest acceptable share of callers who hang up (needs a finite patience).
    ``max_occupancy``: the highest acceptable share of agent time on calls.
    A zero-volume interval needs 0 agents. Without abandonment (infinite patience) the queue must be stable,
    so the answer exceeds the traffic; with abandonment it may be below it.
    """
    a, aht, t, pat = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (traffic, aht_s, target_s,
                                                                                  patience_s)))
    check_traffic(a)
    check_durations(aht, t, pat)
    patient = np.isinf(pat)
    if patient.all() and max_abandon is None:
        # Erlang C everywhere: the compiled recursion-stepping kernel, a few flops per extra agent.
        def target(v):
            return np.nan if v is None else v

        return fewest_agents_erlang_c(a, aht, t, target(service_level), target(asa_s), target(max_occupancy),
                                      TOLERANCE).astype(np.int64)
    lower = np.where(patient & (a > 0), np.floor(a) + 1.0, 0.0)
    guess = np.ceil(a + 2.0 * np.sqrt(a) + 2.0)

    # (limit, measure from the Erlang A measures at n, True if the measure must stay at or below the limit)
    checks = [
        (service_level, lambda n, m: m.service_level, False),
        (asa_s, lambda n, m: erlang_a_asa(n, a, aht, pat), True),
        (max_abandon, lambda n, m: m.p_abandon, True),
        (max_occupancy, lambda n, m: m.occupancy, True),
    ]
    needs_measures = any(limit is not None for limit in (service_level, max_abandon, max_occupancy))

    def meets(n: np.ndarray) -> np.ndarray:
        # One Erlang A evaluation per candidate serves every target (it is Erlang C where patience is infinite).
        measures = erlang_a(n, a, aht, pat, t) if needs_measures else None
        ok = np.ones(n.shape, dtype=bool)
        for limit, measure, upper in checks:
            if limit is None:
                continue
            value = measure(n, measures)
            limit = np.broadcast_to(np.asarray(limit, dtype=float), n.shape)
            good = value <= limit * (1 + TOLERANCE) if upper else value >= limit * (1 - TOLERANCE)
            ok &= good | np.isnan(limit)  # NaN: no such target for this element
        return ok | (a == 0)

    return fewest_meeting(lower, np.maximum(guess, lower), meets)


def agents_with_shrinkage(agents, shrinkage) -> np.ndarray:
    """Agents to schedule so that ``agents`` are on the phones when a share ``shrinkage`` is away.

    Breaks, training, absence: 14 agents at 30 % shrinkage need ceil(14 / 0.7) = 20 on the roster.
    """
    n, s = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(shrinkage, dtype=float))
    # Round first: 14 / 0.7 is 20.000000000000004 in floating point, and 20 is the answer.
    return np.ceil(np.round(n / (1.0 - s), 9)).astype(np.int64)


__all__ = ["traffic_erlangs", "queue_measures", "required_agents", "agents_with_shrinkage"]
