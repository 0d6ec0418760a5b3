"""The forecasting candidates: one declaration per model, in the order of the backtest's rows. The backtest
(forecast/backtest.py), the forecast (forecast/predict.py) and the commands read this registry and nothing else,
so a model is added here, and only here.

- SeasonalNaive: the same interval last week, the baseline to beat (the registry's first candidate).
- WeeklyAverage: statsforecast's seasonal window average, the mean of the same interval over the last (up to
  four) weeks.
- MSTL: daily and weekly seasonality with an AutoETS trend. It won no backtest of the Anonymous Bank's six
  queues nor the example's three, at 15, 30 or 60 minutes (docs/history.md gives the WAPEs) and cost ~90 % of the
  forecast step: scored by `casashore backtest`, chosen only when asked for by name.
- DailyETS: AutoETS (weekly season) on daily totals, spread over the day by each weekday's intraday profile of
  the last four weeks: the classic planner's split of "how many today" from "when in the day". (A damped trend
  was tried and was worse on both public series' rolling origins: docs/history.md, "The day-ahead choice on
  unseen data".)

With ``backtest(combine=True)`` (off by default) the choice may also pick the mean of the two best candidates of a
queue's backtest, named by joining theirs with COMBINED (``WeeklyAverage+DailyETS``; forecast/backtest.py's
``choose``); ``parts`` splits such a name.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS, SeasonalNaive, SeasonalWindowAverage

from casashore.errors import UserError

COMBINED = "+"
"""Joins the names of the candidates whose mean is a queue's forecast."""

StatsforecastBuilder = Callable[[str, int, int], Any]
"""(alias, interval_min, weeks_of_history) -> a statsforecast model named ``alias``."""
PointForecast = Callable[[pd.DataFrame, int, int], np.ndarray]
"""(training frame of unique_id, ds, y; interval_min; horizon_days) -> the point forecast of each interval."""


@dataclass(frozen=True)
class Candidate:
    """A forecasting model: its name, whether the automatic choice may pick it, and how it forecasts: either a
    statsforecast model fitted on the interval series (``statsforecast``; its own prediction intervals, else
    Poisson ones) or a point forecast of its own (``point_forecast``; Poisson intervals)."""

    name: str
    automatic: bool
    """Whether a queue's forecast may choose it when no models are named (else it is scored for comparison)."""
    statsforecast: StatsforecastBuilder | None = None
    point_forecast: PointForecast | None = None

    def __post_init__(self) -> None:
        if (self.statsforecast is None) == (self.point_forecast is None):
            raise ValueError(f"candidate {self.name}: give exactly one of statsforecast and point_forecast")

    def model(self, interval_min: int, weeks_of_history: int) -> Any:
        """The statsforecast model for this interval length and this many whole weeks of history."""
        return self.statsforecast(self.name, interval_min, weeks_of_history)

    def forecast(self, train: pd.DataFrame, interval_min: int, horizon_days: int,
                 levels: tuple[int, ...]) -> pd.DataFrame:
        """``horizon_days`` of intervals after ``train`` (one queue): unique_id, ds, this candidate's name and,
        when the model has them, ``<name>-lo-<level>`` / ``<name>-hi-<level>``."""
        per_day = 1440 // interval_min
        if self.point_forecast is not None:
            starts = pd.date_range(train["ds"].iloc[-1] + pd.Timedelta(minutes=interval_min),
                                   periods=horizon_days * per_day, freq=f"{interval_min}min")
            return pd.DataFrame({"unique_id": str(train["unique_id"].iloc[0]), "ds": starts,
                                 self.name: self.point_forecast(train, interval_min, horizon_days)})
        engine = StatsForecast(models=[self.model(interval_min, len(train) // (7 * per_day))],
                               freq=f"{interval_min}min")
        if not levels:
            return engine.forecast(df=train, h=horizon_days * per_day)
        try:
            return engine.forecast(df=train, h=horizon_days * per_day, level=list(levels))
        except Exception:  # noqa: BLE001 - a model without native intervals: the caller adds Poisson ones
            return engine.forecast(df=train, h=horizon_days * per_day)


def daily_ets(train: pd.DataFrame, interval_min: int, horizon_days: int) -> np.ndarray:
    """DailyETS: AutoETS on the daily totals of ``train`` (whole days), times each weekday's intraday profile
    (share of the day's calls per interval over the last four weeks); ``horizon_days`` days of intervals."""
    per_day = 1440 // interval_min
    y = train["y"].to_numpy()
    days = len(y) // per_day
    grid = y[-days * per_day:].reshape(days, per_day)
    first_day = train["ds"].iloc[len(y) - days * per_day].normalize()
    totals = grid.sum(axis=1)
    # The model itself, not through a StatsForecast frame (whose dates alone cost as much as a third of the
    # fit): given the values StatsForecast would give it (whole counts as float32) and its forecast in the same
    # type, so that the figures are those of StatsForecast(models=[AutoETS(season_length=7)]).forecast.
    if totals.dtype not in (np.float32, np.float64):
        totals = totals.astype(np.float32)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # A few weeks of daily totals leave ETS's variance estimate with no degrees of freedom; the point
        # forecast is still defined and is all this model uses.
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = AutoETS(season_length=7).forecast(y=totals, h=horizon_days, X=None, X_future=None,
                                                                fitted=False)
    daily = np.maximum(np.asarray(fitted["mean"], dtype=totals.dtype), 0.0)
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


def _seasonal_naive(alias: str, interval_min: int, weeks_of_history: int) -> SeasonalNaive:
    return SeasonalNaive(season_length=7 * (1440 // interval_min), alias=alias)


def _weekly_average(alias: str, interval_min: int, weeks_of_history: int) -> SeasonalWindowAverage:
    return SeasonalWindowAverage(season_length=7 * (1440 // interval_min),
                                 window_size=max(1, min(4, weeks_of_history)), alias=alias)


def _mstl(alias: str, interval_min: int, weeks_of_history: int) -> MSTL:
    day = 1440 // interval_min
    # statsforecast passes one stl_kwargs to every period's STL: the daily period's jumps (R's for it, finer
    # than R's for the weekly one); the seasonal window 11 is the first of R's 7 + 4k.
    return MSTL(season_length=[day, 7 * day], trend_forecaster=AutoETS(model="ZZN"), alias=alias,
                stl_kwargs=_stl_jumps(day, 11))


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("SeasonalNaive", automatic=True, statsforecast=_seasonal_naive),
    Candidate("WeeklyAverage", automatic=True, statsforecast=_weekly_average),
    Candidate("MSTL", automatic=False, statsforecast=_mstl),
    Candidate("DailyETS", automatic=True, point_forecast=daily_ets),
)
"""Every candidate, in the order of the backtest's rows. The first is the baseline: a statsforecast model that
the backtest always fits, so that its cross-validation has the windows even when only point forecasts are asked."""


def names() -> tuple[str, ...]:
    """Every candidate's name, in the registry's order."""
    return tuple(c.name for c in CANDIDATES)


def automatic() -> tuple[str, ...]:
    """The names a queue's forecast is chosen among unless models are named."""
    return tuple(c.name for c in CANDIDATES if c.automatic)


def baseline() -> Candidate:
    return CANDIDATES[0]


def named(name: str) -> Candidate:
    """The candidate called ``name`` (a KeyError if none is: names from users go through ``known`` first)."""
    return {c.name: c for c in CANDIDATES}[name]


def known(models: Iterable[str]) -> tuple[str, ...]:
    """``models`` in the registry's order, whatever the caller's; an unknown name is a UserError."""
    models = set(models)
    unknown = sorted(models - set(names()))
    if unknown:
        raise UserError("models", ", ".join(unknown), f"model names among {', '.join(names())}")
    return tuple(m for m in names() if m in models)


def parts(name: str) -> tuple[str, ...]:
    """The candidates a chosen model's name stands for: itself, or those of a combination."""
    return tuple(name.split(COMBINED))
