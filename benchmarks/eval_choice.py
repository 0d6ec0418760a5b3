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


VARIANTS = {"choice w2": (2, False), "choice w2+comb": (2, True), "choice auto": (None, False),
            "choice auto+comb": (None, True)}
"""The choices scored (backtest windows: 2 or as many as the history allows; the mean of the best two as a
candidate or not); the rule (never lose to the four-week average) is in all of them."""


def evaluate(series: pd.DataFrame, interval_min: int, horizon_days: int, origins: list[pd.Timestamp],
             choice_horizon_days: int) -> dict:
    from casashore.forecast import backtest as bt
    from casashore.forecast import candidates
    from casashore.forecast.predict import forecast

    models = candidates.automatic()
    new_code = "combine" in bt.backtest.__code__.co_varnames  # else an older checkout (--src): its own choice
    variants = VARIANTS if new_code else {"choice": (2, True)}
    errors = {m: 0.0 for m in (*models, *variants)}
    total = floor = 0.0
    picks: dict[str, dict[str, int]] = {v: {} for v in variants}
    argmin_differs = 0
    for origin in origins:
        before = series[series["ds"] < origin]
        after = series[(series["ds"] >= origin) & (series["ds"] < origin + pd.Timedelta(days=horizon_days))]
        # one backtest per window count, the combination scored; the choice without it from the single rows
        scores = {w: bt.backtest(before, interval_min, horizon_days=choice_horizon_days, windows=w, models=models,
                                 **({"combine": True} if new_code else {}))
                  for w in sorted({w for w, _ in variants.values()}, key=str)}
        for queue, data in before.groupby("unique_id", sort=True):
            actual = after.loc[after["unique_id"] == queue, "y"].to_numpy(float)
            made = {m: np.maximum(forecast(data, interval_min, {str(queue): m}, horizon_days=horizon_days)["calls"]
                                  .to_numpy()[:len(actual)], 0.0) for m in models}
            for m in models:
                errors[m] += float(np.abs(actual - made[m]).sum())
            for variant, (windows, combine) in variants.items():
                result = scores[windows][str(queue)]
                wape = {r["model"]: r["wape"] for r in result["models"] if r["model"] in models}
                chosen = result["chosen"] if combine else bt.choose(wape, list(models))[0]
                picks[variant][chosen] = picks[variant].get(chosen, 0) + 1
                point = np.mean([made[p] for p in chosen.split("+")], axis=0)
                errors[variant] += float(np.abs(actual - point).sum())
                # the plain argmin (issue 12's choice, ties to the registry's order) against the rule's
                argmin = min(models, key=lambda m: np.inf if wape[m] is None else wape[m])
                if new_code and not combine and argmin != chosen:
                    argmin_differs += 1
            total += actual.sum()
            floor += float(poisson_mad(actual).sum())
    return {"wape": {m: e / total for m, e in errors.items()}, "poisson_floor": floor / total, "picks": picks,
            "origins": len(origins), "argmin_differs": argmin_differs}


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
              f"plain argmin differs from the rule's choice {result['argmin_differs']} times")
        for variant, picks in result["picks"].items():
            print(f"  {variant} chose {picks}")
    print(f"({time.perf_counter() - started:.0f} s, code from {args.src})")


if __name__ == "__main__":
    main()
