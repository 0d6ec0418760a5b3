"""What `casashore plan` and the API's background plans do: a plan scenario through the pipeline (history ->
forecast -> staffing -> schedule <-> simulation -> sizing) and its report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from casashore.errors import UserError
from casashore.plan.pipeline import Progress, plan_with_report
from casashore.plan.result import PlanResult
from casashore.plan.scenario import PlanScenario
from casashore.report.tables import interval_csv_chunks, iter_interval_rows
from casashore.workers import LOCAL, Execution


def run_plan(scenario: PlanScenario, workspace: Path, report: Path, lang: str, *, fresh: bool,
             progress: Progress, execution: Execution = LOCAL) -> PlanResult:
    """The plan of ``scenario``, its steps read back from ``workspace`` when their inputs did not change (unless
    ``fresh``); ``progress(step, detail)`` is called with each step's name as it starts and, on long steps, with
    what it is at (plan/pipeline.py's Progress). ``execution`` (usecases/execution.py): where the forecast's
    batches of queues and the simulation's replications run; the plan is the same wherever they ran."""
    return plan_with_report(scenario, workspace, report, lang, fresh=fresh, progress=progress, execution=execution)


SCENARIO_TABLES = ("site", "link", "plan", "rules", "queues", "shifts", "shift_patterns")
"""The plan scenario's top-level tables: an error whose field starts with one names a place in the file."""


@contextmanager
def located_in(scenario_file: str) -> Iterator[None]:
    """A UserError found while the plan runs (an email queue's deadline_share the opening hours cannot give) that
    names a field of the scenario carries the file's name, as the errors found when it is read do."""
    try:
        yield
    except UserError as exc:
        table = exc.field.split(".")[0].split("[")[0]
        if type(exc) is not UserError or exc.where is not None or table not in SCENARIO_TABLES:
            raise  # a Refused is a sentence of its own; a field not of the file is not located in it
        raise UserError(exc.field, exc.value, exc.expected, where=scenario_file) from None


def interval_rows(result: PlanResult) -> list[dict]:
    """The plan per skill and interval shown (report/tables.py's shown_span: the plan's days and the hour a client
    west of the site reaches past its midnight, not the rest of that day): the report's rows, every column."""
    return list(iter_interval_rows(result))


def interval_csv(result: PlanResult) -> Iterator[str]:
    """`casashore plan --output`: the report's download, byte for byte (report/tables.py ``interval_csv_chunks``:
    the same rows and columns, channel among them), in pieces."""
    return interval_csv_chunks(iter_interval_rows(result))
