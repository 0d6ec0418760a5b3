"""A documented, seeded generator of call history for the example scenario (no real client data ships).

For each queue, ``weeks`` weeks of calls before the plan's first day, in the client's time zone:
- a week of ``weekly_calls``: Monday 1.10, Tuesday and Wednesday 1.00, Thursday 0.97, Friday 0.93, Saturday
  ``saturday_share``, Sunday ``sunday_share`` (relative daily volumes, scaled to the weekly total);
- the client country's public holidays (python-holidays) at 20 % of the day's volume;
- each day's volume multiplied by a gamma factor of mean 1 and coefficient of variation 0.08 (days differ by more
  than Poisson noise, as real ones do);
- within the client's opening hours, a base of 0.3 plus morning (10:30) and afternoon (14:30) peaks, Gaussian
  with a 1.5-hour standard deviation; arrivals Poisson per minute, uniform within it;
- handle times lognormal with the queue's mean ``aht_s`` and cv 0.8; waits exponential with mean 15 s; callers
  with a finite ``patience_s`` abandon when an exponential patience of that mean is below their wait;
- a chat or email queue's rows end with a ``channel`` column (a voice queue's file has none: voice is the
  default), so that its history is recorded under its channel.
The same seed gives the same file, byte for byte.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import holidays as holiday_calendars
import numpy as np

from casashore.plan.scenario import PlanQueue

WEEKDAY_WEIGHT = (1.10, 1.00, 1.00, 0.97, 0.93)
HOLIDAY_SHARE = 0.2
DAY_CV = 0.08


def _intraday(open_hours: str) -> np.ndarray:
    """Relative arrival rate per minute of the day (0 outside opening hours), summing to 1."""
    start, _, end = open_hours.partition("-")
    first = int(start[:2]) * 60 + int(start[3:5])
    last = int(end[:2]) * 60 + int(end[3:5])
    minutes = np.arange(1440)
    hours = minutes / 60
    shape = 0.3 + np.exp(-0.5 * ((hours - 10.5) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hours - 14.5) / 1.5) ** 2)
    shape[(minutes < first) | (minutes >= last)] = 0.0
    return shape / shape.sum()


def synthetic_calls(queue: PlanQueue, first_planned_day: date, seed: int, path: Path) -> Path:
    """Write ``queue``'s history as CSV (call_id, queue, arrival, wait_s, outcome, handle_s) to ``path``."""
    spec = queue.synthetic
    assert spec is not None
    rng = np.random.default_rng(np.random.SeedSequence([seed, *queue.name.encode()]))
    weights = [*WEEKDAY_WEIGHT, spec.saturday_share, spec.sunday_share]
    per_weight = spec.weekly_calls / sum(weights)
    profile = _intraday(spec.open_hours)
    first = first_planned_day - timedelta(days=7 * spec.weeks)
    years = range(first.year, first_planned_day.year + 1)
    days_off = holiday_calendars.country_holidays(queue.country, years=years) if queue.country else {}
    sigma = np.sqrt(np.log(1 + 0.8 ** 2))
    mu = np.log(queue.aht_s) - sigma ** 2 / 2
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        tagged = queue.channel != "voice"
        writer.writerow(["call_id", "queue", "arrival", "wait_s", "outcome", "handle_s", *(["channel"] * tagged)])
        call = 0
        for d in range(7 * spec.weeks):
            day = first + timedelta(days=d)
            volume = per_weight * weights[day.weekday()] * (HOLIDAY_SHARE if day in days_off else 1.0)
            volume *= rng.gamma(1 / DAY_CV ** 2, DAY_CV ** 2)
            counts = rng.poisson(volume * profile)
            minutes = np.repeat(np.arange(1440), counts)
            seconds = minutes * 60 + rng.uniform(0, 60, len(minutes))
            waits = rng.exponential(15.0, len(minutes))
            patience = (rng.exponential(queue.patience_s, len(minutes)) if queue.patience_s
                        else np.full(len(minutes), np.inf))
            handles = rng.lognormal(mu, sigma, len(minutes))
            handle.write(_day_rows(queue.name, call, day, np.sort(seconds), waits, patience, handles,
                                   f",{queue.channel}" if tagged else ""))
            call += len(minutes)
    return path


def _day_rows(name: str, last_call: int, day: date, at: np.ndarray, waits: np.ndarray, patience: np.ndarray,
              handles: np.ndarray, tail: str = "") -> str:
    """A day's calls as CSV lines, byte for byte what ``csv.writer`` wrote row by row (names need no quoting:
    domain/base.py), a day at a time (a month of 30 queues is millions of calls)."""
    gone = patience < waits
    # The arrival as datetime + timedelta(seconds=at) then strftime gave it: rounded half to even to the
    # microsecond, then cut to the second.
    fraction, whole = np.modf(at)
    micro = whole.astype(np.int64) * 1_000_000 + np.rint(fraction * 1e6).astype(np.int64)
    stamps = np.datetime_as_string(np.datetime64(day, "s") + (micro // 1_000_000).astype("timedelta64[s]"),
                                   unit="s").tolist()
    shown = np.char.mod("%.1f", np.where(gone, patience, waits)).tolist()  # as f"{x:.1f}"
    served = np.char.mod("%.1f", handles).tolist()
    return "".join(
        f"{name}-{last_call + k + 1},{name},{stamp.replace('T', ' ')},{wait},"
        + ("ABANDONED," if left else f"ANSWERED,{handled}") + f"{tail}\r\n"
        for k, (stamp, wait, left, handled) in enumerate(zip(stamps, shown, gone.tolist(), served, strict=True)))
