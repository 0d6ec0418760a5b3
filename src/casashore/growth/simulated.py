"""The month's service level by simulation: a typical open day of each month of a queue, at the agents the hiring
plan staffs, simulated with the project's single-queue engine (simulate/engine.py), next to Erlang C's figure.

The day is the queue's 24 site hours: Poisson arrivals at the hour's calls, exponential handle times of the
queue's AHT, callers who never hang up (Erlang C's assumption, so the two figures differ by the simulation's
noise and by what the formula idealises: whole agents, the day's start empty, the hours' queues carried into
the next, calls still waiting when the day ends counted as not answered in time), the staffed agents
r x agents(m, h) rounded to whole agents. A replication's service level is its calls answered within the target
over its calls; the month's is the mean over replications, with a 95 % interval (Student's t).

Replication k of month m of the queue numbered q draws from SeedSequence(seed, spawn_key=(q, m)).spawn(R)[k]:
the figures depend on the seed alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from casashore.simulate.centre import single_queue_centre
from casashore.simulate.engine import OFFERED, WITHIN_TARGET
from casashore.simulate.replications import run_batch

MAX_REPLICATIONS = 100


@dataclass(frozen=True)
class SimulationOptions:
    replications: int
    seed: int


@dataclass(frozen=True)
class SimulatedLevel:
    by_replication: np.ndarray
    """Months x R: each replication's day service level (NaN in a month without calls)."""
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def interval(by_replication: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95 % Student-t interval over each month's replications with calls (a day may draw none), NaN
    where a month has none (and no interval with fewer than two)."""
    months = by_replication.shape[0]
    mean, low, high = np.full(months, np.nan), np.full(months, np.nan), np.full(months, np.nan)
    for m in range(months):
        values = by_replication[m][~np.isnan(by_replication[m])]
        if values.size == 0:
            continue
        mean[m] = values.mean()
        if values.size > 1:
            half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
            low[m], high[m] = max(mean[m] - half, 0.0), min(mean[m] + half, 1.0)
    return mean, low, high


def simulate_queue(calls: np.ndarray, agents: np.ndarray, aht_s: float, target_s: float, options: SimulationOptions,
                   number: int) -> SimulatedLevel:
    """``calls``, ``agents``: months x 24 site hours (a typical day's calls, the staffed agents); ``number``: the
    queue's place in the park, which keys its random streams."""
    months = calls.shape[0]
    levels = np.full((months, options.replications), np.nan)
    base = single_queue_centre(0.0, 3600.0, aht_s, 1, target_s=target_s, intervals=24, warmup_s=0.0)
    for m in range(months):
        if calls[m].sum() <= 0:
            continue
        centre = base._replace(rate_per_s=calls[m][None, :] / 3600.0,
                               agents=np.rint(agents[m])[None, :].astype(np.int64))
        streams = np.random.SeedSequence(options.seed, spawn_key=(number, m)).spawn(options.replications)
        counts = run_batch(centre, streams).calls[:, 0]  # [R, 24, stats]
        offered = counts[:, :, OFFERED].sum(axis=1)
        levels[m] = np.divide(counts[:, :, WITHIN_TARGET].sum(axis=1), offered,
                              out=np.full(options.replications, np.nan), where=offered > 0)
    return SimulatedLevel(levels, *interval(levels))
