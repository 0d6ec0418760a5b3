"""The API's forecasts: the intraday reforecast of the workspace's queues (what `casashore forecast --intraday
--json` prints, with the same keys). It only reads the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from casashore.domain.base import AS_OF_PATTERN
from casashore.usecases import forecasting

QueueName = Annotated[str, Field(min_length=1, max_length=64)]
"""The as-of time's shape (ISO 8601 to the minute, an offset or not); the date's own rules are the use case's."""


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
    database = workspace_dir / "casashore.duckdb"

    @app.get("/api/forecast/intraday", response_model=IntradayResponse, **guarded)
    def intraday(as_of: Annotated[str, Query(max_length=40, pattern=AS_OF_PATTERN,
                                             description="2026-03-02T12:00 (each queue's client wall time) or "
                                             "2026-03-02T12:00+01:00 (an instant)")],
                 interval: Annotated[str, Query(max_length=8, description="15m, 30m, 1h")] = "30m",
                 site_zone: Annotated[str, Query(max_length=64)] = "Africa/Casablanca",
                 queue: Annotated[list[QueueName] | None, Query(max_length=300)] = None) -> dict:
        """The rest of the day at ``as_of`` per queue and interval, updated from the calls seen so far that day
        (docs/history.md, "Intraday reforecast"); every queue of the workspace, or those named (repeated); 404
        before any calls are imported."""
        if not database.exists():
            raise HTTPException(404, "no workspace here yet: import calls first (casashore import)")
        return forecasting.intraday(database, as_of=as_of, interval=interval, site_zone=site_zone, queues=queue)
