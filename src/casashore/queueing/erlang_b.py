"""Erlang B (M/M/N/N): the blocking probability of a loss system, and its two inverses."""

from __future__ import annotations

import numpy as np

from casashore.queueing.search import TOLERANCE, fewest_meeting
from casashore.queueing.special import log_gammainc_q, log_poisson_pmf


def log_erlang_b(servers: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """``log B(N, A)`` = log P(X = N) - log P(X <= N) for X ~ Poisson(A), exact at any size.

    ``servers`` are whole numbers >= 0 and ``traffic`` is in Erlangs >= 0 (fractional traffic is exact).
    """
    n, a = np.broadcast_arrays(np.asarray(servers, dtype=float), np.asarray(traffic, dtype=float))
    out = np.zeros(n.shape)  # B(0, A) = 1 for A > 0, as the recursion starts
    out[a == 0] = -np.inf  # no traffic, nothing blocked, even with no servers
    live = (a > 0) & (n > 0)
    nl, al = n[live], a[live]
    out[live] = log_poisson_pmf(nl, al) - log_gammainc_q(nl + 1.0, al)
    return out


def erlang_b(servers: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """Blocking probability of ``servers`` lines offered ``traffic`` Erlangs (Erlang's loss formula)."""
    return np.exp(log_erlang_b(servers, traffic))


def erlang_b_servers(traffic: np.ndarray, blocking: np.ndarray) -> np.ndarray:
    """Fewest servers whose blocking is at most ``blocking`` (0 < blocking <= 1) for ``traffic`` Erlangs."""
    a, b = np.broadcast_arrays(np.asarray(traffic, dtype=float), np.asarray(blocking, dtype=float))
    log_target = np.log(b) + TOLERANCE
    guess = np.ceil(a + 3.0 * np.sqrt(a) + 1.0)
    return fewest_meeting(np.zeros(a.shape), guess, lambda n: log_erlang_b(n, a) <= log_target)


def erlang_b_traffic(servers: np.ndarray, blocking: np.ndarray) -> np.ndarray:
    """Traffic (Erlangs) that ``servers`` lines carry at exactly ``blocking`` (0 < blocking < 1)."""
    n, b = np.broadcast_arrays(np.asarray(servers, dtype=float), np.asarray(blocking, dtype=float))
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
