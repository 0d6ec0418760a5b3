"""`casashore plan`: a plan scenario through the whole pipeline, with a progress bar, a summary and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from casashore.errors import UserError
from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import JsonOpt, workers_option
from casashore.interfaces.cli.rendering import out, print_json_chunks, write_text_chunks
from casashore.report.i18n import LANGS  # the languages only: no plotting
from casashore.usecases.output_paths import check_all_writable


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise UserError("lang", lang, f"one of {', '.join(LANGS)}")


def scenario_label(path: Path) -> str:
    """How a CLI run's scenario is kept and listed: its absolute path, so that two copies of one file name in
    different folders are told apart (a label, never opened again: the scenario's text is kept beside it)."""
    return str(path.absolute())


@exits_on_user_error
def plan(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Plan scenario TOML: [site], [link], [plan], "
                                                  "[[queues]], [[shifts]] and/or [[shift_patterns]], [rules]. "
                                                  "See examples/casablanca.toml.")],
    workspace: Annotated[Path, typer.Option("--workspace", help="The workspace DuckDB file; steps whose inputs "
                                                               "did not change are read back from it.")]
    = Path("casashore.duckdb"),
    report: Annotated[Path | None, typer.Option(help="The HTML report [default: SCENARIO-plan.html in the current "
                                                     "directory, SCENARIO-plan.fr.html with --lang fr].")] = None,
    lang: Annotated[str, typer.Option(help="Report language: en or fr.")] = "en",
    output: Annotated[Path | None, typer.Option(
        "--output", help="Also write the plan per agent group and interval as CSV: the report's download, the same "
        "rows and columns (channel says whether calls counts calls, chat sessions or email items).")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the plan as an Excel workbook: verdict, "
                                                             "shift table, requirement vs scheduled per interval, "
                                                             "daily summary (in --lang).")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Recompute every step instead of reading back the "
                                                        "workspace's stored results (they are replaced).")] = False,
    workers: Annotated[str | None, workers_option("Local processes for the forecast's batches of queues and "
                                                     "the simulation's replications [default: the forecast on "
                                                     "every core from 60 queues on, the simulation in this "
                                                     "process]; the plan does not depend on it.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask.distributed scheduler address (tcp://host:8786): "
                                                       "the forecast and the simulation run there, the same "
                                                       "plan; the schedule stays here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Forecast -> staffing -> schedule -> simulation -> site and link sizing, in one command.

    `casashore plan examples/casablanca.toml` makes (once) and imports the example's synthetic history, forecasts
    each queue per interval in its client's time zone, staffs each skill (Erlang A), schedules shifts and breaks
    on the site's clock under the labour rules, simulates the schedule against random calls, sizes seats, floor,
    FTE, phone lines and bandwidth against the cable, and writes a self-contained HTML report (`--lang fr` in
    French). Where the simulated service level misses a goal, the requirement rises and the schedule is made again
    (a few rounds). The same scenario gives the same plan on any machine: the schedule stops at a gap from its
    proven bound or a node count, never at a wall-clock time (a safety limit, if hit, is reported and the result
    not stored). Steps whose inputs did not change are read back from the workspace (`--fresh` recomputes).
    `--scheduler tcp://host:8786` sends the forecast's batches of queues and the simulation's replications to a
    Dask cluster (`--workers N`: N local processes): the same plan byte for byte, and the same stored steps, so a
    plan made on the cluster and one made here read each other's back.
    A queue with `history = "workspace"` plans from what `casashore import` put there: call records or interval
    reports (forecast from their counts, AHT from their handle time; callers' patience, which a report cannot
    give, is the queue's patience_s, or none: the plan's assumptions list it, in the report and in --json).
    Every run is kept in the workspace with its scenario and outcome: see `casashore plans`.
    """
    report_path = report or Path(f"{scenario.stem}-plan{'.fr' if lang == 'fr' else ''}.html")
    # Before any work (and before the imports): a report that cannot be written fails now, not at the end.
    check_all_writable(report=report_path, output=output, xlsx=xlsx, workspace=workspace)
    # The whole pipeline (numba, DuckDB, statsforecast, HiGHS, plotly): only when the command runs.
    from casashore.plan.pipeline import STEPS
    from casashore.plan.scenario import load_plan_scenario
    from casashore.report.assumptions import assumption_text
    from casashore.report.channels import deferred_hours
    from casashore.report.plan_report import summary_rows
    from casashore.report.verdict import closed_text
    from casashore.usecases.execution import execution
    from casashore.usecases.plan import interval_csv, located_in
    from casashore.usecases.plans import run_and_keep
    from casashore.usecases.simulation import compile_notice

    check_lang(lang)
    console = Console(stderr=True)
    parsed = load_plan_scenario(scenario)
    where = execution(workers, scheduler)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True, disable=as_json or not console.is_terminal) as bar:
        task = bar.add_task("plan", total=len(STEPS))
        # The goal loop schedules and simulates several times: the bar shows the step and its share done, and the
        # text what it is at (the queue, the round, the parts of the schedule solved, the replications).
        # Kept in the workspace as every plan run is (casashore plans list), done, failed or interrupted.
        # the first plan on a machine compiles the simulation engines (minutes): a line above the bar, on stderr
        with located_in(str(scenario)), compile_notice(
                lambda notice: console.print(f"notice: {notice}", markup=False, highlight=False, soft_wrap=True)):
            run_id, result = run_and_keep(
                parsed, scenario_label(scenario), scenario.read_text(encoding="utf-8"), workspace, report_path, lang,
                fresh=fresh, execution=where,
                progress=lambda step, detail="", share=0.0: bar.update(
                    task, description=f"{step} {detail}".strip(), completed=STEPS.index(step) + share))
    if output is not None:
        write_text_chunks(output, interval_csv(result))  # the report's download, byte for byte
    if xlsx is not None:
        from casashore.usecases.workbooks import plan_xlsx  # openpyxl: only when a workbook is asked for

        xlsx.write_bytes(plan_xlsx(result, parsed, lang))
    kept = f"kept as plan {run_id} in {workspace} (casashore plans show {run_id})"
    if as_json:
        from casashore.domain.json_record import json_chunks_after  # pydantic: not at --help

        print_json_chunks(json_chunks_after({"report": str(report_path)}, result))
        # Not in the JSON document (the same scenario gives the same bytes): on stderr, for a script to link
        # its output to `casashore plans show`.
        console.print(kept, soft_wrap=True, highlight=False, markup=False)
        return
    shown = Table(title=f"{parsed.site.name} — plan")
    shown.add_column("measure")
    shown.add_column("value", justify="right")
    for key, value in summary_rows(result, lang):
        shown.add_row(key, value)
    out.print(shown)
    verdict, schedule = result.verdict, result.schedule
    met = sum(d.status == "met" for d in verdict.days)
    out.print(f"verdict: {verdict.status.replace('_', ' ')} — goals met on {met} of {len(verdict.days)} "
              f"queue-days; requirement covered {verdict.coverage:.1%}; schedule within {schedule.gap:.2%} of "
              f"its proven bound {schedule.bound:,.2f} (stopped by {schedule.stopped_by}); "
              f"{verdict.rounds} scheduling round(s)")
    for skill, (intervals, hours) in deferred_hours(result).items():
        out.print(f"email {skill}: judged on its deadline (the backlog), not per interval: {hours:,.1f} agent hours "
                  f"deferred to later intervals over {intervals} intervals (breaks, later starts), not under-coverage")
    closed = closed_text(result, parsed.rules.opening_hours, "en")
    if closed:
        out.print(closed)
    for queue in result.history.regenerated or []:
        out.print(f"synthetic history for {queue} regenerated: the scenario's spec changed")
    for assumption in result.history.assumptions or []:
        out.print(f"assumed: {assumption_text(assumption, 'en')}")
    out.print(f"report: {report_path}" + (f"; read back from the workspace: {', '.join(result.reused_steps)}"
                                           if result.reused_steps else ""))
    for what, path in (("csv", output), ("xlsx", xlsx)):
        if path is not None:
            out.print(f"{what}: {path}")
    out.print(kept)
