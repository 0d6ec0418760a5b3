"""The API's plans: started in the background (one at a time: the workspace is one DuckDB file), followed while
they run (step, detail, share done), cancelled, kept in the workspace (usecases/plans.py) and listed, shown,
reported, compared, re-run and deleted. Plans are addressed by generated ids (12 hex digits) only; a report is a
file named by that id inside the workspace directory's reports/."""

from __future__ import annotations

import json
import math
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field

from casashore.domain.base import Strict
from casashore.domain.loading import parse_toml
from casashore.errors import Cancelled, UserError
from casashore.plan.compare import Comparison
from casashore.plan.key_figures import KeyFigures
from casashore.plan.scenario import plan_scenario_from_dict
from casashore.report.plan_report import figures
from casashore.usecases import plans
from casashore.usecases.plans import MAX_COMPARED, MAX_LISTED, RUN_ID_PATTERN, STEPS, KeptPlan, RunningPlan
from casashore.usecases.workbooks import XLSX_MEDIA_TYPE

PlanId = Annotated[str, Field(pattern=RUN_ID_PATTERN)]
Lang = Literal["en", "fr"]
MAX_UNKEPT = 100
"""Runs whose outcome the workspace could not take (held by another process), remembered in memory at most."""


class PlanRequest(Strict):
    scenario_id: PlanId
    lang: Lang = "en"
    fresh: bool = False
    """Recompute every step instead of reading back the workspace's stored results."""


class RerunRequest(Strict):
    lang: Lang | None = None
    """The report's language; the kept run's by default."""
    fresh: bool = False


class CompareRequest(Strict):
    ids: Annotated[list[PlanId], Field(min_length=2, max_length=MAX_COMPARED)]
    """Kept (done) plans; differences are against the first."""


class Started(BaseModel):
    id: str


class PlanState(BaseModel):
    """A plan while it runs (status queued or running: step, detail, share of the whole plan done 0..1) or kept
    (done, failed or cancelled: its record; when done, its key figures, summary, charts and report link)."""
    id: str
    scenario: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    step: str | None = None
    detail: str = ""
    share: float = 0.0
    steps_done: int = 0
    cancelling: bool = False
    error: str | None = None
    created_at: str | None = None
    lang: str | None = None
    verdict: str | None = None
    key_figures: KeyFigures | None = None
    report: str | None = None
    summary: dict | None = None
    figures: list[dict] | None = None
    """the dashboard's charts, plotly JSON"""


def add_plan_routes(app: FastAPI, workspace_dir: Path, guarded: dict, scenario_text: Callable[[str], tuple[str, str]],
                    ) -> None:
    """The plan routes over ``workspace_dir``; ``scenario_text(id)``: an uploaded scenario's (name, TOML) or 404."""
    database = workspace_dir / "casashore.duckdb"
    reports = workspace_dir / "reports"
    running: dict[str, RunningPlan] = {}  # the plan under way, and runs the workspace could not keep
    plan_lock = threading.Lock()  # one plan at a time: the workspace is one DuckDB file
    start_lock = threading.Lock()  # guards starting a plan against a second request doing the same

    def start(name: str, toml: str, lang: str, fresh: bool) -> dict:
        scenario = plan_scenario_from_dict(parse_toml(toml, "toml", name), where=name)  # validated before it starts
        with start_lock:
            if any(p.status in ("queued", "running") for p in running.values()):
                raise HTTPException(409, "a plan is already running (one at a time): wait for it or cancel it")
            state = RunningPlan(id=plans.new_run_id(), scenario=name, lang=lang)
            for old in list(running)[:max(0, len(running) + 1 - MAX_UNKEPT)]:
                del running[old]
            running[state.id] = state
        threading.Thread(target=run, args=(state, scenario, name, toml, lang, fresh), daemon=True).start()
        return {"id": state.id}

    def run(state: RunningPlan, scenario, name: str, toml: str, lang: str, fresh: bool) -> None:
        error = None
        try:
            with plan_lock:
                plans.run_and_keep(scenario, name, toml, database, report_path(state.id, lang), lang, fresh=fresh,
                                   progress=state, run_id=state.id, created_at=state.created_at)
        except Cancelled:
            error = "cancelled"
        except UserError as exc:
            error = str(exc)
        except Exception as exc:  # a bug, not a user mistake: keep the server up and say so
            error = f"internal error: {exc!r}"
            traceback.print_exc()
        try:
            plans.show_plan(database, state.id)
            del running[state.id]  # kept: read from the workspace from now on (its state until then "running")
        except UserError:  # not kept (the workspace was held elsewhere): remembered here instead
            state.status = "cancelled" if error == "cancelled" else "failed" if error else "done"
            state.error = error
            state.steps_done = len(STEPS) if not error else state.steps_done

    def report_path(plan_id: str, lang: str) -> Path:
        return reports / f"{plan_id}.{lang}.html"  # an id checked against RUN_ID_PATTERN, and a Literal

    def kept(plan_id: str) -> KeptPlan:
        try:
            return plans.show_plan(database, plan_id)
        except plans.UnknownPlan:  # other errors (a workspace held by another process) say what they are
            raise HTTPException(404, f"plan {plan_id!r}: no such plan") from None

    def done(plan_id: str, what: str) -> KeptPlan:
        """The kept record of a plan that is done; 409 naming ``what`` it has not while it runs or if it failed."""
        check_id(plan_id)
        if plan_id in running:
            raise HTTPException(409, f"plan {plan_id}: {running[plan_id].status}, no {what} yet")
        record = kept(plan_id)
        if record.status != "done":
            raise HTTPException(409, f"plan {plan_id}: {record.status}, no {what}")
        return record

    @app.post("/api/plans", status_code=202, response_model=Started, **guarded)
    def start_plan(req: PlanRequest) -> dict:
        """Run the plan of an uploaded scenario in the background and keep it; poll GET /api/plans/{id}. One
        plan runs at a time (409 meanwhile); the scenario is validated again, its cost included, first."""
        name, toml = scenario_text(req.scenario_id)
        return start(name, toml, req.lang, req.fresh)

    @app.get("/api/plans", response_model=list[KeptPlan], **guarded)
    def list_plans(limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100) -> list[dict]:
        """The kept plans, newest first: scenario, date (UTC), status, verdict and key figures."""
        return [p.to_json() for p in plans.list_plans(database, limit)]

    @app.post("/api/plans/compare", response_model=Comparison, **guarded)
    def compare_plans(req: CompareRequest) -> dict:
        """Two or more kept plans side by side: agents, hours, cost, seats, lines, bandwidth, service level per
        queue and per queue and day with its status, and each value's difference from the first plan's (absolute
        and relative). Plans of different queues or days are compared on what they share; a row says which plans
        lack it."""
        return plans.compare_plans(database, req.ids).to_json()

    @app.get("/api/plans/{plan_id}", response_model=PlanState, **guarded)
    def get_plan(plan_id: str) -> Response:
        """The plan's state while it runs; once kept, its record, and when done its summary, charts (plotly
        JSON) and report link."""
        check_id(plan_id)
        if plan_id in running:
            return Response(json.dumps(running[plan_id].to_json()), media_type="application/json")
        record = kept(plan_id)
        body = record.to_json() | {"step": None, "detail": "", "share": 1.0 if record.status == "done" else 0.0,
                                   "steps_done": len(STEPS) if record.status == "done" else 0, "cancelling": False}
        if record.status == "done":
            result = plans.plan_result(plans.stored_plan(database, plan_id))
            body |= {"report": f"/api/plans/{plan_id}/report", "summary": plans.dashboard_summary(result),
                     "figures": [{"title": title, "figure": figure.to_plotly_json()}
                                 for title, figure in figures(result, record.lang)]}
        return Response(json.dumps(body, default=_plain), media_type="application/json")

    @app.get("/api/plans/{plan_id}/report", response_class=HTMLResponse, **guarded)
    def plan_report(plan_id: str, lang: Lang | None = None) -> FileResponse:
        """The kept plan's HTML report (in ``lang``, by default the run's), written from the kept plan."""
        record = done(plan_id, "report")
        path = report_path(plan_id, lang or record.lang)
        if not path.is_file():
            plans.write_kept_report(database, plan_id, path, lang or record.lang)
        return FileResponse(path, media_type="text/html")

    @app.get("/api/plans/{plan_id}/plan.xlsx", response_class=Response, **guarded,
             openapi_extra={"responses": {"200": {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string",
                                                                                          "format": "binary"}}}}}})
    def plan_workbook(plan_id: str, lang: Lang | None = None) -> Response:
        """The kept plan as an Excel workbook (verdict, shift table, requirement vs scheduled per interval, daily
        summary), in ``lang`` (by default the run's)."""
        done(plan_id, "workbook")
        return Response(plans.kept_plan_workbook(database, plan_id, lang), media_type=XLSX_MEDIA_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.xlsx"'})

    @app.post("/api/plans/{plan_id}/cancel", status_code=202, response_model=PlanState, **guarded)
    def cancel_plan(plan_id: str) -> dict:
        """Stop the running plan at its next progress point: the step under way is not stored, the run is kept
        as cancelled. 409 when the plan is no longer running."""
        check_id(plan_id)
        state = running.get(plan_id)
        if state is None or state.status not in ("queued", "running"):
            status = state.status if state is not None else kept(plan_id).status
            raise HTTPException(409, f"plan {plan_id}: {status}, nothing to cancel")
        state.cancel()
        return state.to_json()

    @app.post("/api/plans/{plan_id}/rerun", status_code=202, response_model=Started, **guarded)
    def rerun_plan(plan_id: str, req: RerunRequest | None = None) -> dict:
        """Run a kept plan's scenario again (its TOML as kept), as a new plan."""
        check_id(plan_id)
        req = req or RerunRequest()
        if plan_id in running:
            raise HTTPException(409, f"plan {plan_id}: {running[plan_id].status}, not kept yet")
        kept(plan_id)
        stored = plans.stored_plan(database, plan_id)
        return start(stored.scenario, stored.scenario_toml, req.lang or stored.lang, req.fresh)

    @app.delete("/api/plans/{plan_id}", status_code=204, **guarded)
    def delete_plan(plan_id: str) -> Response:
        """Forget a kept plan and its report files. 409 while it runs."""
        check_id(plan_id)
        if plan_id in running and running[plan_id].status in ("queued", "running"):
            raise HTTPException(409, f"plan {plan_id}: running; cancel it first")
        if running.pop(plan_id, None) is None:
            kept(plan_id)
            plans.delete_plan(database, plan_id)
        for lang in ("en", "fr"):
            report_path(plan_id, lang).unlink(missing_ok=True)
        return Response(status_code=204)


def check_id(plan_id: str) -> None:
    if not plans.is_run_id(plan_id):
        raise HTTPException(404, f"plan {plan_id!r}: no such plan")


def _plain(value):
    """JSON for numpy values in plotly's figure dictionaries."""
    if isinstance(value, np.ndarray):  # the report's series: NaN (a gap in the line) is null in JSON
        return [None if isinstance(v, float) and math.isnan(v) else v for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
