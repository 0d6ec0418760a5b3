"""Labour rules and opening hours: what a schedule and a roster may not break.

The defaults are those of Morocco's Labour Code (Law 65-99, in force since June 2004), non-agricultural
activities; every value can be changed in a rules TOML file (``casashore schedule --rules rules.toml``):

- art. 184: normal working time 44 hours a week (2,288 a year); spread unevenly, at most 10 hours a day.
  -> ``max_weekly_hours = 44``, ``max_daily_hours = 10`` (hours worked: breaks are not work).
- art. 205: a weekly rest of at least 24 hours, from midnight to midnight; art. 207 lets establishments open
  permanently give it by rotation (a 24/7 contact centre). -> ``weekly_rest_days = 1``, whole calendar days.
- art. 172: night work is work between 21:00 and 06:00; no night work for minors under 16 (women may work nights
  under the conditions set by decree). -> ``night = "21:00-06:00"``; an agent with ``night_work = no`` gets no shift
  that touches it.
- art. 174: a rest between two working days for women and minors (11 consecutive hours, as commonly cited);
  applied to every agent here. -> ``min_rest_hours = 11``.
- ``max_consecutive_days = 6``: six working days then a rest day, the usual reading of art. 205 (a rest every
  week); the code itself sets no longer limit across a week boundary.

Site policies, not law (defaults a French-speaking BPO would use): ``days_off_in_pairs`` (two consecutive days off
every week), ``weekend_off_every_weeks = 3`` (a whole Saturday-Sunday off at least once in every 3 weeks: rotating
weekends), ``start_band_hours = 2`` (within a week an agent's shifts start within 2 hours of each other).

Opening hours: ``"24/7"`` or ``"mon-fri 08:00-20:00; sat 09:00-13:00"`` (closed on days not named; a period ending
before it starts runs past midnight). No shift may cover a closed interval.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field, field_validator

from casashore.domain.base import Strict
from casashore.domain.loading import read_toml, validated
from casashore.errors import UserError
from casashore.schedule.inputs import Requirement

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")


def _clock_min(text: str) -> int:
    match = _CLOCK.match(text.strip())
    if not match or (int(match.group(1)) == 24 and match.group(2) != "00"):
        raise ValueError(f"a time of day such as 21:00, not {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _period(text: str) -> tuple[int, int]:
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"a period such as 21:00-06:00, not {text!r}")
    return _clock_min(start), _clock_min(end)


class LabourRules(Strict):
    """Rules every roster keeps (see the module's docstring for the articles of the Labour Code)."""

    max_daily_hours: Annotated[float, Field(gt=0, le=24)] = 10.0
    max_weekly_hours: Annotated[float, Field(gt=0, le=168)] = 44.0
    weekly_rest_days: Annotated[int, Field(ge=0, le=6)] = 1
    night: str = "21:00-06:00"
    min_rest_hours: Annotated[float, Field(ge=0, le=48)] = 11.0
    max_consecutive_days: Annotated[int, Field(ge=1, le=31)] = 6
    days_off_in_pairs: bool = True
    weekend_off_every_weeks: Annotated[int, Field(ge=0, le=52)] = 3
    """0: no weekend rule."""
    start_band_hours: Annotated[float, Field(ge=0, le=24)] = 2.0
    opening_hours: str = "24/7"

    _night_ok = field_validator("night")(lambda v: (_period(v), v)[1])
    _hours_ok = field_validator("opening_hours")(lambda v: (parse_opening_hours(v), v)[1])

    @property
    def night_min(self) -> tuple[int, int]:
        return _period(self.night)


def read_rules(path: Path | None) -> LabourRules:
    """The rules file, or the Labour Code's defaults without one."""
    if path is None:
        return LabourRules()
    return validated(LabourRules, read_toml(path, "rules"), where=str(path))


def parse_opening_hours(text: str) -> dict[int, list[tuple[int, int]]]:
    """``mon-fri 08:00-20:00; sat 09:00-13:00`` -> weekday (0 = Monday) -> open periods in minutes."""
    spec = text.strip().lower()
    if spec in ("24/7", "always"):
        return {d: [(0, 1440)] for d in range(7)}
    hours: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        days, _, periods = item.partition(" ")
        if days == "daily":
            chosen = range(7)
        else:
            first, _, last = days.partition("-")
            if first not in DAYS or (last and last not in DAYS):
                raise ValueError(f"days such as mon-fri, sat or daily, not {days!r}")
            a, b = DAYS.index(first), DAYS.index(last or first)
            chosen = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
        for period in periods.split(","):
            if period.strip() == "closed":
                continue
            start, end = _period(period)
            for d in chosen:
                hours[d].append((start, end))
    return hours


def open_intervals(text: str, starts: list[datetime], interval_min: int, one_day: bool) -> np.ndarray:
    """True for every interval (of ``starts``) when the site is open; an interval is open when all of it is."""
    try:
        hours = parse_opening_hours(text)
    except ValueError as exc:
        raise UserError("opening_hours", text, str(exc)) from None
    if one_day and len({tuple(v) for v in hours.values()}) > 1:
        raise UserError("opening_hours", text, "the same hours every day (daily ...) for a one-day requirement")
    minute_open = np.zeros((7, 1440), dtype=bool)
    for day, periods in hours.items():
        for start, end in periods:
            if end > start:
                minute_open[day, start:end] = True
            else:  # past midnight, into the next day
                minute_open[day, start:] = True
                minute_open[(day + 1) % 7, :end] = True
    result = np.empty(len(starts), dtype=bool)
    for i, start in enumerate(starts):
        minute = start.hour * 60 + start.minute
        result[i] = minute_open[start.weekday(), minute:minute + interval_min].all()
    return result


def staffed_while_open(requirement: Requirement, is_open: np.ndarray) -> tuple[Requirement, list[tuple[str, int]]]:
    """The requirement to staff, zero while the site is closed, and the (group, interval) cells that required
    agents while closed: those are reported, not staffed. The schedule command and the plan both follow this."""
    closed = [(g, i) for g in requirement.groups for i, o in enumerate(is_open) if not o
              and requirement.required[g][i] > 0]
    staffed = replace(requirement, required={g: [v if is_open[i] else 0.0 for i, v in enumerate(need)]
                                             for g, need in requirement.required.items()})
    return staffed, closed
