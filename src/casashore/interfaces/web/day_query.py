"""The query parameters the intraday routes share (the reforecast's and the re-plan's: the as-of time, the interval,
the site's zone, the queues) and their common refusal: a 404 before any calls are imported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import HTTPException, Query
from pydantic import Field

from casashore.domain.base import AS_OF_PATTERN

QueueName = Annotated[str, Field(min_length=1, max_length=64)]
IntervalQuery = Annotated[str, Query(max_length=8, description="15m, 30m, 1h")]
SiteZoneQuery = Annotated[str, Query(max_length=64)]
QueuesQuery = Annotated[list[QueueName] | None, Query(max_length=300)]


def as_of_query(naive_means: str) -> object:
    """The as-of time's shape (ISO 8601 to the minute, an offset or not); ``naive_means`` says whose clock a time
    without an offset is read on (the reforecast's and the re-plan's differ); the date's own rules are the use
    case's."""
    return Annotated[str, Query(max_length=40, pattern=AS_OF_PATTERN,
                                description=f"2026-03-02T12:00 ({naive_means}) or 2026-03-02T12:00+01:00 (an instant)")]


def imported_workspace(workspace_dir: Path) -> Path:
    """The workspace's database in ``workspace_dir``, or a 404 while no calls were imported (no file yet)."""
    database = workspace_dir / "casashore.duckdb"
    if not database.exists():
        raise HTTPException(404, "no workspace here yet: import calls first (casashore import)")
    return database
