"""Random durations for the engine: handle times and patience, drawn inside compiled code.

A distribution is three numbers and an optional slice of a flat array of observed values: ``kind``, ``mean_s``,
``cv`` (standard deviation over mean) and, for an empirical law, ``offset``/``length`` into ``observed_s``.
Lognormal and gamma are parameterised by mean and cv because that is what a planner knows from history.
"""

from __future__ import annotations

import math

import numba

EXPONENTIAL = 0
LOGNORMAL = 1
GAMMA = 2
EMPIRICAL = 3
NEVER = 4
"""Patience 'none': the caller never hangs up."""

KINDS = {"exponential": EXPONENTIAL, "lognormal": LOGNORMAL, "gamma": GAMMA, "empirical": EMPIRICAL,
         "none": NEVER}


@numba.njit(cache=True, inline="always")
def draw_s(rng, kind, mean_s, cv, observed_s, offset, length):
    """One duration in seconds from the law described by ``kind``, ``mean_s``, ``cv`` and the observed slice."""
    if kind == EXPONENTIAL:
        return rng.exponential(mean_s)
    if kind == LOGNORMAL:
        sigma2 = math.log1p(cv * cv)
        return rng.lognormal(math.log(mean_s) - 0.5 * sigma2, math.sqrt(sigma2))
    if kind == GAMMA:
        return rng.gamma(1.0 / (cv * cv), mean_s * cv * cv)
    if kind == EMPIRICAL:
        return observed_s[offset + int(rng.random() * length)]
    return math.inf
