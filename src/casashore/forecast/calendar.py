"""Public holidays of the client's country (the ``holidays`` package: FR, ES, GB, DE, MA, IL ...).

A holiday in the history is not a normal day of its week: before models are fitted, its intervals are
replaced by the same intervals a week earlier (or later, at the start of the history), so that one holiday does
not bend the weekly profile. A holiday in the forecast horizon is flagged by name on every interval, for the
planner to adjust; its effect is not estimated (a few weeks of history hold too few holidays to learn it).
"""

from __future__ import annotations

from datetime import date

import holidays
import pandas as pd

from casashore.errors import UserError


def holiday_names(country: str | None, first: date, last: date) -> dict[date, str]:
    """Public holidays of ``country`` (ISO 3166 code) between two dates, inclusive; empty without a country."""
    if not country:
        return {}
    try:
        calendar = holidays.country_holidays(country.upper(), years=range(first.year, last.year + 1))
    except NotImplementedError:
        raise UserError("country", country, "an ISO 3166 country code the holidays package knows "
                                            "(FR, ES, GB, DE, MA, IL ...)") from None
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def without_holidays(data: pd.DataFrame, country: str | None, interval_min: int) -> pd.DataFrame:
    """The series with each holiday's intervals replaced by the same intervals one week away."""
    days = data["ds"].dt.date
    names = holiday_names(country, days.min(), days.max())
    if not names:
        return data
    per_week = 7 * 1440 // interval_min
    y = data["y"].to_numpy().copy()
    holiday = days.isin(set(names)).to_numpy()
    for i in range(len(y)):
        if holiday[i]:
            for j in (i - per_week, i + per_week, i - 2 * per_week, i + 2 * per_week):
                if 0 <= j < len(y) and not holiday[j]:
                    y[i] = y[j]
                    break
    return data.assign(y=y)
