"""The intraday reforecast at noon against the day-ahead forecast of the same afternoon (issue 20, item 1), on
the North American bank's 2003 five-minute counts of handled calls (164 weekdays, 3 March - 24 October).

    python benchmarks/eval_intraday.py [--data ../shared/data] [--interval 30 15] [--as-of 12:00]

The counts are imported into a fresh workspace as an interval report (queue ``bank2003``, America/New_York wall
time, 5-minute rows), the path any ACD's interval report takes. Then, for every weekday from the fifth week on
(rolling origins over the whole series: each day forecast from the days before it only), `casashore forecast
--intraday --as-of DAYT12:00`'s use case (forecast/reforecast.py) gives the day-ahead forecast of each interval
(the queue's chosen model fitted on the history before the day) and the updated one from the morning's calls.
Both are scored on the afternoon's actual counts (the intervals from the as-of time to the close):

* pooled WAPE: sum over every day and interval of |actual - forecast| / sum of actual;
* mean daily WAPE: each day's afternoon WAPE, averaged over the days;
* the share of afternoon intervals inside the updated 80 % and 95 % bands.

The bands' candidates, on this series and on the February 1999 log: benchmarks/eval_intraday_bands.py.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
MAPPING = """
kind = "intervals"
time_zone = "America/New_York"
timestamp_format = "%Y-%m-%dT%H:%M:%SZ"
interval_min = 5
[columns]
queue = "queue"
start = "DateTime"
offered = "Calls"
"""


def workspace_of(data: Path, folder: Path) -> Path:
    """The 2003 counts imported as an interval report (the file has no queue column: one is added)."""
    from casashore.workspace.mapping import load_mapping
    from casashore.workspace.store import Workspace

    report = folder / "bank_calls.csv"
    with (data / "us_bank_calls_2003" / "bank_calls.csv").open(newline="") as source, \
            report.open("w", newline="") as target:
        rows = csv.DictReader(source)
        writer = csv.DictWriter(target, ["queue", "DateTime", "Calls"])
        writer.writeheader()
        writer.writerows({"queue": "bank2003", "DateTime": r["DateTime"], "Calls": r["Calls"]} for r in rows)
    (folder / "report.toml").write_text(MAPPING)
    path = folder / "w.duckdb"
    with Workspace.open(path) as opened:
        opened.import_intervals(report, load_mapping(folder / "report.toml"))
    return path


def evaluate(path: Path, interval_min: int, as_of: str) -> dict:
    from casashore.forecast.reforecast import reforecast_workspace
    from casashore.forecast.series import interval_counts
    from casashore.workspace.store import Workspace

    with Workspace.open(path, read_only=True) as opened:
        series = interval_counts(opened, interval_min)
        actual = dict(zip(series["ds"], series["y"], strict=True))
        days = sorted({d for d, y in series.groupby(series["ds"].dt.date)["y"].sum().items() if y > 0})
        first = days[0]
        da_err = up_err = total = 0.0
        daily, inside, n = [], {80: 0, 95: 0}, 0
        models: dict[str, int] = {}
        for day in days:
            if (day - first).days < 28:
                continue
            run = reforecast_workspace(opened, as_of=datetime.fromisoformat(f"{day}T{as_of}"),
                                       interval_min=interval_min, site_zone="America/New_York")
            models[run.queues[0]["model"]] = models.get(run.queues[0]["model"], 0) + 1
            rest = run.intervals
            y = np.array([actual[pd.Timestamp(r["start"][:19])] for r in rest])
            day_ahead = np.array([r["day_ahead"] for r in rest])
            updated = np.array([r["calls"] for r in rest])
            if y.sum() == 0:
                continue
            da, up = np.abs(y - day_ahead).sum(), np.abs(y - updated).sum()
            da_err, up_err, total = da_err + da, up_err + up, total + y.sum()
            daily.append((da / y.sum(), up / y.sum()))
            open_ = day_ahead > 0
            for level in (80, 95):
                low, high = (np.array([r[f"calls_{side}_{level}"] for r in rest]) for side in ("lo", "hi"))
                inside[level] += int(((y >= low) & (y <= high))[open_].sum())
            n += int(open_.sum())
    daily = np.array(daily)
    return {"days": len(daily), "pooled": (da_err / total, up_err / total), "daily": tuple(daily.mean(axis=0)),
            "cover": (inside[80] / n, inside[95] / n), "models": models}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--interval", type=int, nargs="+", default=[30, 15])
    parser.add_argument("--as-of", default="12:00")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        path = workspace_of(args.data, Path(folder))
        for minutes in args.interval:
            started = time.perf_counter()
            r = evaluate(path, minutes, args.as_of)
            (da, up), (dda, dup) = r["pooled"], r["daily"]
            print(f"{minutes}-minute intervals, as of {args.as_of}, {r['days']} days: pooled WAPE day-ahead {da:.4f} "
                  f"updated {up:.4f} ({1 - up / da:.1%} lower); mean daily WAPE {dda:.4f} -> {dup:.4f} "
                  f"({1 - dup / dda:.1%} lower); inside the 80 % band {r['cover'][0]:.1%}, 95 % {r['cover'][1]:.1%}; "
                  f"day-ahead models {r['models']} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
