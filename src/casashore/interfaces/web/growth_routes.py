"""POST /api/growth: park scenarios (TOML text or JSON) run and compared as `casashore growth --json` does, with
the same keys, typed here for the OpenAPI document; the /growth page draws them. Nothing is stored. A request is
bounded in size (the server's body limit; each scenario's TOML), in count (at most MAX_SCENARIOS) and in work (at
most MAX_POOLS hiring plans, one MILP each, over all its scenarios); one growth run at a time (409 meanwhile), in
a worker thread so that the server keeps answering."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from casashore.domain.base import NAME_PATTERN, Strict
from casashore.growth.scenario import MAX_POOLS
from casashore.interfaces.web.scenario_routes import one_writing

MAX_SCENARIOS = 4
"""Fewer than the CLI's eight: a request holds the server's one growth run until it is done."""
MAX_SCENARIO_CHARS = 128 * 1024
PARK_JSON = ("The park scenario as JSON: the TOML's tables and keys (park, shrinkage, link, buildings, operators, "
             "contracts; docs/growth.md), months as YYYY-MM text")
Number = float | None
"""A figure of the month; null where it has no value (a month without contacts has no service level)."""


class ParkScenario(Strict):
    """One scenario, named (the CLI names it by its file), given as ``toml`` (text) or ``scenario`` (JSON)."""
    name: Annotated[str, Field(pattern=f"^{NAME_PATTERN}$", description="What the comparison calls it (1 to 64 "
                               "letters, digits, spaces and _ . + -)")]
    toml: Annotated[str | None, Field(min_length=1, max_length=MAX_SCENARIO_CHARS)] = None
    scenario: Annotated[dict[str, Any] | None, Field(description=PARK_JSON)] = None

    @model_validator(mode="after")
    def _one_writing(self) -> ParkScenario:
        one_writing(self.scenario, self.toml)
        return self


class GrowthRequest(Strict):
    scenarios: Annotated[list[ParkScenario], Field(min_length=1, max_length=MAX_SCENARIOS, description=(
        f"1 to {MAX_SCENARIOS} scenarios of different names, differences against the first; at most {MAX_POOLS} "
        "operator languages over all of them"))]


class SummaryRow(BaseModel):
    """The park in one month (docs/growth.md, "Outputs")."""
    month: str
    contacts: Number
    required_fte: Number
    headcount: Number
    hires: Number
    trainees: Number
    productive_fte: Number
    overtime_fte: Number
    short_fte: Number
    labour_cost: Number
    revenue: Number
    penalties: Number
    bonuses: Number
    margin: Number
    service_level: Number
    seats_needed: Number
    seats_open: Number


class ShrinkageRow(BaseModel):
    month: str
    total: Number
    leave: Number
    holidays: Number
    ramadan: Number


class DemandRow(BaseModel):
    month: str
    contacts: Number
    open_days: Number
    on_phone_hours: Number
    fte: Number
    peak_agents: Number
    staffed_ratio: Number
    service_level: Number


class QueueDemand(BaseModel):
    queue: str
    client: str
    operator: str
    language: str
    months: list[DemandRow]


class HiringRow(BaseModel):
    month: str
    required_fte: Number
    hires: Number
    classes: Number
    headcount: Number
    trainees: Number
    productive_fte: Number
    overtime_fte: Number
    short_fte: Number
    salaries: Number
    hiring_cost: Number
    overtime_cost: Number


class HiringPlan(BaseModel):
    operator: str
    language: str
    stopped_by: str
    """optimal, gap, nodes or time_safety (docs/growth.md, "Hiring plan")"""
    objective: Number
    bound: Number
    cost: Number
    months: list[HiringRow]


class ContractRow(BaseModel):
    month: str
    contacts: Number
    handled: Number
    billable_hours: Number
    service_level: Number
    revenue: Number
    bonus: Number
    penalty: Number
    labour_cost: Number
    margin: Number
    erlang_service_level: Number
    """The plan's level by Erlang C (service_level is the one the term is measured by)."""
    source: str
    """plan here: the API reads no workspace records (docs/growth.md, section 7)"""


class Contract(BaseModel):
    client: str
    operator: str
    sector: str
    goal: float
    months: list[ContractRow]


class Phase(BaseModel):
    phase: str
    seats: int
    opening: str
    needed_by: str | None
    late: bool


class BuildingRow(BaseModel):
    month: str
    peak_on_phones: Number
    on_shift_peak: Number
    """The most agents on shift at once in the busiest week's schedule (docs/growth.md, "Space")"""
    trainees: Number
    seats_busiest_hour: Number
    """The lower bound: seats for the busiest hour's agents on the phones, without shifts"""
    seats_needed: Number
    seats_open: Number
    seats_short: Number
    floor_m2_needed: Number


class Building(BaseModel):
    building: str
    phases: list[Phase]
    schedule_stopped_by: list[str]
    """How the busiest weeks' schedules' searches stopped: optimal, gap, nodes, time_safety"""
    months: list[BuildingRow]


class CableRow(BaseModel):
    month: str
    lines: Number
    bandwidth_bps: Number
    share: Number


class ScenarioResult(BaseModel):
    scenario: str
    currency: str
    months: list[str]
    summary: list[SummaryRow]
    shrinkage: list[ShrinkageRow]
    demand: list[QueueDemand]
    hiring: list[HiringPlan]
    contracts: list[Contract]
    buildings: list[Building]
    today: str | None
    """null here: the API reads no workspace records"""
    trends: list[dict[str, Any]]
    """empty here: no trend from history through the API"""
    simulation: dict[str, int] | None
    """null here: the API does not simulate"""
    cable: list[CableRow] | None
    """null without a [link]"""


class ComparisonRow(BaseModel):
    figure: str
    month: str
    values: list[Number]
    """One per scenario, in the request's order"""
    differences: list[Number]
    """Each scenario's value less the first's (null where either lacks the month)"""


class ComparisonTotal(BaseModel):
    figure: str
    values: list[float]
    differences: list[float]


class Comparison(BaseModel):
    scenarios: list[str]
    months: list[str]
    rows: list[ComparisonRow]
    totals: list[ComparisonTotal]


class GrowthResponse(BaseModel):
    """The keys of `casashore growth --json` (without the files it writes)."""
    scenarios: list[ScenarioResult]
    comparison: Comparison


def _documents(req: GrowthRequest) -> dict:
    from casashore.usecases import growth as usecase  # numba's kernels and HiGHS: on the first request, not at start

    named = [(s.name, usecase.parse_scenario(s.toml, s.name) if s.toml is not None else s.scenario)
             for s in req.scenarios]
    results, comparison = usecase.run_documents(named)
    return {"scenarios": [r.to_json() for r in results], "comparison": comparison}


def add_growth_routes(app: FastAPI, guarded: dict) -> None:
    """Register POST /api/growth on ``app``, guarded as the stored scenarios are (token off loopback)."""
    running = threading.Lock()
    app.state.growth_running = running  # held while a comparison runs (a test holds it to see the 409)

    @app.post("/api/growth", response_model=GrowthResponse, **guarded)
    async def growth(req: GrowthRequest) -> dict:
        """Run park scenarios month by month (demand, hiring plans, contracts' margins, seats, cable) and
        compare them against the first, as `casashore growth --json`; nothing is stored. A wrong field is a 400
        naming the scenario and the field's path; 409 while another growth request runs."""
        if not running.acquire(blocking=False):
            raise HTTPException(409, "a growth comparison is already running (one at a time): try again when it "
                                "is done")
        try:
            return await run_in_threadpool(_documents, req)
        finally:
            running.release()
