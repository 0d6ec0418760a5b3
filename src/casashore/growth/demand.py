"""Long-range demand: each queue's contacts month by month, the agents its typical day needs hour by hour
(Erlang C against its contract's service-level term) and the FTE that makes, with the month's shrinkage.

    contacts(m) = full volume x ramp(m) x (1 + trend)^(months since start / 12)
    ramp(m)     = (k + 1) / (ramp_months + 1) in the k-th month of the contract while k < ramp_months, then 1
    calls(m, h) = contacts(m) / open days(m) x profile(h)           (profile: the day's shares, summing to 1)
    agents(m, h)= fewest agents meeting the term at calls(m, h) x AHT / 3600 Erlangs (Erlang C)
    on-phone hours(m) = sum over h of agents(m, h) x open days(m)
    FTE(m)      = on-phone hours(m) / (paid hours of an FTE a month x (1 - shrinkage(m)))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from casashore.errors import UserError
from casashore.growth.calendar import MonthShrinkage, open_days, public_holidays
from casashore.growth.scenario import Contract, ContractQueue, month_index
from casashore.queueing.domain import MAX_TRAFFIC_ERLANGS
from casashore.queueing.staffing import required_agents

DEFAULT_PROFILE = np.array([0, 0, 0, 0, 0, 0, 0, 0, 6, 9, 10, 10, 8, 7, 7, 8, 9, 8, 6, 5, 0, 0, 0, 0], dtype=float)
"""A business line's day on the client's clock: open 08:00-20:00, a morning peak at 10-12, a dip at lunch and
a smaller afternoon peak (the shape of the example's bank history, rounded)."""


@dataclass(frozen=True)
class QueueDemand:
    queue: str
    client: str
    operator: str
    language: str
    aht_s: float
    target_s: float
    service_level: float
    contacts: np.ndarray
    """Per month."""
    open_days: np.ndarray
    calls: np.ndarray
    """Months x 24 site hours: a typical open day's calls in each hour of the site's clock."""
    agents: np.ndarray
    """Months x 24 site hours: agents on the phones the term needs."""
    on_phone_hours: np.ndarray
    fte: np.ndarray
    weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    """The days of the week it is open (on the client's clock): its busiest week (growth/week.py)."""


def volumes(queue: ContractQueue, firsts: list[date], trend: float | None = None) -> np.ndarray:
    """``trend``: the yearly trend estimated from history, in place of the queue's trend_yearly."""
    trend = queue.trend_yearly if trend is None else trend
    first = firsts[0].strftime("%Y-%m")
    out = np.zeros(len(firsts))
    offset = month_index(first, queue.start)
    for i in range(len(firsts)):
        k = i - offset
        if k < 0:
            continue
        ramp = (k + 1) / (queue.ramp_months + 1) if k < queue.ramp_months else 1.0
        out[i] = queue.contacts_per_month * ramp * (1 + trend) ** (k / 12)
    return out


def hour_shift(client_zone: str, site_zone: str, first: date) -> int:
    """Hours to add to a client's clock to read the site's, on the 15th of the month at noon (whole hours)."""
    noon = datetime(first.year, first.month, 15, 12)
    client = noon.replace(tzinfo=ZoneInfo(client_zone)).utcoffset() or timedelta(0)
    site = noon.replace(tzinfo=ZoneInfo(site_zone)).utcoffset() or timedelta(0)
    return round((site - client).total_seconds() / 3600)


def site_profile(weights: np.ndarray, shift: int) -> np.ndarray:
    """The day's shares moved from the client's clock to the site's (a share past midnight wraps round)."""
    return np.roll(weights / weights.sum(), shift)


def queue_demand(contract: Contract, queue: ContractQueue, firsts: list[date], shrinkage: MonthShrinkage,
                 site_zone: str, where: str, trend: float | None = None) -> QueueDemand:
    """``where``: the queue's path in the scenario (contracts[1].queues[0]), which errors name; ``trend``: the
    yearly trend from history (none: the queue's own)."""
    contacts = volumes(queue, firsts, trend)
    closed = public_holidays(contract.country, firsts, f"{where.split('.')[0]}.country")
    days = open_days(firsts, queue.open_days, closed)
    weights = DEFAULT_PROFILE if queue.hourly_profile is None else np.asarray(queue.hourly_profile, dtype=float)
    profiles = np.stack([site_profile(weights, hour_shift(contract.time_zone, site_zone, f)) for f in firsts])
    daily = np.divide(contacts, days, out=np.zeros_like(contacts), where=days > 0)
    calls = daily[:, None] * profiles
    traffic = calls * queue.aht_s / 3600.0
    if traffic.max(initial=0.0) > MAX_TRAFFIC_ERLANGS:  # the Erlang kernels' checked domain
        month = firsts[int(np.argmax(traffic.max(axis=1)))].strftime("%Y-%m")
        raise UserError(f"{where}.contacts_per_month", queue.contacts_per_month,
                        f"a volume whose busiest hour stays within {MAX_TRAFFIC_ERLANGS:,.0f} Erlangs (contacts x "
                        f"aht_s / 3600); it reaches {traffic.max():,.0f} in {month}")
    agents = required_agents(traffic, queue.aht_s, target_s=contract.target_s,
                             service_level=contract.service_level).astype(float)
    on_phone = agents.sum(axis=1) * days
    fte = on_phone / (shrinkage.paid_hours_per_fte * (1 - shrinkage.total))
    return QueueDemand(queue.name, contract.client, contract.operator, queue.language, queue.aht_s,
                       contract.target_s, contract.service_level, contacts, days, calls, agents, on_phone, fte,
                       tuple(queue.open_days))
