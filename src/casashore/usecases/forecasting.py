"""What `casashore backtest` and `casashore forecast` do: which model forecasts each queue best, and the calls
per queue and interval for the coming days, stored in the workspace (an email queue's also per day and hour)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from casashore.domain.as_of import as_of_time
from casashore.domain.units import whole
from casashore.forecast.backtest import without_short
from casashore.forecast.batch import backtest_all
from casashore.forecast.email_days import email_days
from casashore.forecast.reforecast import reforecast_workspace
from casashore.forecast.run import forecast_queues, forecast_workspace
from casashore.forecast.series import interval_counts
from casashore.usecases.call_records import opened_records
from casashore.usecases.execution import execution
from casashore.usecases.history import chosen_queues, days, interval_min
from casashore.workspace.store import Workspace


def backtest(workspace: Path, *, interval: str, horizon: str, windows: str, queues: list[str] | None,
             plot: Path | None, workers: str | None = None, scheduler: str | None = None,
             progress: Callable[[int], None] | None = None) -> dict:
    """Rolling-origin backtest per queue: WAPE, MASE and bias per model, and the chosen one; ``plot`` also
    gets each window's forecasts against the actual calls; ``windows`` "auto": as many as each queue's history
    allows (2 to 4, forecast/backtest.py; `forecast` chooses by 2). The queues in batches on ``workers`` local
    processes (default: every core for many queues) or on the Dask cluster at ``scheduler``, with the same figures;
    ``progress`` hears of each batch's queues done. Without ``queues``, a queue whose history is too short for the
    windows is left out (``skipped``: queue, reason, why) and the others backtested, as `forecast` does; a queue
    asked for by name is refused instead, and so is a workspace where none has the history."""
    minutes, horizon_days = interval_min(interval), days("horizon", horizon)
    n_windows = None if windows.strip().lower() == "auto" else whole("windows", windows, low=1)
    where = execution(workers, scheduler)
    with Workspace.open(workspace, read_only=True) as opened:
        series = interval_counts(opened, minutes, queues=chosen_queues(opened, queues) if queues else None)
        channels = {name: opened.queue_channel(name) for name in series["unique_id"].unique()}
    skipped = []
    if not queues:
        series, skipped = without_short(series, minutes, horizon_days=horizon_days, windows=n_windows or 2,
                                        needs="a backtest")
        if skipped and progress is not None:
            progress(len(skipped))  # done with, so that the count reaches every queue
    tables: dict | None = {} if plot is not None else None
    result = backtest_all(series, minutes, horizon_days=horizon_days, windows=n_windows, tables=tables,
                          workers=where.workers, scheduler=where.scheduler, progress=progress)
    if plot is not None:
        from casashore.report.figures import forecast_vs_actual, write_figure  # plotly: only for --plot

        write_figure(forecast_vs_actual(tables, channels), plot)  # an email queue's items, a chat queue's chats
    return {"interval_min": minutes, "horizon_days": horizon_days, "windows": n_windows or "auto", "queues": result,
            "skipped": [s.shown() for s in skipped]}


class Forecast(NamedTuple):
    run_id: str
    models: dict[str, str]
    """The model chosen per queue."""
    intervals: list[dict]
    """Calls per queue and interval, with 80 % and 95 % prediction intervals."""
    interval_min: int
    horizon_days: int
    email_days: list[dict]
    """The email queues' days: items with bands, agent-hours and the hour-of-day profile (forecast/email_days.py)."""
    skipped: list[dict]
    """The queues a forecast of every queue left out, the others forecast: queue, reason (short_history), why
    in words; empty when every queue was forecast (a queue asked for with --queue is refused instead)."""
    channels: dict[str, str]
    """Each forecast queue's channel (voice, chat, email): its ``calls`` are calls, chat sessions or email items."""


def forecast(workspace: Path, *, horizon: str, interval: str, site_zone: str, queues: list[str] | None,
             workers: str | None = None, scheduler: str | None = None,
             progress: Callable[[int], None] | None = None) -> Forecast:
    """Each queue's chosen model fitted on its whole history, forecast ahead and stored in the workspace; the
    queues in batches on ``workers`` local processes (default: every core for many queues) or on the Dask cluster
    at ``scheduler``, with the same figures; ``progress`` hears of each batch's queues done. Without ``queues``,
    a queue whose history is too short is skipped (``skipped``) and the others forecast."""
    minutes, horizon_days = interval_min(interval), days("horizon", horizon)
    chosen_execution = execution(workers, scheduler)
    where = {"workers": chosen_execution.workers, "scheduler": chosen_execution.scheduler, "progress": progress}
    with Workspace.open(workspace, create=False) as opened:
        if queues:
            run = forecast_queues(opened, interval_min=minutes, site_zone=site_zone,
                                  horizons={name: horizon_days for name in chosen_queues(opened, queues)}, **where)
        else:
            run = forecast_workspace(opened, interval_min=minutes, horizon_days=horizon_days, site_zone=site_zone,
                                     **where)
        channels = {name: opened.queue_channel(name) or "voice" for name in run.models}
    rows = run.table.to_json()
    email = {name for name, channel in channels.items() if channel == "email"}
    return Forecast(run.run_id, run.models, rows, minutes, horizon_days,
                    email_days(r for r in rows if r["queue"] in email), [s.shown() for s in run.skipped], channels)


def intraday(workspace: Path, *, as_of: str, interval: str, site_zone: str, queues: list[str] | None,
             records: str | None = None, centre: str = "centre") -> dict:
    """The rest of the day at ``as_of`` per queue and interval, updated from the calls seen so far that day
    (forecast/reforecast.py); the workspace (and ``records``, a centre's PostgreSQL records) only read."""
    at, minutes = as_of_time(as_of), interval_min(interval)
    with opened_records(workspace, records, centre) as (calls, _, read, _):
        run = reforecast_workspace(calls, as_of=at, interval_min=minutes, site_zone=site_zone,
                                   queues=chosen_queues(calls, queues) if queues else None)
    return {"as_of": as_of, "interval_min": minutes, "site_zone": site_zone, "read": read, "queues": run.queues,
            "intervals": run.intervals, "skipped": run.skipped}


def queue_count(workspace: Path, queues: list[str] | None) -> int:
    """How many queues a forecast of ``queues`` (default: every queue) covers, for its progress bar."""
    with Workspace.open(workspace, read_only=True) as opened:
        return len(chosen_queues(opened, queues))
