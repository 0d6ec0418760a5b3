"""Three router nodes on one redis-server under SIPp: 150 calls/s for 30 s spread over the nodes (one SIPp per
node, as a dispatcher in front would spread them; tests/test_route_kamailio.py runs 300 calls/s through a real
dispatcher), 320 agents answering through the nodes' APIs. The independent
checker reads the centre's event log from the Redis stream: no double offer or assignment; the counts equal the
SIPp instances' together. Then the same with one node killed (SIGKILL) ten seconds in: the two others go on
without a failed call, and every call the dead node had brought in is accounted for in the log."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter

import pytest

from agent_desktops import agents_answer
from redis_server import needs_redis, redis_server
from route_checker import replay
from router_nodes import as_events, centre_stream, free_port, start_nodes
from test_route_sipp import SCENARIO, sipp_counts, sipp_stats, write_centre

pytestmark = [needs_redis, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed (sip-tester)")]
NODES, RATE, SECONDS = 3, 150, 30


@pytest.mark.parametrize("kill", [False, True], ids=["all-nodes-up", "one-node-killed"])
def test_three_nodes_on_redis_under_sipp(tmp_path, kill):
    pytest.importorskip("redis")
    tokens = write_centre(tmp_path / "center.toml")
    with redis_server(tmp_path) as redis_port:
        nodes = start_nodes(tmp_path, tmp_path / "center.toml", redis_port, NODES)
        https, sips = nodes.https, nodes.sips
        try:
            async def drive() -> dict[str, int]:
                stop = asyncio.Event()
                agents = asyncio.create_task(agents_answer(https, tokens, stop))
                await asyncio.sleep(3)
                runs = []
                for k, sip in enumerate(sips):
                    (tmp_path / f"sipp{k}").mkdir()
                    runs.append(await asyncio.create_subprocess_exec(
                        "sipp", f"127.0.0.1:{sip}", "-sf", str(SCENARIO), "-s", "fr_bank", "-i", "127.0.0.1",
                        "-p", str(free_port(socket.SOCK_DGRAM)), "-r", str(RATE // NODES),
                        "-m", str(RATE // NODES * SECONDS), "-l", "3000", "-nostdin", "-trace_counts",
                        "-trace_stat", "-fd", "5", "-timeout", "150", "-timeout_error",
                        *(["-recv_timeout", "8000"] if kill and k == NODES - 1 else []), cwd=tmp_path / f"sipp{k}",
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
                if kill:
                    await asyncio.sleep(10)
                    killed_at.append(time.time())
                    nodes.processes[-1].send_signal(signal.SIGKILL)  # no goodbye: its callers' SIP legs die with it
                    runs[-1].send_signal(signal.SIGUSR1)  # the dispatcher stops sending it calls
                for run in runs:
                    _, err = await run.communicate()
                    assert run.returncode in (0, 1), err.decode()[-500:]
                await asyncio.sleep(1)
                stop.set()
                return await agents

            killed_at: list[float] = []
            tally = asyncio.run(drive())
        finally:
            nodes.stop()
        events = as_events(centre_stream(redis_port))

    assert replay(events) == []
    kinds = {kind: {s for _, e, s, _ in events if e == kind}
             for kind in ("answered", "rejected", "arrived", "orphaned", "ended")}
    survivors = range(NODES - 1) if kill else range(NODES)
    counts = Counter()
    for k in survivors:
        stats = sipp_stats(tmp_path / f"sipp{k}")
        assert int(stats["FailedCall(C)"]) == 0, (k, stats)
        counts.update(sipp_counts(tmp_path / f"sipp{k}"))
    calls = RATE // NODES * SECONDS * len(survivors)
    assert counts["0_INVITE_Sent"] == calls
    answered, busy = counts["5_200_Recv"], counts["3_486_Recv"]
    assert answered + busy + counts["4_503_Recv"] == calls and counts["9_200_Recv"] == answered
    if not kill:
        assert len(kinds["answered"]) == answered == tally["accepted"]
        assert len(kinds["rejected"]) == busy and len(kinds["arrived"]) + busy == calls
        return
    # The dead node's calls: every one it brought in is answered (its agent still holds it: the caller's BYE
    # went to the dead node), or ended as orphaned — none left waiting for an agent.
    waiting_forever = kinds["arrived"] - kinds["answered"] - kinds["ended"]
    assert waiting_forever == set(), sorted(waiting_forever)[:5]
    assert kinds["orphaned"] <= kinds["arrived"]
    # Service went on: the surviving nodes answered calls within 5 s of the kill
    after = [t for t, e, _, _ in events if e == "answered" and killed_at[0] < t <= killed_at[0] + 5]
    assert len(after) > 50
