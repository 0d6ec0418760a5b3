"""The rolling-origin backtest of the forecasting candidates, per queue: the last weeks of the history, each
forecast from the data before it, as a planner would have; each queue gets the candidate with the lowest WAPE.

* WAPE = sum |actual - forecast| / sum actual
* bias = sum (forecast - actual) / sum actual (positive: over-forecast)
* MASE = mean |actual - forecast| / mean |y_t - y_(t - week)| in the training data before the first window
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from statsforecast import StatsForecast

from casashore.errors import UserError
from casashore.forecast import candidates


def backtest(series: pd.DataFrame, interval_min: int, *, horizon_days: int = 7, windows: int = 2,
             forecasts: dict | None = None, models: Iterable[str] | None = None,
             choose_from: Iterable[str] | None = None) -> dict:
    """Per queue: the WAPE, MASE and bias of each of ``models`` (default: every candidate) over ``windows``
    rolling origins of ``horizon_days``; ``chosen`` is the lowest WAPE among ``choose_from`` (default: the
    candidates the automatic choice may pick, see forecast/candidates.py).

    ``forecasts``, when given, receives each queue's backtest table (actual ``y`` and one column per model).
    """
    models = candidates.known(candidates.names() if models is None else models)
    choose_from = candidates.automatic() if choose_from is None else choose_from
    choose_from = [m for m in candidates.known(choose_from) if m in models] or list(models)
    per_day = 1440 // interval_min
    horizon = horizon_days * per_day
    week = 7 * per_day
    lengths = check_history(series, interval_min, horizon_days=horizon_days, windows=windows)
    baseline = candidates.baseline()
    scored = [candidates.named(m) for m in models]
    fitted = [c for c in candidates.CANDIDATES
              if c.statsforecast is not None and (c.name in models or c is baseline)]
    # One cross-validation for all queues with as many weeks of training (the window average's length
    # depends on it), in this process (n_jobs=1): each series is fitted alone, so the figures are those of
    # a queue-by-queue run, and no worker count can change them.
    tables = {}
    weeks_of = (lengths - windows * horizon) // week
    for weeks in sorted(set(weeks_of)):
        queues = list(weeks_of.index[weeks_of == weeks])
        engine = StatsForecast(models=[c.model(interval_min, int(weeks)) for c in fitted],
                               freq=f"{interval_min}min", n_jobs=1)
        data = series.loc[series["unique_id"].isin(queues), ["unique_id", "ds", "y"]]
        cv = engine.cross_validation(df=data, h=horizon, n_windows=windows, step_size=horizon)
        for queue in queues:
            tables[queue] = cv[cv["unique_id"] == queue].reset_index(drop=True)
    results = {}
    for queue, data in series.groupby("unique_id", sort=True):
        cv = tables[queue]
        for candidate in scored:
            if candidate.point_forecast is None:
                continue
            cv[candidate.name] = np.nan
            for cutoff in cv["cutoff"].unique():
                rows_at = (cv["cutoff"] == cutoff).to_numpy()
                cv.loc[rows_at, candidate.name] = candidate.point_forecast(data[data["ds"] <= cutoff],
                                                                          interval_min, horizon_days)
        if baseline.name not in models:
            cv = cv.drop(columns=baseline.name)
        if forecasts is not None:
            forecasts[str(queue)] = cv
        results[str(queue)] = _scores(cv, data, week, models, choose_from)
    return results


def check_history(series: pd.DataFrame, interval_min: int, *, horizon_days: int = 7, windows: int = 2) -> pd.Series:
    """Each queue's number of intervals (queue order), once every queue is known to have enough history for
    ``windows`` backtest windows of ``horizon_days`` after two weeks of training; else a UserError naming the
    first queue short of it."""
    per_day = 1440 // interval_min
    needed = 2 * 7 * per_day + windows * horizon_days * per_day
    lengths = series.groupby("unique_id", sort=True).size()
    for queue, length in lengths.items():
        if length < needed:
            raise UserError("history", f"{length // per_day} days of {queue}",
                            f"at least {needed // per_day} days for {windows} windows "
                            f"of {horizon_days} days after two weeks of training")
    return lengths


def _scores(cv: pd.DataFrame, data: pd.DataFrame, week: int, models: tuple[str, ...],
            choose_from: list[str]) -> dict:
    """One queue's row per model, the chosen model and the windows' cutoffs, from its backtest table."""
    first_cutoff = cv["cutoff"].min()
    history = data.loc[data["ds"] <= first_cutoff, "y"].to_numpy()
    scale = np.mean(np.abs(history[week:] - history[:-week])) if len(history) > week else np.nan
    actual = cv["y"].to_numpy()
    rows = []
    for model in models:
        predicted = np.maximum(cv[model].to_numpy(), 0.0)
        total = actual.sum()
        rows.append({"model": model,
                     "wape": float(np.abs(actual - predicted).sum() / total) if total else None,
                     "mase": float(np.mean(np.abs(actual - predicted)) / scale) if scale else None,
                     "bias": float((predicted - actual).sum() / total) if total else None})
    chosen = min((r for r in rows if r["model"] in choose_from),
                 key=lambda r: np.inf if r["wape"] is None else r["wape"])["model"]
    return {"models": rows, "chosen": chosen, "windows": [str(c) for c in sorted(cv["cutoff"].unique())]}
