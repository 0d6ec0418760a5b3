"""The API's intraday re-plan (what `casashore intraday replan --json` prints, with the same keys), over the
workspace's reforecast and the roster the router follows (stored there by `route serve --roster`). It only reads
the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import BaseModel

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


class ReplanInterval(BaseModel):
    """One queue's interval: the agents Erlang requires, the roster's agents on the queue (fractional: the share
    of the interval each is there), the gap (required - scheduled), the service level by the formula and simulated
    (with its 95 % half-width; null where no call was simulated)."""
    queue: str
    start: str
    """the site's clock, with its offset"""
    calls: float
    aht_s: float
    required: int
    scheduled: float
    gap: float
    service_level: float
    goal: float
    simulated_service_level: float | None
    simulated_service_level_ci95: float | None


class ProposalCell(BaseModel):
    queue: str
    start: str
    scheduled_before: float
    scheduled_after: float
    service_level_before: float
    service_level_after: float


class SimulatedEffect(BaseModel):
    """The proposal simulated (same seed as the day unchanged): the service level over the intervals it changes."""
    service_level_before: float | None
    service_level_before_ci95: float | None
    service_level_after: float | None
    service_level_after_ci95: float | None


class ShiftView(BaseModel):
    start: str
    end: str
    breaks: list[dict[str, str]]
    moves: list[dict[str, str]]


class Proposal(BaseModel):
    rank: int
    kind: str
    """move_break, move_queue, overtime or voluntary_time_off"""
    agent: str
    what: str
    at: str
    shift_before: ShiftView
    shift_after: ShiftView
    paid_min: float
    calls_below_goal_removed: float
    service_level_before: float | None
    service_level_after: float | None
    intervals: list[ProposalCell]
    simulated: SimulatedEffect | None


class ReplanResponse(BaseModel):
    """The keys of `casashore intraday replan --json`."""
    as_of: str
    site_zone: str
    interval_min: int
    interval_count: int
    agents: int
    absent: list[str]
    calls_below_goal: float
    replications: int
    seed: int
    queues: list[str]
    intervals: list[ReplanInterval]
    proposals: list[Proposal]


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
                                        queues=queue)
