"""Each contract's month: what it bills, what its staff cost, the penalty or bonus of its service-level term and
the margin left.

    service level(m) = sum over the contract's queues of contacts x service level / contacts   (the month's term)
    points(m)        = 100 x (service level(m) - the term's share)
    penalty(m)       = penalty per point x max(0, -points);  bonus(m) = bonus per point x min(max(0, points), cap)
    revenue(m)       = price x billable hours (staffed on-phone hours, at most those the term needs)
                       or price x handled contacts
    labour cost(m)   = sum over its queues of the pool's labour cost(m) x the queue's share of the pool's FTE
    margin(m)        = revenue + bonus - penalty - labour cost
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from casashore.growth.hiring import HiringPlan
from casashore.growth.scenario import Contract
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
    """NaN in a month without contacts."""
    goal: float
    revenue: np.ndarray
    bonus: np.ndarray
    penalty: np.ndarray
    labour_cost: np.ndarray
    margin: np.ndarray


def contract_months(contract: Contract, queues: list[StaffedQueue], plans: dict[str, HiringPlan]) -> ContractMonths:
    """``queues``: the contract's staffed queues; ``plans``: its operator's hiring plans by language."""
    contacts = sum(q.demand.contacts for q in queues)
    handled = sum(q.handled for q in queues)
    billable = sum(np.minimum(q.on_phone_hours, q.demand.on_phone_hours) for q in queues)
    weighted = sum(np.nan_to_num(q.service_level) * q.demand.contacts for q in queues)
    level = np.divide(weighted, contacts, out=np.full(len(contacts), np.nan), where=contacts > 0)
    points = np.nan_to_num(100 * (level - contract.service_level))
    penalty = contract.penalty_per_point * np.maximum(-points, 0)
    bonus = contract.bonus_per_point * np.minimum(np.maximum(points, 0), contract.bonus_cap_points)
    revenue = contract.price * (billable if contract.billing == "hour" else handled)
    labour = sum(plans[q.demand.language].labour_cost * q.cost_share for q in queues)
    return ContractMonths(contract.client, contract.operator, contract.sector, contacts, handled, billable, level,
                          contract.service_level, revenue, bonus, penalty, labour, revenue + bonus - penalty - labour)
