"""Plans kept in the workspace: every plan run (from `casashore plan` and the API alike) recorded with its
scenario's text, its outcome and, when done, the whole plan and its key figures; listed, shown, reported again,
compared and deleted without recomputing. A failed or cancelled run is kept as such, with no result: nothing of
it is ever taken for a whole plan."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from casashore.domain.json_record import JsonRecord, json_chunks
from casashore.domain.loading import parse_toml
from casashore.errors import Cancelled, UserError
from casashore.plan.compare import ComparedPlan, Comparison, compare
from casashore.plan.key_figures import KeyFigures, key_figures
from casashore.plan.pipeline import STEPS, Progress, overall_share
from casashore.plan.result import PlanResult
from casashore.plan.scenario import PlanScenario, plan_scenario_from_dict
from casashore.report.plan_report import write_report
from casashore.usecases.plan import run_plan
from casashore.usecases.workbooks import plan_xlsx
from casashore.workers import LOCAL, Execution
from casashore.workspace.store import StoredPlanRun, Workspace

MAX_LISTED = 500
"""Kept plans listed at most (the newest)."""
MAX_COMPARED = 8
RUN_ID_PATTERN = r"^[0-9a-f]{12}$"
"""A kept plan's id: also the name of its report files, so never anything else."""


@dataclass(frozen=True)
class KeptPlan(JsonRecord):
    """A kept run as listed (``result`` left out) or shown."""
    id: str
    scenario: str
    created_at: str
    """ISO 8601, UTC"""
    lang: str
    status: str
    """done, failed or cancelled"""
    error: str | None
    verdict: str | None
    key_figures: KeyFigures | None
    """done runs only"""


class UnknownPlan(UserError):
    """No kept plan has this id (the API answers 404)."""

    def __init__(self, run_id: str):
        super().__init__("plan", run_id, "the id of a kept plan (casashore plans list)")


@dataclass
class RunningPlan:
    """A plan under way as a person follows it (the step, what it is at, the share of the whole plan done) and its
    cancel flag: called as the pipeline's progress, it raises Cancelled at the first progress point after
    ``cancel()``. The share never goes back (the goal loop schedules and simulates again in later rounds)."""
    id: str
    scenario: str
    lang: str = "en"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    """when the run was asked for: the kept plan's created_at too (a label, never an input of the plan)"""
    status: str = "queued"
    step: str | None = None
    detail: str = ""
    share: float = 0.0
    steps_done: int = 0
    """steps finished: those before the step under way (the goal loop's rounds count once)"""
    error: str | None = None
    """why a run that ended was not done (when the workspace could not keep it)"""
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def __call__(self, step: str, detail: str = "", share: float = 0.0) -> None:
        if self._cancel.is_set():
            raise Cancelled(f"plan {self.id} cancelled")
        self.status, self.step, self.detail = "running", step, detail
        self.share = max(self.share, overall_share(step, share))
        self.steps_done = max(self.steps_done, STEPS.index(step))

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def to_json(self) -> dict:
        return {"id": self.id, "scenario": self.scenario, "created_at": _iso(self.created_at), "lang": self.lang,
                "status": self.status, "step": self.step, "detail": self.detail, "share": self.share,
                "steps_done": self.steps_done, "cancelling": self.cancelling, "error": self.error}


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def is_run_id(text: str) -> bool:
    return re.fullmatch(RUN_ID_PATTERN, text) is not None


def run_and_keep(scenario: PlanScenario, scenario_name: str, scenario_toml: str, workspace: Path, report: Path,
                 lang: str, *, fresh: bool, progress: Progress, run_id: str | None = None,
                 execution: Execution = LOCAL, created_at: datetime | None = None) -> tuple[str, PlanResult]:
    """The plan of ``scenario`` and its report (usecases/plan.py's run, its batches where ``execution`` says),
    kept in ``workspace`` under ``run_id`` (a new one by default) as done; a run that fails, is cancelled
    (casashore.errors.Cancelled) or interrupted (Ctrl-C) is kept as failed or cancelled and its error raised again."""
    run_id = run_id or new_run_id()
    created_at = created_at or datetime.now(UTC)  # when the run was asked for: a label, never an input of it

    def kept(status: str, error: str | None, result: PlanResult | None) -> StoredPlanRun:
        figures = key_figures(result) if result is not None else None
        return StoredPlanRun(run_id, scenario_name, scenario_toml, created_at, lang, status, error,
                             figures.verdict if figures else None, figures.to_json() if figures else None,
                             json_chunks(result) if result is not None else None)  # compressed as written

    try:
        result = run_plan(scenario, workspace, report, lang, fresh=fresh, progress=progress, execution=execution)
    except (Cancelled, KeyboardInterrupt):
        _keep_quietly(workspace, kept("cancelled", "cancelled", None))
        raise
    except UserError as exc:
        _keep_quietly(workspace, kept("failed", str(exc), None))
        raise
    except Exception as exc:
        _keep_quietly(workspace, kept("failed", f"internal error: {exc!r}", None))
        raise
    with Workspace.open(workspace) as opened:
        opened.record_plan_run(kept("done", None, result))
    return run_id, result


def _keep_quietly(workspace: Path, run: StoredPlanRun) -> None:
    """Keep a failed or cancelled run when the workspace can take it; the run's own error is what the user needs
    to see, not a second one (say, the workspace it failed to open)."""
    try:
        with Workspace.open(workspace) as opened:
            opened.record_plan_run(run)
    except UserError:
        pass


def check_workspace(workspace: Path) -> None:
    """A workspace named on the command line must exist: a typo would otherwise list no plan, silently (the API's
    own workspace may not exist yet: it lists none)."""
    if not workspace.is_file():
        raise UserError("workspace", str(workspace), "an existing workspace DuckDB file (one `casashore plan` "
                                                     "ran in); this one does not exist")


def list_plans(workspace: Path, limit: int = MAX_LISTED) -> list[KeptPlan]:
    """The kept plans, newest first (at most ``limit``, itself at most MAX_LISTED)."""
    if not workspace.exists():
        return []
    with Workspace.open(workspace) as opened:
        return [_kept(run) for run in opened.plan_runs(min(max(limit, 0), MAX_LISTED))]


def stored_plan(workspace: Path, run_id: str) -> StoredPlanRun:
    """The kept run ``run_id`` with its whole plan (None for a failed or cancelled run)."""
    run = None
    if workspace.exists():
        with Workspace.open(workspace) as opened:
            run = opened.plan_run(run_id)
    if run is None:
        raise UnknownPlan(run_id)
    return run


def show_plan(workspace: Path, run_id: str) -> KeptPlan:
    return _kept(stored_plan(workspace, run_id))


def plan_result(run: StoredPlanRun) -> PlanResult:
    """A done run's plan, typed again from its JSON (not recomputed)."""
    if run.result is None:
        raise UserError("plan", run.run_id, f"a plan that was done (this one {run.status}: it keeps no result)")
    return PlanResult.from_json(run.result)


def write_kept_report(workspace: Path, run_id: str, path: Path, lang: str | None = None) -> Path:
    """The report of a kept plan written again from its JSON (in ``lang``, by default the run's), dated when the
    plan ran: the same kept plan gives the same bytes."""
    run = stored_plan(workspace, run_id)
    result = plan_result(run)
    write_report(result, path, lang or run.lang, result.site.name, generated=run.created_at,
                 opening_hours=_kept_scenario(run).rules.opening_hours)
    return path


def kept_plan_workbook(workspace: Path, run_id: str, lang: str | None = None) -> bytes:
    """The .xlsx of a kept plan (usecases/workbooks.py), in ``lang`` (by default the run's), from its JSON and its
    scenario's TOML as kept: the same file the run's `--xlsx` wrote."""
    run = stored_plan(workspace, run_id)
    return plan_xlsx(plan_result(run), _kept_scenario(run), lang or run.lang)


def _kept_scenario(run: StoredPlanRun) -> PlanScenario:
    """The scenario a kept plan ran, read again from its TOML as kept."""
    return plan_scenario_from_dict(parse_toml(run.scenario_toml, "scenario", run.scenario), where=run.scenario)


def delete_plan(workspace: Path, run_id: str) -> None:
    stored_plan(workspace, run_id)  # an unknown id is the user's mistake, said as such
    with Workspace.open(workspace) as opened:
        opened.delete_plan_run(run_id)


def compare_plans(workspace: Path, run_ids: list[str]) -> Comparison:
    """Two or more kept (done) plans side by side, differences against the first (plan/compare.py)."""
    if not 2 <= len(run_ids) <= MAX_COMPARED:
        raise UserError("ids", len(run_ids), f"2 to {MAX_COMPARED} plan ids")
    if len(set(run_ids)) != len(run_ids):
        raise UserError("ids", ", ".join(run_ids), "different plans (an id given twice)")
    compared = []
    for run_id in run_ids:
        run = stored_plan(workspace, run_id)
        if run.figures is None:
            raise UserError("ids", run_id, f"a plan that was done (this one {run.status})")
        figures = KeyFigures.from_json(run.figures)
        compared.append((ComparedPlan(id=run.run_id, scenario=run.scenario, created_at=_iso(run.created_at),
                                      verdict=figures.verdict, currency=figures.currency), figures))
    return compare(compared)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds")


def _kept(run: StoredPlanRun) -> KeptPlan:
    return KeptPlan(id=run.run_id, scenario=run.scenario, created_at=_iso(run.created_at), lang=run.lang,
                    status=run.status, error=run.error, verdict=run.verdict,
                    key_figures=KeyFigures.from_json(run.figures) if run.figures is not None else None)


def dashboard_summary(result: PlanResult) -> dict:
    """What the dashboard shows of a done plan beside its charts: sizing, each queue's service, the schedule's
    solve, the verdict, the steps read back."""
    schedule = result.schedule
    return {"sizing": result.sizing.to_json(), "queues": [
        {"queue": q.queue, "service_level": q.measures.service_level,
         "service_level_ci95": q.measures.service_level_ci95, "p_abandon": q.measures.p_abandon,
         "asa": q.measures.asa} for q in result.simulation.queues], "schedule": {
        "status": schedule.status, "gap": schedule.gap, "cost": schedule.cost, "paid_hours": schedule.paid_hours,
        "bound": schedule.bound, "stopped_by": schedule.stopped_by},
        "verdict": result.verdict.to_json(), "reused_steps": result.reused_steps}
