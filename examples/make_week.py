"""Make examples/week.csv: one synthetic week of a French banking queue, 15-minute intervals, Paris time.

Seeded and documented so anyone can regenerate the file: `python examples/make_week.py`. Calls follow a
two-peak intraday profile (10:00 and 15:00) scaled by weekday, Poisson noise on top; the line opens 07:00-22:00
on weekdays and 09:00-18:00 on Saturday, is closed on Sunday, so the night intervals have zero volume.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

SEED = 20260105
PARIS = ZoneInfo("Europe/Paris")
DAY_SCALE = [1.15, 1.0, 0.95, 0.95, 0.9, 0.45, 0.0]  # Monday ... Sunday
OPEN_HOURS = [(7, 22)] * 5 + [(9, 18), (0, 0)]
PEAK_CALLS_PER_15MIN = 220.0


def intraday_shape(hour: np.ndarray) -> np.ndarray:
    """Relative call volume by time of day: a morning and an afternoon peak."""
    return np.exp(-0.5 * ((hour - 10.5) / 1.6) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 15.0) / 2.0) ** 2) + 0.15


def main(path: Path | None = None) -> None:
    path = path or Path(__file__).with_name("week.csv")
    rng = np.random.default_rng(SEED)
    monday = datetime(2026, 1, 5, tzinfo=PARIS)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["start", "queue", "calls", "interval", "aht", "target", "service_level", "shrinkage"])
        for day in range(7):
            opens, closes = OPEN_HOURS[day]
            for slot in range(96):
                start = monday + timedelta(days=day, minutes=15 * slot)
                hour = slot / 4 + 0.125
                is_open = opens <= hour < closes
                mean = PEAK_CALLS_PER_15MIN * DAY_SCALE[day] * intraday_shape(np.array(hour)) if is_open else 0.0
                calls = int(rng.poisson(mean))
                writer.writerow([start.isoformat(), "fr-banking", calls, "15m", 240, 20, 0.8, 0.3])


if __name__ == "__main__":
    main()
