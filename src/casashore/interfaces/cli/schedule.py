"""`casashore schedule`: the covering problem's options in; shifts, coverage and the roster out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casashore.errors import UserError
from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import JsonOpt, OutputOpt, PlotOpt
from casashore.interfaces.cli.plan import check_lang
from casashore.interfaces.cli.rendering import out, print_json, write_csv
from casashore.usecases.output_paths import check_all_writable


@exits_on_user_error
def schedule(
    requirements: Annotated[Path, typer.Option(help="CSV start,required (or start,group,required): HH:MM for one "
                                                    "day, ISO date-times for longer horizons; or an .xlsx workbook "
                                                    "with those columns (sheet Requirement, else the first).")],
    shifts: Annotated[Path, typer.Option(help="CSV name,start,length,cost (and group, breaks): templates that may "
                                              "start on every day; or TOML [[shift]] tables, or an .xlsx workbook "
                                              "(sheet Shifts, else the first).")],
    cyclic: Annotated[bool, typer.Option("--cyclic", help="Wrap the horizon: a night shift past its end covers "
                                                          "its beginning (a day, or Sunday into Monday).")] = False,
    hard: Annotated[bool, typer.Option("--hard", help="Forbid under-coverage (infeasible when impossible) "
                                                      "instead of pricing it.")] = False,
    under_penalty: Annotated[str | None, typer.Option(help="Cost of one agent-interval uncovered [default: 100 x "
                                                           "the dearest shift].")] = None,
    over_penalty: Annotated[str, typer.Option(help="Cost of one agent-interval over the requirement.")] = "0",
    time_limit: Annotated[str, typer.Option(help="Safety valve on the solvers' wall-clock time: a search it stops "
                                                 "is reported (stopped_by: time_safety), its result may differ on "
                                                 "another machine.")] = "600s",
    gap: Annotated[str, typer.Option(help="A schedule this close to its proven bound is good enough (0: prove the "
                                          "optimum).")] = "0",
    nodes: Annotated[int, typer.Option(min=0, max=10_000_000, help="Branch-and-bound nodes per independent part "
                                                                   "at most: a limit that stops at the same place "
                                                                   "on any machine.")] = 2_000,
    site_zone: Annotated[str, typer.Option(help="The site's time zone: starts given with a UTC offset (the "
                                                "client's time) are moved to it.")] = "Africa/Casablanca",
    rules: Annotated[Path | None, typer.Option(help="Labour rules TOML (max_daily_hours, max_weekly_hours, night, "
                                                    "min_rest_hours, ... opening_hours) [default: Morocco's Labour "
                                                    "Code, 24/7].")] = None,
    open_hours: Annotated[str | None, typer.Option("--open", help="Opening hours, e.g. 'mon-fri 08:00-20:00; sat "
                                                                  "09:00-13:00' (overrides the rules file).")] = None,
    roster: Annotated[Path | None, typer.Option(help="Agents CSV agent,skills,weekly_hours (night_work, unavailable, "
                                                     "preferred_start), or an .xlsx workbook with those columns "
                                                     "(sheet Agents, else the first): name who works each planned "
                                                     "shift.")] = None,
    weeks: Annotated[int | None, typer.Option(min=1, max=52, help="Weeks to roster, repeating the plan [default: "
                                                                  "the requirement's length].")] = None,
    roster_start: Annotated[str | None, typer.Option(help="First day of the roster for a one-day requirement "
                                                          "[default: next Monday].")] = None,
    roster_output: Annotated[Path | None, typer.Option(help="Write the roster as CSV (agent, day, shift, group, "
                                                            "start, end, paid_hours, breaks): what `casashore route "
                                                            "serve --roster` follows adherence to.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the roster as an Excel workbook, as planners "
                                                             "print it: agents x days, each day's shift and hours "
                                                             "or the day off, hours per week (needs --roster).")]
    = None,
    lang: Annotated[str, typer.Option(help="The workbook's language: en or fr.")] = "en",
    plot: PlotOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Shifts that cover the requirement at least cost (HiGHS), deterministic: proven optimal, or within --gap of a
    proven bound, or stopped by --nodes — the same answer on any machine.

    `casashore schedule --requirements day.csv --shifts shifts.csv --cyclic` answers how many agents start each
    shift, and per interval the requirement, the agents on shift, the unmet and the over. Intervals no shift can
    cover are reported, not hidden behind "infeasible". The CSV that `casashore staff --output` writes is a
    requirement as it is (agents_with_shrinkage per queue), its Paris times moved to Casablanca's clock.
    """
    # HiGHS, OR-Tools, numpy and pydantic: only when the command runs.
    from casashore.usecases.schedule import ScheduleRequest, make_schedule

    check_lang(lang)
    if xlsx is not None and roster is None:
        raise UserError("xlsx", str(xlsx), "--roster AGENTS.csv too: the workbook is the roster's agent x day grid")
    check_all_writable(output=output, roster_output=roster_output, plot=plot, xlsx=xlsx)
    made = make_schedule(ScheduleRequest(
        requirements=requirements, shifts=shifts, cyclic=cyclic, hard=hard, under_penalty=under_penalty,
        over_penalty=over_penalty, time_limit=time_limit, gap=gap, nodes=nodes, site_zone=site_zone, rules=rules,
        open_hours=open_hours, roster=roster, weeks=weeks, roster_start=roster_start, plot=plot))
    doc, coverage = made.doc, made.coverage
    if output is not None and coverage:
        write_csv(output, coverage)
    if roster_output is not None and "roster" in doc:
        write_csv(roster_output, doc["roster"]["assignments"])
    if xlsx is not None:
        from casashore.usecases.workbooks import roster_xlsx  # openpyxl: only when a workbook is asked for

        xlsx.write_bytes(roster_xlsx(made, lang))
    if as_json:
        print_json(doc)
        return
    title = (f"{doc['status']}: cost {doc['cost']:,.2f}, gap {doc['gap']:.2%}" if doc["cost"] is not None
             else "infeasible")
    out.print(_shifts_table(doc, title, made.horizon_days))
    unmet = sum(r["unmet"] for r in coverage)
    out.print(f"unmet agent-intervals: {unmet:g}; over: {sum(r['over'] for r in coverage):g}"
              + (f"; intervals no shift covers: {len(doc['uncoverable'])}" if doc["uncoverable"] else ""))
    if "roster" in doc:
        named = doc["roster"]
        gap_text = "" if named["gap"] is None else f", gap {named['gap']:.2%}"
        out.print(f"roster: {named['status']}{gap_text}; {len(named['assignments'])} shifts named, "
                  f"{sum(o['agents'] for o in named['open_shifts'])} left open, "
                  f"{sum(s['hours'] for s in named['short_hours']):g} contract hours not given"
                  + (f"; written to {roster_output}" if roster_output else " (--roster-output to write it)"))
        for line in named["diagnosis"]:
            out.print(line["text"])


def _shifts_table(doc: dict, title: str, days: int) -> Table:
    """Agents per shift: for one day, how many start it; for longer horizons, per day and over the horizon."""
    if "shifts_by_day" not in doc:
        shown = Table(title=f"Shifts — {title}")
        for header in ("shift", "agents (one day)"):
            shown.add_column(header, justify="right")
        for name, count in doc["shifts"].items():
            if count:
                shown.add_row(name, str(count))
        return shown
    per_day: dict[str, list[int]] = {}
    for row in doc["shifts_by_day"]:
        per_day.setdefault(row["shift"], []).append(row["agents"])
    shown = Table(title=f"Shifts — {title}")
    for header in ("shift", "agents per day (fewest–most)", f"agent-shifts over the {days} days"):
        shown.add_column(header, justify="right")
    for name, count in doc["shifts"].items():
        if count:
            counts = per_day.get(name, [])
            counts = counts + [0] * (days - len(counts))
            shown.add_row(name, f"{min(counts)}–{max(counts)}", str(count))
    return shown
