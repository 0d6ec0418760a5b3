"""The API's Excel imports: an .xlsx upload (the request's body, bounded by the server's body limit) read into the
rows the page's forms fill their tables with, validated as the CLI validates the same tables; nothing is stored.
The workbook is checked before it is parsed (usecases/workbooks.py, schedule/xlsx_reader.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from casashore.domain.base import TimeZoneName
from casashore.errors import MISSING, UserError
from casashore.usecases import workbooks

BINARY = {"schema": {"type": "string", "format": "binary"}}
FileName = Annotated[str | None, Query(min_length=1, max_length=80, pattern=r"^[\w .-]+$",
                                       description="The file's name, as errors will name it (data, never a path); "
                                                   "without it, errors say 'the uploaded workbook'")]
UNNAMED = "the uploaded workbook"
"""What errors call a workbook sent without ?filename= (never a file name the user did not give)."""


class ShiftRow(BaseModel):
    """A scenario's [[shifts]] entry."""
    name: str
    start: str
    length: str
    cost: float
    group: str
    breaks: str


class AgentRow(BaseModel):
    """A row of `casashore schedule --roster`'s agents file."""
    agent: str
    skills: str
    weekly_hours: float
    night_work: bool
    unavailable: str
    """weekdays (mon..sun) and dates (2026-03-06), separated by ;"""
    preferred_start: str | None


class RequirementRow(BaseModel):
    start: str
    """HH:MM for one day, else YYYY-MM-DDTHH:MM, on the site's clock"""
    group: str
    required: float


class RequirementTable(BaseModel):
    """The requirement as `casashore schedule` reads it: whole days from midnight, every group's intervals."""
    interval_min: int
    one_day: bool
    site_zone: str
    rows: list[RequirementRow]


async def workbook(request: Request) -> bytes:
    """The request's body, the workbook; an empty one is named as missing (there is no file to blame)."""
    data = await request.body()
    if not data:
        raise UserError("body", MISSING, "an .xlsx workbook as the request's body (Content-Type "
                        f"{workbooks.XLSX_MEDIA_TYPE})")
    return data


def xlsx_body(max_bytes: int) -> dict:
    """The OpenAPI request body of an upload: the workbook as the whole body, at most ``max_bytes``."""
    return {"requestBody": {"required": True, "description": f"The .xlsx workbook, as the request's whole body: at "
                            f"most {max_bytes:,} bytes (413 beyond, before it is read)",
                            "content": {workbooks.XLSX_MEDIA_TYPE: BINARY}}}


def add_xlsx_routes(app: FastAPI, options: dict, max_bytes: int) -> None:
    """POST /api/xlsx/shifts, /agents and /requirement on ``app``; ``options`` are the guarded routes' (token,
    error responses), ``max_bytes`` the server's body limit (request_guard.py refuses a larger body)."""
    body = xlsx_body(max_bytes)

    @app.post("/api/xlsx/shifts", response_model=list[ShiftRow], openapi_extra=body, **options)
    async def xlsx_shifts(request: Request, filename: FileName = None) -> list[dict]:
        """Shift templates from a workbook (sheet Shifts, else the first): name, start, length, cost, group,
        breaks, each row checked; a wrong cell is a 400 naming its sheet, row and column."""
        return await run_in_threadpool(workbooks.shifts_from_xlsx, await workbook(request), filename or UNNAMED)

    @app.post("/api/xlsx/agents", response_model=list[AgentRow], openapi_extra=body, **options)
    async def xlsx_agents(request: Request, filename: FileName = None) -> list[dict]:
        """An agent list from a workbook (sheet Agents, else the first): agent, skills, weekly_hours and
        optionally night_work, unavailable, preferred_start, checked as `casashore schedule --roster` checks it."""
        return await run_in_threadpool(workbooks.agents_from_xlsx, await workbook(request), filename or UNNAMED)

    @app.post("/api/xlsx/requirement", response_model=RequirementTable, openapi_extra=body, **options)
    async def xlsx_requirement(request: Request, filename: FileName = None,
                               site_zone: Annotated[TimeZoneName, Query(max_length=64)] = "Africa/Casablanca") -> dict:
        """A requirement from a workbook (sheet Requirement, else the first): start,required or
        start,group,required, or what `casashore staff --output` writes; starts with a UTC offset are moved to
        ``site_zone``'s clock."""
        return await run_in_threadpool(workbooks.requirement_from_xlsx, await request.body(),
                                     filename or UNNAMED, site_zone)
