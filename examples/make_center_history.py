"""Make examples/center_history.csv: the four weeks before examples/week.csv (29 December 2025 back to 8 December
2025) of the same French banking queue, drawn from make_week.py's model with a seed of their own: the history a
workspace needs before the router re-plans 5 January 2026, the first day of the README's roster (README, "A tour";
import it with examples/center_history.toml).

Seeded: `python examples/make_center_history.py` writes the same file. Columns: start (Paris wall
time, no offset), queue, offered, answered (every call: no abandons in this synthetic history), aht_s.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from make_week import DAY_SCALE, OPEN_HOURS, PARIS, PEAK_CALLS_PER_15MIN, intraday_shape

SEED = 20251208
WEEKS = 4


def main(path: Path | None = None) -> None:
    path = path or Path(__file__).with_name("center_history.csv")
    rng = np.random.default_rng(SEED)
    first = datetime(2026, 1, 5, tzinfo=PARIS) - timedelta(weeks=WEEKS)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["start", "queue", "offered", "answered", "aht_s"])
        for day in range(7 * WEEKS):
            opens, closes = OPEN_HOURS[day % 7]
            for slot in range(96):
                hour = slot / 4 + 0.125
                start = (first + timedelta(days=day)).replace(hour=slot // 4, minute=15 * (slot % 4))
                calls = 0  # closed: a row of zeros all the same, so the records reach the Sunday before the roster
                if opens <= hour < closes:
                    calls = int(rng.poisson(PEAK_CALLS_PER_15MIN * DAY_SCALE[day % 7]
                                            * intraday_shape(np.array(hour))))
                writer.writerow([start.strftime("%Y-%m-%d %H:%M"), "fr-banking", calls, calls, 240])


if __name__ == "__main__":
    main()
