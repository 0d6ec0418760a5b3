"""One forecast run over the workspace: choose each queue's model by backtest, forecast, place every interval in
the client's and the site's time, and store the run in the forecasts table."""

from __future__ import annotations

import uuid
from typing import NamedTuple

import duckdb

from casashore.forecast.models import backtest, forecast
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
                       site_zone: str, queue: str | None = None) -> ForecastRun:
    site = zone(site_zone, "site_zone")
    series = interval_counts(con, interval_min, queue)
    chosen = {q: r["chosen"] for q, r in backtest(series, interval_min).items()}
    zones, countries = {}, {}
    for name, time_zone, country in con.execute("SELECT queue, time_zone, country FROM queues").fetchall():
        zones[name], countries[name] = time_zone, country
    frame = forecast(series, interval_min, chosen, horizon_days=horizon_days, countries=countries)
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
    con.execute("BEGIN TRANSACTION")
    con.executemany("INSERT INTO forecasts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                    [[run_id, r["queue"], r["start"], interval_min, r["model"], r["calls"], r["calls_lo_95"],
                      r["calls_hi_95"], r["aht_s"]] for r in rows])
    con.execute("COMMIT")
    return ForecastRun(run_id, chosen, rows)
