"""The API's intraday re-plan (what `casashore intraday replan --json` prints, with the same keys), over the
workspace's reforecast and the roster the router follows (stored there by `route serve --roster`). It only reads
the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query

from casashore.domain.intraday_answers import ReplanResponse
from casashore.interfaces.web.day_query import (
    IntervalQuery,
    QueuesQuery,
    SiteZoneQuery,
    as_of_query,
    imported_workspace,
)
from casashore.usecases import intraday

AsOf = as_of_query("the site's clock")
AgentName = Annotated[str, Query(min_length=1, max_length=64)]


def add_intraday_routes(app: FastAPI, workspace_dir: Path, guarded: dict) -> None:
    """The re-plan route over the workspace of ``workspace_dir``."""

    @app.get("/api/intraday/replan", response_model=ReplanResponse, **guarded)
    def replan(as_of: AsOf, interval: IntervalQuery = "30m", site_zone: SiteZoneQuery = "Africa/Casablanca",
               target: Annotated[str, Query(max_length=16, description="20s")] = "20s",
               service_level: Annotated[str, Query(max_length=16, description="80%")] = "80%",
               patience: Annotated[str | None, Query(max_length=16, description="90s; none: Erlang C")] = None,
               absent: Annotated[list[AgentName] | None, Query(max_length=2000)] = None,
               replications: Annotated[int, Query(ge=1, le=intraday.MAX_REPLICATIONS)] = 200,
               seed: Annotated[int, Query(ge=0, lt=2**63)] = 0,
               simulate_top: Annotated[int, Query(ge=0, le=20)] = 3,
               queue: QueuesQuery = None) -> dict:
        """The rest of the day at ``as_of``: the gap per queue and interval, the service level if nothing changes
        and the ranked roster changes (docs/intraday.md); the roster is the one `route serve --roster` stored in
        the workspace; 404 before any calls are imported."""
        database = imported_workspace(workspace_dir)
        return intraday.intraday_replan(database, roster=None, as_of=as_of, interval=interval, site_zone=site_zone,
                                        target=target, service_level=service_level, patience=patience, absent=absent,
                                        replications=replications, seed=seed, simulate_top=simulate_top,
                                        queues=queue, roster_file=False)
