"""One forecast run over the workspace: choose each queue's model by backtest, forecast, place every interval in
the client's and the site's time, and store the run in the forecasts table."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import NamedTuple

import duckdb
import pandas as pd

from casashore.forecast.models import DEFAULT_MODELS, backtest, forecast
from casashore.forecast.series import interval_counts
from casashore.forecast.timezones import exists, localize, zone
from casashore.units import json_number


class ForecastRun(NamedTuple):
    run_id: str
    models: dict[str, str]
    """queue -> the model chosen by backtest"""
    intervals: list[dict]
    """queue, start (client time, with offset), site_start (site wall time), interval_min, model, calls,
    calls_lo_80/hi_80/lo_95/hi_95, aht_s, holiday"""


def forecast_workspace(con: duckdb.DuckDBPyConnection, *, interval_min: int, horizon_days: int,
                       site_zone: str, queue: str | None = None,
                       models: Iterable[str] = DEFAULT_MODELS) -> ForecastRun:
    """Every queue of the workspace (or ``queue``), ``horizon_days`` ahead, each with the model among
    ``models`` that its backtest chose."""
    series = interval_counts(con, interval_min, queue)
    horizons = {str(q): horizon_days for q in series["unique_id"].unique()}
    return _run(con, series, interval_min, horizons, site_zone, models)


def forecast_queues(con: duckdb.DuckDBPyConnection, *, interval_min: int, horizons: dict[str, int],
                    site_zone: str, models: Iterable[str] = DEFAULT_MODELS) -> ForecastRun:
    """Several queues in one run, each ``horizons[queue]`` days ahead (of its own history's end): the same
    intervals as one ``forecast_workspace(queue=...)`` per queue, with one backtest and one insert."""
    series = interval_counts(con, interval_min, queues=sorted(horizons))
    return _run(con, series, interval_min, horizons, site_zone, models)


def _run(con: duckdb.DuckDBPyConnection, series: pd.DataFrame, interval_min: int, horizons: dict[str, int],
         site_zone: str, models: Iterable[str]) -> ForecastRun:
    site = zone(site_zone, "site_zone")
    models = tuple(models)
    chosen = {q: r["chosen"] for q, r in backtest(series, interval_min, models=models, choose_from=models).items()}
    zones, countries = {}, {}
    for name, time_zone, country in con.execute("SELECT queue, time_zone, country FROM queues").fetchall():
        zones[name], countries[name] = time_zone, country
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
    _store(con, run_id, interval_min, rows)
    return ForecastRun(run_id, chosen, rows)


def _store(con: duckdb.DuckDBPyConnection, run_id: str, interval_min: int, rows: list[dict]) -> None:
    """All the run's rows in one INSERT ... SELECT from a frame (executemany took ~0.5 ms a row)."""
    stored = pd.DataFrame({
        "run_id": run_id, "queue": [r["queue"] for r in rows], "start_at": [r["start"] for r in rows],
        "interval_min": interval_min, "model": [r["model"] for r in rows],
        "calls": [r["calls"] for r in rows], "calls_lo": [r["calls_lo_95"] for r in rows],
        "calls_hi": [r["calls_hi_95"] for r in rows],
        "aht_s": pd.Series([r["aht_s"] for r in rows], dtype="float64")})
    con.register("forecast_rows", stored)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            # an unknown AHT is NULL, as executemany stored None (whether pandas' NaN arrives as NaN or NULL)
            con.execute("""INSERT INTO forecasts SELECT run_id, queue, start_at::TIMESTAMPTZ, interval_min, model,
                           calls, calls_lo, calls_hi, CASE WHEN isnan(aht_s) THEN NULL ELSE aht_s END, now()
                           FROM forecast_rows""")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.unregister("forecast_rows")
