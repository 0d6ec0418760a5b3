"""From raw counts to measures with confidence intervals across replications.

Each measure is a ratio computed per replication (service level = answered within target / offered, and so on);
its estimate is the mean over replications and its uncertainty Student's t half-width over them. Replications
where the denominator is zero (no call offered) carry no information on that ratio and are left out of it.
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
    """Mean and confidence half-width of numerator/denominator over axis 0 (the replications)."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    informative = denominator > 0
    ratio = np.where(informative, numerator / np.where(informative, denominator, 1.0), np.nan)
    n = informative.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(ratio, axis=0) / np.maximum(n, 1), np.nan)
        centred = np.where(informative, ratio - mean, 0.0)
        sd = np.sqrt((centred**2).sum(axis=0) / np.maximum(n - 1, 1))
        t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = np.where(n >= 2, t * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    return Estimate(mean, half)


def call_measures(calls: np.ndarray, confidence: float = 0.95) -> dict[str, Estimate]:
    """Every call measure of counts ``calls`` [R, ..., 7], keeping the middle axes (queue, interval or none)."""
    return {name: ratio_estimate(calls[..., num], calls[..., den], confidence)
            for name, (num, den) in CALL_MEASURES.items()}


def occupancy(agent_time: np.ndarray, confidence: float = 0.95) -> Estimate:
    """Share of staffed agent time on calls, from ``agent_time`` [R, ..., 3]."""
    return ratio_estimate(agent_time[..., BUSY_S], agent_time[..., STAFFED_S], confidence)
