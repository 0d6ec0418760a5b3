"""Each contract's month: what it bills, what its staff cost, the penalty or bonus of its service-level term and
the margin left.

    service level(m) = sum over the contract's queues of contacts x service level / contacts   (the month's term)
    points(m)        = 100 x (service level(m) - the term's share)
    penalty(m)       = penalty per point x max(0, -points);  bonus(m) = bonus per point x min(max(0, points), cap)
    revenue(m)       = price x billable hours (staffed on-phone hours, at most those the term needs)
                       or price x handled contacts
    labour cost(m)   = sum over its queues of the pool's labour cost(m) x the queue's share of the pool's FTE
    margin(m)        = revenue + bonus - penalty - labour cost

A queue's service level is Erlang C's, or the simulated one when the months are simulated (growth/simulated.py).
A past month the workspace's records hold (growth/history.py) takes their contacts, handled contacts, handled
hours (as billable hours: the records hold no logged-in time) and service level instead; its labour cost stays
the plan's (the workspace holds no payroll).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from casashore.growth.hiring import HiringPlan
from casashore.growth.history import QueueActuals
from casashore.growth.scenario import Contract
from casashore.growth.simulated import interval
from casashore.growth.staffed import StaffedQueue


@dataclass(frozen=True)
class ContractMonths:
    client: str
    operator: str
    sector: str
    contacts: np.ndarray
    handled: np.ndarray
    billable_hours: np.ndarray
    service_level: np.ndarray
    """The level the term is measured by (actual, simulated or Erlang's); NaN in a month without contacts."""
    goal: float
    revenue: np.ndarray
    bonus: np.ndarray
    penalty: np.ndarray
    labour_cost: np.ndarray
    margin: np.ndarray
    erlang_service_level: np.ndarray
    """The plan's months by Erlang C, whatever the level used."""
    source: list[str]
    """Per month: actual (every queue with contacts from the records), plan, or mixed."""
    simulated: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """Mean, low and high of the simulated level (95 %), when simulated."""


def _weighted(levels: list[np.ndarray], weights: list[np.ndarray]) -> np.ndarray:
    total = sum(weights)
    weighted = sum(np.nan_to_num(v) * w for v, w in zip(levels, weights, strict=True))
    return np.divide(weighted, total, out=np.full(np.shape(total), np.nan), where=np.asarray(total) > 0)


def contract_months(contract: Contract, queues: list[StaffedQueue], plans: dict[str, HiringPlan],
                    actuals: dict[str, QueueActuals] | None = None) -> ContractMonths:
    """``queues``: the contract's staffed queues; ``plans``: its operator's hiring plans by language;
    ``actuals``: the past months of queues the workspace's records hold, by queue name."""
    n = len(queues[0].demand.contacts)
    none = QueueActuals(np.zeros(n, bool), np.zeros(n), np.zeros(n), np.zeros(n), np.full(n, np.nan))
    past = [(actuals or {}).get(q.demand.queue, none) for q in queues]
    contacts_q = [np.where(a.actual, a.contacts, q.demand.contacts) for q, a in zip(queues, past, strict=True)]
    handled_q = [np.where(a.actual, a.handled, q.handled) for q, a in zip(queues, past, strict=True)]
    billable_q = [np.where(a.actual, a.handled_hours, np.minimum(q.on_phone_hours, q.demand.on_phone_hours))
                  for q, a in zip(queues, past, strict=True)]
    planned = [q.service_level if q.simulated is None else q.simulated.mean for q in queues]
    level_q = [np.where(a.actual, a.service_level, p) for p, a in zip(planned, past, strict=True)]
    contacts, handled, billable = sum(contacts_q), sum(handled_q), sum(billable_q)
    level = _weighted(level_q, contacts_q)
    points = np.nan_to_num(100 * (level - contract.service_level))
    penalty = contract.penalty_per_point * np.maximum(-points, 0)
    bonus = contract.bonus_per_point * np.minimum(np.maximum(points, 0), contract.bonus_cap_points)
    revenue = contract.price * (billable if contract.billing == "hour" else handled)
    labour = sum(plans[q.demand.language].labour_cost * q.cost_share for q in queues)
    erlang = _weighted([q.service_level for q in queues], [q.demand.contacts for q in queues])
    simulated = None
    if all(q.simulated is not None for q in queues):
        # the contract's replication k: its queues' replications k, weighted by the plan's contacts
        by_rep = [_weighted([q.simulated.by_replication[:, k] for q in queues], [q.demand.contacts for q in queues])
                  for k in range(queues[0].simulated.by_replication.shape[1])]
        simulated = interval(np.stack(by_rep, axis=1))
    return ContractMonths(contract.client, contract.operator, contract.sector, contacts, handled, billable, level,
                          contract.service_level, revenue, bonus, penalty, labour, revenue + bonus - penalty - labour,
                          erlang, _sources(past, contacts_q), simulated)


def _sources(past: list[QueueActuals], contacts: list[np.ndarray]) -> list[str]:
    out = []
    for m in range(len(contacts[0])):
        live = [a.actual[m] for a, c in zip(past, contacts, strict=True) if a.actual[m] or c[m] > 0]
        out.append("actual" if live and all(live) else "mixed" if any(live) else "plan")
    return out
