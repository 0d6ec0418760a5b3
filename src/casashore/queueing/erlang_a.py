"""Erlang A (Palm's M/M/N+M): Erlang C with callers who hang up after an exponential patience.

Notation (Mandelbaum & Zeltyn 2007, "Service engineering in action: the Palm/Erlang-A queue"), with the
patience as the time unit: x = N patience / AHT, y = A patience / AHT, E = Erlang B(N, A) and
S = 1F1(1; x+1; y) = P(x, y) / pois(x; y), the Kummer function that sums the waiting states.

* P(wait) = S E / (1 + (S - 1) E)
* P(answered | wait) = (x / y)(1 - 1/S), so P(abandon) = P(wait) (1 - (x/y)(1 - 1/S))
* the offered wait V of a waiting call has P(V > t) = P(x, y e^-t/patience) / P(x, y), hence
  P(answered within t | wait) = E[e^-V/patience; V <= t] = (x/y) (P(x+1, y) - P(x+1, y e^-t/patience)) / P(x, y)
* mean wait of all callers = P(abandon) x patience (Little's law with abandonment rate N_queue / patience)

Everything is evaluated in log space from the functions of ``special``, so it stays exact at 10^6 Erlangs and
in overload, where a direct sum over the birth-death states underflows.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from casashore.queueing.erlang_b import log_erlang_b
from casashore.queueing.erlang_c import erlang_c, erlang_c_asa, erlang_c_service_level
from casashore.queueing.special import log1mexp, log_gammainc_p, log_gammainc_q, log_poisson_pmf


class ErlangA(NamedTuple):
    """Steady-state measures of an M/M/N+M queue, one array element per case."""

    p_wait: np.ndarray
    """Probability that a call finds every agent busy."""
    p_abandon: np.ndarray
    """Probability that a call hangs up before being answered."""
    service_level: np.ndarray
    """Calls answered within the target over calls offered."""
    asa_all_s: np.ndarray
    """Mean wait of all callers, answered or not, in seconds."""
    occupancy: np.ndarray
    """Share of agent time on calls: carried traffic over agents."""


def _arrays(*values):
    return np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))


def _log_kummer_s(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log S = log 1F1(1; x+1; y), the waiting states summed relative to the state with all agents busy."""
    return log_gammainc_p(x, y) - log_poisson_pmf(x, y)


@numba.vectorize(["float64(float64, float64)"], cache=True)
def _kummer_excess_over_y(x, y):
    """(S - 1) / y = 1/(x+1) (1 + y/(x+2) + y^2/((x+2)(x+3)) + ...), for y <= (x + 1) / 2.

    Light traffic (small y) makes S - 1 ~ y / (x+1) tiny: as a difference of two logs of size x log y it
    would lose every digit, and x / y may overflow (subnormal traffic). The series has neither problem and
    its terms at least halve, so it takes at most ~55 of them.
    """
    term = 1.0 / (x + 1.0)
    total = term
    j = 2.0
    while term > total * 1e-17:
        term *= y / (x + j)
        total += term
        j += 1.0
    return total


def _log_s_and_answered_given_wait(x: np.ndarray, y: np.ndarray):
    """log S and P(answered | wait) = (x/y)(1 - 1/S), from the series in light traffic, else from the gammas."""
    light = y <= 0.5 * (x + 1.0)
    log_s = np.empty(x.shape)
    answered = np.empty(x.shape)
    if light.any():
        xl, yl = x[light], y[light]
        excess = _kummer_excess_over_y(xl, yl)  # (S - 1) / y
        log_s[light] = np.log1p(yl * excess)
        answered[light] = xl * excess / (1.0 + yl * excess)
    heavy = ~light
    if heavy.any():
        xh, yh = x[heavy], y[heavy]  # y > (x + 1) / 2: x / y < 2 cannot overflow and S - 1 is not small
        log_s[heavy] = _log_kummer_s(xh, yh)
        answered[heavy] = (xh / yh) * -np.expm1(-log_s[heavy])
    return log_s, answered


def erlang_a(agents, traffic, aht_s, patience_s, target_s) -> ErlangA:
    """Erlang A measures for ``agents`` on ``traffic`` Erlangs with mean patience ``patience_s`` seconds.

    An infinite patience gives Erlang C. With agents <= traffic the queue stays stable (callers leave), so
    every measure is finite, and a target can be met with fewer agents than Erlangs.
    """
    n, a, aht, pat, t = _arrays(agents, traffic, aht_s, patience_s, target_s)
    shape = n.shape
    n, a, aht, pat, t = (v.ravel() for v in (n, a, aht, pat, t))
    p_wait = np.zeros(n.shape)
    p_ab = np.zeros(n.shape)
    sl = np.ones(n.shape)
    asa_all = np.zeros(n.shape)
    occ = np.zeros(n.shape)

    nobody = (a > 0) & (n == 0)  # every caller waits, and hangs up unless patience is infinite (Erlang C)
    p_wait[nobody], sl[nobody], asa_all[nobody] = 1.0, 0.0, pat[nobody]
    p_ab[nobody] = np.where(np.isinf(pat[nobody]), 0.0, 1.0)  # Erlang C: nobody ever hangs up, they wait on

    patient = (a > 0) & (n > 0) & np.isinf(pat)  # Erlang C
    nc, ac = n[patient], a[patient]
    p_wait[patient] = erlang_c(nc, ac)
    sl[patient] = erlang_c_service_level(nc, ac, aht[patient], t[patient])
    asa_all[patient] = erlang_c_asa(nc, ac, aht[patient])
    occ[patient] = np.minimum(ac / nc, 1.0)

    live = (a > 0) & (n > 0) & np.isfinite(pat)
    nl, al, ahtl, patl, tl = n[live], a[live], aht[live], pat[live], t[live]
    x, y, log_s, pw, p_no_wait, ans_given_wait = _waiting_core(nl, al, ahtl, patl)
    pa = pw * (1.0 - ans_given_wait)
    p_wait[live], p_ab[live] = pw, pa
    sl[live] = p_no_wait + pw * _answered_within_given_wait(x, y, tl / patl)
    asa_all[live] = pa * patl
    # Carried traffic from the answered share itself: 1 - P(abandon) would cancel in deep overload.
    occ[live] = np.minimum(al * (p_no_wait + pw * ans_given_wait) / nl, 1.0)

    def shaped(v):
        return v.reshape(shape)

    return ErlangA(shaped(p_wait), shaped(p_ab), shaped(sl), shaped(asa_all), shaped(occ))


def _waiting_core(n, a, aht, pat):
    """x, y, log S, P(wait), P(no wait), P(answered | wait) for agents > 0, traffic > 0, finite patience."""
    x, y = n * pat / aht, a * pat / aht
    log_e = log_erlang_b(n, a)
    log_s, ans_given_wait = _log_s_and_answered_given_wait(x, y)
    log_den = np.logaddexp(log1mexp(log_e), log_s + log_e)  # 1 - E + S E
    p_wait = np.exp(log_s + log_e - log_den)
    p_no_wait = np.exp(log1mexp(log_e) - log_den)
    return x, y, log_s, p_wait, p_no_wait, ans_given_wait


def _answered_within_given_wait(x, y, t_over_patience) -> np.ndarray:
    """(x/y) (P(x+1, y) - P(x+1, z)) / P(x, y) with z = y e^-t, the difference taken on the small side."""
    z = y * np.exp(-t_over_patience)
    upper = z >= x + 1.0  # both points in the upper tail: difference of Q, else difference of P
    log_diff = np.empty(x.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        if upper.any():
            xu, yu, zu = x[upper] + 1.0, y[upper], z[upper]
            log_qz = log_gammainc_q(xu, zu)
            log_diff[upper] = log_qz + log1mexp(log_gammainc_q(xu, yu) - log_qz)
        if (~upper).any():
            xl, yl, zl = x[~upper] + 1.0, y[~upper], z[~upper]
            log_py = log_gammainc_p(xl, yl)
            log_diff[~upper] = log_py + log1mexp(log_gammainc_p(xl, zl) - log_py)
        value = np.exp(np.log(x) - np.log(y) + log_diff - log_gammainc_p(x, y))  # x / y overflows at tiny y
    return np.where(t_over_patience > 0, value, 0.0)


def answered_within_given_wait(x, y, t_over_patience) -> np.ndarray:
    """P(answered within t | wait) of a line served at a total rate x / patience, offered y / patience, whose
    waiting callers each hang up at rate 1 / patience (Erlang A's waiting part, arrays of x > 0, y > 0). Any
    birth-death queue whose departures with everyone busy run at a constant total rate has this waiting part:
    queueing/chat.py uses it for chat, whose total rate is that of every session slot busy."""
    return _answered_within_given_wait(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in
                                         np.broadcast_arrays(x, y, t_over_patience)))


def erlang_a_asa(agents, traffic, aht_s, patience_s) -> np.ndarray:
    """Average speed of answer (mean wait of answered calls) in seconds for M/M/N+M.

    E[V e^-V/patience | wait] has no closed form: it is integrated over the offered-wait density
    (x/S) exp(y (1 - e^-s) - x s), s = V/patience, by Gauss-Legendre panels around its mode.
    """
    n, a, aht, pat = _arrays(agents, traffic, aht_s, patience_s)
    shape = n.shape
    n, a, aht, pat = (v.ravel() for v in (n, a, aht, pat))
    out = np.zeros(n.shape)
    out[(a > 0) & (n == 0)] = np.nan  # nobody is answered
    patient = (a > 0) & (n > 0) & np.isinf(pat)
    out[patient] = erlang_c_asa(n[patient], a[patient], aht[patient])
    live = (a > 0) & (n > 0) & np.isfinite(pat)
    x, y, log_s, p_wait, p_no_wait, ans_given_wait = _waiting_core(n[live], a[live], aht[live], pat[live])
    log_integral = _log_wait_integral(x, y, _GL_NODES, _GL_WEIGHTS)
    wait_answered = np.exp(np.log(x) - log_s + log_integral) * pat[live]  # E[V e^-V/pat | wait], seconds
    out[live] = p_wait * wait_answered / (p_no_wait + p_wait * ans_given_wait)  # over P(answered)
    return out.reshape(shape)


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)


@numba.njit(cache=True)
def _log_integrand(s, x, y):
    return math.log(s) - y * math.expm1(-s) - (x + 1.0) * s


@numba.njit(cache=True)
def _log_wait_integral_one(x, y, nodes, weights):
    """log of the integral over s > 0 of s exp(y (1 - e^-s) - (x + 1) s), a log-concave integrand."""
    # Mode: root of h'(s) = 1/s + y e^-s - (x + 1), decreasing from +inf to -(x + 1).
    lo, hi = 0.0, 1.0
    while 1.0 / hi + y * math.exp(-hi) - (x + 1.0) > 0.0:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if 1.0 / mid + y * math.exp(-mid) - (x + 1.0) > 0.0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * hi:
            break
    mode = 0.5 * (lo + hi)
    h_max = _log_integrand(mode, x, y)
    width = 1.0 / math.sqrt(y * math.exp(-mode) + 1.0 / (mode * mode))
    # Window where the integrand is within e^-60 of its peak (log-concave: one crossing per side).
    left = width
    while mode - left > 0.0 and _log_integrand(mode - left, x, y) > h_max - 60.0:
        left *= 2.0
    left = min(left, mode)
    right = width
    while _log_integrand(mode + right, x, y) > h_max - 60.0:
        right *= 2.0
    total = 0.0
    panels = 24
    for side in range(2):
        a0 = mode - left if side == 0 else mode
        span = left if side == 0 else right
        step = span / panels
        for p in range(panels):
            c = a0 + (p + 0.5) * step
            for k in range(nodes.size):
                s = c + 0.5 * step * nodes[k]
                if s > 0.0:
                    total += 0.5 * step * weights[k] * math.exp(_log_integrand(s, x, y) - h_max)
    return h_max + math.log(total)


@numba.njit(cache=True)
def _log_wait_integral(x, y, nodes, weights):
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = _log_wait_integral_one(x[i], y[i], nodes, weights)
    return out
