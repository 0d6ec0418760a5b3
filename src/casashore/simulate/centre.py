"""The compiled engine's view of a contact centre: flat numpy arrays, one row per queue or agent group.

Users describe a centre with the pydantic scenario (``casashore.simulate.scenario``) or ``single_queue_centre`` below;
both end here, in a ``Centre`` whose arrays the engine reads and never writes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from casashore.simulate.distributions import EXPONENTIAL, NEVER


class Centre(NamedTuple):
    """Queues q = 0..Q-1, agent groups g = 0..G-1, intervals i = 0..I-1 of ``interval_s`` seconds."""

    interval_s: float
    warmup_s: float
    """Seconds simulated before interval 0 with interval 0's demand and staffing; not counted."""
    rate_per_s: np.ndarray
    """[Q, I] Poisson arrival rate, calls per second, constant within an interval."""
    rate_shape: np.ndarray
    """[Q] shape of the gamma mixing of each queue's rates per replication (mean 1); 0 means no mixing."""
    target_s: np.ndarray
    """[Q] service-level answer time."""
    handle_kind: np.ndarray
    handle_mean_s: np.ndarray
    handle_cv: np.ndarray
    handle_offset: np.ndarray
    handle_length: np.ndarray
    patience_kind: np.ndarray
    patience_mean_s: np.ndarray
    patience_cv: np.ndarray
    patience_offset: np.ndarray
    patience_length: np.ndarray
    observed_s: np.ndarray
    """Flat array of observed durations that the empirical laws resample."""
    priority: np.ndarray
    """[G, Q] the group's priority for the queue (0 highest); -1 when the group cannot serve it."""
    delay_s: np.ndarray
    """[G, Q] seconds a call must have waited before the group may take it (skill relaxation, overflow)."""
    agents: np.ndarray
    """[G, I] agents on seat per interval."""
    served_queues: np.ndarray
    """[G, Q] each group's queues by priority, padded with -1."""
    serving_groups: np.ndarray
    """[Q, G] the groups that can serve each queue, padded with -1."""

    @property
    def queues(self) -> int:
        return self.rate_per_s.shape[0]

    @property
    def groups(self) -> int:
        return self.agents.shape[0]

    @property
    def intervals(self) -> int:
        return self.rate_per_s.shape[1]


def routing_tables(priority: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each group's queues in priority order, and each queue's groups, as -1-padded index tables."""
    groups, queues = priority.shape
    served = np.full((groups, queues), -1, np.int64)
    serving = np.full((queues, groups), -1, np.int64)
    for g in range(groups):
        mine = [q for q in range(queues) if priority[g, q] >= 0]
        mine.sort(key=lambda q: priority[g, q])
        served[g, :len(mine)] = mine
    for q in range(queues):
        theirs = [g for g in range(groups) if priority[g, q] >= 0]
        serving[q, :len(theirs)] = theirs
    return served, serving


def single_queue_centre(calls: float, interval_s: float, aht_s: float, agents: int, *, patience_s: float = math.inf,
                        target_s: float = 20.0, intervals: int = 1, warmup_s: float | None = None,
                        handle_kind: int = EXPONENTIAL, handle_cv: float = 1.0, patience_kind: int = EXPONENTIAL,
                        patience_cv: float = 1.0) -> Centre:
    """A Centre with one queue of ``calls`` per interval and one group of ``agents``.

    The warm-up defaults to one interval, so that the counted intervals start close to steady state, which is
    what the formulas describe.
    """
    priority = np.zeros((1, 1), np.int64)
    served, serving = routing_tables(priority)
    never = math.isinf(patience_s)
    one = lambda value, dtype=float: np.array([value], dtype)  # noqa: E731
    return Centre(
        interval_s=float(interval_s), warmup_s=float(interval_s if warmup_s is None else warmup_s),
        rate_per_s=np.full((1, intervals), calls / interval_s), rate_shape=np.zeros(1), target_s=one(target_s),
        handle_kind=one(handle_kind, np.int64), handle_mean_s=one(aht_s), handle_cv=one(handle_cv),
        handle_offset=one(0, np.int64), handle_length=one(0, np.int64),
        patience_kind=one(NEVER if never else patience_kind, np.int64),
        patience_mean_s=one(0.0 if never else patience_s), patience_cv=one(patience_cv),
        patience_offset=one(0, np.int64), patience_length=one(0, np.int64), observed_s=np.zeros(1),
        priority=priority, delay_s=np.zeros((1, 1)), agents=np.full((1, intervals), agents, np.int64),
        served_queues=served, serving_groups=serving)
