"""`casashore trunks`, `staff` and `link`: options or CSV rows in, the calculators' dicts out as tables or JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import InputOpt, JsonOpt, OutputOpt
from casashore.interfaces.cli.rendering import bit_rate, out, print_json, table, write_csv
from casashore.usecases.batch import labelled_cases, solve_labelled
from casashore.usecases.output_paths import check_all_writable


def given(**options: str | None) -> dict[str, str]:
    """The options the user gave, as text: the calculators validate them."""
    return {k: v for k, v in options.items() if v is not None}


def _run(cases: Callable[[], list[Any]], solve: Callable[[list[Any]], list[dict]], batch: bool, as_json: bool,
         output: Path | None, show: Callable[[list[dict]], None]) -> None:
    """Validate every case before computing any, then print: the shared shape of the batch commands."""
    check_all_writable(output=output)
    results = solve_labelled(solve, cases())
    if output is not None:
        write_csv(output, results)
    if as_json:
        print_json(results if batch else results[0])
    else:
        show(results)


@exits_on_user_error
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
    from casashore.usecases import calculators  # numpy and the Erlang kernels: only when the command runs

    if input is not None:
        cases = lambda: labelled_cases(input, calculators.TRUNK_FIELDS, calculators.trunk_case)  # noqa: E731
    else:
        raw = given(traffic=traffic, servers=servers, blocking=blocking, calls=calls, aht=aht)
        cases = lambda: [({}, calculators.trunk_case(raw))]  # noqa: E731
    _run(cases, calculators.trunks, input is not None, as_json, output, _show_trunks)


def _show_trunks(rows: list[dict]) -> None:
    columns = [("traffic", "traffic (E)", ".4f"), ("servers", "servers", "d"),
               ("blocking", "blocking (these lines)", ".4%")]
    if any("blocking_target" in r for r in rows):
        columns.append(("blocking_target", "blocking target", ".4%"))
    table(rows, columns, "Erlang B")


@exits_on_user_error
def staff(
    calls: Annotated[str | None, typer.Option(help="Calls offered in the interval (chat: sessions; email: items "
                                                   "arriving over it).")] = None,
    interval: Annotated[str | None, typer.Option(help="The interval's length, any duration: 15m, 20m, 1h (one "
                                                      "interval, not a day cut into them) [default: 15m].")] = None,
    aht: Annotated[str | None, typer.Option(help="Average handle time: talk + hold + wrap-up.")] = None,
    target: Annotated[str | None, typer.Option(help="Voice and chat: service-level answer time [default: 20s]; "
                                                    "refused with email (--deadline).")] = None,
    agents: Annotated[str | None, typer.Option(help="Evaluate this many agents instead of staffing (every "
                                                            "channel).")] = None,
    service_level: Annotated[str | None, typer.Option(help="Target share answered within --target (email: "
                                                                    "--deadline), strictly between 0 and 1 (0.8).")]
    = None,
    asa: Annotated[str | None, typer.Option(help="Target average speed of answer (answered calls).")] = None,
    patience: Annotated[str | None, typer.Option(help="Voice and chat: mean caller patience, switches to Erlang "
                                                      "A (email items never abandon).")] = None,
    abandon: Annotated[str | None, typer.Option(help="Highest share of callers hanging up (voice and chat, with "
                                                     "--patience).")] = None,
    max_occupancy: Annotated[str | None, typer.Option(help="Highest share of agent time on calls.")] = None,
    shrinkage: Annotated[str | None, typer.Option(help="Share of paid time off the phones: adds "
                                                        "agents_with_shrinkage.")] = None,
    channel: Annotated[str | None, typer.Option(help="voice [default], chat (sessions held at once) or email "
                                                     "(items with a deadline, the backlog carried); any case "
                                                     "(Chat, EMAIL).")] = None,
    max_sessions: Annotated[str | None, typer.Option(help="Chat: sessions an agent holds at once, 1 to 10.")] = None,
    concurrency: Annotated[str | None, typer.Option(help="Chat: c in [0, 1]; a session takes aht x (1 + c (m - 1)) "
                                                         "while its agent holds m.")] = None,
    deadline: Annotated[str | None, typer.Option(help="Email: an item is on time when taken up within it, "
                                                      "1m to 30d, e.g. 24h (required with email).")]
    = None,
    open: Annotated[str | None, typer.Option(help="Email: the time agents work out of --interval [default: all of "
                                                  "it], such as 8h of 24h.")] = None,
    input: InputOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Erlang C (or Erlang A with --patience): agents for an interval's calls, or the service they give.

    Staff: `casashore staff --calls 100 --interval 30m --aht 180 --target 20 --service-level 0.8` answers 14
    agents (Call Centre Helper's example). Add `--shrinkage 30%` for the 20 to roster. Evaluate: give
    `--agents 14`. Targets combine: the answer meets every one given. A week of intervals: `--input week.csv`.

    Chat: `--channel chat --max-sessions 3 --concurrency 0.3` counts --calls as sessions and staffs agents who
    hold up to 3 at once, each slowed by the others (docs/capacity.md, "Chat"); adds sessions_per_agent.

    Email: `--channel email --calls 2400 --interval 24h --open 10h --aht 5m --deadline 24h --service-level 0.95`
    staffs the 10 open hours of a repeating day for items arriving day and night, 95 % taken up within 24 h
    (docs/capacity.md, "Email": the backlog carried, no Erlang formula); adds backlog_max, and the case's
    deadline_s and open_s in seconds. --target, --asa and --patience mean nothing there: refused. With `--agents 18`
    instead of --service-level: the share within the deadline those agents give, and their backlog.
    """
    from casashore.usecases import calculators  # numpy and the Erlang kernels: only when the command runs

    if input is not None:
        cases = lambda: labelled_cases(input, calculators.STAFF_FIELDS, calculators.staff_case)  # noqa: E731
    else:
        raw = given(calls=calls, interval=interval, aht=aht, target=target, agents=agents,
                    service_level=service_level, asa=asa, patience=patience, abandon=abandon,
                    max_occupancy=max_occupancy, shrinkage=shrinkage, channel=channel, max_sessions=max_sessions,
                    concurrency=concurrency, deadline=deadline, open=open)
        cases = lambda: [({}, calculators.staff_case(raw))]  # noqa: E731
        for notice in calculators.staff_notices(raw):  # on stderr: --json's stdout stays the JSON alone
            typer.echo(f"notice: {notice}", err=True)
    _run(cases, calculators.staff, input is not None, as_json, output, _show_staff)


def _show_staff(rows: list[dict]) -> None:
    """One table per channel, each with the measures its channel computes (a voice and an email row share no
    service level: one is answered within a target, the other taken up within a deadline)."""
    channels = list(dict.fromkeys(r["channel"] for r in rows))
    for channel in channels:
        mine = [r for r in rows if r["channel"] == channel]
        title = "Staffing" if len(channels) == 1 else f"Staffing: {channel}"
        if len(mine) == 1 and "interval_s" in mine[0]:  # what --calls counted, over which interval
            title += f", {_volume(mine[0])}"
        if len(mine) <= 60:
            table(mine, _staff_columns(channel, mine), title)
        else:
            _show_staff_summary(mine, title)
        _say_overloaded(mine)


_UNITS = {"voice": "calls", "chat": "sessions", "email": "items"}


def _volume(row: dict) -> str:
    """'2,400 items per 15 min': the case's --calls and the interval they arrive over."""
    return f"{row['calls']:,.6g} {_UNITS[row['channel']]} per {_interval_text(row['interval_s'])}"


def _interval_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _say_overloaded(rows: list[dict]) -> None:
    """A note under the table for each case whose agents cannot keep up: its measures are a line growing without
    end, not a steady state (a legitimate question, so said, not refused)."""
    for row in rows:
        if not row.get("overloaded"):
            continue
        where = f"{row['start']}: " if "start" in row else ""
        if row["channel"] == "chat":
            need = (f"the {row['agents']} agents complete at most {row['capacity_sessions']:,.1f} sessions per "
                    f"{_interval_text(row['interval_s'])} of the {row['calls']:,.6g} offered")
        else:
            need = (f"{row['agents']} agents for {row['traffic']:,.2f} Erlangs of traffic (Erlang C needs more agents "
                    "than Erlangs)")
        typer.echo(f"Overloaded: {where}{need}: the queue grows without end, so nobody is answered within the "
                   "target in the long run. Give more agents, or --patience for callers who leave.")


def _staff_columns(channel: str, rows: list[dict]) -> list[tuple[str, str, str]]:
    """(key, header, format) of one channel's rows: every measure the use case computed for them."""
    columns = [("traffic", "traffic (E)", ".2f"), ("agents", "agents", "d")]
    if channel == "email":  # items within the deadline; a fluid backlog has no wait law and no abandonment
        columns += [("service_level", "within deadline", ".3f"), ("occupancy", "occupancy", ".3f"),
                    ("backlog_max", "largest backlog (items)", ".0f")]
    else:
        patient = any("asa_all" in r for r in rows)  # a patience given: abandonment, and the wait of every contact
        columns += [("p_wait", "P(wait)", ".3f"), ("service_level", "service level", ".3f")]
        if any(r["asa"] is not None for r in rows) or not patient:
            columns.append(("asa", "ASA, answered (s)", ".1f"))
        if patient:
            columns += [("asa_all", "ASA, all (s)", ".1f"), ("p_abandon", "P(abandon)", ".3f")]
        if channel == "chat":  # an agent holding any chat is busy: the slots in use say how full they are
            columns += [("occupancy", "agents holding a chat", ".3f"), ("slot_use", "slot use", ".3f"),
                        ("sessions_per_agent", "sessions per agent", ".2f")]
        else:
            columns.append(("occupancy", "occupancy", ".3f"))
    if any("agents_with_shrinkage" in r for r in rows):
        columns.append(("agents_with_shrinkage", "with shrinkage", "d"))
    if any("start" in r for r in rows):
        columns.insert(0, ("start", "start", "s"))
    return columns


def _show_staff_summary(rows: list[dict], title: str) -> None:
    """A long batch (a week) is summarised per day; --output or --json give every interval."""
    by_day: dict[str, list[dict]] = {}
    for row in rows:
        by_day.setdefault(str(row.get("start", "all"))[:10], []).append(row)
    shown = Table(title=f"{title}, {len(rows)} intervals (per-interval rows: --output FILE.csv or --json)")
    level = "within deadline" if rows[0]["channel"] == "email" else "SL"
    for header in ("day", "intervals", f"traffic-weighted {level}", "peak agents", "agent-intervals"):
        shown.add_column(header, justify="right")
    for day, day_rows in by_day.items():
        weight = sum(r["traffic"] for r in day_rows)
        sl = sum(r["service_level"] * r["traffic"] for r in day_rows) / weight if weight else None
        shown_sl = "— (no calls)" if sl is None else f"{sl:.3f}"
        shown.add_row(day, str(len(day_rows)), shown_sl, str(max(r["agents"] for r in day_rows)),
                      str(sum(r["agents"] for r in day_rows)))
    out.print(shown)


@exits_on_user_error
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
    from casashore.usecases import calculators  # numpy: only when the command runs

    result = calculators.link(codec, ptime, layer, vlan=vlan, srtp=srtp, mpls=mpls, ipv6=ipv6,
                              capacity=capacity_, headroom=headroom)
    if as_json:
        print_json(result)
        return
    shown = Table(title=f"{result['codec']} at {result['ptime_ms']:g} ms, {result['layer']} layer")
    shown.add_column("measure")
    shown.add_column("value", justify="right")
    for key, value in result.items():
        if key in ("codec", "layer"):
            continue
        if key in ("capacity_bps", "bps_per_call"):
            text = f"{bit_rate(value)} ({value:,.0f} bit/s)" if value >= 1000 else f"{value:,.6g} bit/s"
        elif key == "headroom":
            text = f"{value:.0%}"
        else:
            text = f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"
        shown.add_row(key, text)
    out.print(shown)
