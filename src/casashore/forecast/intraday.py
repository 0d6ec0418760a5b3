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

The band of each interval is the posterior predictive. The day's level is not the only error: the day-ahead's
intraday *shape* misses too (a busy 14:00, a quiet 16:30), so once the level is known an interval's rate is
``L f_i e_i``, with ``e_i`` Gamma(1 / phi, 1 / phi) (mean 1, variance phi, the shape error) independent across
intervals: its calls are negative binomial (mean ``L f_i``, variance ``L f_i + phi (L f_i)^2``) given the level,
and the band is the quantile of that mixed over the level's posterior (a quadrature on NODES quantiles of the
Gamma). With phi = 0 it is the plain posterior predictive, negative binomial with ``n = a + S`` and
``p = (a + E) / (a + E + f_i)``. phi comes from the history, by moments of the same updates' residuals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import gamma, nbinom

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
NODES = 128
"""Quantiles of the level's posterior the band's mixture is summed over (each 1 / NODES of its mass)."""
CHECK_POINTS = (0.25, 0.5, 0.75)
"""Where in a history day the half-lives are tried: when a quarter, half and three quarters of its calls were
expected."""


@dataclass(frozen=True)
class LevelPrior:
    shape: float
    """a: the Gamma prior's shape and rate (its mean is 1, its variance 1 / a)"""
    half_life_h: float
    """hours after which a seen interval's weight is halved (math.inf: no discount)"""
    shape_error: float = 0.0
    """phi: the variance of an interval's multiplicative error around the day-ahead profile once the day's level
    is known (0: Poisson calls given the level)"""


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


def posterior(day_ahead: np.ndarray, seen: np.ndarray, prior: LevelPrior, interval_min: int) -> tuple[float, float]:
    """The level's Gamma posterior (shape a + discounted seen calls, rate a + discounted expected ones)."""
    w = weights(len(seen), interval_min, prior.half_life_h)
    return prior.shape + float(w @ seen), prior.shape + float(w @ day_ahead[:len(seen)])


def update(day_ahead: np.ndarray, seen: np.ndarray, prior: LevelPrior, interval_min: int,
           levels: tuple[int, ...] = (80, 95)) -> Update:
    """The day's intervals after the first ``len(seen)`` (whose calls were ``seen``), from the day-ahead forecast
    of every interval of the day."""
    day_ahead = np.asarray(day_ahead, float)
    seen = np.asarray(seen, float)
    k = len(seen)
    shape, rate = posterior(day_ahead, seen, prior, interval_min)
    level = shape / rate
    rest = day_ahead[k:]
    bands = {}
    for lvl in levels:
        tail = (1 - lvl / 100) / 2
        bands[lvl] = tuple(predictive_quantile(q, rest, shape, rate, prior.shape_error) for q in (tail, 1 - tail))
    moved = rate - prior.shape
    return Update(seen=float(seen.sum()), expected=float(day_ahead[:k].sum()), level=level,
                  weight=moved / rate if rate > 0 else 0.0, calls=rest * level, bands=bands)


def predictive_quantile(q: float, rest: np.ndarray, shape: float, rate: float, shape_error: float) -> np.ndarray:
    """Each interval's smallest count whose predictive probability of not being exceeded reaches ``q``: the
    calls of an interval of day-ahead ``rest`` with the level Gamma(shape, rate) and the shape error phi."""
    if shape_error <= 0:
        return nbinom.ppf(q, shape, rate / (rate + rest))  # p = 1 where nothing is expected: zero
    size = 1 / shape_error
    nodes = gamma.ppf((np.arange(NODES) + 0.5) / NODES, shape, scale=1 / rate)
    p = size / (size + rest[:, None] * nodes[None, :])  # given the level at each node: NB(size, p)
    # The mixture's quantile lies between its parts' (its CDF is their mean), which grow with the level: between
    # those at the lowest and highest node; bisection on whole counts.
    low, high = nbinom.ppf(q, size, p[:, 0]), nbinom.ppf(q, size, p[:, -1])
    while np.any(low < high):
        mid = np.floor((low + high) / 2)
        enough = nbinom.cdf(mid[:, None], size, p).mean(axis=1) >= q
        low, high = np.where(enough, low, mid + 1), np.where(enough, mid, high)
    return low


def estimate_prior(days: np.ndarray, weekdays: np.ndarray, interval_min: int, profile_weeks: int = 4) -> LevelPrior:
    """The prior of a queue from its history: ``days`` (one row of interval counts per day, oldest first, the
    last HISTORY_DAYS used) and each day's weekday.

    A history day's day-ahead forecast is taken as the mean of the same weekday's intervals over the four weeks
    before it (the window average, which needs no fit). The shape ``a`` is the inverse of the variance of the
    days' ratios actual / forecast once the Poisson part (mean of 1 / forecast) is taken out; the half-life is
    the one of HALF_LIVES_H whose updates at CHECK_POINTS of those days missed the rest of the day least
    (absolute error; a tie keeps the longer half-life); the shape error, the one whose predictive variance
    matches those updates' squared misses (``shape_error``), with the forecast's profile made as the day-ahead
    model makes its own: from the same weekday of the last ``profile_weeks`` weeks (1 for the seasonal naive,
    whose one-week profile misses more than a four-week one)."""
    days = np.asarray(days, float)[-(HISTORY_DAYS + 28):]
    weekdays = np.asarray(weekdays)[-(HISTORY_DAYS + 28):]
    pairs = _pairs(days, weekdays, 4)
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
    profiled = pairs if profile_weeks == 4 else _pairs(days, weekdays, profile_weeks)
    return LevelPrior(shape, best, shape_error(profiled, LevelPrior(shape, best), interval_min))


def _pairs(days: np.ndarray, weekdays: np.ndarray, weeks: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(actual, forecast) of the last HISTORY_DAYS days with calls, the forecast the mean of the same weekday over
    the ``weeks`` weeks before (at least two of them when ``weeks`` allows, so that one holiday does not make it)."""
    pairs = []
    for d in range(max(0, len(days) - HISTORY_DAYS), len(days)):
        before = [j for j in range(max(0, d - 7 * weeks), d) if weekdays[j] == weekdays[d]]
        forecast = days[before].mean(axis=0) if len(before) >= min(2, weeks) else None
        if forecast is not None and forecast.sum() > 0 and days[d].sum() > 0:
            pairs.append((days[d], forecast))
    return pairs


def shape_error(pairs: list[tuple[np.ndarray, np.ndarray]], prior: LevelPrior, interval_min: int) -> float:
    """phi by the method of moments on the updates at CHECK_POINTS of the history's (actual, forecast) days: the
    rest's squared misses summed equal its predictive variances summed. An interval's predictive variance is
    m + f^2 (E[L^2] (1 + phi) - E[L]^2), m = f E[L] its updated forecast, L the level's posterior (Poisson noise,
    the level's uncertainty and the shape error); linear in phi, so phi is a ratio of sums (at least 0)."""
    misses = poisson = level = per_phi = 0.0
    for actual, forecast in pairs:
        share = np.cumsum(forecast) / forecast.sum()
        for point in CHECK_POINTS:
            k = int(np.searchsorted(share, point)) + 1
            a, b = posterior(forecast, actual[:k], prior, interval_min)
            f = forecast[k:]
            m = f * a / b
            second = f ** 2 * a * (a + 1) / b ** 2  # f^2 E[L^2]
            misses += float(((actual[k:] - m) ** 2).sum())
            poisson += float(m.sum())
            level += float((second - m ** 2).sum())
            per_phi += float(second.sum())
    return max(0.0, (misses - poisson - level) / per_phi) if per_phi > 0 else 0.0
