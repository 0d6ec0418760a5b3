"""The forecasts (and the backtests) of many queues cut into batches of a few queues, each chosen (backtest) and
forecast on its own: in this process, in local worker processes or on a Dask cluster (casashore.workers), with the
same figures.

Each queue's series is fitted alone (statsforecast one series at a time, ``n_jobs=1``), so a queue's backtest and
forecast depend on its own history only: not on the other queues of its batch, the batch size, the number of
workers or where a batch ran. Batches are cut from the queues in name order, BATCH_QUEUES at a time, and their
results joined back in that order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from casashore.forecast.backtest import backtest, check_history
from casashore.forecast.candidates import known
from casashore.forecast.predict import forecast
from casashore.workers import run_batches

BATCH_QUEUES = 5
"""Queues per batch: progress a person can follow queue by queue, with a few seconds of work per task."""
LOCAL_QUEUES = 60
"""Queues under which a run stays in this process: starting the workers (a fork server loading statsforecast)
cost ~4 s in docs/benchmarks.md's runs, against ~0.2 s of work per queue, so two workers gain from ~50 queues."""
PRELOAD = ["casashore.forecast.batch"]
"""What each local worker has imported before its first batch: statsforecast, pandas and the candidates."""


@dataclass(frozen=True)
class QueueBatch:
    """A few queues' history and what to forecast of them."""

    series: pd.DataFrame
    """unique_id, ds, y, answered, handle_s of the batch's queues (forecast/series.py)"""
    interval_min: int
    horizons: dict[str, int]
    """queue -> days ahead of its history's end"""
    models: tuple[str, ...]
    """the candidates each queue's model is chosen among"""
    countries: dict[str, str | None]
    """queue -> its client's country, for public holidays"""


@dataclass(frozen=True)
class BatchForecast:
    chosen: dict[str, str]
    """queue -> the model its backtest chose, in queue order"""
    frame: pd.DataFrame
    """the intervals ahead, as forecast/predict.py's ``forecast`` gives them"""


def forecast_batch(batch: QueueBatch) -> BatchForecast:
    """Choose each queue's model by backtest among ``batch.models`` and forecast it ahead."""
    scores = backtest(batch.series, batch.interval_min, models=batch.models, choose_from=batch.models)
    chosen = {queue: result["chosen"] for queue, result in scores.items()}
    frames = []
    for days in sorted(set(batch.horizons.values())):  # queues sharing a horizon are forecast together
        mine = batch.series[batch.series["unique_id"].isin([q for q, d in batch.horizons.items() if d == days])]
        frames.append(forecast(mine, batch.interval_min, chosen, horizon_days=days, countries=batch.countries))
    return BatchForecast(chosen, pd.concat(frames, ignore_index=True))


@dataclass(frozen=True)
class BacktestBatch:
    """A few queues' history and the backtest to run on them."""

    series: pd.DataFrame
    """unique_id, ds, y of the batch's queues"""
    interval_min: int
    horizon_days: int
    windows: int | None
    """None: as many as each queue's history allows (forecast/backtest.py)"""
    tables: bool
    """whether to hand back each queue's backtest table (actual and forecast per window), for a plot"""


@dataclass(frozen=True)
class BatchBacktest:
    scores: dict[str, dict]
    """queue -> its models' scores and the chosen one (forecast/backtest.py's ``backtest``), in queue order"""
    tables: dict[str, pd.DataFrame]
    """queue -> its backtest table, when asked for"""


def backtest_batch(batch: BacktestBatch) -> BatchBacktest:
    """Every candidate's backtest on the batch's queues, and the model each chooses."""
    tables: dict = {}
    scores = backtest(batch.series, batch.interval_min, horizon_days=batch.horizon_days, windows=batch.windows,
                      forecasts=tables if batch.tables else None)
    return BatchBacktest(scores, tables)


def backtest_all(series: pd.DataFrame, interval_min: int, *, horizon_days: int, windows: int | None,
                 tables: dict | None = None, workers: int | None = None, scheduler: str | None = None,
                 progress: Callable[[int], None] | None = None) -> dict[str, dict]:
    """forecast/backtest.py's ``backtest`` of every queue of ``series`` (the same figures), batch by batch where
    ``forecast_all`` runs them; ``tables``, when given, receives each queue's backtest table. The history of
    every queue is checked first, so that a short one stops the run before any work."""
    check_history(series, interval_min, horizon_days=horizon_days, windows=windows or 2)
    groups, frames = _batches(series)
    done = run_batches(backtest_batch, [BacktestBatch(frame, interval_min, horizon_days, windows, tables is not None)
                                        for frame in frames],
                       workers=_workers(workers, series), scheduler=scheduler, preload=PRELOAD, progress=progress,
                       sizes=[len(group) for group in groups])
    if tables is not None:
        tables.update({queue: table for result in done for queue, table in result.tables.items()})
    return {queue: score for result in done for queue, score in result.scores.items()}


def _batches(series: pd.DataFrame) -> tuple[list[list[str]], list[pd.DataFrame]]:
    """The queues in name order, BATCH_QUEUES at a time, and each batch's rows of ``series``."""
    queues = sorted(str(q) for q in series["unique_id"].unique())
    by_queue = dict(tuple(series.groupby("unique_id", sort=True)))
    groups = [queues[i:i + BATCH_QUEUES] for i in range(0, len(queues), BATCH_QUEUES)]
    return groups, [pd.concat([by_queue[q] for q in group], ignore_index=True) for group in groups]


def _workers(workers: int | None, series: pd.DataFrame) -> int:
    """The count asked for, else every core from LOCAL_QUEUES queues on, else this process alone."""
    if workers is not None:
        return workers
    return (os.cpu_count() or 1) if series["unique_id"].nunique() >= LOCAL_QUEUES else 1


def forecast_all(series: pd.DataFrame, interval_min: int, horizons: dict[str, int], models: tuple[str, ...],
                 countries: dict[str, str | None], *, workers: int | None = None, scheduler: str | None = None,
                 progress: Callable[[int], None] | None = None) -> BatchForecast:
    """Every queue of ``series`` (each in ``horizons``), batch by batch: on the Dask cluster at ``scheduler``,
    else in ``workers`` local processes (default: every core from LOCAL_QUEUES queues on, else this process).
    ``progress`` is called with the number of queues of each batch done. The history of every queue and the
    model names are checked first, so that a mistake stops the run before any work."""
    known(models)
    check_history(series, interval_min)
    groups, frames = _batches(series)
    batches = [QueueBatch(frame, interval_min, {q: horizons[q] for q in group}, models,
                          {q: countries.get(q) for q in group}) for group, frame in zip(groups, frames, strict=True)]
    done = run_batches(forecast_batch, batches, workers=_workers(workers, series), scheduler=scheduler,
                       preload=PRELOAD, progress=progress, sizes=[len(group) for group in groups])
    chosen = {queue: model for result in done for queue, model in result.chosen.items()}
    return BatchForecast(chosen, pd.concat([result.frame for result in done], ignore_index=True))
