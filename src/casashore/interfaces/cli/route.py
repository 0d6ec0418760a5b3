"""`casashore route serve` and `route drive`: the live router started from the command line, and a simulation
scenario played through its decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casashore.errors import MISSING, Refused
from casashore.interfaces.cli.errors import exits_on_user_error, fail
from casashore.interfaces.cli.options import JsonOpt
from casashore.interfaces.cli.rendering import out, print_json

ROUTE_HELP = "The live router: SIP calls in, skills-based offers to agents, live statistics."


def centre_file(centre: Path | None, config: Path | None, command: str) -> Path:
    """The centre file given either as the argument or with --config; neither, or two different ones, refused
    with the command to type."""
    if centre is not None and config is not None and centre != config:
        raise Refused("config", str(config), f"two centre files given ({centre} and --config {config}); expected "
                                             f"one: casashore route {command} {config}")
    found = centre if centre is not None else config
    if found is None:
        raise Refused("config", MISSING, f"the centre file is missing; expected it as the argument: casashore "
                                         f"route {command} examples/center.toml (or --config "
                                         f"examples/center.toml)")
    return found


@exits_on_user_error
def route_serve(
    centre: Annotated[Path | None, typer.Argument(metavar="CENTRE", show_default=False,
                                                  help="The centre file: queues, numbers, agents, tokens (see "
                                                       "examples/center.toml), as `plan` and `simulate` take "
                                                       "their scenario; or give it with --config.")] = None,
    config: Annotated[Path | None, typer.Option(help="The centre file, the same as the CENTRE argument (one or "
                                                     "the other).")] = None,
    sip: Annotated[str | None, typer.Option(help="HOST:PORT for SIP over UDP, such as 127.0.0.1:5060; "
                                                 "omit for an HTTP-only router.")] = None,
    http: Annotated[str, typer.Option(help="HOST:PORT of the REST API, the event WebSocket and the "
                                           "wallboard.")] = "127.0.0.1:8080",
    workspace: Annotated[Path | None, typer.Option(help="Workspace where every call and event is recorded.")]
    = Path("casashore.duckdb"),
    no_records: Annotated[bool, typer.Option("--no-records", help="Record nothing (tests, demos).")] = False,
    redis_url: Annotated[str | None, typer.Option("--redis", help="redis://HOST:PORT: keep the routing state in "
                                                                   "Redis, shared with the centre's other nodes.")]
    = None,
    node: Annotated[str | None, typer.Option(help="This node's name among the centre's nodes [default: "
                                                  "host-pid].")] = None,
    records: Annotated[str | None, typer.Option(help="postgresql://USER@HOST/DB: with --redis, the centre's "
                                                     "records (every event, every ended call) go to PostgreSQL, "
                                                     "written once whichever node saw them, instead of the "
                                                     "workspace.")] = None,
    roster: Annotated[Path | None, typer.Option(help="The roster (`casashore schedule --roster-output`, CSV or "
                                                     ".xlsx; times on the site's clock, [router] time_zone): follow "
                                                     "each agent's adherence (GET /api/adherence, alerts on the "
                                                     "event stream and the wallboard).")] = None,
    clock_start: Annotated[str | None, typer.Option(help="Training and replay: the router's site clock starts at "
                                                         "this date-time (ISO; without an offset on the site's "
                                                         "clock, [router] time_zone) instead of now.")] = None,
    clock_speed: Annotated[str | None, typer.Option(help="Training and replay: site seconds per real second, 1 to "
                                                         "3600 (60: an hour a minute); above 1 not with --sip, "
                                                         "whose timers run in real time. [default: 1]")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Route live calls: a trunk sends INVITEs to --sip, agents take offers through the API, supervisors watch
    http://HOST:PORT/wallboard (the page asks for a supervisor's token and keeps it in the tab).

    casashore route serve examples/center.toml --sip 127.0.0.1:5060 --http 127.0.0.1:8080

    Agents: POST /api/agents/ID/status {"status": "available"}, then accept offers seen on the WebSocket
    /api/events with POST /api/agents/ID/accept/CALL. Statistics: GET /api/queues (definitions in
    docs/routing.md). Every call lands in the workspace's `calls` table, ready for `casashore forecast`.

    Tokens (the centre file's): every /api endpoint needs one as "Authorization: Bearer TOKEN" (401 without a
    valid one, 403 for a role that may not). Any token, an agent's, a supervisor's or the trunk's: statistics
    GET /api/queues and /api/stats, GET /api/agents, the events WS /api/events?token=TOKEN. An agent's for
    herself only, a supervisor's for anyone: POST /api/agents/ID/status, /accept/CALL, /reject/CALL, GET
    /api/agents/ID/sessions. A supervisor's only: GET /api/calls (the live calls), the intraday reforecast and
    re-plan. The trunk's or a supervisor's: POST /api/calls and POST /api/emails. No token: the pages /wallboard
    and /desk (they ask for one) and the customers' chat, /chat?queue=NAME and POST /api/chats. Every endpoint
    and its role: docs/routing.md, "API and roles".

    Several nodes: start each with the same centre file and --redis redis://127.0.0.1:6379 (and its own --sip,
    --http and --workspace); every offer is then decided atomically in Redis, whichever node a call or an
    agent comes through. Add --records postgresql://USER@HOST/DB to write the centre's records once, to
    PostgreSQL, whichever node saw them; put Kamailio in front (examples/kamailio/) so that a dead node's
    callers are taken over by the others.

    Training and replay: --clock-start 2026-03-02T07:00 --clock-speed 60 runs the router on a site clock (an
    hour a minute) that every routing decision, adherence figure and record reads; GET /api/clock tells it.
    """
    from casashore.usecases import route  # uvicorn, redis and pydantic: only when the command runs

    config = centre_file(centre, config, "serve")
    setup = route.router_setup(config, sip=sip, http=http, workspace=workspace, no_records=no_records,
                               redis_url=redis_url, records=records, roster=roster, clock_start=clock_start,
                               clock_speed=clock_speed)
    center = setup.center
    clock = setup.clock
    shown_clock = ({"start": clock_start, "speed": clock.speed} if clock.replay else None)
    if json_out:
        print_json({"sip": sip, "tls": center.router.tls_listen, "http": http, "redis": redis_url,
                    "queues": [q.name for q in center.queues],
                    "agents": len(center.agents), "workspace": None if no_records or records else str(workspace),
                    "records": setup.records_to,
                    "roster_agents": None if setup.roster is None else len(setup.roster.agents()),
                    "clock": shown_clock})
    else:
        tls = f", TLS {center.router.tls_listen}" if center.router.tls_listen else ""
        out.print(f"router: SIP {sip or 'off'}{tls}, HTTP http://{http}/ (wallboard: /wallboard, with a token), "
                  f"{len(center.queues)} queues, {len(center.agents)} agents"
                  + (f"; site clock from {clock_start or 'now'} at {clock.speed:g}x" if clock.replay else ""))
    try:
        route.serve_router(setup, redis_url=redis_url, node=node, records=records)
    except OSError as exc:  # an address in use
        fail(f"route serve: {exc}")
    except Exception as exc:  # noqa: BLE001 - redis unreachable: one line, not a traceback
        if type(exc).__module__.startswith("redis"):
            fail(f"redis: {redis_url!r} cannot be used ({exc})")
        raise


@exits_on_user_error
def route_adherence(
    config: Annotated[Path, typer.Option(help="The centre file (its agents, [router] time_zone and "
                                              "adherence_grace_s).")],
    day: Annotated[str, typer.Option("--date", help="The site day, YYYY-MM-DD, on the site's clock "
                                                   "([router] time_zone).")],
    workspace: Annotated[Path, typer.Option(help="The workspace the router recorded into.")] = Path(
        "casashore.duckdb"),
    roster: Annotated[Path | None, typer.Option(help="The roster CSV or .xlsx (`casashore schedule --roster-output`) "
                                                     "[default: the one `route serve --roster` stored in the "
                                                     "workspace].")] = None,
    records: Annotated[str | None, typer.Option(
        "--records", "--records-url", metavar="postgresql://USER@HOST/DB",
        help="The centre's records in PostgreSQL (`route serve --records`; the centre file's [router] centre): "
             "the day's events read and its record written there instead of the workspace; needs --roster. "
             "The password is never printed; keep it out of the URL (~/.pgpass or PGPASSWORD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A day's adherence from the router's records: per agent and team, adherence, conformance, minutes out of
    adherence per activity, written as the day's record where the records are (again: replaced, not added).

    casashore route adherence --config center.toml --date 2026-03-02 --json
    casashore route adherence --config center.toml --date 2026-03-02 --roster roster.csv --records postgresql://casashore@db/casashore

    Definitions in docs/routing.md ("Adherence"). A day not over yet is counted up to now, or up to the last
    event recorded when a router on a site clock ahead of this machine's (route serve --clock-start) replayed it;
    a day ahead of both is refused (its record would be empty). Run it on a
    workspace no router is writing into (a router writes each day's record itself when the day closes);
    PostgreSQL records may be read while the routers write.
    """
    import time

    from casashore.usecases.adherence import record_adherence_day  # DuckDB: only when the command runs

    doc = record_adherence_day(config, workspace, day, roster, time.time(), records=records)
    if as_json:
        print_json(doc)
        return
    shown = Table(title=f"adherence {doc['date']} ({doc['time_zone']}), {doc['from']} to {doc['until']}")
    for column in ("agent", "team", "adherence", "conformance", "scheduled min", "out of adherence min"):
        shown.add_column(column, justify="left" if column in ("agent", "team") else "right")

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.1%}"

    for row in doc["agents"]:
        shown.add_row(row["agent"], row["team"] or "", share(row["adherence"]), share(row["conformance"]),
                      f"{row['scheduled_min']:g}", f"{row['out_of_adherence_min']:g}")
    for row in doc["teams"]:
        shown.add_row("(team)", row["team"], share(row["adherence"]), share(row["conformance"]),
                      f"{row['scheduled_min']:g}", f"{row['out_of_adherence_min']:g}")
    out.print(shown)
    out.print(f"{doc['records_written']} rows recorded in {doc['recorded_in']}"
              + ("" if doc["complete"] else f" (the day is not over: counted up to {doc['counted_up_to']})"))


@exits_on_user_error
def route_drive(
    scenario: Annotated[Path, typer.Argument(help="A simulation scenario (as for `casashore simulate`).")],
    replications: Annotated[str | None, typer.Option(help="Independent runs [default: the scenario's].")] = None,
    seed: Annotated[str | None, typer.Option(help="Seed: the same seed gives the same results.")] = None,
    ring: Annotated[str, typer.Option(help="Time an offered agent takes to accept.")] = "0s",
    selection: Annotated[str, typer.Option(help="Agent selection: longest_idle, best_proficiency, round_robin, "
                                                "fewest_calls.")] = "longest_idle",
    as_json: JsonOpt = False,
) -> None:
    """Play a simulation scenario through the live router's decisions, next to the simulator's results.

    `casashore route drive examples/multiskill.toml --replications 20`: the same calls, handle times,
    patience and staffing, but every offer made by the router's rules (calls by priority then age, agents by
    --selection). Where the two columns differ beyond their 95 % intervals, the router's rules and the plan's
    routing assumptions differ.
    """
    from casashore.usecases import route  # numba and pydantic: only when the command runs

    doc = route.drive_scenario(scenario, replications=replications, seed=seed, ring=ring, selection=selection)
    if as_json:
        print_json(doc)
        return
    shown = Table(title=f"router (R) vs simulator (S), {doc['replications']} replications, ± 95 %")
    shown.add_column("queue")
    shown.add_column("offered", justify="right")
    for measure in ("service level", "P(abandon)", "ASA of answered (s)"):
        for who in ("R", "S"):
            shown.add_column(f"{measure} {who}", justify="right")

    def cell(row: dict, who: str, key: str, digits: int) -> str:
        value, half = row[who][key], row[who][key + "_ci95"]
        return "—" if value is None else f"{value:.{digits}f} ± {half or 0:.{digits}f}"

    for row in doc["queues"]:
        shown.add_row(row["queue"], f"{row['router']['offered']:.0f}",
                      *(cell(row, who, key, digits) for key, digits in (("service_level", 3), ("p_abandon", 3),
                                                                          ("asa", 1))
                        for who in ("router", "simulator")))
    out.print(shown)
