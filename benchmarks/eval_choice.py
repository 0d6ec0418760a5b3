"""The day-ahead model choice tried on data it had not seen (issue 20, item 2): rolling origins over the public
series, each candidate and the automatic choice forecast from the history before each origin, scored on what
followed, next to the Poisson noise floor of the same intervals.

    python benchmarks/eval_choice.py [--data ../shared/data] [--interval 30] [--src OTHER_TREE/src]

* The North American bank, 2003 (five-minute counts of handled calls on weekdays, 3 March - 24 October): one
  queue, 30-minute intervals, weekends as closed days; origins every Monday from the fifth week on, each
  forecasting the next 7 days (the choice as `casashore forecast` makes it: forecast/backtest.py's defaults).
* The Anonymous Bank, February 1999 (six queues): four weeks are too few for a choice by 7-day windows after
  two weeks of training and a test after it, so origins are every day from the 15th, each forecasting the next
  day, the choice made by 1-day backtest windows (``backtest(horizon_days=1)``; as many as the history allows).

WAPE is pooled over every origin and interval (sum |actual - forecast| / sum actual). The Poisson floor is
the WAPE a forecast knowing each interval's true rate would still have, with the actual count as that rate:
sum 2 e^-l l^(floor(l)+1) / floor(l)! / sum l (the mean absolute deviation of a Poisson count).
``--src`` runs another checkout's code (e.g. the choice before this change, `git archive <commit> src`), whose
candidates and choice are then the ones scored: the series and origins are the same.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaln

ROOT = Path(__file__).resolve().parent.parent


def bank_2003(data: Path, interval_min: int) -> pd.DataFrame:
    """One queue, ``bank2003``, on a complete grid of calendar days (weekends and holidays zero)."""
    raw = pd.read_csv(data / "us_bank_calls_2003" / "bank_calls.csv")
    at = pd.to_datetime(raw["DateTime"].str.rstrip("Z"))  # local wall time written with a Z
    counts = raw.groupby(at.dt.floor(f"{interval_min}min"))["Calls"].sum()
    grid = pd.date_range(at.min().normalize(), at.max().normalize() + pd.Timedelta(days=1),
                         freq=f"{interval_min}min", inclusive="left")
    y = counts.reindex(grid, fill_value=0).to_numpy(float)
    return pd.DataFrame({"unique_id": "bank2003", "ds": grid, "y": y, "answered": y, "handle_s": 0.0})


def bank_1999(data: Path, interval_min: int) -> pd.DataFrame:
    """The six queues of February 1999 through the workspace (import, then interval counts)."""
    from casashore.forecast.series import interval_counts
    from casashore.workspace.store import Workspace

    with tempfile.TemporaryDirectory() as folder:
        with Workspace.open(Path(folder) / "w.duckdb") as opened:
            opened.import_calls(data / "anonymous_bank_feb1999" / "data_anonymous_bank_february.txt",
                                preset="anonymous-bank")
            series = interval_counts(opened, interval_min)
    return series


def poisson_mad(rate: np.ndarray) -> np.ndarray:
    """E|N - l| for N ~ Poisson(l): 2 e^-l l^(floor(l) + 1) / floor(l)!."""
    rate = np.asarray(rate, float)
    k = np.floor(rate)
    with np.errstate(divide="ignore"):
        return np.where(rate > 0, 2 * np.exp(-rate + (k + 1) * np.log(rate) - gammaln(k + 1)), 0.0)


def evaluate(series: pd.DataFrame, interval_min: int, horizon_days: int, origins: list[pd.Timestamp],
             choice_horizon_days: int) -> dict:
    from casashore.forecast import candidates
    from casashore.forecast.backtest import backtest
    from casashore.forecast.predict import forecast

    models = candidates.automatic()
    errors = {m: 0.0 for m in (*models, "choice")}
    total = floor = 0.0
    picks: dict[str, int] = {}
    for origin in origins:
        before = series[series["ds"] < origin]
        after = series[(series["ds"] >= origin) & (series["ds"] < origin + pd.Timedelta(days=horizon_days))]
        scores = backtest(before, interval_min, horizon_days=choice_horizon_days, models=models)
        for queue, data in before.groupby("unique_id", sort=True):
            actual = after.loc[after["unique_id"] == queue, "y"].to_numpy(float)
            chosen = scores[str(queue)]["chosen"]
            picks[chosen] = picks.get(chosen, 0) + 1
            for model in (*models, "choice"):
                name = chosen if model == "choice" else model
                made = forecast(data, interval_min, {str(queue): name}, horizon_days=horizon_days)
                errors[model] += float(np.abs(actual - made["calls"].to_numpy()[:len(actual)]).sum())
            total += actual.sum()
            floor += float(poisson_mad(actual).sum())
    return {"wape": {m: e / total for m, e in errors.items()}, "poisson_floor": floor / total, "picks": picks,
            "origins": len(origins)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    series = bank_2003(args.data, args.interval)
    first = series["ds"].min()
    origins = [first + pd.Timedelta(days=d) for d in range(28, (series["ds"].max() - first).days - 6, 7)]
    report = {"bank2003": evaluate(series, args.interval, 7, origins, 7)}
    series = bank_1999(args.data, args.interval)
    first = series["ds"].min()
    report["anonymous_bank_feb1999"] = evaluate(series, args.interval, 1,
                                                [first + pd.Timedelta(days=d) for d in range(16, 28)], 1)
    for name, result in report.items():
        wape = "  ".join(f"{m} {w:.4f}" for m, w in result["wape"].items())
        print(f"{name}: {result['origins']} origins; WAPE {wape}; Poisson floor {result['poisson_floor']:.4f}; "
              f"chosen {result['picks']}")
    print(f"({time.perf_counter() - started:.0f} s, code from {args.src})")


if __name__ == "__main__":
    main()
