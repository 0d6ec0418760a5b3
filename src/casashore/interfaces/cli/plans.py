"""`casashore plans list|show|delete|compare`: the plans kept in a workspace (every `casashore plan` run and every
plan run from the dashboard), over the same use case as the API's /api/plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import JsonOpt
from casashore.interfaces.cli.rendering import fmt, out, print_json

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
    lang: Annotated[str | None, typer.Option(help="The report's language, en or fr [default: the run's].")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A kept plan: its scenario, date, status, verdict and key figures (--json: with the scenario's TOML)."""
    from casashore.interfaces.cli.plan import check_lang
    from casashore.usecases import plans

    if lang is not None:
        check_lang(lang)
    kept = plans.show_plan(workspace, plan_id)
    if report is not None:
        plans.write_kept_report(workspace, plan_id, report, lang)
    if as_json:
        print_json(kept.to_json() | {"scenario_toml": plans.stored_plan(workspace, plan_id).scenario_toml}
                   | ({"report": str(report)} if report is not None else {}))
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
    if report is not None:
        out.print(f"report: {report}")


@exits_on_user_error
def plans_compare(
    plan_ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Two to eight kept plans; differences "
                                                                       "are against the first.")],
    workspace: WorkspaceArg = DEFAULT_WORKSPACE,
    as_json: JsonOpt = False,
) -> None:
    """Kept plans side by side: FTE, hours, cost, seats, lines, bandwidth, service level per queue and per queue
    and day, each with its difference from the first plan (absolute, and relative in brackets)."""
    from casashore.usecases import plans

    comparison = plans.compare_plans(workspace, plan_ids)
    if as_json:
        print_json(comparison.to_json())
        return
    table = Table(title="plans compared (differences against the first)")
    table.add_column("measure")
    for p in comparison.plans:
        table.add_column(f"{p.id}\n{p.scenario}\n{p.verdict}", justify="right")
    for row in [*comparison.figures, *comparison.queues, *comparison.queue_days]:
        cells = []
        for i, value in enumerate(row.values):
            if value is None:
                cells.append("—")
                continue
            shown = f"{value:.1%}" if row.unit == "share" else fmt(value, ",.1f")
            if i and row.differences[i]:
                relative = f" ({row.relative[i]:+.1%})" if row.relative[i] is not None else ""
                shown += f"  {row.differences[i]:+,.3g}{relative}"
            if row.statuses and row.statuses[i]:
                shown += f" {row.statuses[i]}"
            cells.append(shown)
        table.add_row(f"{row.name} ({row.unit})", *cells)
    out.print(table)


@exits_on_user_error
def plans_delete(
    plan_id: Annotated[str, typer.Argument(metavar="ID", help="A kept plan's id (casashore plans list).")],
    workspace: WorkspaceArg = DEFAULT_WORKSPACE,
    as_json: JsonOpt = False,
) -> None:
    """Forget a kept plan (its steps stay stored: a plan of the same inputs still reads them back)."""
    from casashore.usecases import plans

    plans.delete_plan(workspace, plan_id)
    if as_json:
        print_json({"deleted": plan_id})
        return
    out.print(f"deleted plan {plan_id}")
