"""Erlang B (M/M/N/N): the blocking probability of a loss system, and its two inverses."""

from __future__ import annotations

import math

import numba
import numpy as np

from casashore.queueing.domain import check, check_servers, check_traffic
from casashore.queueing.search import TOLERANCE, fewest_meeting
from casashore.queueing.special import log_gammainc_q_one, log_poisson_pmf_one


@numba.njit(cache=True)
def log_erlang_b_one(n, a):
    """``log B(N, A)`` = log P(X = N) - log P(X <= N) for X ~ Poisson(A), exact at any size."""
    if a == 0.0:
        return -math.inf  # no traffic, nothing blocked, even with no servers
    if n == 0.0:
        return 0.0  # B(0, A) = 1, where the recursion starts
    return log_poisson_pmf_one(n, a) - log_gammainc_q_one(n + 1.0, a)


log_erlang_b = numba.vectorize(["float64(float64, float64)"], cache=True)(log_erlang_b_one)
log_erlang_b.__doc__ = """``log B(N, A)``: servers N (whole, >= 0), traffic A in Erlangs (>= 0, fractional is exact)."""


def erlang_b(servers: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """Blocking probability of ``servers`` lines offered ``traffic`` Erlangs (Erlang's loss formula)."""
    check_servers(servers)
    check_traffic(traffic)
    return np.exp(log_erlang_b(servers, traffic))


def erlang_b_servers(traffic: np.ndarray, blocking: np.ndarray) -> np.ndarray:
    """Fewest servers whose blocking is at most ``blocking`` (0 < blocking <= 1) for ``traffic`` Erlangs."""
    a, b = np.broadcast_arrays(np.asarray(traffic, dtype=float), np.asarray(blocking, dtype=float))
    check_traffic(a)
    check("blocking", b, low_open=True, high=1.0, what="a blocking probability")
    log_target = np.log(b) + TOLERANCE
    guess = np.ceil(a + 3.0 * np.sqrt(a) + 1.0)
    return fewest_meeting(np.zeros(a.shape), guess, lambda n: log_erlang_b(n, a) <= log_target)


def erlang_b_traffic(servers: np.ndarray, blocking: np.ndarray) -> np.ndarray:
    """Traffic (Erlangs) that ``servers`` lines carry at exactly ``blocking`` (0 < blocking < 1)."""
    n, b = np.broadcast_arrays(np.asarray(servers, dtype=float), np.asarray(blocking, dtype=float))
    check_servers(n)
    check("blocking", b, low_open=True, high=1.0, what="a blocking probability")
    log_target = np.log(b)
    # B rises with A: bisect on A between 0 and N / (1 - b), where B(N, A) >= 1 - N/A exceeds b.
    lo = np.zeros(n.shape)
    hi = np.where(b < 1.0, (n + 1.0) / (1.0 - b), np.inf) + 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        above = log_erlang_b(n, mid) > log_target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
        if np.all(hi - lo <= 4e-16 * hi):
            break
    return np.where(n > 0, 0.5 * (lo + hi), 0.0)
