"""One forecast run over the workspace: choose each queue's model by backtest, forecast, place every interval in
the client's and the site's time, and store the run in the forecasts table."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from casashore.domain.columns import Codes, Floats, Ints
from casashore.forecast import candidates
from casashore.forecast.backtest import short_histories, without_short
from casashore.forecast.batch import forecast_all
from casashore.forecast.intervals import ForecastIntervals
from casashore.forecast.series import interval_counts
from casashore.forecast.skipped import Skipped
from casashore.forecast.timezones import exists, localize, zone
from casashore.workspace.store import Workspace

Progress = Callable[[int], None]
"""Called with the number of queues just forecast."""


class ForecastRun(NamedTuple):
    run_id: str
    models: dict[str, str]
    """queue -> the model chosen by backtest"""
    table: ForecastIntervals
    """queue, start (client time, with offset), site_start (site wall time), interval_min, model, calls,
    calls_lo_80/hi_80/lo_95/hi_95, aht_s, holiday: as columns"""

    skipped: tuple[Skipped, ...] = ()
    """the queues left out of a forecast of every queue, each with why (forecast/backtest.py's short_histories)"""

    @property
    def intervals(self) -> list[dict]:
        """The rows as JSON objects (built when asked: the plan reads the columns)."""
        return self.table.to_json()


def forecast_workspace(workspace: Workspace, *, interval_min: int, horizon_days: int,
                       site_zone: str, queue: str | None = None, models: Iterable[str] | None = None,
                       workers: int | None = None, scheduler: str | None = None,
                       progress: Progress | None = None) -> ForecastRun:
    """Every queue of the workspace (or ``queue``), ``horizon_days`` ahead, each with the model among
    ``models`` (default: the candidates the automatic choice may pick) that its backtest chose. ``workers``,
    ``scheduler`` and ``progress``: where the queues' batches run and who hears of each (forecast/batch.py).
    Of every queue, one whose history is too short is left out (``skipped``) and the others forecast; asked by
    name, or when no queue is left, it is refused."""
    series = interval_counts(workspace, interval_min, queue)
    skipped = []
    if queue is None:
        series, skipped = without_short(series, interval_min)
    if skipped and progress is not None:
        progress(len(skipped))  # done with, so that the count reaches every queue
    horizons = {str(q): horizon_days for q in series["unique_id"].unique()}
    run = _run(workspace, series, interval_min, horizons, site_zone, models, workers=workers,
               scheduler=scheduler, progress=progress)
    return run._replace(skipped=tuple(skipped))


def forecast_queues(workspace: Workspace, *, interval_min: int, horizons: dict[str, int],
                    site_zone: str, models: Iterable[str] | None = None, workers: int | None = None,
                    scheduler: str | None = None, progress: Progress | None = None,
                    refuse_short: Callable[[list[Skipped]], None] | None = None) -> ForecastRun:
    """Several queues in one run, each ``horizons[queue]`` days ahead (of its own history's end): the same
    intervals as one ``forecast_workspace(queue=...)`` per queue, with one insert. Every queue must have the
    history: ``refuse_short`` (which raises) hears of all the short ones at once, else all of them are refused."""
    series = interval_counts(workspace, interval_min, queues=sorted(horizons))
    if refuse_short is not None and (short := short_histories(series, interval_min)):
        refuse_short(short)
    return _run(workspace, series, interval_min, horizons, site_zone, models, workers=workers,
                scheduler=scheduler, progress=progress)


def _run(workspace: Workspace, series: pd.DataFrame, interval_min: int, horizons: dict[str, int],
         site_zone: str, models: Iterable[str] | None, *, workers: int | None, scheduler: str | None,
         progress: Progress | None) -> ForecastRun:
    site = zone(site_zone, "site_zone")
    models = candidates.automatic() if models is None else tuple(models)
    known = workspace.queue_zones()
    zones = {name: time_zone for name, (time_zone, _) in known.items()}
    countries = {name: country for name, (_, country) in known.items()}
    made = forecast_all(series, interval_min, horizons, models, countries, workers=workers, scheduler=scheduler,
                        progress=progress)
    frame = made.frame.sort_values(["unique_id", "ds"], kind="stable")
    placed = Placement(site)
    kept, starts, site_starts = [], [], []
    for i, (queue, ds) in enumerate(zip(frame["unique_id"].tolist(), frame["ds"].tolist(), strict=True)):
        at = placed(ds.to_pydatetime(), zones[queue])
        if at is None:
            continue  # an interval the clocks skip (spring forward) has no calls to staff
        kept.append(i)
        starts.append(at[0])
        site_starts.append(at[1])
    # Columns, not a dict per row (~1 KB each: a month of 300 queues is 806,400 rows); the same values.
    take = np.asarray(kept, dtype=np.int64)
    texts = lambda name: Codes.of(frame[name].to_numpy()[take].tolist())  # noqa: E731
    numbers = lambda name: Floats(frame[name].to_numpy(dtype=np.float64)[take])  # noqa: E731
    table = ForecastIntervals({
        "queue": texts("unique_id"), "start": Codes.of(starts), "site_start": Codes.of(site_starts),
        "interval_min": Ints(np.full(len(take), interval_min)), "model": texts("model"),
        **{name: numbers(name) for name in ("calls", "calls_lo_80", "calls_hi_80", "calls_lo_95", "calls_hi_95")},
        "aht_s": Floats.finite_or_null(frame["aht_s"].to_numpy(dtype=np.float64)[take]),
        "holiday": texts("holiday")})
    del kept, starts, site_starts
    run_id = uuid.uuid4().hex[:12]
    workspace.store_forecast(run_id, interval_min, {
        "queue": table.values("queue"), "start": table.values("start"), "model": table.values("model"),
        "calls": table.column("calls"), "calls_lo_95": table.column("calls_lo_95"),
        "calls_hi_95": table.column("calls_hi_95"), "aht_s": table.column("aht_s")})
    return ForecastRun(run_id, made.chosen, table)


class Placement:
    """An interval start's client time (ISO, with its offset) and site wall time (ISO), or None where the
    clocks skip it: computed once per zone and wall time, which many queues share."""

    def __init__(self, site: ZoneInfo) -> None:
        self._site = site
        self._known: dict[tuple[datetime, str], tuple[str, str] | None] = {}

    def __call__(self, wall: datetime, zone_name: str) -> tuple[str, str] | None:
        key = (wall, zone_name)
        if key not in self._known:
            if not exists(wall, zone_name):
                self._known[key] = None
            else:
                start = localize(wall, zone_name)
                self._known[key] = (start.isoformat(),
                                    start.astimezone(self._site).replace(tzinfo=None).isoformat())
        return self._known[key]
