"""Independent high-precision references (mpmath) for the queueing formulas.

They follow the textbook definitions, not our formulas: Erlang B by its recursion, Erlang A by the stationary
distribution of the birth-death chain, and the wait of a caller with j others ahead as a hypoexponential sum of
the rates N/AHT + i/patience (i = 0..j), racing the caller's own exponential patience. O(N) and slow on
purpose: they are for tests, at a handful of points.
"""

from __future__ import annotations

import mpmath as mp


def erlang_b(servers: int, traffic: float, dps: int = 30):
    """Erlang B by the recursion 1/B(n) = 1 + n / (A B(n-1)), B(0) = 1."""
    with mp.workdps(dps):
        a = mp.mpf(traffic)
        inv = mp.mpf(1)
        for n in range(1, servers + 1):
            inv = 1 + n * inv / a
        return 1 / inv


def erlang_c(agents: int, traffic: float, dps: int = 30):
    """Erlang C from the M/M/N stationary distribution: P(N or more in system)."""
    with mp.workdps(dps):
        a = mp.mpf(traffic)
        if agents <= a:
            return mp.mpf(1)
        b = erlang_b(agents, traffic, dps)
        return agents * b / (agents - a * (1 - b))


def erlang_a(agents: int, traffic: float, aht_s: float, patience_s: float, target_s: float, dps: int = 40):
    """(p_wait, p_abandon, service_level, asa_answered_s, asa_all_s) of M/M/N+M from the birth-death chain."""
    with mp.workdps(dps):
        a, aht, pat, t = (mp.mpf(v) for v in (traffic, aht_s, patience_s, target_s))
        lam, mu, theta = a / aht, 1 / aht, 1 / pat
        # Unnormalised stationary probabilities, relative to state N (all agents busy, nobody waiting).
        below = mp.mpf(0)  # sum of p_k / p_N for k < N
        ratio = mp.mpf(1)
        for k in range(agents, 0, -1):
            ratio = ratio * k * mu / lam  # p_{k-1} / p_N
            below += ratio
        queue = [mp.mpf(1)]  # p_{N+j} / p_N
        while queue[-1] > mp.mpf(10) ** (-dps) * sum(queue) or len(queue) < 5:
            j = len(queue)
            queue.append(queue[-1] * lam / (agents * mu + j * theta))
        total = below + sum(queue)
        p_wait = sum(queue) / total
        p_ab = theta * sum(j * q for j, q in enumerate(queue)) / total / lam
        served_within, served_wait = mp.mpf(0), mp.mpf(0)
        for j, q in enumerate(queue):
            within, wait = _served_within_and_wait(agents * mu, theta, j, t)
            served_within += q * within
            served_wait += q * wait
        sl = (below + served_within) / total
        asa_answered = (served_wait / total) / (1 - p_ab)
        return p_wait, p_ab, sl, asa_answered, p_ab * pat


def _served_within_and_wait(service_rate, theta, ahead, t):
    """For a caller with ``ahead`` callers before it: P(answered by t) and E[wait; answered].

    The offered wait is hypoexponential with rates r_i = service_rate + i theta (i = 0..ahead), whose density
    is sum_i c_i r_i e^{-r_i v} with c_i = prod_{k != i} r_k / (r_k - r_i); the caller is answered if its own
    Exp(theta) patience outlasts that wait.
    """
    rates = [service_rate + i * theta for i in range(ahead + 1)]
    within, wait = mp.mpf(0), mp.mpf(0)
    for i, r in enumerate(rates):
        c = mp.mpf(1)
        for k, rk in enumerate(rates):
            if k != i:
                c *= rk / (rk - r)
        within += c * r * (1 - mp.exp(-(r + theta) * t)) / (r + theta)
        wait += c * r / (r + theta) ** 2
    return within, wait


def erlang_a_by_quadrature(agents: int, traffic: float, aht_s: float, patience_s: float, target_s: float,
                           dps: int = 30):
    """(p_wait, p_abandon, service_level) of M/M/N+M for queues too long for the hypoexponential sum.

    P(wait) and P(abandon) from the birth-death chain; the service level integrates, at ``dps`` digits, the
    law of the offered wait V of a waiting caller, P(V > v) = P(x, y e^-theta v) / P(x, y) with
    x = N mu / theta and y = lambda / theta: answered within t is E[e^-theta V; V <= t].
    """
    with mp.workdps(dps):
        lam, mu, theta = mp.mpf(traffic) / aht_s, 1 / mp.mpf(aht_s), 1 / mp.mpf(patience_s)
        below, ratio = mp.mpf(0), mp.mpf(1)
        for k in range(agents, 0, -1):
            ratio = ratio * k * mu / lam
            below += ratio
        queue = [mp.mpf(1)]
        while queue[-1] > mp.mpf(10) ** -dps * sum(queue):
            queue.append(queue[-1] * lam / (agents * mu + len(queue) * theta))
        total = below + sum(queue)
        p_wait = sum(queue) / total
        p_ab = theta * sum(j * q for j, q in enumerate(queue)) / total / lam
        x, y = agents * mu / theta, lam / theta
        normaliser = mp.gammainc(x, 0, y)

        def answered_density(v):
            z = y * mp.exp(-theta * v)
            return mp.exp(-theta * v) * theta * z ** x * mp.exp(-z) / normaliser

        within = mp.quad(answered_density, [0, target_s / 4, target_s / 2, target_s])
        return p_wait, p_ab, (1 - p_wait) + p_wait * within


def chat_chain(agents: int, rate_per_s: float, aht_s: float, max_sessions: int, concurrency: float,
               target_s: float, patience_s: float | None = None, dps: int = 30, tail: int = 700):
    """(p_wait, service_level, mean_wait_s, p_abandon, occupancy, sessions_per_agent) of the chat chain of
    queueing/chat.py, from its definition: each agent's load listed one by one (the even spread), the chain's
    products in high precision, the waiting states summed term by term up to ``tail`` of them, and, without
    patience, the service level as the Erlang (gamma) law of the departures a waiting session needs."""
    with mp.workdps(dps):
        n, k = agents, max_sessions
        lam, aht, c, t = (mp.mpf(v) for v in (rate_per_s, aht_s, concurrency, target_s))

        def total_rate(s):
            loads = [s // n + (1 if a < s % n else 0) for a in range(n)]
            return sum((m / (aht * (1 + c * (m - 1))) for m in loads if m > 0), mp.mpf(0))

        weights = [mp.mpf(1)]
        for s in range(1, n * k + 1):
            weights.append(weights[-1] * lam / total_rate(s))
        mu_max = total_rate(n * k)
        theta = mp.mpf(0) if patience_s is None else 1 / mp.mpf(patience_s)
        for i in range(1, tail + 1):
            weights.append(weights[-1] * lam / (mu_max + i * theta))
        total = mp.fsum(weights)
        p = [w / total for w in weights]
        full = n * k
        p_wait = mp.fsum(p[full:])
        queue_len = mp.fsum((j - full) * p[j] for j in range(full + 1, len(p)))
        busy = mp.fsum(min(j, n) * p[j] for j in range(len(p)))
        held = mp.fsum(min(j, full) * p[j] for j in range(len(p)))
        if patience_s is None:
            # a session arriving with j >= N k present waits for j - N k + 1 departures at rate mu_max
            late = mp.fsum(p[j] * mp.gammainc(j - full + 1, mu_max * t, mp.inf, regularized=True)
                           for j in range(full, len(p)))
            service_level = 1 - late
        else:
            service_level = None
        return (p_wait, service_level, queue_len / lam, queue_len * theta / lam, busy / n, held / n)
