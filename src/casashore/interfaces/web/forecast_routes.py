"""The API's forecasts: the intraday reforecast of the workspace's queues (what `casashore forecast --intraday
--json` prints, with the same keys). It only reads the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query

from casashore.domain.base import AS_OF_PATTERN
from casashore.domain.intraday_answers import IntradayResponse, QueueName
from casashore.usecases import forecasting


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
