"""Erlang C (M/M/N): probability of waiting, service level, average speed of answer, occupancy.

Each measure is a compiled scalar kernel wrapped as a numpy ufunc: about a microsecond per evaluation, and
arrays (a week of intervals) broadcast in one call.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from casashore.queueing.erlang_b import log_erlang_b_one


@numba.njit(cache=True)
def log_erlang_c_one(n, a):
    """``log C(N, A)``, the log probability that a call waits; 0 (certain wait) when N <= A > 0."""
    if a == 0.0:
        return -math.inf
    if n <= a:
        return 0.0  # unstable queue: every call waits
    log_b = log_erlang_b_one(n, a)
    rho = a / n
    # C = B / (1 - rho (1 - B)): no cancellation, both terms of the denominator are positive.
    return log_b - math.log((1.0 - rho) + rho * math.exp(log_b))


@numba.njit(cache=True)
def erlang_c_service_level_one(n, a, aht_s, target_s):
    if a == 0.0:
        return 1.0
    if n <= a:
        return 0.0
    c = math.exp(log_erlang_c_one(n, a))
    # (1 - C) + C (1 - e^-x): each term exact, so small service levels keep their digits.
    return (1.0 - c) + c * -math.expm1(-(n - a) * target_s / aht_s)


@numba.njit(cache=True)
def erlang_c_asa_one(n, a, aht_s):
    if a == 0.0:
        return 0.0
    if n <= a:
        return math.inf
    return math.exp(log_erlang_c_one(n, a)) * aht_s / (n - a)


@numba.njit(cache=True)
def occupancy_one(n, a):
    if a == 0.0:
        return 0.0
    return min(a / n, 1.0)


_F2 = ["float64(float64, float64)"]
log_erlang_c = numba.vectorize(_F2, cache=True)(log_erlang_c_one)
erlang_c_service_level = numba.vectorize(["float64(float64, float64, float64, float64)"], cache=True)(
    erlang_c_service_level_one)
erlang_c_asa = numba.vectorize(["float64(float64, float64, float64)"], cache=True)(erlang_c_asa_one)
occupancy = numba.vectorize(_F2, cache=True)(occupancy_one)


def erlang_c(agents, traffic):
    """Probability that a call waits (Erlang C) with ``agents`` serving ``traffic`` Erlangs."""
    return np.exp(log_erlang_c(agents, traffic))


erlang_c_service_level.__doc__ = ("Share of offered calls answered within target_s seconds, "
                                  "1 - C exp(-(N - A) t / AHT): erlang_c_service_level(agents, traffic, aht_s, "
                                  "target_s).")
erlang_c_asa.__doc__ = ("Average speed of answer in seconds over all calls, C AHT / (N - A), infinite when N <= A: "
                        "erlang_c_asa(agents, traffic, aht_s).")
occupancy.__doc__ = "Share of agent time on calls, A / N, capped at 1: occupancy(agents, traffic)."


@numba.njit(cache=True)
def _meets_c(n, a, b, aht_s, target_s, service_level, asa_s, max_occupancy, tolerance):
    """Erlang C targets at n agents, from B(n) already known; NaN targets are absent."""
    rho = a / n
    c = b / ((1.0 - rho) + rho * b)
    if service_level == service_level:
        sl = (1.0 - c) + c * -math.expm1(-(n - a) * target_s / aht_s)
        if sl < service_level * (1.0 - tolerance):
            return False
    if asa_s == asa_s and c * aht_s / (n - a) > asa_s * (1.0 + tolerance):
        return False
    if max_occupancy == max_occupancy and rho > max_occupancy * (1.0 + tolerance):
        return False
    return True


@numba.njit(cache=True)
def fewest_agents_erlang_c_one(a, aht_s, target_s, service_level, asa_s, max_occupancy, tolerance):
    """Fewest agents meeting the given Erlang C targets (NaN = absent), stepping Erlang B's recursion.

    One log-space evaluation at the first stable staffing (or the occupancy bound), then
    B(n+1) = A B(n) / (n + 1 + A B(n)) per extra agent: a few flops each, and the recursion is stable upward.
    """
    if a == 0.0:
        return 0.0
    n = math.floor(a) + 1.0
    if max_occupancy == max_occupancy:
        n = max(n, math.ceil(a / max_occupancy * (1.0 - tolerance)))
    b = math.exp(log_erlang_b_one(n, a))
    while not _meets_c(n, a, b, aht_s, target_s, service_level, asa_s, max_occupancy, tolerance):
        n += 1.0
        b = a * b / (n + a * b)
    return n


fewest_agents_erlang_c = numba.vectorize(
    ["float64(float64, float64, float64, float64, float64, float64, float64)"], cache=True)(
    fewest_agents_erlang_c_one)
