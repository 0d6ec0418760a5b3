"""The rolling-origin backtest of the forecasting candidates, per queue: the last weeks of the history, each
forecast from the data before it, as a planner would have; and the choice of each queue's model.

* WAPE = sum |actual - forecast| / sum actual
* bias = sum (forecast - actual) / sum actual (positive: over-forecast)
* MASE = mean |actual - forecast| / mean |y_t - y_(t - week)| in the training data before the first window

Windows: the last WINDOWS weeks (``windows=None``: as many as the history allows after two weeks of training,
two to MAX_WINDOWS). The choice (``choose``): the lowest backtest WAPE, never a model that loses to the four-week
window average (WeeklyAverage, the plain planner's forecast); with ``combine``, the mean of the best two
(named ``A+B``) is a candidate too. More windows and the combination were measured on both public series' rolling
origins and neither helped on both (docs/history.md, "The day-ahead choice on unseen data"): they are options,
off by default, and the default choice is issue 12's lowest WAPE on two windows, the rule stating what it did.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from statsforecast import StatsForecast

from casashore.errors import UserError
from casashore.forecast import candidates
from casashore.forecast.skipped import Skipped

WINDOWS = 2
"""Backtest windows by default (what `casashore forecast` chooses by)."""
MAX_WINDOWS = 4
"""Backtest windows at most with ``windows=None``: four weeks of 7-day windows (after two of training)."""
COMBINE = False
"""Whether the mean of the two best candidates is scored and may be chosen by default."""
REFERENCE = "WeeklyAverage"
"""The model no chosen one may lose to on the backtest."""


def backtest(series: pd.DataFrame, interval_min: int, *, horizon_days: int = 7, windows: int | None = WINDOWS,
             forecasts: dict | None = None, models: Iterable[str] | None = None,
             choose_from: Iterable[str] | None = None, combine: bool = COMBINE) -> dict:
    """Per queue: the WAPE, MASE and bias of each of ``models`` (default: every candidate) over ``windows``
    rolling origins of ``horizon_days`` (None: as many as its history allows, 2 to MAX_WINDOWS); ``chosen``
    among ``choose_from`` (default: the candidates the automatic choice may pick, see forecast/candidates.py),
    and with ``combine`` their best two's mean, by ``choose``.

    ``forecasts``, when given, receives each queue's backtest table (actual ``y`` and one column per model).
    """
    models = candidates.known(candidates.names() if models is None else models)
    choose_from = candidates.automatic() if choose_from is None else choose_from
    choose_from = [m for m in candidates.known(choose_from) if m in models] or list(models)
    per_day = 1440 // interval_min
    horizon = horizon_days * per_day
    week = 7 * per_day
    lengths = check_history(series, interval_min, horizon_days=horizon_days, windows=windows or 2)
    counts = lengths.map(lambda n: windows or window_count(n // per_day, horizon_days))
    baseline = candidates.baseline()
    scored = [candidates.named(m) for m in models]
    fitted = [c for c in candidates.CANDIDATES
              if c.statsforecast is not None and (c.name in models or c is baseline)]
    # One cross-validation for all queues with as many windows and weeks of training (the window average's
    # length depends on it), in this process (n_jobs=1): each series is fitted alone, so the figures are those
    # of a queue-by-queue run, and no worker count can change them.
    tables = {}
    weeks_of = (lengths - counts * horizon) // week
    for n_windows, weeks in sorted(set(zip(counts, weeks_of, strict=True))):
        queues = list(lengths.index[(counts == n_windows) & (weeks_of == weeks)])
        engine = StatsForecast(models=[c.model(interval_min, int(weeks)) for c in fitted],
                               freq=f"{interval_min}min", n_jobs=1)
        data = series.loc[series["unique_id"].isin(queues), ["unique_id", "ds", "y"]]
        cv = engine.cross_validation(df=data, h=horizon, n_windows=int(n_windows), step_size=horizon)
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
        results[str(queue)] = _scores(cv, data, week, models, choose_from, combine)
        if forecasts is not None:
            forecasts[str(queue)] = cv
    return results


def window_count(days: int, horizon_days: int) -> int:
    """Backtest windows for ``days`` of history: as many of ``horizon_days`` as fit after two weeks of training,
    at least 2 (check_history refuses less), at most MAX_WINDOWS."""
    return int(min(MAX_WINDOWS, max(2, (days - 14) // horizon_days)))


def short_histories(series: pd.DataFrame, interval_min: int, *, horizon_days: int = 7,
                    windows: int = 2, needs: str = "a forecast") -> list[Skipped]:
    """The queues (in name order) whose history is too short for ``windows`` backtest windows of ``horizon_days``
    after two weeks of training, each with why (``needs``: who needs them, said in the why)."""
    per_day = 1440 // interval_min
    needed = 2 * 7 * per_day + windows * horizon_days * per_day
    expected = (f"at least {needed // per_day} days for {windows} windows of {horizon_days} days after two weeks "
                "of training")
    short = []
    for queue, ds in series.groupby("unique_id", sort=True)["ds"]:
        if len(ds) < needed:
            days = len(ds) // per_day
            short.append(Skipped(str(queue), "short_history",
                                 f"{days} days of history ({ds.min().date()} to {ds.max().date()}); {needs} "
                                 f"needs {expected}",
                                 UserError("history", f"{days} days of {queue}", expected)))
    return short


def every_short(short: list[Skipped]) -> UserError:
    """The refusal naming every queue of ``short`` (one queue's own refusal when it is alone): ``history: '5 days
    of a, 5 days of b' is not valid; expected at least 28 days ...``."""
    if len(short) == 1:
        return short[0].refusal
    first = short[0].refusal
    return UserError(first.field, ", ".join(str(s.refusal.value) for s in short), first.expected)


def without_short(series: pd.DataFrame, interval_min: int, *, horizon_days: int = 7, windows: int = 2,
                  needs: str = "a forecast") -> tuple[pd.DataFrame, list[Skipped]]:
    """``series`` without its queues too short for ``windows`` windows of ``horizon_days`` (``short_histories``),
    and those queues with why: a run over every queue goes on with the others. Refused, naming every queue, when
    no queue is left."""
    skipped = short_histories(series, interval_min, horizon_days=horizon_days, windows=windows, needs=needs)
    if not skipped:
        return series, []
    if len(skipped) == series["unique_id"].nunique():
        raise every_short(skipped)
    return series[~series["unique_id"].isin([s.queue for s in skipped])].reset_index(drop=True), skipped


def check_history(series: pd.DataFrame, interval_min: int, *, horizon_days: int = 7, windows: int = 2) -> pd.Series:
    """Each queue's number of intervals (queue order), once every queue is known to have enough history for
    ``windows`` backtest windows of ``horizon_days`` after two weeks of training; else a UserError naming every
    queue short of it."""
    short = short_histories(series, interval_min, horizon_days=horizon_days, windows=windows)
    if short:
        raise every_short(short)
    return series.groupby("unique_id", sort=True).size()


def _scores(cv: pd.DataFrame, data: pd.DataFrame, week: int, models: tuple[str, ...],
            choose_from: list[str], combine: bool) -> dict:
    """One queue's row per model (and the combination's), the chosen model and the windows' cutoffs, from its
    backtest table; the combination's forecasts join the table."""
    first_cutoff = cv["cutoff"].min()
    history = data.loc[data["ds"] <= first_cutoff, "y"].to_numpy()
    scale = np.mean(np.abs(history[week:] - history[:-week])) if len(history) > week else np.nan
    actual = cv["y"].to_numpy()
    rows = [_row(model, actual, cv[model].to_numpy(), scale) for model in models]
    chosen, pair = choose({r["model"]: r["wape"] for r in rows}, choose_from)
    if pair is not None and combine:
        name = candidates.COMBINED.join(pair)
        cv[name] = (cv[pair[0]].clip(lower=0) + cv[pair[1]].clip(lower=0)) / 2
        rows.append(_row(name, actual, cv[name].to_numpy(), scale))
        chosen, _ = choose({r["model"]: r["wape"] for r in rows}, [*choose_from, name])
    return {"models": rows, "chosen": chosen, "windows": [str(c) for c in sorted(cv["cutoff"].unique())]}


def _row(model: str, actual: np.ndarray, forecast: np.ndarray, scale: float) -> dict:
    predicted = np.maximum(forecast, 0.0)
    total = actual.sum()
    return {"model": model,
            "wape": float(np.abs(actual - predicted).sum() / total) if total else None,
            "mase": float(np.mean(np.abs(actual - predicted)) / scale) if scale else None,
            "bias": float((predicted - actual).sum() / total) if total else None}


def choose(wape: dict[str, float | None], choose_from: list[str]) -> tuple[str, tuple[str, str] | None]:
    """The model with the lowest backtest WAPE among ``choose_from`` that does not lose to REFERENCE (when it is
    scored: ties go to it, then to the registry's order), and the two best such single models (registry order)
    whose mean is worth scoring, or None. When REFERENCE is among ``choose_from`` the rule changes a plain lowest
    WAPE only on a tie (none in docs/history.md's rolling origins): it states what the choice guarantees."""
    def loss(model: str) -> float:
        return np.inf if wape.get(model) is None else wape[model]

    eligible = [m for m in choose_from if m in wape]
    if REFERENCE in eligible:
        eligible = [REFERENCE] + [m for m in eligible if m != REFERENCE and loss(m) < loss(REFERENCE)]
    chosen = min(eligible, key=loss)
    singles = sorted((m for m in eligible if candidates.COMBINED not in m), key=loss)[:2]
    pair = tuple(m for m in candidates.names() if m in singles) if len(singles) == 2 else None
    return chosen, pair
