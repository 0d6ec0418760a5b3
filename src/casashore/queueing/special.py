"""Log-space Poisson and incomplete-gamma functions, accurate from 0 to 10^6 and beyond.

Every Erlang formula is a ratio of Poisson terms or incomplete gamma functions. Computed naively they cancel
(``k*log(lam) - lgamma(k+1)`` loses nine digits at 10^6) or underflow (``exp(-5000)``). Here:

* the Poisson term uses Loader's saddle-point form (``stirlerr`` and ``bd0``), exact to a few ulps at any size;
* the regularised incomplete gammas come from scipy where it is exact (small shapes, and Temme's uniform
  expansion near the transition), and from a Kummer series or Legendre's continued fraction summed in log
  space (numba-compiled) elsewhere: in the far tails where scipy underflows, and for large shapes where scipy's
  truncated series loses accuracy. Those sums take O(sqrt(a)) terms at worst, a few microseconds at 10^6.

All functions are numpy ufunc-like: they broadcast their arguments and return float64 arrays.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy import special

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
# scipy values below this are near underflow and lose relative accuracy: switch to the log-space kernels.
_TINY = 1e-280


def stirlerr(n: np.ndarray) -> np.ndarray:
    """``log(n!) - log(sqrt(2 pi n) (n/e)^n)`` for real n > 0, the error of Stirling's formula."""
    n = np.asarray(n, dtype=float)
    out = np.empty_like(n)
    small = n < 15.0
    ns = n[small]
    out[small] = special.gammaln(ns + 1.0) - (ns + 0.5) * np.log(ns) + ns - _LOG_SQRT_2PI
    nb = n[~small]
    nn = nb * nb
    # Asymptotic series: five terms are exact to double precision from n = 15 on.
    out[~small] = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - (1 / 1188) / nn) / nn) / nn) / nn) / nb
    return out


def bd0(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``x log(x/m) + m - x`` without the cancellation of the naive form (Loader 2000)."""
    x, m = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(m, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (x - m) / m
        # log1p keeps the digits when x is near m; far from it (x << m) u rounds to -1 and log x/m is exact.
        out = np.where(np.abs(u) < 0.5, x * np.log1p(u), x * np.log(x / m)) - (x - m)
    return out


def log_poisson_pmf(k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``log(lam^k e^-lam / Gamma(k+1))`` for real k >= 0 and lam >= 0 (the Poisson pmf extended to real k)."""
    k, lam = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(lam, dtype=float))
    out = np.empty(k.shape)
    k0 = k == 0
    out[k0] = -lam[k0]
    zero_lam = (lam == 0) & ~k0
    out[zero_lam] = -np.inf
    rest = ~k0 & ~zero_lam
    kr, lr = k[rest], lam[rest]
    out[rest] = -stirlerr(kr) - bd0(kr, lr) - _LOG_SQRT_2PI - 0.5 * np.log(kr)
    return out


@numba.vectorize(["float64(float64, float64)"], cache=True)
def _log_kummer_series(a, x):
    """log of sum_j x^j / ((a+1)(a+2)...(a+j)) = 1F1(1; a+1; x); converges when x < a + 1."""
    term = 1.0
    total = 1.0
    j = 1.0
    while True:
        term *= x / (a + j)
        total += term
        if term < total * 1e-17:
            break
        j += 1.0
    return math.log(total)


@numba.vectorize(["float64(float64, float64)"], cache=True)
def _log_legendre_cf(a, x):
    """log of Legendre's continued fraction with Q(a, x) = x^a e^-x / Gamma(a) * CF, for x > a (Lentz)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    i = 1.0
    while i < 100000.0:
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
        i += 1.0
    return math.log(h)


def _scipy_is_exact(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Where scipy's incomplete gamma is accurate to ~1e-12: small a, or Temme's expansion window.

    For a > 200 and |x - a| > 4.5 sqrt(a), scipy falls back to a series or continued fraction truncated at
    2,000 terms: measured here, 1e-5 relative error at a = 10^6 and 4 % at 10^7. There we sum our own.
    """
    return (a <= 200.0) | (np.abs(x - a) < 4.4 * np.sqrt(a))


def _log_p_own(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log P(a, x) from the Kummer series (x < a) or one minus Legendre's fraction (x >= a)."""
    out = np.empty(a.shape)
    lower = x < a
    al, xl = a[lower], x[lower]
    out[lower] = log_poisson_pmf(al, xl) + _log_kummer_series(al, xl)
    au, xu = a[~lower], x[~lower]
    out[~lower] = log1mexp(log_poisson_pmf(au, xu) + np.log(au) + _log_legendre_cf(au, xu))
    return out


def _log_q_own(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log Q(a, x) from Legendre's fraction (x > a) or one minus the Kummer series (x <= a)."""
    out = np.empty(a.shape)
    upper = x > a
    au, xu = a[upper], x[upper]
    out[upper] = log_poisson_pmf(au, xu) + np.log(au) + _log_legendre_cf(au, xu)
    al, xl = a[~upper], x[~upper]
    out[~upper] = log1mexp(log_poisson_pmf(al, xl) + _log_kummer_series(al, xl))
    return out


def _log_gammainc(a, x, scipy_fn, own_fn) -> np.ndarray:
    a, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(x, dtype=float))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    value = scipy_fn(a, x)
    with np.errstate(divide="ignore"):
        out = np.log(value)
    # Our own sums where scipy is inexact (large a, off the expansion window) or near underflow.
    own = (~_scipy_is_exact(a, x) | (value < _TINY)) & (x > 0) & np.isfinite(x) & (a > 0)
    if own.any():
        out[own] = own_fn(a[own], x[own])
    return out.reshape(shape)


def log_gammainc_p(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log P(a, x)``: the regularised lower incomplete gamma in log space, a > 0, x >= 0."""
    return _log_gammainc(a, x, special.gammainc, _log_p_own)


def log_gammainc_q(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log Q(a, x)``: the regularised upper incomplete gamma in log space, a > 0, x >= 0."""
    return _log_gammainc(a, x, special.gammaincc, _log_q_own)


def log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for x <= 0, accurate near 0 and far below it (Maechler 2012)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))
