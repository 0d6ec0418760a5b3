"""Forecasting models and their rolling-origin backtest, per queue.

Candidates (statsforecast): the seasonal naive forecast (same interval last week) as the baseline; the
seasonal window average (mean of the same interval over the last weeks); MSTL with daily and weekly
seasonality and an AutoETS trend; and DailyETS, AutoETS (weekly season) on daily totals spread over the day by
each weekday's intraday profile of the last four weeks — the classic planner's split of "how many today" from
"when in the day". Each queue gets the model with the lowest WAPE over the backtest windows
(the last weeks of the history, each forecast from the data before it, as a planner would have).

* WAPE = sum |actual - forecast| / sum actual
* bias = sum (forecast - actual) / sum actual (positive: over-forecast)
* MASE = mean |actual - forecast| / mean |y_t - y_(t - week)| in the training data before the first window
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import poisson
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS, SeasonalNaive, SeasonalWindowAverage

from casashore.errors import UserError
from casashore.forecast.calendar import holiday_names, without_holidays

BASELINE = "SeasonalNaive"
DAILY = "DailyETS"
MODELS = (BASELINE, "WeeklyAverage", "MSTL", DAILY)
"""Every candidate, by name (the order of the backtest's rows)."""
DEFAULT_MODELS = (BASELINE, "WeeklyAverage", DAILY)
"""The models a queue's forecast is chosen among unless asked otherwise. MSTL won no backtest of the Anonymous
Bank's six queues nor the example's three, at 15, 30 or 60 minutes (docs/history.md gives the WAPEs) and cost
~90 % of the forecast step; it stays available by name (``models=MODELS``)."""


def daily_ets(train: pd.DataFrame, interval_min: int, horizon_days: int) -> np.ndarray:
    """DailyETS: AutoETS on the daily totals of ``train`` (whole days), times each weekday's intraday profile
    (share of the day's calls per interval over the last four weeks); ``horizon_days`` days of intervals."""
    per_day = 1440 // interval_min
    y = train["y"].to_numpy()
    days = len(y) // per_day
    grid = y[-days * per_day:].reshape(days, per_day)
    first_day = train["ds"].iloc[len(y) - days * per_day].normalize()
    totals = pd.DataFrame({"unique_id": "q", "ds": pd.date_range(first_day, periods=days, freq="D"),
                           "y": grid.sum(axis=1)})
    model = AutoETS(season_length=7, alias=DAILY)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # A few weeks of daily totals leave ETS's variance estimate with no degrees of freedom; the point
        # forecast is still defined and is all this model uses.
        warnings.simplefilter("ignore", RuntimeWarning)
        daily = StatsForecast(models=[model], freq="D").forecast(df=totals, h=horizon_days)[DAILY].to_numpy()
    daily = np.maximum(daily, 0.0)
    weekday = (first_day.dayofweek + np.arange(days)) % 7
    recent = np.arange(days) >= days - 28
    out = np.empty(horizon_days * per_day)
    for d in range(horizon_days):
        wd = (first_day.dayofweek + days + d) % 7
        same = grid[(weekday == wd) & recent]
        total = same.sum()
        share = same.sum(axis=0) / total if total > 0 else np.zeros(per_day)
        out[d * per_day:(d + 1) * per_day] = daily[d] * share
    return out


def _odd_above(x: float) -> int:
    """The smallest odd integer greater than ``x``."""
    n = int(np.floor(x)) + 1
    return n if n % 2 else n + 1


def _stl_jumps(period: int, seasonal: int) -> dict:
    """R's stl() jumps (each smoother evaluated every ceil(window / 10) points, linearly interpolated between)
    for ``period`` and the seasonal window ``seasonal``. statsmodels' STL evaluates every point, which made
    MSTL ~90 % of the forecast step (7 s per fit on 15-minute data, whose weekly period is 672) although
    R's forecast::mstl, which statsforecast's MSTL follows, uses these jumps."""
    trend = _odd_above(1.5 * period / (1 - 1.5 / seasonal))
    low_pass = _odd_above(period)
    return {"seasonal_jump": -(-seasonal // 10), "trend_jump": -(-trend // 10), "low_pass_jump": -(-low_pass // 10)}


def candidates(interval_min: int, weeks_of_history: int) -> list:
    day = 1440 // interval_min
    week = 7 * day
    return [
        SeasonalNaive(season_length=week, alias=BASELINE),
        SeasonalWindowAverage(season_length=week, window_size=max(1, min(4, weeks_of_history)),
                              alias="WeeklyAverage"),
        # statsforecast passes one stl_kwargs to every period's STL: the daily period's jumps (R's for it,
        # finer than R's for the weekly one); the seasonal window 11 is the first of R's 7 + 4k.
        MSTL(season_length=[day, week], trend_forecaster=AutoETS(model="ZZN"), alias="MSTL",
             stl_kwargs=_stl_jumps(day, 11)),
    ]


def _known(models) -> tuple[str, ...]:
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise UserError("models", ", ".join(unknown), f"model names among {', '.join(MODELS)}")
    return tuple(m for m in MODELS if m in models)  # the documented order, whatever the caller's


def backtest(series: pd.DataFrame, interval_min: int, *, horizon_days: int = 7, windows: int = 2,
             forecasts: dict | None = None, models=MODELS, choose_from=DEFAULT_MODELS) -> dict:
    """Per queue: the WAPE, MASE and bias of each of ``models`` over ``windows`` rolling origins of
    ``horizon_days``; ``chosen`` is the lowest WAPE among ``choose_from`` (the default candidates: MSTL is
    scored for the comparison but not chosen unless asked for, see DEFAULT_MODELS).

    ``forecasts``, when given, receives each queue's backtest table (actual ``y`` and one column per model).
    """
    models = _known(models)
    choose_from = [m for m in _known(choose_from) if m in models] or list(models)
    per_day = 1440 // interval_min
    horizon = horizon_days * per_day
    week = 7 * per_day
    lengths = series.groupby("unique_id", sort=True).size()
    for queue, length in lengths.items():
        if length < 2 * week + windows * horizon:
            raise UserError("history", f"{length // per_day} days of {queue}",
                            f"at least {(2 * week + windows * horizon) // per_day} days for {windows} windows "
                            f"of {horizon_days} days after two weeks of training")
    # One cross-validation for all queues with as many weeks of training (the window average's length
    # depends on it), in this process (n_jobs=1): each series is fitted alone, so the figures are those of
    # a queue-by-queue run, and no worker count can change them.
    tables = {}
    weeks_of = (lengths - windows * horizon) // week
    for weeks in sorted(set(weeks_of)):
        queues = list(weeks_of.index[weeks_of == weeks])
        fitted = [m for m in candidates(interval_min, int(weeks)) if m.alias in models or m.alias == BASELINE]
        engine = StatsForecast(models=fitted, freq=f"{interval_min}min", n_jobs=1)
        data = series.loc[series["unique_id"].isin(queues), ["unique_id", "ds", "y"]]
        cv = engine.cross_validation(df=data, h=horizon, n_windows=windows, step_size=horizon)
        for queue in queues:
            tables[queue] = cv[cv["unique_id"] == queue].reset_index(drop=True)
    results = {}
    for queue, data in series.groupby("unique_id", sort=True):
        cv = tables[queue]
        if DAILY in models:
            cv[DAILY] = np.nan
            for cutoff in cv["cutoff"].unique():
                rows_at = (cv["cutoff"] == cutoff).to_numpy()
                cv.loc[rows_at, DAILY] = daily_ets(data[data["ds"] <= cutoff], interval_min, horizon_days)
        if BASELINE not in models:
            cv = cv.drop(columns=BASELINE)
        if forecasts is not None:
            forecasts[str(queue)] = cv
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
        results[str(queue)] = {"models": rows, "chosen": chosen,
                               "windows": [str(c) for c in sorted(cv["cutoff"].unique())]}
    return results


def aht_profile(data: pd.DataFrame, interval_min: int, weeks: int = 4) -> pd.Series:
    """AHT per (weekday, time of day) over the last ``weeks`` weeks: handle time over answered calls of those
    intervals; the queue's overall AHT where an interval had no answered call."""
    recent = data[data["ds"] > data["ds"].max() - pd.Timedelta(weeks=weeks)]
    key = [recent["ds"].dt.dayofweek, recent["ds"].dt.hour * 60 + recent["ds"].dt.minute]
    sums = recent.groupby(key)[["handle_s", "answered"]].sum()
    overall = data["handle_s"].sum() / data["answered"].sum() if data["answered"].sum() else np.nan
    return (sums["handle_s"] / sums["answered"].where(sums["answered"] > 0)).fillna(overall)


def forecast(series: pd.DataFrame, interval_min: int, chosen: dict[str, str], *, horizon_days: int,
             levels: tuple[int, ...] = (80, 95), countries: dict[str, str | None] | None = None) -> pd.DataFrame:
    """The chosen model of each queue, fitted on its whole history, ``horizon_days`` ahead with intervals.

    Columns: unique_id, ds, model, calls, calls_lo_<level> / calls_hi_<level> for each level, aht_s (the
    weekday x time-of-day AHT of the last four weeks) and holiday (the name of a public holiday of the queue's
    country on that date, else empty). Holidays in the history are smoothed out before fitting.
    """
    per_day = 1440 // interval_min
    frames = []
    for queue, data in series.groupby("unique_id", sort=True):
        weeks = len(data) // (7 * per_day)
        name = chosen[str(queue)]
        country = (countries or {}).get(str(queue))
        fitted_on = without_holidays(data, country, interval_min)[["unique_id", "ds", "y"]]
        if name == DAILY:
            starts = pd.date_range(data["ds"].iloc[-1] + pd.Timedelta(minutes=interval_min),
                                   periods=horizon_days * per_day, freq=f"{interval_min}min")
            out = pd.DataFrame({"unique_id": str(queue), "ds": starts,
                                DAILY: daily_ets(fitted_on, interval_min, horizon_days)})
        else:
            model = {m.alias: m for m in candidates(interval_min, weeks)}[name]
            engine = StatsForecast(models=[model], freq=f"{interval_min}min")
            try:
                out = engine.forecast(df=fitted_on, h=horizon_days * per_day, level=list(levels))
            except Exception:  # noqa: BLE001 - a model without native intervals: Poisson intervals instead
                out = engine.forecast(df=fitted_on, h=horizon_days * per_day)
        point = np.maximum(out[name].to_numpy(), 0.0)
        frame = pd.DataFrame({"unique_id": out["unique_id"].astype(str), "ds": out["ds"],
                              "model": name, "calls": point})
        for level in levels:
            lo, hi = f"{name}-lo-{level}", f"{name}-hi-{level}"
            if lo in out:
                frame[f"calls_lo_{level}"] = np.maximum(out[lo].to_numpy(), 0.0)
                frame[f"calls_hi_{level}"] = np.maximum(out[hi].to_numpy(), 0.0)
            else:
                frame[f"calls_lo_{level}"] = poisson.ppf((1 - level / 100) / 2, point)
                frame[f"calls_hi_{level}"] = poisson.ppf(1 - (1 - level / 100) / 2, point)
        profile = aht_profile(data, interval_min)
        slots = list(zip(frame["ds"].dt.dayofweek, frame["ds"].dt.hour * 60 + frame["ds"].dt.minute, strict=True))
        frame["aht_s"] = profile.reindex(slots).to_numpy()
        names = holiday_names(country, frame["ds"].min().date(), frame["ds"].max().date())
        frame["holiday"] = frame["ds"].dt.date.map(names).fillna("")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
