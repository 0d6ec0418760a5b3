"""Erlang C (M/M/N): probability of waiting, service level, average speed of answer, occupancy."""

from __future__ import annotations

import numpy as np

from casashore.queueing.erlang_b import log_erlang_b


def _arrays(*values):
    return np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))


def log_erlang_c(agents: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """``log C(N, A)``, the log probability that a call waits; 0 (certain wait) when N <= A > 0."""
    n, a = _arrays(agents, traffic)
    out = np.zeros(n.shape)  # N <= A: the queue is unstable, every call waits
    out[a == 0] = -np.inf
    stable = (n > a) & (a > 0)
    ns, as_ = n[stable], a[stable]
    log_b = log_erlang_b(ns, as_)
    rho = as_ / ns
    # C = B / (1 - rho (1 - B)): no cancellation, both terms of the denominator are positive.
    out[stable] = log_b - np.log((1.0 - rho) + rho * np.exp(log_b))
    return out


def erlang_c(agents: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """Probability that a call waits (Erlang C) with ``agents`` serving ``traffic`` Erlangs."""
    return np.exp(log_erlang_c(agents, traffic))


def erlang_c_service_level(agents, traffic, aht_s, target_s) -> np.ndarray:
    """Share of offered calls answered within ``target_s`` seconds: ``1 - C exp(-(N - A) t / AHT)``."""
    n, a, aht, t = _arrays(agents, traffic, aht_s, target_s)
    c = erlang_c(n, a)
    stable = n > a
    with np.errstate(invalid="ignore", over="ignore"):
        decay = (n - a) * t / aht
        # (1 - C) + C (1 - e^-x): each term exact, so small service levels keep their digits.
        sl = (1.0 - c) + c * -np.expm1(-decay)
    return np.where(a == 0, 1.0, np.where(stable, sl, 0.0))


def erlang_c_asa(agents, traffic, aht_s) -> np.ndarray:
    """Average speed of answer in seconds, over all calls: ``C AHT / (N - A)``; infinite when N <= A."""
    n, a, aht = _arrays(agents, traffic, aht_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = erlang_c(n, a) * aht / (n - a)
    return np.where(a == 0, 0.0, np.where(n > a, asa, np.inf))


def occupancy(agents, traffic) -> np.ndarray:
    """Share of agent time on calls, ``A / N``, capped at 1 (an overloaded queue keeps agents busy)."""
    n, a = _arrays(agents, traffic)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, np.minimum(a / n, 1.0))
