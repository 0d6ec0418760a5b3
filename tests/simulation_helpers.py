"""Small centres for the simulation tests, built straight from arrays (the scenario layer is tested apart)."""

from __future__ import annotations

import numpy as np

from casashore.simulate.centre import Centre, routing_tables
from casashore.simulate.distributions import EXPONENTIAL, NEVER


def centre(calls_per_interval, agents, *, interval_s=900.0, aht_s=180.0, patience_s=None, target_s=20.0,
           priority=None, delay_s=None, warmup_s=0.0, handle_kind=EXPONENTIAL, handle_cv=1.0, observed_s=None,
           forecast_shape=0.0) -> Centre:
    """A centre from per-queue calls [Q, I] and per-group agents [G, I]; every group serves every queue
    unless ``priority`` [G, Q] says otherwise (-1: cannot serve)."""
    calls = np.atleast_2d(np.asarray(calls_per_interval, float))
    agents = np.atleast_2d(np.asarray(agents, np.int64))
    queues, groups = calls.shape[0], agents.shape[0]
    priority = np.zeros((groups, queues), np.int64) if priority is None else np.asarray(priority, np.int64)
    delay = np.zeros((groups, queues)) if delay_s is None else np.asarray(delay_s, float)
    served, serving = routing_tables(priority)
    per_queue = lambda v, dtype=float: np.broadcast_to(np.asarray(v, dtype), queues).copy()  # noqa: E731
    observed = np.zeros(1) if observed_s is None else np.concatenate(([0.0], observed_s))
    return Centre(
        interval_s=float(interval_s), warmup_s=float(warmup_s), rate_per_s=calls / interval_s,
        rate_shape=per_queue(forecast_shape), target_s=per_queue(target_s),
        handle_kind=per_queue(handle_kind, np.int64), handle_mean_s=per_queue(aht_s), handle_cv=per_queue(handle_cv),
        handle_offset=per_queue(1 if observed_s is not None else 0, np.int64),
        handle_length=per_queue(0 if observed_s is None else len(observed_s), np.int64),
        patience_kind=per_queue(NEVER if patience_s is None else EXPONENTIAL, np.int64),
        patience_mean_s=per_queue(0.0 if patience_s is None else patience_s), patience_cv=per_queue(1.0),
        patience_offset=per_queue(0, np.int64), patience_length=per_queue(0, np.int64), observed_s=observed,
        priority=priority, delay_s=delay, agents=agents, served_queues=served, serving_groups=serving)
