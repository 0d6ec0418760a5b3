"""The API's forecasts: the intraday reforecast of the workspace's queues (what `casashore forecast --intraday
--json` prints, with the same keys). It only reads the workspace."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from casashore.domain.intraday_answers import IntradayResponse
from casashore.interfaces.web.day_query import (
    IntervalQuery,
    QueuesQuery,
    SiteZoneQuery,
    as_of_query,
    imported_workspace,
)
from casashore.usecases import forecasting

AsOf = as_of_query("each queue's client wall time")


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
