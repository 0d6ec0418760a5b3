"""The months of the horizon, a queue's open days in each, and the site's shrinkage month by month.

Ramadan's dates: the first day of fasting and the last (the day before Eid al-Fitr) as the ``holidays`` package
(0.109, its Islamic lunar calendar) lists them, astronomical estimates; Morocco's Ministry of Habous sets each by
the sighting of the moon, a day later at times. A scenario may list its own spans (``[[shrinkage.ramadan]]``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import holidays
import numpy as np

from casashore.errors import UserError
from casashore.growth.scenario import WEEKDAYS, RamadanSpan, Shrinkage

RAMADAN = (
    (date(2025, 3, 1), date(2025, 3, 29)),
    (date(2026, 2, 18), date(2026, 3, 19)),
    (date(2027, 2, 8), date(2027, 3, 8)),
    (date(2028, 1, 28), date(2028, 2, 25)),
    (date(2029, 1, 16), date(2029, 2, 13)),
    (date(2030, 1, 5), date(2030, 2, 3)),
    (date(2030, 12, 26), date(2031, 1, 24)),
)
"""Ramadan 2025-2030: (first day, last day)."""


def months(start: str, count: int) -> list[date]:
    """The first day of each month of the horizon."""
    year, month = (int(p) for p in start.split("-"))
    firsts = []
    for i in range(count):
        y, m = divmod(month - 1 + i, 12)
        firsts.append(date(year + y, m + 1, 1))
    return firsts


def month_label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def days_of(first: date) -> list[date]:
    return [first + timedelta(days=d) for d in range(calendar.monthrange(first.year, first.month)[1])]


def public_holidays(country: str | None, firsts: list[date], field: str) -> set[date]:
    if not country:
        return set()
    try:
        found = holidays.country_holidays(country, years=range(firsts[0].year, firsts[-1].year + 1))
    except NotImplementedError:
        raise UserError(field, country, "a country code the holidays package knows (MA, FR, ES, GB, SN ...)") from None
    return set(found)


def open_days(firsts: list[date], weekdays: list[str], closed: set[date]) -> np.ndarray:
    """Days each month a queue answers: its weekdays, less its client's public holidays."""
    wanted = {WEEKDAYS.index(w) for w in weekdays}
    return np.array([sum(1 for d in days_of(f) if d.weekday() in wanted and d not in closed) for f in firsts],
                    dtype=float)


@dataclass(frozen=True)
class MonthShrinkage:
    """The site's shrinkage by month and its parts (each a share of paid time)."""

    leave: np.ndarray
    holidays: np.ndarray
    ramadan: np.ndarray
    total: np.ndarray
    paid_hours_per_fte: float
    """Paid hours of one FTE a month: the legal week times 52 / 12."""


def ramadan_spans(rules: Shrinkage, firsts: list[date]) -> list[tuple[date, date]]:
    spans = [(s.start, s.end) for s in rules.ramadan] if rules.ramadan is not None else list(RAMADAN)
    for i, (first, last) in enumerate(spans):
        if last < first:
            raise UserError(f"shrinkage.ramadan[{i}].end", str(last), f"a day on or after start ({first})")
    if rules.ramadan is None and rules.ramadan_hours_cut > 0 and firsts[-1] > date(2030, 12, 1):
        raise UserError("park.start", month_label(firsts[0]),
                        "a horizon ending by 2030-12, the Ramadan dates listed (or list yours: [[shrinkage.ramadan]])")
    return spans


def shrinkage_by_month(rules: Shrinkage, firsts: list[date]) -> MonthShrinkage:
    """total = 1 - (1 - base)(1 - leave)(1 - holidays)(1 - ramadan), month by month:
    leave: the month's share of the year's leave days over the month's working days; holidays: the site country's
    public holidays on working days over the working days; Ramadan: the hours cut times the share of the month's
    working days in Ramadan."""
    closed = public_holidays(rules.public_holidays, firsts, "shrinkage.public_holidays")
    spans = ramadan_spans(rules, firsts)
    workdays = WEEKDAYS[:rules.working_days_per_week]
    summer, rest = rules.summer_leave_share / 2, (1 - rules.summer_leave_share) / 10
    leave, off, fasting = [], [], []
    for first in firsts:
        working = [d for d in days_of(first) if WEEKDAYS[d.weekday()] in workdays]
        leave_days = rules.annual_leave_days * (summer if first.month in (7, 8) else rest)
        holiday_days = sum(1 for d in working if d in closed)
        ramadan_days = sum(1 for d in working if any(a <= d <= b for a, b in spans))
        leave.append(min(leave_days / len(working), 1.0))
        off.append(holiday_days / len(working))
        fasting.append(rules.ramadan_hours_cut * ramadan_days / len(working))
    leave_a, off_a, fasting_a = (np.array(v) for v in (leave, off, fasting))
    total = 1 - (1 - rules.base) * (1 - leave_a) * (1 - off_a) * (1 - fasting_a)
    return MonthShrinkage(leave_a, off_a, fasting_a, np.minimum(total, 0.99), rules.paid_hours_per_week * 52 / 12)


__all__ = ["RAMADAN", "RamadanSpan", "months", "month_label", "open_days", "public_holidays",
           "shrinkage_by_month", "MonthShrinkage"]
