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
``p = (a + E) / (a + E + f_i)``.

The level keeps drifting after the as-of time too (the reason for the discount above): the later an interval,
the further its rate from the level the morning says. So the shape error's variance grows with the interval's
horizon ``h`` (hours from the as-of time to its middle): ``phi_i = phi0 + phi1 h`` (a random walk of the log
level adds a variance linear in time on top of an interval's own error). Without the growth one phi is an
average over near and far intervals: on the 2003 bank series the band was too wide in the first hours after
noon and too narrow in the evening, its 95 % band short as a whole (docs/history.md "Intraday reforecast").
phi0 and phi1 come from the history, by moments of the same updates' residuals (``shape_error``). The moments
match the errors' variance, not their tails (calm days and a few volatile ones): each band then uses its own
multiple of the shape error, the one with which it covered its level on those updates (``band_scales``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

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
    """phi0: the variance of an interval's multiplicative error around the day-ahead profile once the day's level
    is known, at the as-of time (0 with ``drift_per_h`` 0: Poisson calls given the level)"""
    drift_per_h: float = 0.0
    """phi1: how much that variance grows per hour of horizon (the level's drift after the as-of time)"""
    band_scales: tuple[tuple[int, float], ...] = ()
    """(band level, c): the level's band made with the shape error c (phi0 + phi1 h), c the one that made it cover
    its level on the history's own updates (1 for a level not listed)"""

    def shape_errors(self, n_rest: int, interval_min: int) -> np.ndarray:
        """phi of each of the ``n_rest`` intervals after the as-of time: phi0 + phi1 x hours to its middle."""
        return self.shape_error + self.drift_per_h * horizons_h(n_rest, interval_min)


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


def horizons_h(n_rest: int, interval_min: int) -> np.ndarray:
    """Hours from the as-of time (the start of the first remaining interval) to each remaining interval's middle."""
    return (np.arange(n_rest) + 0.5) * interval_min / 60


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
    phi = prior.shape_errors(len(rest), interval_min)
    scales = dict(prior.band_scales)
    for lvl in levels:
        tail = (1 - lvl / 100) / 2
        bands[lvl] = tuple(predictive_quantile(q, rest, shape, rate, scales.get(lvl, 1.0) * phi)
                           for q in (tail, 1 - tail))
    moved = rate - prior.shape
    return Update(seen=float(seen.sum()), expected=float(day_ahead[:k].sum()), level=level,
                  weight=moved / rate if rate > 0 else 0.0, calls=rest * level, bands=bands)


def predictive_quantile(q: float, rest: np.ndarray, shape: float, rate: float,
                        shape_error: float | np.ndarray) -> np.ndarray:
    """Each interval's smallest count whose predictive probability of not being exceeded reaches ``q``: the
    calls of an interval of day-ahead ``rest`` with the level Gamma(shape, rate) and the shape error phi (one,
    or each interval's)."""
    phi = np.broadcast_to(np.asarray(shape_error, float), np.shape(rest))
    if np.all(phi <= 0):
        return nbinom.ppf(q, shape, rate / (rate + rest))  # p = 1 where nothing is expected: zero
    size = 1 / np.maximum(phi, 1e-12)[:, None]  # phi > 0 everywhere once phi0 or phi1 is (the floor: safety)
    nodes = gamma.ppf((np.arange(NODES) + 0.5) / NODES, shape, scale=1 / rate)
    p = size / (size + rest[:, None] * nodes[None, :])  # given the level at each node: NB(size, p)
    size = np.broadcast_to(size, p.shape)
    # The mixture's quantile lies between its parts' (its CDF is their mean), which grow with the level: between
    # those at the lowest and highest node; bisection on whole counts.
    low, high = nbinom.ppf(q, size[:, 0], p[:, 0]), nbinom.ppf(q, size[:, -1], p[:, -1])
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
    matches those updates' squared misses and how it grows with the horizon (``shape_error``), with the forecast's
    profile made as the day-ahead model makes its own: from the same weekday of the last ``profile_weeks`` weeks
    (1 for the seasonal naive, whose one-week profile misses more than a four-week one); each band's scale of it,
    the one with which that band covered its level on those updates (``band_scales``)."""
    pairs = history_pairs(days, weekdays, 4)
    if len(pairs) < MIN_DAYS:
        return short_history_prior(days, weekdays, interval_min)
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
    profiled = pairs if profile_weeks == 4 else history_pairs(days, weekdays, profile_weeks)
    updates = history_updates(profiled, LevelPrior(shape, best), interval_min)
    phi0, phi1 = shape_error(updates)
    return LevelPrior(shape, best, phi0, phi1, band_scales(updates, phi0, phi1))


def short_history_prior(days: np.ndarray, weekdays: np.ndarray, interval_min: int) -> LevelPrior:
    """Fewer than MIN_DAYS days with two of their weekday in the four weeks before them: the default level prior
    (a 10 % day-level spread, no discount) and, once MIN_DAYS days have their weekday the week before, the shape
    error measured on those one-week profiles (the day-ahead of a one-to-three-week history is the average of
    the weeks there are: its profile misses a little less than one week's); before that none (phi = 0)."""
    prior = LevelPrior(*DEFAULT_PRIOR)
    pairs = history_pairs(days, weekdays, 1)
    if len(pairs) < MIN_DAYS:
        return prior
    updates = history_updates(pairs, prior, interval_min)
    phi0, phi1 = shape_error(updates)
    return LevelPrior(prior.shape, prior.half_life_h, phi0, phi1, band_scales(updates, phi0, phi1))


def history_pairs(days: np.ndarray, weekdays: np.ndarray, weeks: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(actual, forecast) of the last HISTORY_DAYS days with calls, the forecast the mean of the same weekday over
    the ``weeks`` weeks before (at least two of them when ``weeks`` allows, so that one holiday does not make it)."""
    days = np.asarray(days, float)[-(HISTORY_DAYS + 28):]
    weekdays = np.asarray(weekdays)[-(HISTORY_DAYS + 28):]
    pairs = []
    for d in range(max(0, len(days) - HISTORY_DAYS), len(days)):
        before = [j for j in range(max(0, d - 7 * weeks), d) if weekdays[j] == weekdays[d]]
        forecast = days[before].mean(axis=0) if len(before) >= min(2, weeks) else None
        if forecast is not None and forecast.sum() > 0 and days[d].sum() > 0:
            pairs.append((days[d], forecast))
    return pairs


class HistoryUpdates(NamedTuple):
    """Every interval expecting calls in the rests of the updates at CHECK_POINTS of the history's (actual,
    forecast) days: its calls, day-ahead, the level's posterior Gamma(shape, rate) at its update and its horizon."""

    calls: np.ndarray
    day_ahead: np.ndarray
    shape: np.ndarray
    rate: np.ndarray
    horizon_h: np.ndarray

    def moments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, s, m) per interval. Its predictive variance is v = m + s (1 + phi) - m^2, m = f E[L] its updated
        forecast, s = f^2 E[L^2], L the level's posterior (Poisson noise, the level's uncertainty and the shape
        error): linear in phi, so x = miss^2 - m - s + m^2 is s phi on average."""
        m = self.day_ahead * self.shape / self.rate
        s = self.day_ahead ** 2 * self.shape * (self.shape + 1) / self.rate ** 2
        return (self.calls - m) ** 2 - m - s + m ** 2, s, m


def history_updates(pairs: list[tuple[np.ndarray, np.ndarray]], prior: LevelPrior,
                    interval_min: int) -> HistoryUpdates:
    """The updates at CHECK_POINTS of the history's (actual, forecast) days, each rest's intervals expecting calls."""
    parts = []
    for actual, forecast in pairs:
        share = np.cumsum(forecast) / forecast.sum()
        for point in CHECK_POINTS:
            k = int(np.searchsorted(share, point)) + 1
            a, b = posterior(forecast, actual[:k], prior, interval_min)
            f = forecast[k:]
            expected = f > 0
            n = int(expected.sum())
            parts.append((actual[k:][expected], f[expected], np.full(n, a), np.full(n, b),
                          horizons_h(len(f), interval_min)[expected]))
    if not parts:
        return HistoryUpdates(*(np.zeros(0) for _ in range(5)))
    return HistoryUpdates(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def shape_error(updates: HistoryUpdates) -> tuple[float, float]:
    """(phi0, phi1) by the method of moments on the history's updates: each interval gives phi's estimate x / s
    (``HistoryUpdates.moments``); phi0 + phi1 h is the least-squares line through them against their horizons h,
    each weighted by the inverse of its estimate's variance (s^2 / v^2: a squared miss's variance is about
    2 v^2), v taken with phi0 = ``plain_shape_error`` and phi1 = 0. A negative slope is no drift (phi1 = 0, phi0
    the weighted mean); neither is ever below 0."""
    x, s, m = updates.moments()
    h = updates.horizon_h
    if s.sum() <= 0:
        return 0.0, 0.0
    w = s ** 2 / (m + s * (1 + plain_shape_error(updates)) - m ** 2) ** 2
    ratio = x / s
    mean = float(w @ ratio / w.sum())
    hbar = float(w @ h / w.sum())
    spread = float(w @ (h - hbar) ** 2)
    slope = float(w @ ((h - hbar) * (ratio - mean))) / spread if spread > 0 else 0.0
    if slope <= 0:
        return max(0.0, mean), 0.0
    if mean - slope * hbar < 0:  # the line through the origin
        return 0.0, max(0.0, float(w @ (h * ratio) / (w @ h ** 2)))
    return mean - slope * hbar, slope


def plain_shape_error(updates: HistoryUpdates) -> float:
    """One phi for every horizon (the band before its horizon term): the squared misses of the updates summed
    equal their predictive variances summed."""
    x, s, _ = updates.moments()
    return max(0.0, x.sum() / s.sum()) if s.sum() > 0 else 0.0


SCALES = np.exp2(np.arange(-3, 3.01, 0.5))
"""The scales of the shape error a band's calibration tries (1/8 to 8, steps of sqrt 2; log-interpolated)."""
SCALE_NODES = 8
"""Quantiles of the level's posterior the calibration's predictive CDFs are means over (the band's: NODES)."""


def band_scales(updates: HistoryUpdates, phi0: float, phi1: float,
                levels: tuple[int, ...] = (80, 95)) -> tuple[tuple[int, float], ...]:
    """Each band level's scale c of the shape error: the one with which the band held that share of the history's
    updates (the share rises with c: interpolated in log c between the SCALES it falls between, kept within
    them). The moments match the errors' variance, not their tails: errors heavier-tailed than the negative
    binomial's (calm days and a few volatile ones) make a variance-matched band too wide at 80 % and too narrow at
    95 %. An interval is inside the band [lo, hi] of level l when F(y) >= (1 - l) / 2 and F(y - 1) < (1 + l) / 2
    (lo and hi the smallest counts whose F reaches those). A level's scale is at least a lower level's (the 95 %
    band contains the 80 % one). No shape error (phi0 = phi1 = 0): nothing to scale."""
    if phi0 <= 0 and phi1 <= 0 or len(updates.calls) == 0:
        return ()
    q = (np.arange(SCALE_NODES) + 0.5) / SCALE_NODES
    mu = updates.day_ahead[:, None] * gamma.ppf(q[None, :], updates.shape[:, None], scale=1 / updates.rate[:, None])
    phi = phi0 + phi1 * updates.horizon_h
    shares = {level: [] for level in levels}
    for c in SCALES:
        size = 1 / np.maximum(c * phi, 1e-12)[:, None]
        p = size / (size + mu)
        at, below = (nbinom.cdf((updates.calls - d)[:, None], size, p).mean(axis=1) for d in (0, 1))
        for level in levels:
            tail = (1 - level / 100) / 2
            shares[level].append(float(((at >= tail) & (below < 1 - tail)).mean()))
    logs = np.log2(SCALES)
    made, widest = [], 0.0
    for level in sorted(levels):
        share = np.maximum.accumulate(np.array(shares[level]))  # non-decreasing for the interpolation
        target = level / 100
        if share[0] >= target:
            c = SCALES[0]
        elif share[-1] < target:
            c = SCALES[-1]
        else:
            i = int(np.searchsorted(share, target))  # share[i - 1] < target <= share[i]
            c = 2 ** np.interp(target, share[i - 1:i + 1], logs[i - 1:i + 1])
        widest = max(widest, float(c))  # a wider band never on a smaller scale: the bands stay nested
        made.append((level, widest))
    return tuple(made)
