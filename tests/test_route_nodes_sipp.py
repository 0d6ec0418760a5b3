"""Three router nodes on one redis-server under SIPp, one SIPp per node (as a dispatcher in front would spread
the calls; tests/test_route_kamailio.py runs a real dispatcher) at a modest 30 calls/s in all (600 calls), 120
agents answering through the nodes' APIs from a process of their own. Functional checks, none depending on how
fast the machine is (the capacity runs, 150-300 calls/s, are benchmarks/bench_route_load.py): the independent
checker reads the centre's event log from the Redis stream — no double offer or assignment; the counts equal the
SIPp instances' together. Then the same with one node killed (SIGKILL) once 60 calls have arrived on it: the two
others go on without a failed call, and every call the dead node had brought in is accounted for in the log."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from redis_server import needs_redis
from route_checker import replay
from router_nodes import as_events, run_direct_nodes, sipp_counts, sipp_failures, sipp_stats

pytestmark = [needs_redis, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed (sip-tester)")]
NODES, RATE, CALLS_PER_NODE, AGENTS, KILL_AFTER_ARRIVALS = 3, 30, 200, 120, 60


@pytest.mark.parametrize("kill", [False, True], ids=["all-nodes-up", "one-node-killed"])
def test_three_nodes_on_redis_under_sipp(tmp_path, kill):
    pytest.importorskip("redis")
    run = run_direct_nodes(tmp_path, rate=RATE, calls_per_node=CALLS_PER_NODE, agents=AGENTS, nodes=NODES,
                           kill_after_arrivals=KILL_AFTER_ARRIVALS if kill else None)
    stream = run["stream"]
    events = as_events(stream)
    assert replay(events) == []
    kinds = {kind: {s for _, e, s, _ in events if e == kind}
             for kind in ("answered", "rejected", "arrived", "orphaned", "ended")}
    per_node = Counter(f["n"] for f in stream if f["e"] in ("arrived", "rejected"))
    survivors = range(NODES - 1) if kill else range(NODES)
    counts: Counter = Counter()
    for k in survivors:
        stats = sipp_stats(run["sipp"][k])
        assert int(stats["FailedCall(C)"]) == 0, (k, stats, sipp_failures(run["sipp"][k])[:10])
        node_counts = sipp_counts(run["sipp"][k])
        assert per_node[f"n{k}"] == node_counts["0_INVITE_Sent"] - node_counts["4_503_Recv"], (k, per_node)
        counts.update(node_counts)
    calls = CALLS_PER_NODE * len(survivors)
    assert counts["0_INVITE_Sent"] == calls
    answered, busy = counts["5_200_Recv"], counts["3_486_Recv"]
    assert answered + busy + counts["4_503_Recv"] == calls and counts["9_200_Recv"] == answered
    assert answered > 0
    if not kill:
        assert len(kinds["answered"]) == answered == run["tally"]["accepted"]
        # a call the overloaded front refused with 503 (a busy machine) never arrived
        assert len(kinds["rejected"]) == busy and len(kinds["arrived"]) + busy + counts["4_503_Recv"] == calls
        return
    # The dead node's calls: every one it brought in is answered (its agent still holds it: the caller's BYE
    # went to the dead node), or ended as orphaned — none left waiting for an agent.
    waiting_forever = kinds["arrived"] - kinds["answered"] - kinds["ended"]
    assert waiting_forever == set(), sorted(waiting_forever)[:5]
    assert kinds["orphaned"] <= kinds["arrived"]
    assert per_node["n2"] >= KILL_AFTER_ARRIVALS
    # Service went on: calls arrived on the surviving nodes after the kill, every one answered or refused
    after = {s for t, e, s, _ in events if e == "arrived" and t > run["killed_at"]}
    assert after and after <= kinds["answered"] | kinds["rejected"]
