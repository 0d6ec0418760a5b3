"""The compiled engine's view of a contact centre: flat numpy arrays, one row per queue or agent group.

Users describe a centre with the pydantic scenario (``casashore.simulate.scenario``) or the single-queue helper;
both end here, in a ``Centre`` whose arrays the engine reads and never writes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


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
