"""One forecast run over the workspace: choose each queue's model by backtest, forecast, place every interval in
the client's and the site's time, and store the run in the forecasts table."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import NamedTuple

import pandas as pd

from casashore.domain.units import json_number
from casashore.forecast import candidates
from casashore.forecast.backtest import backtest
from casashore.forecast.predict import forecast
from casashore.forecast.series import interval_counts
from casashore.forecast.timezones import exists, localize, zone
from casashore.workspace.store import Workspace


class ForecastRun(NamedTuple):
    run_id: str
    models: dict[str, str]
    """queue -> the model chosen by backtest"""
    intervals: list[dict]
    """queue, start (client time, with offset), site_start (site wall time), interval_min, model, calls,
    calls_lo_80/hi_80/lo_95/hi_95, aht_s, holiday"""


def forecast_workspace(workspace: Workspace, *, interval_min: int, horizon_days: int,
                       site_zone: str, queue: str | None = None,
                       models: Iterable[str] | None = None) -> ForecastRun:
    """Every queue of the workspace (or ``queue``), ``horizon_days`` ahead, each with the model among
    ``models`` (default: the candidates the automatic choice may pick) that its backtest chose."""
    series = interval_counts(workspace, interval_min, queue)
    horizons = {str(q): horizon_days for q in series["unique_id"].unique()}
    return _run(workspace, series, interval_min, horizons, site_zone, models)


def forecast_queues(workspace: Workspace, *, interval_min: int, horizons: dict[str, int],
                    site_zone: str, models: Iterable[str] | None = None) -> ForecastRun:
    """Several queues in one run, each ``horizons[queue]`` days ahead (of its own history's end): the same
    intervals as one ``forecast_workspace(queue=...)`` per queue, with one backtest and one insert."""
    series = interval_counts(workspace, interval_min, queues=sorted(horizons))
    return _run(workspace, series, interval_min, horizons, site_zone, models)


def _run(workspace: Workspace, series: pd.DataFrame, interval_min: int, horizons: dict[str, int],
         site_zone: str, models: Iterable[str] | None) -> ForecastRun:
    site = zone(site_zone, "site_zone")
    models = candidates.automatic() if models is None else tuple(models)
    chosen = {q: r["chosen"] for q, r in backtest(series, interval_min, models=models, choose_from=models).items()}
    known = workspace.queue_zones()
    zones = {name: time_zone for name, (time_zone, _) in known.items()}
    countries = {name: country for name, (_, country) in known.items()}
    frames = []
    for days in sorted(set(horizons.values())):  # queues sharing a horizon are forecast together
        mine = series[series["unique_id"].isin([q for q, d in horizons.items() if d == days])]
        frames.append(forecast(mine, interval_min, chosen, horizon_days=days, countries=countries))
    frame = pd.concat(frames, ignore_index=True).sort_values(["unique_id", "ds"], kind="stable")
    rows = []
    for rec in frame.to_dict("records"):
        wall = rec["ds"].to_pydatetime()
        if not exists(wall, zones[rec["unique_id"]]):
            continue  # an interval the clocks skip (spring forward) has no calls to staff
        start = localize(wall, zones[rec["unique_id"]])
        rows.append({"queue": rec["unique_id"], "start": start.isoformat(),
                     "site_start": start.astimezone(site).replace(tzinfo=None).isoformat(),
                     "interval_min": interval_min, "model": rec["model"], "calls": rec["calls"],
                     "calls_lo_80": rec["calls_lo_80"], "calls_hi_80": rec["calls_hi_80"],
                     "calls_lo_95": rec["calls_lo_95"], "calls_hi_95": rec["calls_hi_95"],
                     "aht_s": json_number(rec["aht_s"]), "holiday": rec["holiday"]})
    run_id = uuid.uuid4().hex[:12]
    workspace.store_forecast(run_id, interval_min, rows)
    return ForecastRun(run_id, chosen, rows)
