"""An email queue's forecast as its planner reads it: per client day, the items arriving that day (with bands), the
agent-hours of work they bring into the backlog, and the hour-of-day profile (the share of the day's items in each
hour of the client's clock) — from the same per-interval forecast the plan's email backlog is fed with, so the two
never disagree.

A day's bands follow its intervals' kind. Poisson bands around the point forecast (a model without intervals of
its own, forecast/predict.py) give the day the Poisson band of its total, the sum of independent Poisson counts.
A model's own bands are added up: exact when a day's intervals rise and fall together (a busy day is busy all day,
the usual case for mail), wider than the truth when they do not; never narrower."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
from scipy.stats import poisson

BOUNDS = ("lo_80", "hi_80", "lo_95", "hi_95")
LEVELS = {f"{side}_{level}": (1 - level / 100) / 2 if side == "lo" else 1 - (1 - level / 100) / 2
          for level in (80, 95) for side in ("lo", "hi")}
"""Each bound's quantile, computed as forecast/predict.py computes its Poisson bands (the same floats)."""


def email_days(rows: Iterable[dict]) -> list[dict]:
    """Per queue and client date (in the rows' order): ``items`` (the day's forecast), ``items_lo_80`` …
    ``items_hi_95``, ``workload_h`` (items x each interval's AHT, in agent-hours), ``hour_shares`` (24 shares of
    the day's items by client wall-clock hour; an interval's items spread evenly over the minutes it covers, as the
    backlog model takes them), ``peak_hour`` and ``holiday``. ``rows``: forecast/run.py's intervals."""
    days: dict[tuple[str, str], dict] = {}
    for row in rows:
        start = datetime.fromisoformat(row["start"])  # the client's wall time, with its offset
        key = (row["queue"], start.date().isoformat())
        day = days.get(key)
        if day is None:
            day = days[key] = {"queue": key[0], "date": key[1], "items": 0.0,
                               **{f"items_{b}": 0.0 for b in BOUNDS}, "workload_h": 0.0,
                               "hours": np.zeros(24), "holiday": row.get("holiday") or "", "poisson": True}
        calls = float(row["calls"])
        day["items"] += calls
        for bound in BOUNDS:
            day[f"items_{bound}"] += float(row[f"calls_{bound}"])
            day["poisson"] &= float(row[f"calls_{bound}"]) == float(poisson.ppf(LEVELS[bound], calls))
        aht_s = row.get("aht_s")
        day["workload_h"] += calls * float(aht_s) / 3600 if aht_s is not None and np.isfinite(aht_s) else 0.0
        day["hours"] += calls * _hour_overlap(start.hour * 60 + start.minute, int(row["interval_min"]))
    out = []
    for day in days.values():
        hours = day.pop("hours")
        if day.pop("poisson"):
            day.update({f"items_{b}": float(poisson.ppf(q, day["items"])) for b, q in LEVELS.items()})
        day["hour_shares"] = (hours / day["items"]).round(6).tolist() if day["items"] > 0 else [0.0] * 24
        day["peak_hour"] = int(np.argmax(hours))
        out.append(day)
    return out


def _hour_overlap(start_min: int, length_min: int) -> np.ndarray:
    """The share of an interval [start, start + length) (minutes of the day) in each of the day's 24 hours."""
    edges = np.arange(25) * 60
    covered = np.clip(np.minimum(edges[1:], start_min + length_min) - np.maximum(edges[:-1], start_min), 0, None)
    return covered / length_min
