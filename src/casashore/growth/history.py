"""What the workspace's records say about a contract queue: the yearly trend of its volume, and its past months
(contacts, handled contacts and hours, service level) in place of the plan's.

A queue's records are those of its ``history_queues`` (the workspace's queues: call records from imports or the
router, and interval reports), added up month by month on each queue's own clock. Only *whole* months count: a
month between the records' first and last days (the first and last months count when the records begin on the
1st and end on the last day), so that a log starting on the 17th does not read as a drop in volume.

The trend: a Theil-Sen line through log(contacts per calendar day) against the month (the median of the slopes
of every pair of months), so that one odd month (a storm, an outage) does not bend it; months without any
contact are left out (no logarithm). Per day, so that February's three missing days are not read as a fall.

    slope b        = median over month pairs i < j of (y_j - y_i) / (x_j - x_i),  y = log(contacts / days)
    intercept a    = median of y - b x
    standard error = sqrt(sum of (y - a - b x)^2 / (n - 2)) / sqrt(sum of (x - mean x)^2)   (of b)
    trend a year   = exp(12 b) - 1, its standard error 12 exp(12 b) x that of b (the delta method)
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

MIN_HISTORY_MONTHS = 6
"""Whole months with contacts a trend needs: fewer fit a line through noise."""


@dataclass(frozen=True)
class MonthRecord:
    """A queue's records in one month, its history queues added up."""

    month: str
    """YYYY-MM"""
    offered: float
    answered: float
    handled_hours: float
    recorded: int
    """Offered calls among the call records (interval reports have no waits)."""
    within_target: int
    whole: bool


@dataclass(frozen=True)
class TrendFit:
    queue: str
    history_queues: list[str]
    months_used: list[str]
    months_left_out: list[str]
    """Whole months without any contact."""
    slope_per_month: float
    slope_se: float
    trend_yearly: float
    trend_yearly_se: float


@dataclass(frozen=True)
class QueueActuals:
    """Per month of the horizon: whether the records replace the plan, and what they say (0 or NaN elsewhere)."""

    actual: np.ndarray
    contacts: np.ndarray
    handled: np.ndarray
    handled_hours: np.ndarray
    service_level: np.ndarray


def _label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def month_records(rows: Sequence) -> list[MonthRecord]:
    """``rows``: the workspace's MonthTotals of a queue's history queues, added up per month and marked whole
    when the records (all the queues' together) cover the month from its first day to its last."""
    if not rows:
        return []
    first_day = min(r.first for r in rows).date()
    last_day = max(r.last for r in rows).date()
    sums: dict[str, list[float]] = {}
    for r in rows:
        s = sums.setdefault(_label(r.month), [0.0, 0.0, 0.0, 0, 0])
        for k, v in enumerate((r.offered, r.answered, r.handle_s / 3600.0, r.recorded, r.within_target)):
            s[k] += v
    out = []
    for label in sorted(sums):
        year, month = (int(p) for p in label.split("-"))
        start = date(year, month, 1)
        end = date(year, month, calendar.monthrange(year, month)[1])
        offered, answered, hours, recorded, within = sums[label]
        out.append(MonthRecord(label, offered, answered, hours, int(recorded), int(within),
                               first_day <= start and last_day >= end))
    return _with_empty_months(out, first_day, last_day)


def _with_empty_months(records: list[MonthRecord], first_day: date, last_day: date) -> list[MonthRecord]:
    """Months inside the records' span with no record at all: whole months of no contacts."""
    have = {r.month for r in records}
    out = list(records)
    y, m = first_day.year, first_day.month
    while (y, m) <= (last_day.year, last_day.month):
        label = f"{y:04d}-{m:02d}"
        if label not in have:
            out.append(MonthRecord(label, 0.0, 0.0, 0.0, 0, 0, True))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return sorted(out, key=lambda r: r.month)


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """The median pairwise slope, the median intercept and the slope's standard error (see the module)."""
    i, j = np.triu_indices(len(x), k=1)
    slope = float(np.median((y[j] - y[i]) / (x[j] - x[i])))
    intercept = float(np.median(y - slope * x))
    residuals = y - intercept - slope * x
    spread = float(np.sum((x - x.mean()) ** 2))
    se = float(np.sqrt(np.sum(residuals ** 2) / (len(x) - 2) / spread))
    return slope, intercept, se


def fit_trend(queue: str, history_queues: list[str], records: list[MonthRecord]) -> TrendFit | None:
    """The yearly trend from the whole months with contacts; None when fewer than MIN_HISTORY_MONTHS."""
    whole = [r for r in records if r.whole]
    used = [r for r in whole if r.offered > 0]
    if len(used) < MIN_HISTORY_MONTHS:
        return None
    x = np.array([int(r.month[:4]) * 12 + int(r.month[5:]) - 1 for r in used], dtype=float)
    days = np.array([calendar.monthrange(int(r.month[:4]), int(r.month[5:]))[1] for r in used], dtype=float)
    y = np.log(np.array([r.offered for r in used]) / days)
    slope, _, se = theil_sen(x - x[0], y)
    growth = float(np.exp(12 * slope))
    return TrendFit(queue, history_queues, [r.month for r in used], [r.month for r in whole if r.offered <= 0],
                    slope, se, growth - 1, 12 * growth * se)


def queue_actuals(records: list[MonthRecord], labels: list[str], today: str) -> QueueActuals:
    """The horizon's months before ``today`` that the records hold whole, with call records (the service level
    needs each call's wait): the records' figures; every other month stays the plan's."""
    by_month = {r.month: r for r in records}
    n = len(labels)
    actual = np.zeros(n, bool)
    contacts, handled, hours = np.zeros(n), np.zeros(n), np.zeros(n)
    level = np.full(n, np.nan)
    for i, label in enumerate(labels):
        r = by_month.get(label)
        if label >= today or r is None or not r.whole or r.recorded == 0:
            continue
        actual[i] = True
        contacts[i], handled[i], hours[i] = r.offered, r.answered, r.handled_hours
        level[i] = r.within_target / r.recorded
    return QueueActuals(actual, contacts, handled, hours, level)
