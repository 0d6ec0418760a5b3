"""`casashore intraday replan`: the rest of the day's gap, its service level and the roster changes that close
it (docs/intraday.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casashore.errors import UserError
from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import CentreOpt, IntervalOpt, JsonOpt, QueueOpt, RecordsOpt, WorkspaceOpt
from casashore.interfaces.cli.rendering import fmt, out, print_json, say_skipped

INTRADAY_HELP = "During the day: the rest of the day re-planned from the reforecast and the roster."


@exits_on_user_error
def intraday_replan(
    as_of: Annotated[str, typer.Option("--as-of", help="2026-03-02T12:00 (the site's clock, as the roster's) or "
                                                       "2026-03-02T12:00+01:00 (an instant).")],
    roster: Annotated[Path | None, typer.Option(
        help="The roster CSV or .xlsx (`casashore schedule --roster-output`): agent, day, start, end, group (the "
             "queues the agent serves, joined by +, the first the one served now), breaks [default: the roster "
             "`route serve --roster` stored in the workspace].")] = None,
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    interval: IntervalOpt = "30m",
    site_zone: Annotated[str, typer.Option(help="The site's time zone, the roster's clock.")] = "Africa/Casablanca",
    target: Annotated[str, typer.Option(help="Answer-time target of every queue: 20s.")] = "20s",
    service_level: Annotated[str, typer.Option(help="Share of calls to answer within --target: 80%.")] = "80%",
    patience: Annotated[str | None, typer.Option(help="Mean patience (Erlang A and abandons in simulation); "
                                                      "without it callers wait for ever (Erlang C).")] = None,
    rules: Annotated[Path | None, typer.Option(help="Labour rules TOML (as `casashore schedule --rules`) "
                                                    "[default: Morocco's Labour Code].")] = None,
    absent: Annotated[list[str] | None, typer.Option(help="An agent of the roster not at work today; repeat for "
                                                          "several.")] = None,
    replications: Annotated[str, typer.Option(help="Simulated days, for the day and for each simulated proposal "
                                                   "(1 to 2,000).")] = "200",
    seed: Annotated[str, typer.Option(help="The simulation's seed: the same seed, the same figures.")] = "0",
    simulate_top: Annotated[str, typer.Option(help="How many of the best proposals to simulate.")] = "3",
    statuses: Annotated[bool, typer.Option(
        "--statuses", help="Who is at work at --as-of from the router's recorded statuses (the workspace's, or "
                           "--records'): an agent offline for --grace of planned work counts absent for the rest "
                           "of the day, one on a break beyond her planned one away until she is due back "
                           "(docs/intraday.md, \"Who is at work\"). --absent adds to them.")] = False,
    grace: Annotated[str | None, typer.Option(help="With --statuses: the adherence grace, as the centre file's "
                                            "adherence_grace_s (0 to 24h) [default: 5m].")] = None,
    queue: QueueOpt = None,
    records: RecordsOpt = None,
    centre: CentreOpt = "centre",
    as_json: JsonOpt = False,
) -> None:
    """The rest of the day: the gap per queue and interval, its service level and ranked changes to the roster.

    The rest of the day's calls per queue are the intraday reforecast at --as-of (`casashore forecast --intraday`);
    the agents each queue needs are Erlang's for --target and --service-level; the agents it has are the roster's at
    work and not on a break, each on the first queue of her group. The service level if nothing changes is the
    formula's and the simulator's (seeded, with its 95 % interval). The proposals — move a break within 30
    minutes, overtime before or after a shift, voluntary time off where over-staffed, a multi-skilled agent to
    another queue — keep the labour rules (--rules) and are ranked by the calls below goal they remove; the best
    few are simulated. Nothing is stored (docs/intraday.md). With --records postgresql://… a centre's calls in
    PostgreSQL (several router nodes) count too; the roster is then --roster's unless the workspace holds one.
    """
    from casashore.usecases.intraday import intraday_replan as run  # pandas, numba, DuckDB: only when it runs

    if grace is not None and not statuses:
        raise UserError("grace", grace, "--statuses too (the grace judges the router's recorded statuses)")

    doc = run(workspace, roster=roster, as_of=as_of, interval=interval, site_zone=site_zone, target=target,
              service_level=service_level, patience=patience, rules=rules, absent=absent, replications=replications,
              seed=seed, simulate_top=simulate_top, queues=queue, records=records, centre=centre,
              statuses=statuses, grace=grace or "5m")
    if as_json:
        print_json(doc)
        return
    short = [r for r in doc["intervals"] if r["gap"] > 0]
    title = f"The rest of the day at {doc['as_of']} (site's clock): intervals short of their goal"
    if not short:  # an empty table would read as a failure
        out.print(f"{title}: none (the roster covers Erlang's agents in each of the {doc['interval_count']} "
                  f"intervals of {len(doc['queues'])} queue(s)).")
    else:
        gaps = Table(title=title)
        for header in ("queue", "start", "calls", "required", "scheduled", "gap", "SL", "SL simulated"):
            gaps.add_column(header, justify="right")
        for r in short:
            sim = r["simulated_service_level"]
            gaps.add_row(r["queue"], r["start"][11:16], f"{r['calls']:.1f}", str(r["required"]),
                         f"{r['scheduled']:.2f}", f"{r['gap']:.2f}", fmt(r["service_level"], ".3f"),
                         "—" if sim is None else f"{sim:.3f} ± {r['simulated_service_level_ci95'] or 0:.3f}")
        out.print(gaps)
    shown = Table(title=f"Proposals ({len(doc['proposals'])}), best first")
    for header in ("#", "change", "paid min", "calls below goal removed", "SL before → after", "simulated"):
        shown.add_column(header, justify="right")
    for p in doc["proposals"]:
        sim = p["simulated"]
        shown.add_row(str(p["rank"]), p["what"], f"{p['paid_min']:+g}", f"{p['calls_below_goal_removed']:.2f}",
                      f"{fmt(p['service_level_before'], '.3f')} → {fmt(p['service_level_after'], '.3f')}",
                      "" if sim is None else f"{fmt(sim['service_level_before'], '.3f')} → "
                      f"{fmt(sim['service_level_after'], '.3f')} ± {fmt(sim['service_level_after_ci95'], '.3f')}")
    if doc["no_proposal"] is not None:
        out.print(f"Proposals: none — {doc['no_proposal']['words']}")
    else:
        out.print(shown)
    say_skipped(doc["skipped"])
    for a in doc["not_at_work"]:
        out.print(f"{a['kind']}: {a['agent']} — {a['why']}")
    out.print(f"who is at work: {doc['presence_from']}")
    out.print(f"read: {' and '.join(doc['read'])}")
