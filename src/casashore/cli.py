"""The ``casashore`` command: thin translations from options and CSV files to the calculators.

Every command takes ``--json`` (one JSON document on stdout, nothing else); a user mistake prints one line on
stderr and exits with status 2.

Each command imports what it needs when it runs: numba and scipy (the Erlang kernels), pydantic (scenarios),
pandas, statsforecast, DuckDB and FastAPI cost from a tenth of a second to a second each, and `--help`,
`link` or `--version` need none of them. Keep module-level imports to the standard library, typer and rich.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from casashore.errors import UserError
from casashore.output_paths import check_all_writable
from casashore.units import day_interval_min, duration_s, whole  # standard library only

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
WIDE_OUTPUT = 10_000
"""Columns of a console that is not a terminal (a file, a pipe): rich's default of 80 would cut tables."""


class _Stdout:
    """Rich output on stdout that never cuts a table or a line.

    On a terminal, a table too wide for it has its cells folded onto more lines (never an ellipsis), numbers
    kept whole when they fit; into a file or a pipe, nothing is narrowed at all.
    """

    def print(self, *objects: Any) -> None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=WIDE_OUTPUT)
        for table in (o for o in objects if isinstance(o, Table)):
            _fold_rather_than_cut(table, console.width)
        console.print(*objects)


def _fold_rather_than_cut(table: Table, width: int) -> None:
    """Fold cells instead of cutting them with "…"; keep numbers whole if the table still fits ``width``."""
    for column in table.columns:
        column.overflow = "fold"
        column.min_width = max((len(str(c)) for c in column.cells), default=0) + 2  # rich counts the padding
    trial = Console(width=width, file=io.StringIO(), color_system=None)
    trial.print(table, crop=False)
    if max(len(line) for line in trial.file.getvalue().splitlines()) > width:
        for column in table.columns:  # too narrow even so: let rich fold the numbers too
            column.min_width = None


out = _Stdout()

def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"casashore {version('casashore')}")
        raise typer.Exit()


@app.callback()
def _main(
    _version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                           help="Print casashore's version and exit.")] = False,
) -> None:
    """Plan and run offshore contact centres, from the cable to the seat.

    Durations take plain seconds or a suffix: 20, 20s, 30m, 1h. Shares take 0.8 or 80%. Every command has
    --help and --json.
    """


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
InputOpt = Annotated[Path | None, typer.Option(
    "--input", help="CSV file, one case per row, columns named like the long options (service_level).")]
OutputOpt = Annotated[Path | None, typer.Option("--output", help="Also write the results as CSV to this file.")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _run(cases: Callable[[], list[Any]], solve: Callable[[list[Any]], list[dict]], batch: bool, as_json: bool,
         output: Path | None, show: Callable[[list[dict]], None]) -> None:
    """Validate every case before computing any, then print: the shared shape of the batch commands."""
    try:
        check_all_writable(output=output)
        results = solve(cases())
    except UserError as exc:
        _fail(str(exc))
        return
    if output is not None:
        _write_csv(output, results)
    if as_json:
        typer.echo(json.dumps(results if batch else results[0]))
    else:
        show(results)


def _write_csv(path: Path, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    try:
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        _fail(f"output: {str(path)!r} cannot be written ({exc.strerror})")


def _batch_cases(path: Path, fields: tuple[str, ...], parse: Callable[[dict], Any]) -> list[Any]:
    parsed = []
    from casashore.batch import LABEL_COLUMNS, read_cases

    for line, raw in read_cases(path, fields):
        labels = {k: raw.pop(k) for k in LABEL_COLUMNS if k in raw}
        try:
            parsed.append((labels, parse(raw)))
        except UserError as exc:
            raise UserError(exc.field, exc.value, exc.expected, where=f"{path} line {line}") from None
    return parsed


def _given(**options: str | None) -> dict[str, str]:
    return {k: v for k, v in options.items() if v is not None}


def _with_labels(solve: Callable[[list[Any]], list[dict]]) -> Callable[[list[Any]], list[dict]]:
    def run(labelled: list[Any]) -> list[dict]:
        results = solve([case for _, case in labelled])
        return [{**labels, **result} for (labels, _), result in zip(labelled, results, strict=True)]
    return run


def _table(rows: list[dict], columns: list[tuple[str, str, str]], title: str) -> None:
    table = Table(title=title)
    for _, header, _ in columns:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*["—" if row.get(k) is None else format(row[k], f) for k, _, f in columns])
    out.print(table)


@app.command()
def trunks(
    traffic: Annotated[str | None, typer.Option(help="Offered traffic in Erlangs (busy hour).")] = None,
    servers: Annotated[str | None, typer.Option(help="Lines, trunks or channels.")] = None,
    blocking: Annotated[str | None, typer.Option(help="Share of calls blocked, such as 0.01 or 1%.")] = None,
    calls: Annotated[str | None, typer.Option(help="Busy-hour calls, with --aht, instead of --traffic.")] = None,
    aht: Annotated[str | None, typer.Option(help="Mean call duration on the line, with --calls.")] = None,
    input: InputOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Erlang B: give any two of traffic, servers and blocking; get the third.

    Size phone lines or SIP trunks for a busy hour: `casashore trunks --traffic 8.108 --blocking 1%` answers
    15 lines. `--calls 500 --aht 3m` gives the traffic (25 Erlangs) from busy-hour calls. When the lines are
    sized, `blocking` is what those lines give (25 E on 36 lines: 0.80 %) and `blocking_target` the share asked.
    """
    from casashore import capacity

    if input is not None:
        cases = lambda: _batch_cases(input, capacity.TRUNK_FIELDS, capacity.trunk_case)  # noqa: E731
    else:
        raw = _given(traffic=traffic, servers=servers, blocking=blocking, calls=calls, aht=aht)
        cases = lambda: [({}, capacity.trunk_case(raw))]  # noqa: E731
    _run(cases, _with_labels(capacity.trunks), input is not None, as_json, output, _show_trunks)


def _show_trunks(rows: list[dict]) -> None:
    columns = [("traffic", "traffic (E)", ".4f"), ("servers", "servers", "d"),
               ("blocking", "blocking (these lines)", ".4%")]
    if any("blocking_target" in r for r in rows):
        columns.append(("blocking_target", "blocking target", ".4%"))
    _table(rows, columns, "Erlang B")


@app.command()
def staff(
    calls: Annotated[str | None, typer.Option(help="Calls offered in the interval.")] = None,
    interval: Annotated[str | None, typer.Option(help="Interval length [default: 15m].")] = None,
    aht: Annotated[str | None, typer.Option(help="Average handle time: talk + hold + wrap-up.")] = None,
    target: Annotated[str | None, typer.Option(help="Service-level answer time [default: 20s].")] = None,
    agents: Annotated[str | None, typer.Option(help="Evaluate this many agents instead of staffing.")] = None,
    service_level: Annotated[str | None, typer.Option(help="Target share answered within --target (0.8).")] = None,
    asa: Annotated[str | None, typer.Option(help="Target average speed of answer (answered calls).")] = None,
    patience: Annotated[str | None, typer.Option(help="Mean caller patience: switches to Erlang A.")] = None,
    abandon: Annotated[str | None, typer.Option(help="Highest share of callers hanging up.")] = None,
    max_occupancy: Annotated[str | None, typer.Option(help="Highest share of agent time on calls.")] = None,
    shrinkage: Annotated[str | None, typer.Option(help="Share of paid time off the phones: adds "
                                                        "agents_with_shrinkage.")] = None,
    input: InputOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Erlang C (or Erlang A with --patience): agents for an interval's calls, or the service they give.

    Staff: `casashore staff --calls 100 --interval 30m --aht 180 --target 20 --service-level 0.8` answers 14
    agents (Call Centre Helper's example). Add `--shrinkage 30%` for the 20 to roster. Evaluate: give
    `--agents 14`. Targets combine: the answer meets every one given. A week of intervals: `--input week.csv`.
    """
    from casashore import capacity

    if input is not None:
        cases = lambda: _batch_cases(input, capacity.STAFF_FIELDS, capacity.staff_case)  # noqa: E731
    else:
        raw = _given(calls=calls, interval=interval, aht=aht, target=target, agents=agents,
                     service_level=service_level, asa=asa, patience=patience, abandon=abandon,
                     max_occupancy=max_occupancy, shrinkage=shrinkage)
        cases = lambda: [({}, capacity.staff_case(raw))]  # noqa: E731
    _run(cases, _with_labels(capacity.staff), input is not None, as_json, output, _show_staff)


def _show_staff(rows: list[dict]) -> None:
    columns = [("traffic", "traffic (E)", ".2f"), ("agents", "agents", "d"), ("p_wait", "P(wait)", ".3f"),
               ("service_level", "service level", ".3f"), ("asa", "ASA (s)", ".1f"),
               ("occupancy", "occupancy", ".3f")]
    if any(r["model"] == "erlang_a" for r in rows):
        columns.append(("p_abandon", "P(abandon)", ".3f"))
    if any("agents_with_shrinkage" in r for r in rows):
        columns.append(("agents_with_shrinkage", "with shrinkage", "d"))
    if any("start" in r for r in rows):
        columns.insert(0, ("start", "start", "s"))
    if len(rows) <= 60:
        _table(rows, columns, "Staffing")
        return
    _show_staff_summary(rows)


def _show_staff_summary(rows: list[dict]) -> None:
    """A long batch (a week) is summarised per day; --output or --json give every interval."""
    by_day: dict[str, list[dict]] = {}
    for row in rows:
        by_day.setdefault(str(row.get("start", "all"))[:10], []).append(row)
    table = Table(title=f"Staffing, {len(rows)} intervals (per-interval rows: --output FILE.csv or --json)")
    for header in ("day", "intervals", "traffic-weighted SL", "peak agents", "agent-intervals"):
        table.add_column(header, justify="right")
    for day, day_rows in by_day.items():
        weight = sum(r["traffic"] for r in day_rows)
        sl = sum(r["service_level"] * r["traffic"] for r in day_rows) / weight if weight else None
        shown_sl = "— (no calls)" if sl is None else f"{sl:.3f}"
        table.add_row(day, str(len(day_rows)), shown_sl, str(max(r["agents"] for r in day_rows)),
                      str(sum(r["agents"] for r in day_rows)))
    out.print(table)


@app.command()
def link(
    codec: Annotated[str, typer.Option(help="G.711, G.722, G.729, G.723.1, G.726-32, G.728, iLBC-20, iLBC-30, "
                                            "Opus, AMR-WB ...")] = "G.711",
    ptime: Annotated[str | None, typer.Option(help="Packetisation in ms (20), or a duration (20ms).")] = None,
    layer: Annotated[str, typer.Option(help="payload, ip (IP/UDP/RTP), ethernet (Cisco's figure) or wire "
                                            "(with preamble and inter-frame gap).")] = "ethernet",
    vlan: Annotated[bool, typer.Option("--vlan", help="Add an 802.1Q tag (4 bytes).")] = False,
    srtp: Annotated[bool, typer.Option("--srtp", help="Add SRTP's 10-byte authentication tag.")] = False,
    mpls: Annotated[int, typer.Option(help="MPLS labels in the stack (4 bytes each).")] = 0,
    ipv6: Annotated[bool, typer.Option("--ipv6", help="IPv6 instead of IPv4 (20 bytes more).")] = False,
    capacity_: Annotated[str | None, typer.Option("--capacity", help="Link capacity per direction, such as "
                                                                      "40Gbps: adds max_calls.")] = None,
    headroom: Annotated[str, typer.Option(help="Share of the link kept free, with --capacity.")] = "0",
    as_json: JsonOpt = False,
) -> None:
    """Bandwidth of one call, one direction, at a network layer; and how many calls a link carries.

    `casashore link --codec G.711 --ptime 20 --layer ethernet` gives Cisco's 87.2 kbit/s;
    `--layer ip --capacity 40Gbps` shows that 40 Gbit/s carries 500,000 G.711 calls only at the IP layer.
    """
    from casashore import capacity

    try:
        result = capacity.link(codec, ptime, layer, vlan=vlan, srtp=srtp, mpls=mpls, ipv6=ipv6,
                               capacity=capacity_, headroom=headroom)
    except UserError as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"{result['codec']} at {result['ptime_ms']:g} ms, {result['layer']} layer")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        if key in ("codec", "layer"):
            continue
        if key in ("capacity_bps", "bps_per_call"):
            shown = f"{_bit_rate(value)} ({value:,.0f} bit/s)" if value >= 1000 else f"{value:,.6g} bit/s"
        elif key == "headroom":
            shown = f"{value:.0%}"
        else:
            shown = f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"
        table.add_row(key, shown)
    out.print(table)


def _bit_rate(bps: float) -> str:
    """40e9 -> '40 Gbit/s', 87200 -> '87.2 kbit/s'."""
    for scale, unit in ((1e12, "Tbit/s"), (1e9, "Gbit/s"), (1e6, "Mbit/s"), (1e3, "kbit/s")):
        if bps >= scale:
            return f"{bps / scale:,.4g} {unit}"
    return f"{bps:g} bit/s"


@app.command()
def simulate(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario TOML (queues, agent groups, staffing). "
                                                         "Without it: single-queue mode.")] = None,
    calls: Annotated[str | None, typer.Option(help="Single queue: calls offered per interval.")] = None,
    interval: Annotated[str | None, typer.Option(help="Single queue: interval length [default: 15m].")] = None,
    aht: Annotated[str | None, typer.Option(help="Single queue: mean handle time.")] = None,
    patience: Annotated[str | None, typer.Option(help="Single queue: mean caller patience [default: none, "
                                                      "callers never hang up].")] = None,
    agents: Annotated[str | None, typer.Option(help="Single queue: agents on seat.")] = None,
    target: Annotated[str | None, typer.Option(help="Single queue: service-level answer time [default: 20s].")] = None,
    intervals: Annotated[str | None, typer.Option(help="Single queue: intervals simulated [default: 1].")] = None,
    warmup: Annotated[str | None, typer.Option(help="Single queue: time simulated first and not counted "
                                                    "[default: one interval].")] = None,
    handle: Annotated[str | None, typer.Option(help="Single queue: handle-time law: exponential, lognormal, "
                                                    "gamma.")] = None,
    handle_cv: Annotated[str | None, typer.Option(help="Single queue: handle-time std/mean for lognormal, "
                                                       "gamma.")] = None,
    patience_law: Annotated[str | None, typer.Option(help="Single queue: patience law: exponential, lognormal, "
                                                          "gamma.")] = None,
    patience_cv: Annotated[str | None, typer.Option(help="Single queue: patience std/mean.")] = None,
    replications: Annotated[str | None, typer.Option(help="Independent replications [default: 100, or the "
                                                          "scenario's].")] = None,
    seed: Annotated[str | None, typer.Option(help="Seed: the same seed gives the same results anywhere.")] = None,
    workers: Annotated[str | None, typer.Option(help="Local processes [default: all cores for long runs].")] = None,
    scheduler: Annotated[str | None, typer.Option(help="dask.distributed scheduler address (tcp://host:8786): "
                                                       "batches of 100 replications per task.")] = None,
    staff_groups: Annotated[bool, typer.Option("--staff", help="With a scenario: find the cheapest agents per "
                                                               "group and interval meeting every queue's "
                                                               "service_level, by simulation.")] = False,
    trace: Annotated[Path | None, typer.Option(help="Also write every counted call (replication, queue, "
                                                    "arrival_s, answered, wait_s, agent_group, handle_s) to this "
                                                    "Parquet file.")] = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Simulate calls, agents and hang-ups, replication after replication: service with 95 % intervals.

    Single queue: `casashore simulate --calls 720 --interval 1h --aht 180 --patience 120 --agents 40
    --replications 100` prints P(wait), P(abandon), service level and ASA with their 95 % half-widths, next to
    Erlang A's values when handle times and patience are exponential. A multi-skill centre:
    `casashore simulate examples/multiskill.toml` (queues per skill, agent groups with skills, priorities,
    overflow delays and staffing per interval); `--output per_interval.csv` writes every queue x interval.
    `--staff` replaces the scenario's staffing by the cheapest group sizes that meet every queue's goal: a
    trilingual agent counts once, not once per language. Its `split` column is Erlang's answer with each queue
    staffed alone (specialists only), `pooled` Erlang's answer for one pool of agents with every skill: the
    simulated total lies between the two.
    """
    from casashore.simulate import scenario as scenario_sim
    from casashore.simulate import single_queue
    from casashore.simulate.inputs import load_scenario

    try:
        check_all_writable(output=output, trace=trace)
        options = {"replications": replications, "seed": seed}
        runs = {k: whole(k, v, low=1 if k == "replications" else 0) for k, v in options.items() if v is not None}
        n_workers = whole("workers", workers, low=1) if workers is not None else None
        if scenario is not None:
            single = _given(calls=calls, interval=interval, aht=aht, patience=patience, agents=agents, target=target,
                            intervals=intervals, warmup=warmup, handle=handle)
            if single:
                name, value = next(iter(single.items()))
                raise UserError(name, value, "no single-queue option with a scenario file (the file sets them)")
            model = load_scenario(scenario)
            if staff_groups:
                _staff_groups(model, runs, as_json, output)
                return
            total = runs.get("replications", model.simulation.replications)
            with _progress(total, as_json) as advance:
                batch, result = scenario_sim.simulate_scenario(model, workers=n_workers, scheduler=scheduler,
                                                               progress=advance, trace=trace is not None, **runs)
            names = [q.name for q in model.queues], [g.name for g in model.groups]
        else:
            case = single_queue.single_queue_case(_given(
                calls=calls, interval=interval, aht=aht, patience=patience, agents=agents, target=target,
                intervals=intervals, warmup=warmup, handle=handle, handle_cv=handle_cv, patience_law=patience_law,
                patience_cv=patience_cv, replications=replications, seed=seed))
            with _progress(case["replications"], as_json) as advance:
                batch, result = single_queue.simulate_single_queue(
                    single_queue.centre_for_case(case), case["replications"], case["seed"], workers=n_workers,
                    scheduler=scheduler, progress=advance, trace=trace is not None)
            names = ["queue"], ["agents"]
            if single_queue.is_markovian(case):
                result["formula"] = single_queue.formula_reference(
                    case["calls"], case["interval_s"], case["aht_s"], case["agents"], case["patience_s"],
                    case["target_s"])
        if trace is not None:
            from casashore.simulate.trace import write_trace

            result["trace_calls"] = write_trace(trace, batch, *names)
    except UserError as exc:
        _fail(str(exc))
        return
    if output is not None:
        rows = _interval_rows(result) if scenario is not None else [{k: v for k, v in result.items()
                                                                        if not isinstance(v, dict)}]
        _write_csv(output, rows)
    if as_json:
        typer.echo(json.dumps(result))
    elif scenario is not None:
        _show_scenario_result(result)
    else:
        _show_single_queue_result(result)


def _staff_groups(model, runs: dict, as_json: bool, output: Path | None) -> None:
    from casashore.simulate.multiskill import staff_scenario

    with _progress(model.interval_count, as_json, "intervals") as advance:
        found = staff_scenario(model, replications=runs.get("replications", 40), seed=runs.get("seed", 0),
                               progress=advance)
    rows = []
    for i, r in enumerate(found):
        rows.append({"interval": i, "start_min": i * model.interval_min,
                     "agents": {g.name: int(n) for g, n in zip(model.groups, r.agents, strict=True)},
                     "cost": r.cost, "split_agents": r.split_agents, "pooled_agents": r.pooled_agents,
                     "service_level": {q.name: float(v) for q, v in zip(model.queues, r.service_level, strict=True)},
                     "service_level_ci95": {q.name: float(v) for q, v in zip(model.queues, r.service_level_ci95,
                                                                             strict=True)}})
    result = {"intervals": rows, "cost": sum(r["cost"] for r in rows),
              "agent_intervals": sum(sum(r["agents"].values()) for r in rows)}
    if output is not None:
        _write_csv(output, [{"interval": r["interval"], "start_min": r["start_min"], **r["agents"],
                             "cost": r["cost"], "split_agents": r["split_agents"],
                             "pooled_agents": r["pooled_agents"],
                             **{f"service_level_{k}": v for k, v in r["service_level"].items()}} for r in rows])
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title="Cheapest agents per group meeting every queue's goal (simulated)", caption=STAFF_CAPTION)
    for header in ("start (min)", *(g.name for g in model.groups), "total", "split", "pooled",
                   "lowest SL (goal)"):
        table.add_column(header, justify="right")
    for r in rows:
        low = min(r["service_level"], key=lambda k: r["service_level"][k] - _goal(model, k))
        table.add_row(f"{r['start_min']:g}", *(str(n) for n in r["agents"].values()), str(sum(r["agents"].values())),
                      str(r["split_agents"]), str(r["pooled_agents"]),
                      f"{low} {r['service_level'][low]:.3f} ({_goal(model, low):g})")
    out.print(table)


STAFF_CAPTION = ("Erlang bounds for comparison: split = each queue staffed alone (specialists only), pooled = all "
                 "calls to one pool of agents with every skill. The simulated total lies between them.")


def _goal(model, queue: str) -> float:
    return next(q.service_level for q in model.queues if q.name == queue)


def _interval_rows(result: dict) -> list[dict]:
    return [{"queue": q["queue"], **row} for q in result["queues"] for row in q["intervals"]]


@contextlib.contextmanager
def _progress(total: int, quiet: bool, unit: str = "replications"):
    """A progress bar on stderr (only on a terminal); yields the advance callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task("simulate", total=total)
        yield lambda done: bar.advance(task, done)


def _show_single_queue_result(result: dict) -> None:
    formula = result.get("formula", {})
    table = Table(title=f"{result['replications']} replications, {result['calls_simulated']:,} calls simulated "
                        f"({result['calls_per_second'] or 0:,.0f} calls/s)")
    for header in ("measure", "simulated", "± 95 %", formula.get("model", "").replace("_", " ").title() or "formula"):
        table.add_column(header, justify="right")
    for key, label in (("p_wait", "P(wait)"), ("p_abandon", "P(abandon)"), ("service_level", "service level"),
                       ("asa", "ASA of answered (s)"), ("mean_time_to_abandon", "time to abandon (s)"),
                       ("occupancy", "occupancy")):
        exact = formula.get(key)
        table.add_row(label, _fmt(result.get(key)), _fmt(result.get(f"{key}_ci95")),
                      "—" if exact is None else f"{exact:.4f}")
    out.print(table)


def _show_scenario_result(result: dict) -> None:
    table = Table(title=f"{result['replications']} replications, {result['calls_simulated']:,} calls simulated")
    for header in ("queue", "offered", "service level (goal)", "± 95 %", "ASA (s)", "P(abandon)", "worst interval"):
        table.add_column(header, justify="right")
    for q in result["queues"]:
        worst = min((i for i in q["intervals"] if i["service_level"] is not None),
                    key=lambda i: i["service_level"], default=None)
        shown_worst = "—" if worst is None else f"{worst['start_min']:g} min: {worst['service_level']:.3f}"
        table.add_row(q["queue"], f"{q['offered']:,.0f}", f"{_fmt(q['service_level'])} ({q['service_level_goal']:g})",
                      _fmt(q["service_level_ci95"]), _fmt(q["asa"], ".1f"), _fmt(q["p_abandon"]), shown_worst)
    out.print(table)
    groups = Table(title="Agent groups")
    for header in ("group", "occupancy", "± 95 %"):
        groups.add_column(header, justify="right")
    for g in result["groups"]:
        groups.add_row(g["group"], _fmt(g["occupancy"]), _fmt(g["occupancy_ci95"]))
    out.print(groups)


def _fmt(value: float | None, spec: str = ".4f") -> str:
    return "—" if value is None else format(value, spec)


PlotOpt = Annotated[Path | None, typer.Option("--plot", help="Also draw the figure into this HTML file "
                                                              "(self-contained, opens offline).")]


WorkspaceOpt = Annotated[Path, typer.Option("--workspace", help="The workspace DuckDB file (made on first "
                                                                 "import).")]
QueueOpt = Annotated[list[str] | None, typer.Option(
    "--queue", help="A queue to use; repeat for several (--queue PS --queue NW) [default: every queue of the "
                    "workspace].")]


def _chosen_queues(workspace, asked: list[str] | None) -> list[str]:
    """The workspace's queues, or those asked for; an unknown name is a UserError listing the known ones."""
    known = workspace.queue_names()
    for name in asked or []:
        if name not in known:
            raise UserError("queue", name, "a queue of the workspace: " + (", ".join(known) or "none yet"))
    return sorted(set(asked)) if asked else known


def _say_queues(workspace: Path, queues: list[str], picked: list[str] | None) -> None:
    out.print(f"queues used from {workspace}: {', '.join(queues) or 'none'}"
              + ("" if picked or len(queues) < 2 else " (pick some with --queue NAME, repeated)"))


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A call log: CSV or Parquet, one row per call.")],
    format: Annotated[str | None, typer.Option("--format", help="A built-in format: anonymous-bank.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="TOML naming the file's columns, its timestamp format, "
                                                      "time zone and outcome values (see docs/history.md).")] = None,
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    as_json: JsonOpt = False,
) -> None:
    """Import a call log into the workspace: all of it, or nothing if a row is wrong (the line is named).

    `casashore import data_anonymous_bank_february.txt --format anonymous-bank` loads the 1999 Anonymous Bank
    log (queues PS, PE, NW, NE, IN, TT, in Asia/Jerusalem time). Any other ACD export: `--mapping my_acd.toml`;
    an interval report (calls per queue and interval): a mapping with `kind = "intervals"`.
    Importing the same file again adds nothing; calls already present (same queue and call id) are skipped.
    """
    from casashore.workspace.mapping import IntervalMapping, load_mapping
    from casashore.workspace.store import Workspace

    try:
        if (format is None) == (mapping is None):
            raise UserError("format", format, "either --format NAME or --mapping FILE.toml")
        check_all_writable(workspace=workspace)
        chosen = load_mapping(mapping) if mapping is not None else None
        created = not workspace.exists()
        opened = Workspace.open(workspace)
        try:
            if isinstance(chosen, IntervalMapping):
                result = opened.import_intervals(file, chosen)
            else:
                result = opened.import_calls(file, preset=format, mapping=chosen)
        except UserError:
            if created:  # a refused first import leaves no empty workspace behind to be mistaken for one
                opened.close()
                for path in (workspace, workspace.with_name(workspace.name + ".wal")):
                    path.unlink(missing_ok=True)
            raise
        finally:
            opened.close()
    except UserError as exc:
        _fail(str(exc))
        return
    doc = {"file": str(file), "workspace": str(workspace), **result._asdict()}
    if as_json:
        typer.echo(json.dumps(doc))
    elif result.already_imported:
        out.print(f"{file} was already imported into {workspace}: nothing added.")
    else:
        out.print(f"{result.calls_added:,} calls added to {workspace} (queues {', '.join(result.queues)}).")


@app.command()
def history(
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    interval: Annotated[str, typer.Option(help="Interval length: 15m, 30m or 1h.")] = "15m",
    target: Annotated[str, typer.Option(help="Service-level answer time.")] = "20s",
    queue: QueueOpt = None,
    plot: PlotOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What happened, per queue and interval (in each queue's time zone), and how patient callers were.

    Per interval: offered, answered, abandoned, AHT, ASA, service level. Per queue: patience by the
    abandon-rate / mean-wait estimator (exponential) and by Kaplan-Meier (answers censor the patience).
    `--output history.csv` writes every interval; `--plot heatmap.html` draws weekday x time of day.
    """
    from casashore.history.measures import interval_history, queue_summaries
    from casashore.units import duration_s
    from casashore.workspace.store import Workspace

    try:
        check_all_writable(output=output, plot=plot)
        interval_min = _interval_min(interval)
        target_s = duration_s("target", target, allow_zero=True)
        with Workspace.open(workspace, read_only=True) as opened:
            chosen = _chosen_queues(opened, queue)
            rows = (interval_history(opened, interval_min=interval_min, target_s=target_s) if not queue else
                    [row for name in chosen
                     for row in interval_history(opened, interval_min=interval_min, target_s=target_s, queue=name)])
            queues = queue_summaries(opened, rows)
        if plot is not None:
            from casashore.report.figures import weekly_heatmap, write_figure

            write_figure(weekly_heatmap(rows), plot)
    except UserError as exc:
        _fail(str(exc))
        return
    if output is not None:
        _write_csv(output, rows)
    if as_json:
        typer.echo(json.dumps({"queues": queues, "intervals": rows}))
        return
    table = Table(title=f"History in {workspace} ({len(rows):,} queue-intervals; every one: --output or --json)")
    for header in ("queue", "zone", "offered", "P(abandon)", "patience: exp. mean (s)", "KM median (s)",
                   "KM restricted mean (s)"):
        table.add_column(header, justify="right")
    for q in queues:
        table.add_row(q["queue"], q["time_zone"], f"{q['offered']:,}", _fmt(q["p_abandon"], ".3f"),
                      _fmt(q["patience_mean_s_exponential"], ".0f"), _fmt(q["patience_median_s_kaplan_meier"], ".0f"),
                      _fmt(q["patience_restricted_mean_s_kaplan_meier"], ".0f"))
    out.print(table)
    _say_queues(workspace, [q["queue"] for q in queues], queue)


IntervalOpt = Annotated[str, typer.Option(help="Interval length: 15m, 30m or 1h.")]


def _interval_min(text: str) -> int:
    from casashore.units import duration_s

    seconds = duration_s("interval", text)
    if seconds % 60:
        raise UserError("interval", text, "whole minutes dividing a day: 15m, 30m, 1h")
    return day_interval_min("interval", int(seconds // 60))


def _days(field: str, text: str) -> int:
    """Whole days from 14d, 14 or 2w."""
    text = text.strip().lower()
    scale = {"d": 1, "w": 7}.get(text[-1:], 1)
    return whole(field, text.rstrip("dw"), low=1) * scale


@app.command()
def backtest(
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    interval: IntervalOpt = "30m",
    horizon: Annotated[str, typer.Option(help="Length of each backtest window (the forecast horizon).")] = "7d",
    windows: Annotated[str, typer.Option(help="Rolling origins: the last N windows of the history.")] = "2",
    queue: QueueOpt = None,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which model forecasts each queue best: rolling-origin backtest over the last weeks of history.

    Each window is forecast from the data before it; WAPE, MASE and bias per model; the model with the lowest
    WAPE is chosen (seasonal naive is the baseline to beat). `casashore forecast` uses the chosen models.
    `--plot backtest.html` draws each window's forecasts against the actual calls.
    """
    from casashore.forecast.models import backtest as run_backtest
    from casashore.forecast.series import interval_counts
    from casashore.workspace.store import Workspace

    try:
        check_all_writable(plot=plot)
        interval_min, days = _interval_min(interval), _days("horizon", horizon)
        n_windows = whole("windows", windows, low=1)
        with Workspace.open(workspace, read_only=True) as opened:
            series = interval_counts(opened, interval_min, queues=_chosen_queues(opened, queue) if queue else None)
        tables: dict = {}
        result = run_backtest(series, interval_min, horizon_days=days, windows=n_windows, forecasts=tables)
        if plot is not None:
            from casashore.report.figures import forecast_vs_actual, write_figure

            write_figure(forecast_vs_actual(tables), plot)
    except UserError as exc:
        _fail(str(exc))
        return
    doc = {"interval_min": interval_min, "horizon_days": days, "windows": n_windows, "queues": result}
    if as_json:
        typer.echo(json.dumps(doc))
        return
    table = Table(title=f"Backtest: {n_windows} windows of {days} days, {interval_min}-minute intervals")
    for header in ("queue", "model", "WAPE", "MASE", "bias", ""):
        table.add_column(header, justify="right")
    for name, res in result.items():
        for row in res["models"]:
            table.add_row(name, row["model"], _fmt(row["wape"], ".3f"), _fmt(row["mase"], ".3f"),
                          _fmt(row["bias"], "+.3f"), "chosen" if row["model"] == res["chosen"] else "")
    out.print(table)
    _say_queues(workspace, list(result), queue)


@app.command()
def forecast(
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    horizon: Annotated[str, typer.Option(help="How far ahead, in days: 14d.")] = "14d",
    interval: IntervalOpt = "30m",
    site_zone: Annotated[str, typer.Option(help="The site's time zone, for the site_start column.")]
    = "Africa/Casablanca",
    queue: QueueOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Calls per queue and interval for the coming days, with 80 % and 95 % prediction intervals.

    Each queue's model is chosen by the backtest (last two weeks), fitted on the whole history and stored in the
    workspace's forecasts table. Intervals are in the queue's (client's) time zone; `site_start` gives the same
    interval in the site's zone (Africa/Casablanca by default), through the IANA rules.
    """
    from casashore.forecast.run import forecast_queues, forecast_workspace
    from casashore.workspace.store import Workspace

    try:
        check_all_writable(output=output, workspace=workspace)  # the forecast is stored in the workspace
        interval_min, days = _interval_min(interval), _days("horizon", horizon)
        with Workspace.open(workspace, create=False) as opened:
            if queue:
                run_id, chosen, rows = forecast_queues(opened, interval_min=interval_min, site_zone=site_zone,
                                                       horizons={name: days for name in _chosen_queues(opened, queue)})
            else:
                run_id, chosen, rows = forecast_workspace(opened, interval_min=interval_min, horizon_days=days,
                                                          site_zone=site_zone)
    except UserError as exc:
        _fail(str(exc))
        return
    if output is not None:
        _write_csv(output, rows)
    if as_json:
        typer.echo(json.dumps({"run_id": run_id, "models": chosen, "intervals": rows}))
        return
    table = Table(title=f"Forecast {run_id}: {days} days of {interval_min}-minute intervals "
                        f"(every interval: --output or --json)")
    for header in ("queue", "model", "calls", "peak interval", "peak calls (80 % range)"):
        table.add_column(header, justify="right")
    for name in sorted(chosen):
        mine = [r for r in rows if r["queue"] == name]
        peak = max(mine, key=lambda r: r["calls"])
        table.add_row(name, chosen[name], f"{sum(r['calls'] for r in mine):,.0f}", peak["start"][:16],
                      f"{peak['calls']:.1f} ({peak['calls_lo_80']:.0f}–{peak['calls_hi_80']:.0f})")
    out.print(table)
    _say_queues(workspace, sorted(chosen), queue)


def _roster(agents, requirement, templates, plan, labour, weeks: int | None, roster_start: str | None,
            time_limit: str) -> dict:
    """Name the agents for the plan, repeated over ``weeks``; the JSON part of ``schedule --roster``."""
    from datetime import date, timedelta

    from casashore.schedule.roster import solve_roster
    from casashore.units import duration_s

    plan_days = 1 if requirement.one_day else len(requirement.starts) * requirement.interval_min // 1440
    if requirement.one_day:
        try:
            first = date.fromisoformat(roster_start) if roster_start else None
        except ValueError:
            raise UserError("roster_start", roster_start, "a date such as 2026-03-02") from None
        today = date.today()
        first = first or today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    else:
        first = requirement.starts[0].date()
    days = 7 * weeks if weeks else (7 if requirement.one_day else plan_days)
    counts = {(name, d): n for d in range(days) for (name, day), n in plan.counts.items() if day == d % plan_days}
    result = solve_roster(agents, templates, counts, first, days, labour,
                          time_limit_s=duration_s("time_limit", time_limit))
    return {"status": result.status, "gap": result.gap,
            "objective": None if result.status == "infeasible" else result.objective,
            "assignments": [{"agent": a.agent, "day": a.day.isoformat(), "shift": a.shift, "group": a.group,
                             "start": a.start.isoformat(), "end": a.end.isoformat(), "paid_hours": a.paid_hours}
                            for a in result.assignments],
            "open_shifts": [{"day": d.isoformat(), "shift": name, "agents": n} for d, name, n in result.open_shifts],
            "short_hours": [{"agent": agent, "week": w + 1, "hours": h}
                            for (agent, w), h in result.short_hours.items()],
            "diagnosis": [{"day": x["day"].isoformat(), "shift": x["shift"], "agents": x["agents"],
                           "blocked": x["blocked"], "text": x["text"]} for x in result.diagnosis],
            "stopped_by": result.stopped_by, "deterministic_time": result.deterministic_time,
            "greedy_open": result.greedy_open, "model": result.size}


def _shifts_table(doc: dict, title: str, days: int) -> Table:
    """Agents per shift: for one day, how many start it; for longer horizons, per day and over the horizon."""
    if "shifts_by_day" not in doc:
        table = Table(title=f"Shifts — {title}")
        for header in ("shift", "agents (one day)"):
            table.add_column(header, justify="right")
        for name, count in doc["shifts"].items():
            if count:
                table.add_row(name, str(count))
        return table
    per_day: dict[str, list[int]] = {}
    for row in doc["shifts_by_day"]:
        per_day.setdefault(row["shift"], []).append(row["agents"])
    table = Table(title=f"Shifts — {title}")
    for header in ("shift", "agents per day (fewest–most)", f"agent-shifts over the {days} days"):
        table.add_column(header, justify="right")
    for name, count in doc["shifts"].items():
        if count:
            counts = per_day.get(name, [])
            counts = counts + [0] * (days - len(counts))
            table.add_row(name, f"{min(counts)}–{max(counts)}", str(count))
    return table


def _when(requirement, interval: int) -> str:
    """An interval's start as the requirement gave it: HH:MM for one day, an ISO date-time otherwise."""
    start = requirement.starts[interval]
    return start.strftime("%H:%M") if requirement.one_day else start.isoformat()


@app.command()
def schedule(
    requirements: Annotated[Path, typer.Option(help="CSV start,required (or start,group,required): HH:MM for one "
                                                    "day, ISO date-times for longer horizons.")],
    shifts: Annotated[Path, typer.Option(help="CSV name,start,length,cost (and group): templates that may start "
                                              "on every day.")],
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
                                                     "preferred_start): name who works each planned shift.")] = None,
    weeks: Annotated[int | None, typer.Option(min=1, max=52, help="Weeks to roster, repeating the plan [default: "
                                                                  "the requirement's length].")] = None,
    roster_start: Annotated[str | None, typer.Option(help="First day of the roster for a one-day requirement "
                                                          "[default: next Monday].")] = None,
    roster_output: Annotated[Path | None, typer.Option(help="Write the roster as CSV (agent, day, shift, group, "
                                                            "start, end, paid_hours).")] = None,
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
    from dataclasses import replace

    from casashore.schedule.covering import solve
    from casashore.schedule.inputs import read_requirement, read_shifts
    from casashore.schedule.roster import read_agents
    from casashore.schedule.rules import open_intervals, read_rules
    from casashore.units import duration_s, number

    try:
        check_all_writable(output=output, roster_output=roster_output, plot=plot)
        labour = read_rules(rules)
        requirement = read_requirement(requirements, site_zone)
        is_open = open_intervals(open_hours or labour.opening_hours, requirement.starts, requirement.interval_min,
                                 requirement.one_day)
        # A requirement while the site is closed is reported, not staffed.
        closed = [(g, i) for g in requirement.groups for i, o in enumerate(is_open) if not o
                  and requirement.required[g][i] > 0]
        requirement = replace(requirement, required={g: [v if is_open[i] else 0.0 for i, v in enumerate(need)]
                                                     for g, need in requirement.required.items()})
        templates = read_shifts(shifts, requirement, max_paid_h=labour.max_daily_hours)
        agents = read_agents(roster, requirement.groups, labour) if roster is not None else None
        result = solve(requirement, templates, cyclic=cyclic, hard=hard,
                       under_penalty=None if under_penalty is None else number("under_penalty", under_penalty),
                       over_penalty=number("over_penalty", over_penalty),
                       time_limit_s=duration_s("time_limit", time_limit), open_mask=is_open,
                       gap=number("gap", gap, low=0.0, high=0.99), node_limit=nodes)
        coverage = []
        if result.status != "infeasible":
            for group in requirement.groups:
                for i in range(len(requirement.starts)):
                    need, have = requirement.required[group][i], float(result.scheduled[group][i])
                    row = {"start": _when(requirement, i), "required": need, "scheduled": have,
                           "unmet": max(0.0, need - have), "over": max(0.0, have - need)}
                    coverage.append({"group": group, **row} if group else row)
        doc = {"status": result.status, "cost": None if result.status == "infeasible" else result.cost,
               "objective": None if result.status == "infeasible" else result.objective, "gap": result.gap,
               "bound": None if result.status == "infeasible" else result.bound, "stopped_by": result.stopped_by,
               "solver": result.solver,
               "shifts": {t.name: sum(n for (name, _), n in result.counts.items() if name == t.name)
                          for t in templates},
               "coverage": coverage,
               "uncoverable": [{"group": g, "start": _when(requirement, i)} for g, i in result.uncoverable],
               "required_while_closed": [{"group": g, "start": _when(requirement, i)} for g, i in closed]}
        if not requirement.one_day:
            doc["shifts_by_day"] = [{"shift": name, "day": day, "agents": n}
                                    for (name, day), n in sorted(result.counts.items(), key=lambda kv: kv[0][::-1])]
        doc["breaks"] = [{"shift": name, **({} if requirement.one_day else {"day": day}), "break": j + 1,
                          "start": None if t < 0 else _when(requirement, t), "agents": n}
                         for (name, day, j, t), n in sorted(result.breaks.items(), key=lambda kv: (kv[0][1], kv[0]))]
        doc["model"] = result.size
        if roster is not None and result.status != "infeasible":
            named = _roster(agents, requirement, templates, result, labour, weeks, roster_start, time_limit)
            doc["roster"] = named
        if plot is not None and coverage:
            from casashore.report.figures import coverage_figure, write_figure

            write_figure(coverage_figure(coverage), plot)
    except UserError as exc:
        _fail(str(exc))
        return
    if output is not None and coverage:
        _write_csv(output, coverage)
    if roster_output is not None and "roster" in doc:
        _write_csv(roster_output, doc["roster"]["assignments"])
    if as_json:
        typer.echo(json.dumps(doc))
        return
    title = (f"{doc['status']}: cost {doc['cost']:,.2f}, gap {doc['gap']:.2%}" if doc["cost"] is not None
             else "infeasible")
    out.print(_shifts_table(doc, title, len(requirement.starts) * requirement.interval_min // 1440))
    unmet = sum(r["unmet"] for r in coverage)
    out.print(f"unmet agent-intervals: {unmet:g}; over: {sum(r['over'] for r in coverage):g}"
              + (f"; intervals no shift covers: {len(doc['uncoverable'])}" if doc["uncoverable"] else ""))
    if "roster" in doc:
        named = doc["roster"]
        gap = "" if named["gap"] is None else f", gap {named['gap']:.2%}"
        out.print(f"roster: {named['status']}{gap}; {len(named['assignments'])} shifts named, "
                  f"{sum(o['agents'] for o in named['open_shifts'])} left open, "
                  f"{sum(s['hours'] for s in named['short_hours']):g} contract hours not given"
                  + (f"; written to {roster_output}" if roster_output else " (--roster-output to write it)"))
        for line in named["diagnosis"]:
            out.print(line["text"])


@app.command()
def plan(
    scenario: Annotated[Path, typer.Argument(help="Plan scenario TOML: [site], [link], [plan], [[queues]], "
                                                  "[[shifts]], [rules]. See examples/casablanca.toml.")],
    workspace: Annotated[Path, typer.Option("--workspace", help="The workspace DuckDB file; steps whose inputs "
                                                               "did not change are read back from it.")]
    = Path("casashore.duckdb"),
    report: Annotated[Path | None, typer.Option(help="The HTML report [default: SCENARIO-plan.html in the current "
                                                     "directory, SCENARIO-plan.fr.html with --lang fr].")] = None,
    lang: Annotated[str, typer.Option(help="Report language: en or fr.")] = "en",
    output: Annotated[Path | None, typer.Option("--output", help="Also write the plan per interval as CSV.")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Recompute every step instead of reading back the "
                                                        "workspace's stored results (they are replaced).")] = False,
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
    """
    report_path = report or Path(f"{scenario.stem}-plan{'.fr' if lang == 'fr' else ''}.html")
    try:  # before any work (and before the imports): a report that cannot be written fails now, not at the end
        check_all_writable(report=report_path, output=output, workspace=workspace)
    except UserError as exc:
        _fail(str(exc))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from casashore.plan.pipeline import STEPS, plan_with_report
    from casashore.plan.scenario import load_plan_scenario
    from casashore.report.i18n import LANGS
    from casashore.report.plan_report import summary_rows

    if lang not in LANGS:
        _fail(f"lang: {lang!r} is not valid; expected one of {', '.join(LANGS)}")
    console = Console(stderr=True)
    try:
        parsed = load_plan_scenario(scenario)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True, disable=as_json or not console.is_terminal) as bar:
            task = bar.add_task("plan", total=len(STEPS))
            # The goal loop schedules and simulates several times: the bar shows the step, not the calls.
            result = plan_with_report(parsed, workspace, report_path, lang, fresh=fresh,
                                      progress=lambda step: bar.update(task, description=step,
                                                                       completed=STEPS.index(step)))
    except UserError as exc:
        _fail(str(exc))
        return
    if output is not None:
        rows = []
        starts = result.staffing.starts
        for group, req in result.staffing.required.items():
            for i, start in enumerate(starts):
                rows.append({"start": start, "group": group, "calls": req.calls[i], "aht_s": req.aht_s[i],
                             "required": req.with_shrinkage[i], "scheduled": result.schedule.scheduled[group][i],
                             "bandwidth_bps": result.sizing.bandwidth_bps[i]})
        _write_csv(output, rows)
    doc = {"report": str(report_path), **result.to_json()}
    if as_json:
        typer.echo(json.dumps(doc))
        return
    table = Table(title=f"{parsed.site.name} — plan")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in summary_rows(result, lang):
        table.add_row(key, value)
    out.print(table)
    verdict, schedule = result.verdict, result.schedule
    met = sum(d.status == "met" for d in verdict.days)
    out.print(f"verdict: {verdict.status.replace('_', ' ')} — goals met on {met} of {len(verdict.days)} "
              f"queue-days; requirement covered {verdict.coverage:.1%}; schedule within {schedule.gap:.2%} of "
              f"its proven bound {schedule.bound:,.2f} (stopped by {schedule.stopped_by}); "
              f"{verdict.rounds} scheduling round(s)")
    out.print(f"report: {report_path}" + (f"; read back from the workspace: {', '.join(result.reused_steps)}"
                                           if result.reused_steps else ""))


ROUTE_HELP = "The live router: SIP calls in, skills-based offers to agents, live statistics."
route_app = typer.Typer(help=ROUTE_HELP, no_args_is_help=True)
app.add_typer(route_app, name="route", short_help=ROUTE_HELP)


def _address(field: str, value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        _fail(f"{field}: {value!r} is not valid; expected HOST:PORT such as 127.0.0.1:5060")
    return host, int(port)


@route_app.command("serve")
def route_serve(
    config: Annotated[Path, typer.Option(help="The centre: queues, numbers, agents, tokens (see "
                                              "examples/center.toml).")],
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
    json_out: JsonOpt = False,
) -> None:
    """Route live calls: a trunk sends INVITEs to --sip, agents take offers through the API, supervisors watch
    http://HOST:PORT/wallboard?token=SUPERVISOR_TOKEN.

    casashore route serve --config examples/center.toml --sip 127.0.0.1:5060 --http 127.0.0.1:8080

    Agents: POST /api/agents/ID/status {"status": "available"}, then accept offers seen on the WebSocket
    /api/events with POST /api/agents/ID/accept/CALL. Statistics: GET /api/queues (definitions in
    docs/routing.md). Every call lands in the workspace's `calls` table, ready for `casashore forecast`.

    Several nodes: start each with the same --config and --redis redis://127.0.0.1:6379 (and its own --sip,
    --http and --workspace); every offer is then decided atomically in Redis, whichever node a call or an
    agent comes through. Add --records postgresql://USER@HOST/DB to write the centre's records once, to
    PostgreSQL, whichever node saw them; put Kamailio in front (examples/kamailio/) so that a dead node's
    callers are taken over by the others.
    """
    from casashore.route.centre_records import without_password
    from casashore.route.config import load_center
    from casashore.route.server import run

    sip_address = _address("sip", sip) if sip is not None else None
    http_address = _address("http", http)
    try:
        center = load_center(config)
        center.check_exposure(http_address[0])  # demo or short tokens off loopback: refused before any banner
    except UserError as exc:
        _fail(str(exc))
        return
    if http_address[0] not in ("127.0.0.1", "localhost", "::1") and not center.tokens.supervisor:
        _fail(f"http: {http!r} is reachable from other machines; expected a [tokens] supervisor in {config} first")
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        _fail(f"redis: {redis_url!r} is not valid; expected a URL such as redis://127.0.0.1:6379")
    if records is not None and redis_url is None:
        _fail(f"records: {without_password(records)!r} is not valid here; expected --redis too (PostgreSQL "
              "records are for a centre of several nodes)")
    if records is not None and not records.startswith(("postgresql://", "postgres://")):
        _fail(f"records: {without_password(records)!r} is not valid; expected a URL such as "
              "postgresql://casashore@127.0.0.1/casashore")
    records_to = (without_password(records) if records is not None else None if no_records else str(workspace))
    if json_out:
        print(json.dumps({"sip": sip, "http": http, "redis": redis_url, "queues": [q.name for q in center.queues],
                          "agents": len(center.agents), "workspace": None if no_records or records else
                          str(workspace), "records": records_to}))
    else:
        out.print(f"router: SIP {sip or 'off'}, HTTP http://{http}/ (wallboard: /wallboard?token=…), "
                  f"{len(center.queues)} queues, {len(center.agents)} agents")
    try:
        run(center, sip=sip_address, http=http_address, workspace=None if no_records else workspace,
            redis_url=redis_url, node=node, records_url=records)
    except OSError as exc:  # an address in use
        _fail(f"route serve: {exc}")
    except UserError as exc:  # PostgreSQL unreachable
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - redis unreachable: one line, not a traceback
        if type(exc).__module__.startswith("redis"):
            _fail(f"redis: {redis_url!r} cannot be used ({exc})")
        raise


@route_app.command("drive")
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
    from casashore.route.loadgen import drive
    from casashore.simulate.inputs import load_scenario
    from casashore.simulate.scenario import simulate_scenario

    try:
        options = {"replications": replications, "seed": seed}
        runs = {k: whole(k, v, low=1 if k == "replications" else 0) for k, v in options.items() if v is not None}
        ring_s = duration_s("ring", ring, allow_zero=True)
        if selection not in ("longest_idle", "best_proficiency", "round_robin", "fewest_calls"):
            raise UserError("selection", selection, "longest_idle, best_proficiency, round_robin or fewest_calls")
        model = load_scenario(scenario)
        routed = drive(model, ring_s=ring_s, selection=selection, **runs)  # type: ignore[arg-type]
        _, simulated = simulate_scenario(model, **runs)
    except UserError as exc:
        _fail(str(exc))
        return
    by_queue = {q["queue"]: q for q in simulated["queues"]}
    rows = [{"queue": r["queue"], "router": {k: v for k, v in r.items() if k != "queue"},
             "simulator": {k: by_queue[r["queue"]].get(k) for k in r if k != "queue"}} for r in routed["queues"]]
    if as_json:
        print(json.dumps({"replications": routed["replications"], "calls_routed": routed["calls_routed"],
                          "queues": rows}))
        return
    table = Table(title=f"router (R) vs simulator (S), {routed['replications']} replications, ± 95 %")
    table.add_column("queue")
    table.add_column("offered", justify="right")
    for measure in ("service level", "P(abandon)", "ASA of answered (s)"):
        for who in ("R", "S"):
            table.add_column(f"{measure} {who}", justify="right")

    def cell(row: dict, who: str, key: str, digits: int) -> str:
        value, half = row[who][key], row[who][key + "_ci95"]
        return "—" if value is None else f"{value:.{digits}f} ± {half or 0:.{digits}f}"

    for row in rows:
        table.add_row(row["queue"], f"{row['router']['offered']:.0f}",
                      *(cell(row, who, key, digits) for key, digits in (("service_level", 3), ("p_abandon", 3),
                                                                          ("asa", 1))
                        for who in ("router", "simulator")))
    out.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; anything but loopback needs --token.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workspace_dir: Annotated[Path, typer.Option("--workspace-dir", help="Where scenarios, reports and the "
                                                                       "workspace live.")] = Path("."),
    token: Annotated[str | None, typer.Option(envvar="CASASHORE_TOKEN", help="Bearer token every write (POST) "
                                                                            "needs; required off loopback.")]
    = None,
    lang: Annotated[str | None, typer.Option(help="Dashboard language (en, fr) [default: the browser's].")] = None,
) -> None:
    """The dashboard and the REST API (OpenAPI at /docs): calculators, scenario upload, plan runs.

    `casashore serve` then open http://127.0.0.1:8000/ — the Erlang calculator answers at once; upload
    examples/casablanca.toml and run its plan to see the charts. `--host 0.0.0.0 --token SECRET` serves other
    machines, every write then needing `Authorization: Bearer SECRET`.
    """
    import uvicorn

    from casashore.report.i18n import LANGS
    from casashore.web.api import create_app

    if lang is not None and lang not in LANGS:
        _fail(f"lang: {lang!r} is not valid; expected one of {', '.join(LANGS)}")
    try:
        application = create_app(workspace_dir, host=host, token=token, lang=lang)
    except UserError as exc:
        _fail(str(exc))
        return
    shown_host = f"[{host}]" if ":" in host else host
    typer.echo(f"casashore: dashboard on http://{shown_host}:{port}/, API docs on http://{shown_host}:{port}/docs, "
               f"workspace in {workspace_dir.resolve()} (Ctrl+C stops)", err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _whole_first_paragraphs(*apps: typer.Typer) -> None:
    """Command lists show each command's first paragraph whole: click cuts a summary at ~45 characters with
    "..." unless the command has a short help of its own."""
    for typer_app in apps:
        for info in typer_app.registered_commands:
            if info.short_help is None and info.callback is not None and info.callback.__doc__:
                first = info.callback.__doc__.strip().split("\n\n")[0]
                info.short_help = " ".join(first.split())


_whole_first_paragraphs(app, route_app)
