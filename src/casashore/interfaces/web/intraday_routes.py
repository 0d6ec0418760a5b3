"""The API's intraday re-plan (what `casashore intraday replan --json` prints, with the same keys), over the
workspace's reforecast and the roster the router follows (stored there by `route serve --roster`). It only reads
the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query

from casashore.domain.base import AS_OF_PATTERN
from casashore.domain.intraday_answers import QueueName, ReplanResponse
from casashore.usecases import intraday

AgentName = Annotated[str, Query(min_length=1, max_length=64)]


def add_intraday_routes(app: FastAPI, workspace_dir: Path, guarded: dict) -> None:
    """The re-plan route over the workspace of ``workspace_dir``."""
    database = workspace_dir / "casashore.duckdb"

    @app.get("/api/intraday/replan", response_model=ReplanResponse, **guarded)
    def replan(as_of: Annotated[str, Query(max_length=40, pattern=AS_OF_PATTERN,
                                           description="2026-03-02T12:00 (the site's clock) or "
                                           "2026-03-02T12:00+01:00 (an instant)")],
               interval: Annotated[str, Query(max_length=8, description="15m, 30m, 1h")] = "30m",
               site_zone: Annotated[str, Query(max_length=64)] = "Africa/Casablanca",
               target: Annotated[str, Query(max_length=16, description="20s")] = "20s",
               service_level: Annotated[str, Query(max_length=16, description="80%")] = "80%",
               patience: Annotated[str | None, Query(max_length=16, description="90s; none: Erlang C")] = None,
               absent: Annotated[list[AgentName] | None, Query(max_length=2000)] = None,
               replications: Annotated[int, Query(ge=1, le=intraday.MAX_REPLICATIONS)] = 200,
               seed: Annotated[int, Query(ge=0, lt=2**63)] = 0,
               simulate_top: Annotated[int, Query(ge=0, le=20)] = 3,
               queue: Annotated[list[QueueName] | None, Query(max_length=300)] = None) -> dict:
        """The rest of the day at ``as_of``: the gap per queue and interval, the service level if nothing changes
        and the ranked roster changes (docs/intraday.md); the roster is the one `route serve --roster` stored in
        the workspace; 404 before any calls are imported."""
        if not database.exists():
            raise HTTPException(404, "no workspace here yet: import calls first (casashore import)")
        return intraday.intraday_replan(database, roster=None, as_of=as_of, interval=interval, site_zone=site_zone,
                                        target=target, service_level=service_level, patience=patience, absent=absent,
                                        replications=replications, seed=seed, simulate_top=simulate_top,
                                        queues=queue)
