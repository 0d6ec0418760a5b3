"""Kamailio's dispatcher in front of three router nodes on one redis-server (examples/kamailio/), SIPp calling at
a modest 30 calls/s (600 calls), 120 agents answering through the nodes' APIs from a process of their own. Once
with every node up, once with one node killed (SIGKILL) while calls are in flight on it. Functional checks only —
nothing here depends on how fast the machine is (the capacity runs, 300 calls/s, are
benchmarks/bench_route_load.py): SIPp counts every call it placed as answered (200, then its BYE answered) or
explicitly refused (486 queue full, 503); the independent checker replays the centre's log (the Redis stream): no
double offer or assignment, the router's answers and refusals equal SIPp's, nobody left waiting; calls spread
over the nodes; the killed node's callers in flight are taken over by the others and answered; Kamailio's log
has no error."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from redis_server import needs_redis
from route_checker import replay
from router_nodes import as_events, kamailio_problems, run_through_kamailio, sipp_counts, sipp_failures, sipp_stats

pytestmark = [needs_redis, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed (sip-tester)"),
              pytest.mark.skipif(shutil.which("kamailio") is None and not Path("/usr/sbin/kamailio").exists(),
                                 reason="Kamailio is not installed (Debian package kamailio; .ci/run installs it)")]
NODES, RATE, CALLS, AGENTS = 3, 30, 600, 120
KILL_AFTER_ANSWERS, IN_FLIGHT_AT_KILL = 40, 5  # the killed node has served calls; callers wait on it when it dies


@pytest.mark.parametrize("kill", [False, True], ids=["all-nodes-up", "one-node-killed"])
def test_kamailio_in_front_of_three_nodes(tmp_path, kill):
    pytest.importorskip("redis")
    run = run_through_kamailio(tmp_path, rate=RATE, calls=CALLS, agents=AGENTS, nodes=NODES, memory_mb=128,
                               kill_after_answers=KILL_AFTER_ANSWERS if kill else None,
                               in_flight_at_kill=IN_FLIGHT_AT_KILL if kill else 0)
    stream = run["stream"]
    (tmp_path / "events.json").write_text(json.dumps(stream))  # the centre's log, for whoever looks into a failure
    events = as_events(stream)
    per_node = Counter(f["n"] for f in stream if f["e"] == "arrived")
    stats, counts = sipp_stats(run["sipp"]), sipp_counts(run["sipp"])
    kinds = {kind: {s for _, e, s, _ in events if e == kind}
             for kind in ("answered", "rejected", "arrived", "adopted", "orphaned", "ended")}
    summary = {k: len(v) for k, v in kinds.items()} | {"sipp_failed": stats["FailedCall(C)"]} | run["tally"]

    assert replay(events) == [], summary
    assert counts["0_INVITE_Sent"] == CALLS
    assert int(stats["FailedCall(C)"]) == 0, (summary, sipp_failures(run["sipp"])[:10])
    answered, busy = counts["5_200_Recv"], counts["3_486_Recv"]
    assert answered + busy + counts["4_503_Recv"] == CALLS and counts["9_200_Recv"] == answered
    assert len(kinds["answered"]) == answered and len(kinds["rejected"]) == busy, summary
    assert run["tally"]["accepted"] >= answered - len(kinds["adopted"]), summary
    assert kinds["arrived"] - kinds["answered"] - kinds["ended"] == set()  # nobody left waiting
    assert answered > 0, summary
    # the dispatcher spreads the calls by a hash of their Call-ID: every node takes a share
    assert sorted(per_node) == [f"n{k}" for k in range(NODES)], per_node
    if not kill:
        assert min(per_node.values()) > 0.1 * CALLS, per_node
        assert kamailio_problems(tmp_path / "kamailio.log") == []
        return
    # The callers in flight on the killed node: Kamailio re-sent their INVITEs, another node adopted each call
    # (same place, same offer) and answered it
    in_flight = run["in_flight"]
    assert len(in_flight) >= IN_FLIGHT_AT_KILL
    assert in_flight <= kinds["adopted"], (sorted(in_flight - kinds["adopted"]), summary)
    assert in_flight <= kinds["answered"], (sorted(in_flight - kinds["answered"]), summary)
    adopters = {f["n"] for f in stream if f["e"] == "adopted"}
    assert adopters and "n2" not in adopters, adopters
    # Service went on after the kill: calls arrived on the surviving nodes, all answered or refused
    after = {s for t, e, s, _ in events if e == "arrived" and t > run["killed_at"]}
    assert after and after <= kinds["answered"] | kinds["rejected"], summary
    assert kamailio_problems(tmp_path / "kamailio.log") == []
