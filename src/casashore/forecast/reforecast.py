"""The intraday reforecast over the workspace: per queue, the day that holds the as-of time (in the queue's client
zone), its day-ahead forecast (the queue's chosen model fitted on the history before that day, as
`casashore forecast` would have made it the evening before), the calls seen before the as-of time (call records,
the router's among them, and interval reports alike) and the rest of the day updated (forecast/intraday.py).

Only whole intervals count as seen: the interval the as-of time falls in is part of the rest, whose calls so far
are left out (an interval report has nothing finer). An as-of time before the day's first calls gives the
day-ahead forecast unchanged; one after its last interval leaves nothing to update.

A queue that cannot be reforecast (no history before the day, less than a week of it, or records that stop
before the day before) never blocks the others: asked for every queue, the others are reforecast and it is
listed in ``skipped`` with the reason; named in ``queues`` (the asker wants it), or when no queue is left, the
answer is its refusal.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from casashore.errors import Refused, UserError
from casashore.forecast import candidates
from casashore.forecast.batch import forecast_all
from casashore.forecast.call_records import CallRecords
from casashore.forecast.intraday import LevelPrior, estimate_prior, update
from casashore.forecast.predict import forecast
from casashore.forecast.run import Placement
from casashore.forecast.series import interval_counts
from casashore.forecast.skipped import Skipped
from casashore.forecast.timezones import exists, zone

LEVELS = (80, 95)
PROFILE_WEEKS = {"SeasonalNaive": 1}
"""Weeks of the same weekday a day-ahead model's intraday profile is made of, where not four (WeeklyAverage's
window, DailyETS's profile): the shape error is estimated on such a profile (forecast/intraday.py)."""
SHORT_DAYS = 28
"""Days of history below which the backtest cannot choose a model (two weeks of training and two windows of a
week, forecast/backtest.py's check_history): the day-ahead is then the window average of the weeks there are."""


class IntradayRun(NamedTuple):
    queues: list[dict]
    """per queue: queue, time_zone, day, as_of (client time with offset), model, seen_calls, expected_calls,
    level, weight, prior_shape, half_life_h (None: no discount), day_ahead_rest, rest_calls"""
    intervals: list[dict]
    """the rest of each queue's day: queue, start (client time, with offset), site_start (site wall time),
    interval_min, day_ahead, calls, calls_lo_80/hi_80/lo_95/hi_95"""
    skipped: list[dict]
    """the queues left out, each with its reason and why in words (Skipped.shown)"""


def client_wall(as_of: datetime, zone_name: str) -> datetime:
    """The as-of time as the queue's client wall clock reads it: an aware time converted, a naive one taken as
    that wall time already (it must exist there)."""
    if as_of.tzinfo is not None:
        return as_of.astimezone(zone(zone_name)).replace(tzinfo=None)
    if not exists(as_of, zone_name):
        raise UserError("as_of", as_of.isoformat(), f"a time that exists in {zone_name} (the clocks skip it)")
    return as_of


class QueueDay(NamedTuple):
    """What one queue's update is made from: its day-ahead forecast of the whole day, the day's calls recorded
    so far, the history before the day and the model the day-ahead came from."""

    queue: str
    zone_name: str
    wall: datetime
    """the as-of time on the queue's client clock"""
    model: str
    day_ahead: np.ndarray
    """every interval of the day"""
    today: np.ndarray
    """the day's calls per interval in the records (the rest of the day included, if the records hold it)"""
    seen_intervals: int
    grid: np.ndarray
    """the history before the day, one row of interval counts per day, oldest first"""
    weekdays: np.ndarray
    """each history row's weekday (Monday 0)"""


def queue_days(workspace: CallRecords, *, as_of: datetime, interval_min: int,
               queues: list[str] | None = None) -> list[QueueDay]:
    """Every queue's (or those of ``queues``) day at ``as_of``: its day-ahead forecast and the records around it;
    a queue that cannot be reforecast refused (``usable_days`` skips it instead)."""
    made, skipped = usable_days(workspace, as_of=as_of, interval_min=interval_min, queues=queues)
    if skipped:
        raise skipped[0].refusal
    return made


def usable_days(workspace: CallRecords, *, as_of: datetime, interval_min: int,
                queues: list[str] | None = None) -> tuple[list[QueueDay], list[Skipped]]:
    """Each queue's day at ``as_of`` that can be reforecast, and the queues that cannot, skipped with why. Named
    queues (``queues``) are wanted: one that cannot be reforecast is refused, as is a day where none can."""
    series = interval_counts(workspace, interval_min, queues=queues)
    known = workspace.queue_zones()
    per_day = 1440 // interval_min
    walls, histories, todays, horizons, skipped = {}, [], {}, {}, []
    for queue, data in series.groupby("unique_id", sort=True):
        queue = str(queue)
        wall = client_wall(as_of, known[queue][0])
        day_start = pd.Timestamp(wall.date())
        history = data[data["ds"] < day_start]
        unusable = _unusable(queue, as_of, data, history, day_start, per_day)
        if unusable is not None:
            skipped.append(unusable)
            continue
        last_day = history["ds"].max().normalize()
        walls[queue] = wall
        histories.append(history)
        horizons[queue] = (day_start - last_day).days
        today = data.loc[(data["ds"] >= day_start) & (data["ds"] < day_start + pd.Timedelta(days=1)), "y"]
        todays[queue] = np.zeros(per_day) if today.empty else today.to_numpy(float)
    if skipped and (queues or len(skipped) == 1 and not histories):
        raise skipped[0].refusal
    if not histories:  # several queues, none usable: each one's why
        raise Refused("as_of", as_of.isoformat(), "no queue can be reforecast at this time: " + "; ".join(
            f"{s.queue}: {s.why}" for s in skipped))
    before = pd.concat(histories, ignore_index=True)
    chosen, frame = _day_ahead(before, interval_min, horizons, {name: country for name, (_, country) in known.items()})
    made = []
    for queue, wall in walls.items():
        day = wall.date()
        mine = frame[(frame["unique_id"] == queue) & (frame["ds"].dt.date == day)]
        seen_intervals = int((wall - datetime.combine(day, datetime.min.time())) // timedelta(minutes=interval_min))
        data = before[before["unique_id"] == queue]
        grid = data["y"].to_numpy(float).reshape(-1, per_day)
        first = data["ds"].iloc[0]
        made.append(QueueDay(queue, known[queue][0], wall, chosen[queue], mine["calls"].to_numpy(float),
                             todays[queue], seen_intervals, grid, (first.dayofweek + np.arange(len(grid))) % 7))
    return made, skipped


def _unusable(queue: str, as_of: datetime, data: pd.DataFrame, history: pd.DataFrame, day_start: pd.Timestamp,
              per_day: int) -> Skipped | None:
    """Why ``queue`` cannot be reforecast on the day starting ``day_start``, or None."""
    day, first = day_start.date(), data["ds"].min().date()
    if history.empty:
        return Skipped(queue, "no_history", f"no call history before {day} (its records begin on {first})",
                       UserError("as_of", as_of.isoformat(), f"a day after the first day of {queue}'s history "
                                                             f"({first})"))
    records_end = data["ds"].max().normalize().date()
    if day > records_end + timedelta(days=1):  # nothing seen would read as a day without calls
        return Skipped(queue, "records_stop", f"its records end on {records_end}, more than a day before {day}: "
                                              "import the day's calls first",
                       UserError("as_of", as_of.isoformat(), f"a day the records reach ({queue}'s end {records_end}: "
                                                             "import the day's calls first)"))
    days = len(history) // per_day
    if days < 7:
        return Skipped(queue, "short_history", f"{days} days of history before {day}; a day-ahead forecast to "
                                               "update needs 7",
                       UserError("history", f"{days} days of {queue} before the as-of day",
                                 "at least 7 days for a day-ahead forecast to update"))
    return None


def prior_of(material: QueueDay, interval_min: int) -> LevelPrior:
    """The queue's prior from its history, the shape error measured on profiles made as its day-ahead model
    makes its own."""
    return estimate_prior(material.grid, material.weekdays, interval_min, PROFILE_WEEKS.get(material.model, 4))


def reforecast_workspace(workspace: CallRecords, *, as_of: datetime, interval_min: int, site_zone: str,
                         queues: list[str] | None = None) -> IntradayRun:
    """Every queue of the records (the workspace, or any CallRecords; or ``queues``) reforecast for the rest of
    the day at ``as_of``."""
    site = zone(site_zone, "site_zone")
    placed = Placement(site)
    summaries, rows = [], []
    made, skipped = usable_days(workspace, as_of=as_of, interval_min=interval_min, queues=queues)
    for m in made:
        day, k = m.wall.date(), m.seen_intervals
        prior = prior_of(m, interval_min)
        result = update(m.day_ahead, m.today[:k], prior, interval_min, LEVELS)
        summaries.append(_summary(m.queue, m.zone_name, day, m.wall, m.model, prior, result, m.day_ahead, k))
        for i, calls in enumerate(result.calls):
            start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=(k + i) * interval_min)
            at = placed(start, m.zone_name)
            if at is None:
                continue  # an interval the clocks skip (spring forward) has no calls
            row = {"queue": m.queue, "start": at[0], "site_start": at[1], "interval_min": interval_min,
                   "day_ahead": float(m.day_ahead[k + i]), "calls": float(calls)}
            for level in LEVELS:
                low, high = result.bands[level]
                row[f"calls_lo_{level}"], row[f"calls_hi_{level}"] = float(low[i]), float(high[i])
            rows.append(row)
    return IntradayRun(summaries, rows, [s.shown() for s in skipped])


def _day_ahead(before: pd.DataFrame, interval_min: int, horizons: dict[str, int],
               countries: dict[str, str | None]) -> tuple[dict[str, str], pd.DataFrame]:
    """Each queue's day-ahead forecast: its chosen model where the history allows the backtest, else (one to
    four weeks of history) the mean of the same interval over the weeks there are (a week at least:
    ``_unusable``)."""
    per_day = 1440 // interval_min
    lengths = before.groupby("unique_id").size() // per_day
    short = sorted(str(q) for q, n in lengths.items() if n < SHORT_DAYS)
    chosen, frames = {}, []
    long = before[~before["unique_id"].isin(short)]
    if not long.empty:
        made = forecast_all(long, interval_min, {q: d for q, d in horizons.items() if q not in short},
                            candidates.automatic(), countries)
        chosen.update(made.chosen)
        frames.append(made.frame)
    for queue in short:
        fallback = {queue: "WeeklyAverage"}
        frames.append(forecast(before[before["unique_id"] == queue], interval_min, fallback,
                               horizon_days=horizons[queue], countries=countries))
        chosen.update(fallback)
    return chosen, pd.concat(frames, ignore_index=True)


def _summary(queue: str, zone_name: str, day: date, wall: datetime, model: str, prior, result, day_ahead: np.ndarray,
             seen_intervals: int) -> dict:
    aware = wall.replace(tzinfo=zone(zone_name))
    return {"queue": queue, "time_zone": zone_name, "day": day.isoformat(), "as_of": aware.isoformat(),
            "model": model, "seen_intervals": seen_intervals, "seen_calls": result.seen,
            "expected_calls": result.expected, "level": result.level, "weight": result.weight,
            "prior_shape": prior.shape, "half_life_h": None if math.isinf(prior.half_life_h) else prior.half_life_h,
            "day_ahead_rest": float(day_ahead[seen_intervals:].sum()), "rest_calls": float(result.calls.sum())}
