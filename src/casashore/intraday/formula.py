"""The service level the formula gives per queue and interval, the agents it requires, and the shortfall a
re-plan reduces.

The staffed count is fractional (day.py); the service level at 7.5 agents is the mean of Erlang's at 7 and at 8,
weighted by the fractions (linear interpolation between whole agents). Erlang C where callers wait for ever,
Erlang A with a patience (queueing/staffing.py, the same functions as `casashore staff`).
"""

from __future__ import annotations

import numpy as np

from casashore.intraday.day import QueueRest
from casashore.queueing.staffing import queue_measures, required_agents, traffic_erlangs


def _columns(queues: list[QueueRest], interval_s: float, cols: np.ndarray | slice):
    calls = np.array([q.calls for q in queues], float)[:, cols]
    aht = np.array([q.aht_s for q in queues], float)[:, None]
    target = np.array([q.target_s for q in queues], float)[:, None]
    patience = np.array([np.inf if q.patience_s is None else q.patience_s for q in queues], float)[:, None]
    return calls, traffic_erlangs(calls, interval_s, aht), aht, target, patience


def service_level(queues: list[QueueRest], staffed: np.ndarray, interval_s: float,
                  cols: np.ndarray | slice = slice(None)) -> np.ndarray:
    """[Q, I] (or the columns ``cols``): the share of calls answered within target with ``staffed`` agents;
    1 where no call is expected."""
    calls, traffic, aht, target, patience = _columns(queues, interval_s, cols)
    n = np.maximum(np.asarray(staffed, float), 0.0)
    low = np.floor(n + 1e-9)
    share = np.clip(n - low, 0.0, 1.0)
    below = queue_measures(low, traffic, aht, target, patience)["service_level"]
    above = queue_measures(low + 1, traffic, aht, target, patience)["service_level"]
    return np.where(calls > 0, (1 - share) * below + share * above, 1.0)


def required(queues: list[QueueRest], interval_s: float) -> np.ndarray:
    """[Q, I]: the fewest whole agents meeting each queue's goal per interval."""
    calls, traffic, aht, target, patience = _columns(queues, interval_s, slice(None))
    goal = np.broadcast_to(np.array([q.goal for q in queues], float)[:, None], calls.shape)
    return np.asarray(required_agents(traffic, np.broadcast_to(aht, calls.shape), target_s=target,
                                      service_level=goal, patience_s=patience), float)


def shortfall(queues: list[QueueRest], level: np.ndarray, cols: np.ndarray | slice = slice(None)) -> np.ndarray:
    """[Q, I]: calls below goal, calls x max(0, goal - service level): what the re-plan's proposals reduce."""
    calls = np.array([q.calls for q in queues], float)[:, cols]
    goal = np.array([q.goal for q in queues], float)[:, None]
    return calls * np.maximum(0.0, goal - level)
