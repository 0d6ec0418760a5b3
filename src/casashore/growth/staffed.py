"""What the hiring plan's staff give each queue: the pool's productive FTE and overtime shared out in proportion
to the queues' requirements, so every queue of a language is staffed at the same ratio r(m) of what its term
needs, and its month's service level is Erlang C's at r(m) x agents(m, h) in every hour, weighted by calls.

A ratio above 1 (people kept through a dip: nobody is laid off) raises the service level; below 1 the month is
short, and an hour whose staffed agents do not exceed its traffic answers only what they can handle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from casashore.growth.demand import QueueDemand
from casashore.growth.hiring import HiringPlan
from casashore.growth.simulated import SimulatedLevel
from casashore.queueing.erlang_c import erlang_c_asa, erlang_c_service_level


@dataclass(frozen=True)
class StaffedQueue:
    demand: QueueDemand
    ratio: np.ndarray
    """Staffed over required, per month (NaN where the pool needs nobody)."""
    agents: np.ndarray
    """Months x 24 site hours: agents on the phones as staffed."""
    service_level: np.ndarray
    """Per month, calls-weighted over the typical day (NaN without contacts)."""
    handled: np.ndarray
    """Contacts handled in the month."""
    on_phone_hours: np.ndarray
    """Staffed on-phone hours of the month."""
    line_erlangs: np.ndarray
    """Months x 24: calls holding a line, handled or waiting: calls x (AHT + ASA) / 3600."""
    cost_share: np.ndarray
    """The queue's share of its pool's labour cost (its share of the pool's required FTE)."""
    simulated: SimulatedLevel | None = None
    """The month's service level by simulation (growth/simulated.py), when asked for."""


def staff_ratio(plan: HiringPlan) -> np.ndarray:
    staffed = plan.productive + plan.overtime
    return np.divide(staffed, plan.required, out=np.full(len(staffed), np.nan), where=plan.required > 0)


def staffed_queue(demand: QueueDemand, plan: HiringPlan) -> StaffedQueue:
    ratio = staff_ratio(plan)
    r = np.nan_to_num(ratio, nan=0.0)
    agents = demand.agents * r[:, None]
    traffic = demand.calls * demand.aht_s / 3600.0
    sl = erlang_c_service_level(agents, traffic, demand.aht_s, demand.target_s)
    day_calls = demand.calls.sum(axis=1)
    service_level = np.divide((sl * demand.calls).sum(axis=1), day_calls, out=np.full(len(day_calls), np.nan),
                              where=day_calls > 0)
    capacity = agents * 3600.0 / demand.aht_s  # contacts the hour's agents can handle
    handled_day = np.where(agents > traffic, demand.calls, np.minimum(demand.calls, capacity)).sum(axis=1)
    asa = np.where(agents > traffic, erlang_c_asa(np.maximum(agents, 1e-9), traffic, demand.aht_s), 0.0)
    lines = demand.calls * (demand.aht_s + asa) / 3600.0
    # an unstable hour's queue has no steady state: its calls' handling only
    lines = np.where(agents > traffic, lines, traffic)
    share = np.divide(demand.fte, plan.required, out=np.zeros(len(demand.fte)), where=plan.required > 0)
    return StaffedQueue(demand, ratio, agents, service_level, handled_day * demand.open_days,
                        agents.sum(axis=1) * demand.open_days, lines, share)
