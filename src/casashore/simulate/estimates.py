"""From raw counts to measures with confidence intervals across replications.

A measure is a ratio of two totals (service level = calls answered within target / calls offered, ASA = total
wait of answered calls / answered calls...). Its estimate is the ratio of the sums over replications — the
long-run share that the formulas describe — not the mean of per-replication ratios, which is biased when a
replication holds few calls (a busy replication has both more calls and a worse service: at 100 calls per
replication the mean of ratios underestimates P(wait) by 3 standard errors). Its uncertainty is the delta-method
(classical ratio-estimator) half-width: t * sd(X_r - R Y_r) / (sqrt(n) * mean(Y)).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

from casashore.simulate.engine import (
    ABANDONED,
    ANSWERED,
    BUSY_S,
    DELAYED,
    OFFERED,
    STAFFED_S,
    WAIT_ABANDONED_S,
    WAIT_ANSWERED_S,
    WITHIN_TARGET,
)

CALL_MEASURES = {
    "p_wait": (DELAYED, OFFERED),
    "p_abandon": (ABANDONED, OFFERED),
    "service_level": (WITHIN_TARGET, OFFERED),
    "asa": (WAIT_ANSWERED_S, ANSWERED),
    "mean_time_to_abandon": (WAIT_ABANDONED_S, ABANDONED),
}
"""Measure name -> (numerator, denominator) in the engine's per-call counts. ``asa`` is over answered calls."""


class Estimate(NamedTuple):
    mean: np.ndarray
    half_width: np.ndarray
    """Half-width of the confidence interval (NaN with fewer than two informative replications)."""


def ratio_estimate(numerator: np.ndarray, denominator: np.ndarray, confidence: float = 0.95) -> Estimate:
    """Ratio of sums over axis 0 (the replications) and its delta-method confidence half-width.

    NaN where no replication has a positive denominator; the half-width is NaN with fewer than two
    replications.
    """
    x, y = np.asarray(numerator, float), np.asarray(denominator, float)
    n = x.shape[0]
    total_y = y.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total_y > 0, x.sum(axis=0) / np.where(total_y > 0, total_y, 1.0), np.nan)
        if n < 2:
            return Estimate(ratio, np.full(np.shape(ratio), np.nan))
        residual_sd = np.sqrt(((x - ratio * y) ** 2).sum(axis=0) / (n - 1))
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * residual_sd / (np.sqrt(n) * total_y / n)
    return Estimate(ratio, np.where(total_y > 0, half, np.nan))


def call_measures(calls: np.ndarray, confidence: float = 0.95) -> dict[str, Estimate]:
    """Every call measure of counts ``calls`` [R, ..., 7], keeping the middle axes (queue, interval or none)."""
    return {name: ratio_estimate(calls[..., num], calls[..., den], confidence)
            for name, (num, den) in CALL_MEASURES.items()}


def occupancy(agent_time: np.ndarray, confidence: float = 0.95) -> Estimate:
    """Share of staffed agent time on calls, from ``agent_time`` [R, ..., 3]."""
    return ratio_estimate(agent_time[..., BUSY_S], agent_time[..., STAFFED_S], confidence)
