"""The rest of a day's forecast updated from the calls seen so far that day: a level update of the day-ahead
profile, shrunk toward the day-ahead forecast by how much has been seen (Weinberg, Brown & Stroud 2007's idea).

The day's calls per interval are Poisson with mean ``level * f_i`` (``f_i``: the day-ahead forecast), the day's
level Gamma(a, a) a priori (mean 1: the day-ahead forecast is unbiased; ``a``, the prior's strength, from the
history's day-to-day dispersion around a day-ahead forecast). Seeing ``S`` calls where ``E`` were expected makes
the level Gamma(a + S, a + E) (the conjugate update), so the rest of the day is ``f_i (a + S) / (a + E)``: the
day-ahead forecast when little has been seen (E << a), the ratio seen / expected when much has.

The level also drifts within a day: the morning's last hours say more about the afternoon than its first. The
seen calls and the expected ones are therefore weighted by their age, halved every ``half_life_h`` hours
before the as-of time (the power discount of West & Harrison's dynamic Poisson models: an interval's evidence
counts less the older it is); the half-life is the one that predicted the history's own days best. With an
infinite half-life the update is the plain Gamma-Poisson one.

The band of each interval is the posterior predictive: negative binomial with ``n = a + S`` and
``p = (a + E) / (a + E + f_i)`` (a Poisson whose mean is Gamma-distributed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import nbinom

HALF_LIVES_H = (0.5, 1.0, 2.0, 4.0, 8.0, math.inf)
"""The half-lives the history chooses among (hours); infinity is the undiscounted update."""
HISTORY_DAYS = 56
"""Days of history (before the day) the prior is estimated on: eight weeks, recent enough to be today's regime."""
MIN_DAYS = 5
"""Fewer open days than this in the history: the default prior below instead of an estimate."""
DEFAULT_PRIOR = (100.0, math.inf)
"""The prior without enough history: a day-level standard deviation of 10 % (1 / sqrt(100)), no discount."""
MAX_SHAPE = 1e6
"""A history whose days vary no more than Poisson noise: the day-ahead level held almost fixed."""
CHECK_POINTS = (0.25, 0.5, 0.75)
"""Where in a history day the half-lives are tried: when a quarter, half and three quarters of its calls were
expected."""


@dataclass(frozen=True)
class LevelPrior:
    shape: float
    """a: the Gamma prior's shape and rate (its mean is 1, its variance 1 / a)"""
    half_life_h: float
    """hours after which a seen interval's weight is halved (math.inf: no discount)"""


@dataclass(frozen=True)
class Update:
    """The rest of one day: the posterior level and each interval's updated forecast with its band."""

    seen: float
    """calls seen before the as-of time (undiscounted)"""
    expected: float
    """calls the day-ahead forecast expected before the as-of time (undiscounted)"""
    level: float
    """posterior mean of the day's level: the factor applied to the rest of the day-ahead forecast"""
    weight: float
    """how far the level moved from the day-ahead's (1) toward the discounted ratio seen / expected, 0..1"""
    calls: np.ndarray
    """updated forecast of each remaining interval"""
    bands: dict[int, tuple[np.ndarray, np.ndarray]]
    """level (80, 95) -> each remaining interval's (low, high) predictive quantiles"""


def weights(n_seen: int, interval_min: int, half_life_h: float) -> np.ndarray:
    """Each seen interval's weight: 2 ** -(age / half-life), age from its middle to the as-of time (the end of
    the last seen interval)."""
    if math.isinf(half_life_h):
        return np.ones(n_seen)
    age_h = (n_seen - np.arange(n_seen) - 0.5) * interval_min / 60
    return np.exp2(-age_h / half_life_h)


def update(day_ahead: np.ndarray, seen: np.ndarray, prior: LevelPrior, interval_min: int,
           levels: tuple[int, ...] = (80, 95)) -> Update:
    """The day's intervals after the first ``len(seen)`` (whose calls were ``seen``), from the day-ahead forecast
    of every interval of the day."""
    day_ahead = np.asarray(day_ahead, float)
    seen = np.asarray(seen, float)
    k = len(seen)
    w = weights(k, interval_min, prior.half_life_h)
    shape = prior.shape + float(w @ seen)
    rate = prior.shape + float(w @ day_ahead[:k])
    level = shape / rate
    rest = day_ahead[k:]
    bands = {}
    p = rate / (rate + rest)  # 1 where an interval expects no call: a point mass at zero
    for lvl in levels:
        tail = (1 - lvl / 100) / 2
        bands[lvl] = (nbinom.ppf(tail, shape, p), nbinom.ppf(1 - tail, shape, p))
    moved = rate - prior.shape
    return Update(seen=float(seen.sum()), expected=float(day_ahead[:k].sum()), level=level,
                  weight=moved / rate if rate > 0 else 0.0, calls=rest * level, bands=bands)


def estimate_prior(days: np.ndarray, weekdays: np.ndarray, interval_min: int) -> LevelPrior:
    """The prior of a queue from its history: ``days`` (one row of interval counts per day, oldest first, the
    last HISTORY_DAYS used) and each day's weekday.

    A history day's day-ahead forecast is taken as the mean of the same weekday's intervals over the four weeks
    before it (the window average, which needs no fit). The shape ``a`` is the inverse of the variance of the
    days' ratios actual / forecast once the Poisson part (mean of 1 / forecast) is taken out; the half-life is
    the one of HALF_LIVES_H whose updates at CHECK_POINTS of those days missed the rest of the day least
    (absolute error; a tie keeps the longer half-life)."""
    days = np.asarray(days, float)[-(HISTORY_DAYS + 28):]
    weekdays = np.asarray(weekdays)[-(HISTORY_DAYS + 28):]
    pairs = []
    for d in range(max(0, len(days) - HISTORY_DAYS), len(days)):
        before = [j for j in range(max(0, d - 28), d) if weekdays[j] == weekdays[d]]
        forecast = days[before].mean(axis=0) if len(before) >= 2 else None
        if forecast is not None and forecast.sum() > 0 and days[d].sum() > 0:
            pairs.append((days[d], forecast))
    if len(pairs) < MIN_DAYS:
        return LevelPrior(*DEFAULT_PRIOR)
    ratios = np.array([actual.sum() / forecast.sum() for actual, forecast in pairs])
    poisson = np.mean([1 / forecast.sum() for _, forecast in pairs])
    shape = min(1 / max(ratios.var() - poisson, 1 / MAX_SHAPE), MAX_SHAPE)
    best, best_miss = math.inf, math.inf
    for half_life in sorted(HALF_LIVES_H, reverse=True):
        prior = LevelPrior(shape, half_life)
        miss = 0.0
        for actual, forecast in pairs:
            share = np.cumsum(forecast) / forecast.sum()
            for point in CHECK_POINTS:
                k = int(np.searchsorted(share, point)) + 1
                rest = update(forecast, actual[:k], prior, interval_min, levels=()).calls
                miss += float(np.abs(actual[k:] - rest).sum())
        if miss < best_miss - 1e-9:
            best, best_miss = half_life, miss
    return LevelPrior(shape, best)
