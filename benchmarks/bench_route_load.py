"""The router's capacity under SIP load (issue 17 item 6: these runs were tests; they measure the machine, so they
are a benchmark now, and the suite's SIPp/Kamailio tests are functional at 30 calls/s).

    python benchmarks/bench_route_load.py                      # every run below
    python benchmarks/bench_route_load.py --only kamailio      # Kamailio in front of three nodes, 300 calls/s
    python benchmarks/bench_route_load.py --only nodes         # one SIPp per node, 150 and 300 calls/s
    python benchmarks/bench_route_load.py --only overload --overload-rate 250 --seconds 20   # one node, overloaded
    python benchmarks/bench_route_load.py --kamailio-rate 300 --seconds 30 --json results.json

Runs (each with every node up, then with the last node SIGKILLed about a third of the way in):
- kamailio: SIPp at --kamailio-rate calls/s for --seconds into Kamailio (examples/kamailio/kamailio.cfg, -m 512)
  in front of three `casashore route serve --redis` nodes, 720 agents answering through the nodes' APIs from a
  process of their own (tests/agent_desktops.py), relaxation after 0.3 s, 1,000 waiting calls at most;
- nodes: one SIPp per node (as a dispatcher would spread the calls) at --nodes-rates calls/s in all, 320 agents,
  relaxation after 1 s, 150 waiting calls at most; with the kill, the dead node's SIPp stops placing calls and
  its callers in flight fail with it (nothing re-sends their INVITEs): only the survivors' calls are counted.
- overload (issue 19): Kamailio in front of ONE node, SIPp at --overload-rate calls/s (above what one node takes
  on the machine), twice: the admission rule off (overload_delay_s = 0) and on (the default, 0.5 s). SIPp's
  scenario here also takes 408 and 500 as outcomes, so the run counts how many callers got 408 Request Timeout
  (the proxy gave up on the node) against a refusal in time: the node's 503, which Kamailio, with no other node
  to try, passes on as 500 (RFC 3261 §16.7: a proxy does not forward a 503), or its own 503 when it has
  dropped the node after missed OPTIONS.

Reported per run: calls placed, answered (200), refused as busy (486) or full (503), failed (SIPp's count: no
answer, a lost BYE …), callers taken over (adopted), the rate SIPp achieved (calls placed over the seconds it took
to place them) and the answered rate (answers in the centre's log over their span), the independent checker's
verdict on the centre's log, and CPU seconds per role (nodes, redis-server, Kamailio, SIPp, the agents' desktops)
with the share of the machine's cores they used over the run. Everything shares this machine: on 2 cores,
300 calls/s through three nodes uses both — and whatever else runs on the machine counts against the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from route_checker import replay  # noqa: E402
from router_nodes import (  # noqa: E402
    SCENARIO,
    as_events,
    run_direct_nodes,
    run_through_kamailio,
    sipp_counts,
    sipp_stats,
)


def seconds(hms: str) -> float:
    h, m, sec = hms.split(":")
    return 3600 * int(h) + 60 * int(m) + float(sec)


def placing_time(directory: Path) -> float:
    """Seconds SIPp took to place all its calls: the first of its per-second statistics rows (-fd 1) whose
    cumulative count of calls placed is the run's total."""
    import csv

    path = next(directory.glob("caller_*_.csv"))
    rows = list(csv.DictReader(path.open(), delimiter=";"))
    total = rows[-1]["OutgoingCall(C)"]
    return seconds(next(r for r in rows if r["OutgoingCall(C)"] == total)["ElapsedTime(C)"])


def summarise(name: str, run: dict, sipp_dirs: list[Path]) -> dict:
    counts: Counter = Counter()
    failed, placing = 0, 0.0
    for directory in sipp_dirs:
        counts.update(sipp_counts(directory))
        failed += int(sipp_stats(directory)["FailedCall(C)"])
        placing = max(placing, placing_time(directory))
    events = as_events(run["stream"])
    placed, answered = counts["0_INVITE_Sent"], counts["5_200_Recv"]
    answers = sorted(t for t, e, _, _ in events if e == "answered")
    cores = os.cpu_count() or 1
    wall = run["wall_s"]
    return {
        "run": name, "calls": placed, "answered": answered, "busy_486": counts["3_486_Recv"],
        "full_503": counts["4_503_Recv"], "failed": failed,
        "taken_over": len({s for _, e, s, _ in events if e == "adopted"}),
        "rate_placed": round(placed / placing, 1) if placing else None,  # calls/s SIPp achieved
        "answered_per_s": round(len(answers) / (answers[-1] - answers[0]), 1) if len(answers) > 1 else None,
        "checker_problems": len(replay(events)), "wall_s": round(wall, 1),
        "cpu_s": {role: round(s, 1) for role, s in sorted(run["cpu_s"].items())},
        "cpu_share_of_cores": round(sum(run["cpu_s"].values()) / (wall * cores), 2),
    }


def print_row(row: dict) -> None:
    cpu = ", ".join(f"{role} {s}" for role, s in row["cpu_s"].items())
    print(f"{row['run']:<34} calls {row['calls']:>6}  answered {row['answered']:>6}  486 {row['busy_486']:>5}  "
          f"503 {row['full_503']:>4}  failed {row['failed']:>5}  taken over {row['taken_over']:>4}  "
          f"placed {row['rate_placed']}/s, answered {row['answered_per_s']}/s  checker {row['checker_problems']}  "
          f"wall {row['wall_s']} s  CPU {row['cpu_share_of_cores']:.0%} of {os.cpu_count()} cores ({cpu} s)",
          flush=True)


def counted_408_scenario(directory: Path) -> Path:
    """tests/sipp/caller.xml with 408 Request Timeout and 500 taken as outcomes (counted, not failed calls)."""
    text = SCENARIO.read_text()
    refused = '  <recv response="503" optional="true" next="refused"/>\n'
    assert refused in text
    more = "".join(f'  <recv response="{status}" optional="true" next="refused"/>\n' for status in (408, 500))
    path = directory / "caller_408.xml"
    path.write_text(text.replace(refused, refused + more))
    return path


def overload_row(name: str, run: dict) -> dict:
    """SIPp's answers to the INVITE by status: the first receive of each status in the scenario (a later 200 is
    the BYE's)."""
    counts = sipp_counts(run["sipp"])
    by_status = {}
    for status in (200, 408, 486, 500, 503):
        keys = sorted((int(k.split("_")[0]), k) for k in counts if k.endswith(f"_{status}_Recv"))
        by_status[status] = counts[keys[0][1]] if keys else 0
    events = as_events(run["stream"])
    wall = run["wall_s"]
    return {"run": name, "calls": counts.get("0_INVITE_Sent", 0), "answered": by_status[200],
            "timeout_408": by_status[408], "unavailable_503": by_status[503], "proxy_500": by_status[500],
            "busy_486": by_status[486],
            "failed": int(sipp_stats(run["sipp"])["FailedCall(C)"]), "rate_placed": round(
                counts.get("0_INVITE_Sent", 0) / placing_time(run["sipp"]), 1),
            "arrived_in_router": sum(1 for _, e, _, _ in events if e == "arrived"),
            "checker_problems": len(replay(events)), "wall_s": round(wall, 1),
            "cpu_s": {role: round(s, 1) for role, s in sorted(run["cpu_s"].items())},
            "cpu_share_of_cores": round(sum(run["cpu_s"].values()) / (wall * (os.cpu_count() or 1)), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["kamailio", "nodes", "overload"])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kamailio-rate", type=float, default=300)
    parser.add_argument("--nodes-rates", type=float, nargs="+", default=[150, 300])
    parser.add_argument("--overload-rate", type=float, default=250)
    parser.add_argument("--no-kill", action="store_true", help="only the runs with every node up")
    parser.add_argument("--json", type=Path, help="write the rows to this file too")
    parser.add_argument("--keep", type=Path, help="keep each run's logs (nodes, Kamailio, SIPp, centre) here")
    args = parser.parse_args()
    kills = [False] if args.no_kill else [False, True]
    rows = []
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-route-load-") as scratch:
        tmp = args.keep or scratch
        if args.only in (None, "kamailio"):
            for kill in kills:
                rate = args.kamailio_rate
                directory = Path(tmp) / f"kamailio-{rate:g}-{'kill' if kill else 'up'}"
                directory.mkdir()
                # killed once SIPp has placed a third of the calls (10 s into 30 s at 300/s, when it keeps up)
                run = run_through_kamailio(directory, rate=rate, calls=int(rate * args.seconds), agents=720,
                                           kill_after_placed=int(rate * args.seconds / 3) if kill else None)
                rows.append(summarise(f"kamailio {rate:g}/s {'node killed' if kill else 'all up'}", run,
                                      [run["sipp"]]))
                print_row(rows[-1])
        if args.only in (None, "overload"):
            for delay in (0.0, 0.5):
                directory = Path(tmp) / f"overload-{args.overload_rate:g}-{delay:g}"
                directory.mkdir()
                run = run_through_kamailio(directory, rate=args.overload_rate,
                                           calls=int(args.overload_rate * args.seconds), agents=720, nodes=1,
                                           scenario=counted_408_scenario(directory), overload_delay_s=delay)
                rows.append(overload_row(f"overload {args.overload_rate:g}/s 1 node, delay_s {delay:g}", run))
                print(json.dumps(rows[-1]), flush=True)
        if args.only in (None, "nodes"):
            for rate in args.nodes_rates:
                for kill in kills:
                    directory = Path(tmp) / f"nodes-{rate:g}-{'kill' if kill else 'up'}"
                    directory.mkdir()
                    per_node = int(rate / 3 * args.seconds)
                    run = run_direct_nodes(directory, rate=rate, calls_per_node=per_node, agents=320,
                                           kill_after_arrivals=per_node // 3 if kill else None)
                    survivors = run["sipp"][:-1] if kill else run["sipp"]
                    rows.append(summarise(f"nodes {rate:g}/s {'node killed' if kill else 'all up'}", run,
                                          survivors))
                    print_row(rows[-1])
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
