"""The API's forecasts: the intraday reforecast of the workspace's queues (what `casashore forecast --intraday
--json` prints, with the same keys). It only reads the workspace."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pydantic import BaseModel

from casashore.interfaces.web.day_query import (
    IntervalQuery,
    QueuesQuery,
    SiteZoneQuery,
    as_of_query,
    imported_workspace,
)
from casashore.usecases import forecasting

AsOf = as_of_query("each queue's client wall time")


class IntradayQueue(BaseModel):
    """One queue's update: the day in its client zone, what was seen and expected before the as-of time, the
    day's level (the factor on the rest of the day-ahead forecast) and how far it moved from 1 (weight 0..1)."""
    queue: str
    time_zone: str
    day: str
    as_of: str
    """the as-of time in the queue's client zone, with its offset"""
    model: str
    """the day-ahead forecast's model"""
    seen_intervals: int
    seen_calls: float
    expected_calls: float
    level: float
    weight: float
    prior_shape: float
    half_life_h: float | None
    """hours after which a seen interval's weight is halved; null: no discount"""
    day_ahead_rest: float
    rest_calls: float


class IntradayInterval(BaseModel):
    queue: str
    start: str
    """client time, with its offset"""
    site_start: str
    """the site's wall time"""
    interval_min: int
    day_ahead: float
    calls: float
    calls_lo_80: float
    calls_hi_80: float
    calls_lo_95: float
    calls_hi_95: float


class IntradayResponse(BaseModel):
    """The keys of `casashore forecast --intraday --json`."""
    as_of: str
    interval_min: int
    site_zone: str
    queues: list[IntradayQueue]
    intervals: list[IntradayInterval]


def add_forecast_routes(app: FastAPI, workspace_dir: Path, guarded: dict) -> None:
    """The forecast routes over the workspace of ``workspace_dir``."""

    @app.get("/api/forecast/intraday", response_model=IntradayResponse, **guarded)
    def intraday(as_of: AsOf, interval: IntervalQuery = "30m", site_zone: SiteZoneQuery = "Africa/Casablanca",
                 queue: QueuesQuery = None) -> dict:
        """The rest of the day at ``as_of`` per queue and interval, updated from the calls seen so far that day
        (docs/history.md, "Intraday reforecast"); every queue of the workspace, or those named (repeated); 404
        before any calls are imported."""
        database = imported_workspace(workspace_dir)
        return forecasting.intraday(database, as_of=as_of, interval=interval, site_zone=site_zone, queues=queue)
