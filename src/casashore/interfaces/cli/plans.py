"""`casashore plans list|show|delete|compare`: the plans kept in a workspace (every `casashore plan` run and every
plan run from the dashboard), over the same use case as the API's /api/plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import JsonOpt
from casashore.interfaces.cli.plan_figures import LABELS, difference_text, value_text
from casashore.interfaces.cli.rendering import fmt, out, print_json
from casashore.usecases.output_paths import check_all_writable

PLANS_HELP = "The plans kept in a workspace: list, show, compare and delete them, write a kept plan's report."
WorkspaceArg = Annotated[Path, typer.Option("--workspace", help="The workspace DuckDB file the plans ran in.")]
DEFAULT_WORKSPACE = Path("casashore.duckdb")


@exits_on_user_error
def plans_list(
    workspace: WorkspaceArg = DEFAULT_WORKSPACE,
    limit: Annotated[int, typer.Option(min=1, max=500, help="The newest plans listed at most (1-500).")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The kept plans, newest first: id, scenario, date (UTC), status, verdict, FTE, paid hours and cost."""
    from casashore.usecases import plans  # DuckDB and the plan's records: only when the command runs

    plans.check_workspace(workspace)
    kept = plans.list_plans(workspace, limit)
    if as_json:
        print_json([p.to_json() for p in kept])
        return
    table = Table(title=f"plans kept in {workspace}")
    for column in ("id", "scenario", "created (UTC)", "status", "verdict", "FTE", "paid h", "cost"):
        table.add_column(column, justify="right" if column in ("FTE", "paid h", "cost") else "left")
    for p in kept:
        f = p.key_figures
        table.add_row(p.id, p.scenario, p.created_at, p.status, p.verdict or "—",
                      fmt(f.fte, ",.1f") if f else "—", fmt(f.paid_hours, ",.0f") if f else "—",
                      f"{f.labour_cost:,.0f} {f.currency}" if f else "—")
    out.print(table)


@exits_on_user_error
def plans_show(
    plan_id: Annotated[str, typer.Argument(metavar="ID", help="A kept plan's id (casashore plans list).")],
    workspace: WorkspaceArg = DEFAULT_WORKSPACE,
    report: Annotated[Path | None, typer.Option(help="Also write the plan's HTML report to this file, from the "
                                                     "kept plan (not recomputed).")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the plan's Excel workbook to this file, "
                                                             "from the kept plan (the file the run's --xlsx "
                                                             "wrote).")] = None,
    lang: Annotated[str | None, typer.Option(help="The report's and the workbook's language, en or fr [default: "
                                                  "the run's].")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A kept plan: its scenario, date, status, verdict and key figures (--json: with the scenario's TOML)."""
    from casashore.interfaces.cli.plan import check_lang
    from casashore.usecases import plans

    if lang is not None:
        check_lang(lang)
    check_all_writable(report=report, xlsx=xlsx)
    plans.check_workspace(workspace)
    kept = plans.show_plan(workspace, plan_id)
    if report is not None:
        plans.write_kept_report(workspace, plan_id, report, lang)
    if xlsx is not None:
        xlsx.write_bytes(plans.kept_plan_workbook(workspace, plan_id, lang))
    written = {k: str(v) for k, v in (("report", report), ("xlsx", xlsx)) if v is not None}
    if as_json:
        print_json(kept.to_json() | {"scenario_toml": plans.stored_plan(workspace, plan_id).scenario_toml} | written)
        return
    table = Table(title=f"plan {kept.id}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in (("scenario", kept.scenario), ("created (UTC)", kept.created_at), ("status", kept.status),
                       ("verdict", kept.verdict or "—"), ("error", kept.error or "—")):
        table.add_row(key, value)
    if kept.key_figures is not None:
        f = kept.key_figures
        for key, value in (("FTE", fmt(f.fte, ",.1f")), ("paid hours", fmt(f.paid_hours, ",.0f")),
                           ("labour cost", f"{f.labour_cost:,.0f} {f.currency}"),
                           ("seats at peak", f"{f.seats_at_peak} / {f.seats_available}"),
                           ("phone lines", str(f.phone_lines)), ("share of the link", f"{f.link_share:.3%}")):
            table.add_row(key, value)
        for q in f.queues:
            level = "—" if q.service_level is None else f"{q.service_level:.1%} (goal {q.goal:.0%})"
            table.add_row(f"service level {q.queue}", level)
    out.print(table)
    for what, path in written.items():
        out.print(f"{what}: {path}")


@exits_on_user_error
def plans_compare(
    plan_ids: Annotated[list[str], typer.Argument(metavar="ID", help="Two to eight kept plans' ids; differences "
                                                                     "are against the first.")],
    workspace: WorkspaceArg = DEFAULT_WORKSPACE,
    as_json: JsonOpt = False,
) -> None:
    """Kept plans side by side: FTE, hours, cost, seats, lines, bandwidth, service level per queue and per queue
    and day, each with its difference from the first plan (absolute, and relative in brackets)."""
    from casashore.usecases import plans

    plans.check_workspace(workspace)
    comparison = plans.compare_plans(workspace, plan_ids)
    if as_json:
        print_json(comparison.to_json())
        return
    currencies = sorted({p.currency for p in comparison.plans})
    table = Table(title=f"plans compared (differences against the first; money in {', '.join(currencies)})")
    table.add_column("measure")
    for p in comparison.plans:
        table.add_column(f"{p.id}\n{p.scenario}\n{p.verdict.replace('_', ' ')}", justify="right")
    # A figure's precision goes by its name; a service level's (a queue's name) by its unit alone.
    labelled = [*((LABELS.get(row.name, row.name), row.name, row) for row in comparison.figures),
                *((f"Service level {row.name}", "", row) for row in [*comparison.queues, *comparison.queue_days])]
    for label, figure, row in labelled:
        cells = []
        for i, value in enumerate(row.values):
            if value is None:
                cells.append("—")
                continue
            currency = comparison.plans[i].currency
            shown = value_text(figure, row.unit, value, currency)
            if row.statuses and row.statuses[i]:
                shown += f" {row.statuses[i].replace('_', ' ')}"
            if i and row.differences[i]:
                shown += f"  {difference_text(figure, row.unit, row.differences[i], row.relative[i], currency)}"
            cells.append(shown)
        missing = f" (missing in {', '.join(row.missing_in)})" if row.missing_in else ""
        table.add_row(label + missing, *cells)
    out.print(table)


@exits_on_user_error
def plans_delete(
    plan_id: Annotated[str, typer.Argument(metavar="ID", help="A kept plan's id (casashore plans list).")],
    workspace: WorkspaceArg = DEFAULT_WORKSPACE,
    as_json: JsonOpt = False,
) -> None:
    """Forget a kept plan (its steps stay stored: a plan of the same inputs still reads them back)."""
    from casashore.usecases import plans

    plans.check_workspace(workspace)
    plans.delete_plan(workspace, plan_id)
    if as_json:
        print_json({"deleted": plan_id})
        return
    out.print(f"deleted plan {plan_id}")
