"""`casashore growth A.toml [B.toml ...]`: park scenarios month by month (demand, hiring plans, contracts'
margins, seats) and side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import JsonOpt, WorkspaceOpt
from casashore.interfaces.cli.plan import check_lang
from casashore.interfaces.cli.rendering import fmt, out, print_json
from casashore.usecases.output_paths import check_all_writable

SHOWN = (("headcount", "headcount", ",.1f"), ("hires", "hires", ",.0f"), ("required_fte", "FTE needed", ",.1f"),
         ("short_fte", "FTE short", ",.1f"), ("labour_cost", "labour cost", ",.0f"), ("revenue", "revenue", ",.0f"),
         ("margin", "margin", ",.0f"), ("service_level", "service level", ".1%"),
         ("seats_needed", "seats needed", ",.0f"), ("seats_open", "seats open", ",.0f"))
COMPARED = ("headcount", "hires", "labour_cost", "margin", "service_level", "seats_needed")


@exits_on_user_error
def growth(
    scenarios: Annotated[list[Path], typer.Argument(metavar="SCENARIO...", help="One to eight park scenario TOML "
                                                    "files ([park], [shrinkage], [link], [[buildings]], "
                                                    "[[operators]], [[contracts]]); differences are against the "
                                                    "first. See examples/park.toml.")],
    csv_dir: Annotated[Path | None, typer.Option("--csv", metavar="DIR", help="Also write every table as CSV "
                                                 "files into DIR (made if absent): SCENARIO-summary.csv, "
                                                 "-hiring.csv, -contracts.csv, -space.csv, -demand.csv and "
                                                 "comparison.csv.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the scenarios and their comparison as an "
                                              "Excel workbook (in English).")] = None,
    report: Annotated[Path | None, typer.Option("--report", metavar="FILE", help="Also write the scenarios side by "
                                                "side as one HTML report that opens offline: charts month by month "
                                                "(every scenario overlaid), the differences against the first, "
                                                "each one's hiring plans, contracts and phases.")] = None,
    lang: Annotated[str, typer.Option(help="The report's language: en or fr.")] = "en",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress notes on stderr.")] = False,
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    simulate: Annotated[bool, typer.Option("--simulate", help="Also simulate a typical day of each month of each "
                                           "queue at the staffed agents (the project's simulator): the simulated "
                                           "service level with its 95 % interval beside Erlang's, and penalties "
                                           "and bonuses from the simulated level.")] = False,
    replications: Annotated[int, typer.Option(help="With --simulate: replications of each day (2 to 100).")] = 5,
    seed: Annotated[int, typer.Option(help="With --simulate: the random seed (the same seed, the same "
                                      "figures).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """A park's growth month by month: each contract's contacts and FTE (Erlang C), the least-cost hiring plan
    per operator and language (a MILP on HiGHS), seats per building and phase, revenue, penalties and margin
    per contract; several scenarios side by side.

    `casashore growth examples/park.toml` plans the example park over three years; give two files (say with
    and without a new contract) to compare them month by month. Money is in the scenario's currency; an FTE is
    a paid legal week (44 hours). docs/growth.md has the model, its formulas and its defaults.

    A queue with `trend = "history"` takes its yearly trend from the workspace's records (--workspace) of its
    `history_queues`; with `[park] today = "YYYY-MM"` the months before it are the records' (marked actual).
    """
    from casashore.usecases import growth as usecase  # pydantic, numba and HiGHS: only when the command runs

    if csv_dir is not None:
        usecase.check_csv_dir(csv_dir)
    check_all_writable(xlsx=xlsx, report=report)
    check_lang(lang)
    simulation = usecase.simulation_options(replications, seed) if simulate else None

    def note(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    results, comparison = usecase.run_scenarios(scenarios, note, workspace=workspace, simulation=simulation)
    written = usecase.write_csv_dir(csv_dir, results, comparison) if csv_dir is not None else []
    if xlsx is not None:
        xlsx.write_bytes(usecase.workbook(results, comparison))
        written.append(xlsx)
    if report is not None:
        usecase.write_report(results, comparison, report, lang)
    if as_json:
        print_json({"scenarios": [r.to_json() for r in results], "comparison": comparison}
                   | ({"csv": [str(p) for p in written if p != xlsx]} if csv_dir is not None else {})
                   | ({"xlsx": str(xlsx)} if xlsx is not None else {})
                   | ({"report": str(report)} if report is not None else {}))
        return
    for result in results:
        _show(result.to_json())
    if len(results) > 1:
        _show_comparison(comparison)
    for path in written:
        out.print(f"{'xlsx' if path == xlsx else 'csv'}: {path}")
    if report is not None:
        out.print(f"report: {report}")


def _show(doc: dict) -> None:
    table = Table(title=f"{doc['scenario']}: the park month by month (money in {doc['currency']})")
    table.add_column("month")
    for _, header, _ in SHOWN:
        table.add_column(header, justify="right")
    for row in doc["summary"]:
        table.add_row(row["month"], *[fmt(row[key], spec) for key, _, spec in SHOWN])
    out.print(table)
    plans = Table(title=f"{doc['scenario']}: hiring plans")
    for column in ("operator", "language", "hires", "classes", "months short", "FTE-months short", "cost", "search"):
        plans.add_column(column, justify="left" if column in ("operator", "language", "search") else "right")
    for p in doc["hiring"]:
        rows = p["months"]
        short = [r["month"] for r in rows if r["short_fte"] > 0.005]
        gap = (p["objective"] - p["bound"]) / p["objective"] if p["objective"] else 0.0
        plans.add_row(p["operator"], p["language"], f"{sum(r['hires'] for r in rows):,}",
                      f"{sum(r['classes'] for r in rows):,}", _months(short),
                      f"{sum(r['short_fte'] for r in rows):,.1f}", f"{p['cost']:,.0f}",
                      f"{p['stopped_by']} (within {gap:.3%} of the bound)")
    out.print(plans)
    contracts = Table(title=f"{doc['scenario']}: contracts over the horizon")
    for column in ("client", "operator", "contacts", "revenue", "bonus", "penalty", "labour cost", "margin",
                   "months below term", "months actual"):
        contracts.add_column(column, justify="left" if column in ("client", "operator") else "right")
    for c in doc["contracts"]:
        rows = c["months"]
        below = [r["month"] for r in rows if r["service_level"] is not None and r["service_level"] < c["goal"] - 1e-9]
        contracts.add_row(c["client"], c["operator"], *[f"{sum(r[k] for r in rows):,.0f}" for k in (
            "contacts", "revenue", "bonus", "penalty", "labour_cost", "margin")], _months(below),
            _months([r["month"] for r in rows if r["source"] == "actual"]))
    out.print(contracts)
    for t in doc["trends"]:
        out.print(f"trend of {t['queue']} from the records of {', '.join(t['history_queues'])}: "
                  f"{t['trend_yearly']:+.1%} a year (standard error {t['trend_yearly_se']:.1%}) over "
                  f"{len(t['months_used'])} months, {t['months_used'][0]} to {t['months_used'][-1]}")
    if doc["simulation"]:
        _show_simulated(doc)
    phases = Table(title=f"{doc['scenario']}: buildings' phases")
    for column in ("building", "phase", "seats", "opens", "needed by", ""):
        phases.add_column(column)
    for b in doc["buildings"]:
        for p in b["phases"]:
            phases.add_row(b["building"], p["phase"], f"{p['seats']:,}", p["opening"], p["needed_by"] or "—",
                           "LATE: must open earlier" if p["late"] else "")
    out.print(phases)
    if doc["cable"]:
        busiest = max(doc["cable"], key=lambda r: r["share"])
        out.print(f"cable: at most {busiest['share']:.2%} of the usable link ({busiest['lines']:,} lines, "
                  f"{busiest['bandwidth_bps'] / 1e6:,.1f} Mbit/s) in {busiest['month']}")


def _show_simulated(doc: dict) -> None:
    sim = doc["simulation"]
    table = Table(title=f"{doc['scenario']}: service level over the horizon, Erlang C and simulated "
                  f"({sim['replications']} replications of a day a month, seed {sim['seed']})")
    for column in ("client", "term", "Erlang C", "simulated", "95 % interval (worst month)", "months below term"):
        table.add_column(column, justify="left" if column == "client" else "right")
    for c in doc["contracts"]:
        rows = [r for r in c["months"] if r.get("simulated_service_level") is not None and r["source"] != "actual"]
        if not rows:
            continue
        weight = sum(r["contacts"] for r in rows) or 1
        erlang = sum((r["erlang_service_level"] or 0) * r["contacts"] for r in rows) / weight
        simulated = sum(r["simulated_service_level"] * r["contacts"] for r in rows) / weight
        worst = min(rows, key=lambda r: r["simulated_service_level"])
        below = [r["month"] for r in rows if r["simulated_service_level"] < c["goal"] - 1e-9]
        table.add_row(c["client"], f"{c['goal']:.0%}", f"{erlang:.1%}", f"{simulated:.1%}",
                      f"{worst['month']}: {fmt(worst['simulated_low'], '.1%')} to "
                      f"{fmt(worst['simulated_high'], '.1%')}", _months(below))
    out.print(table)


def _months(labels: list[str]) -> str:
    if not labels:
        return "none"
    return ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")


def _show_comparison(comparison: dict) -> None:
    names = comparison["scenarios"]
    totals = Table(title=f"over the horizon (differences against {names[0]})")
    totals.add_column("figure")
    for name in names:
        totals.add_column(name, justify="right")
    for name in names[1:]:
        totals.add_column(f"{name} - {names[0]}", justify="right")
    for row in comparison["totals"]:
        totals.add_row(row["figure"], *[f"{v:,.1f}" for v in row["values"]],
                       *[f"{d:+,.1f}" for d in row["differences"][1:]])
    out.print(totals)
    table = Table(title=f"month by month (differences against {names[0]})")
    table.add_column("month")
    specs = {key: spec for key, _, spec in SHOWN}
    by = {(r["figure"], r["month"]): r for r in comparison["rows"]}
    for figure in COMPARED:
        for name in names:
            table.add_column(f"{figure}\n{name}", justify="right")
        for name in names[1:]:
            table.add_column(f"{figure}\n{name} - {names[0]}", justify="right")
    for month in comparison["months"]:
        cells = []
        for figure in COMPARED:
            row = by[figure, month]
            cells += [fmt(v, specs[figure]) for v in row["values"]]
            cells += ["—" if d is None else format(d, "+" + specs[figure]) for d in row["differences"][1:]]
        table.add_row(month, *cells)
    out.print(table)
