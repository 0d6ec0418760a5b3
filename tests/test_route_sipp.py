"""The router under real SIP traffic: SIPp (Debian's sip-tester) calls at a modest 30 calls/s (600 calls) into
`casashore route serve`, 120 simulated agents answer through the HTTP API with their own tokens, callers hang up
after an exponential talk time. Then an independent checker reads the router's event log from the workspace: no
double offer or assignment, and the router's counts and records equal SIPp's (calls, answers, 486/503 refusals).
Functional checks only, none depending on how fast the machine is; the capacity runs are
benchmarks/bench_route_load.py."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import duckdb
import pytest

from agent_desktops import agents_answer
from route_checker import replay
from router_nodes import (
    SAFETY_S,
    free_port,
    sipp_command,
    sipp_counts,
    sipp_failures,
    sipp_stats,
    wait_for_port,
    write_centre,
)

pytestmark = [pytest.mark.skipif(shutil.which("sipp") is None,
                                 reason="SIPp is not installed (Debian package sip-tester; .ci/run installs it)"),
              pytest.mark.slow]
RATE, CALLS, AGENTS = 30, 600, 120


def test_sipp_calls_answered_by_agents_over_the_api(tmp_path):
    tokens = write_centre(tmp_path / "center.toml", AGENTS)
    sip_port, http_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    http = f"127.0.0.1:{http_port}"
    workspace = tmp_path / "router.duckdb"
    log = (tmp_path / "router.log").open("w")
    router = subprocess.Popen([sys.executable, "-m", "casashore", "route", "serve", "--config",
                               str(tmp_path / "center.toml"), "--sip", f"127.0.0.1:{sip_port}", "--http", http,
                               "--workspace", str(workspace)], cwd=tmp_path, stdout=log, stderr=log,
                              env=os.environ | {"NO_COLOR": "1"})
    try:
        wait_for_port(http_port, router, tmp_path / "router.log")

        async def drive() -> dict[str, int]:
            stop, ready = asyncio.Event(), asyncio.Event()
            agents = asyncio.create_task(agents_answer(http, tokens, stop, ready=ready.set))
            # every agent logged in and the event stream open (or the agents failed: their error is raised)
            await asyncio.wait([agents, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
            if agents.done():
                return agents.result()
            sipp = await asyncio.create_subprocess_exec(
                *sipp_command(f"127.0.0.1:{sip_port}", tmp_path / "sipp", RATE, CALLS), cwd=tmp_path / "sipp",
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, sipp_err = await sipp.communicate()
            assert sipp.returncode in (0, 1), f"sipp exit {sipp.returncode}: {sipp_err.decode()[-500:]}"
            stop.set()  # every call has ended: the accepts under way finish, then the tally
            return await agents

        tally = asyncio.run(drive())
    finally:
        router.send_signal(signal.SIGINT)  # a clean stop flushes the records
        try:
            router.wait(SAFETY_S)
        except subprocess.TimeoutExpired:
            router.send_signal(signal.SIGUSR1)  # its stacks, into the log
            time.sleep(1)
            router.kill()
            router.wait()
        log.close()
    # uvicorn re-raises the SIGINT after its graceful shutdown: 130 is a clean stop
    assert router.returncode in (0, 128 + signal.SIGINT, -signal.SIGINT), (tmp_path / "router.log").read_text()

    counts, stats = sipp_counts(tmp_path / "sipp"), sipp_stats(tmp_path / "sipp")
    assert int(stats["OutgoingCall(C)"]) == CALLS
    assert int(stats["FailedCall(C)"]) == 0, (stats, sipp_failures(tmp_path / "sipp")[:10])
    assert counts["0_INVITE_Sent"] == CALLS
    refused = counts["3_486_Recv"] + counts["4_503_Recv"]
    answered = counts["5_200_Recv"]
    assert answered + refused == CALLS and counts["9_200_Recv"] == answered  # every BYE answered
    assert answered > 0

    with duckdb.connect(str(workspace), read_only=True) as con:
        events = con.execute("SELECT epoch(event_at), event, subject, detail FROM route_events ORDER BY seq").fetchall()
        outcomes = dict(con.execute("SELECT outcome, count(*) FROM calls GROUP BY 1").fetchall())
    assert replay(events) == []
    by_kind: dict[str, set[str]] = {}
    for _, event, subject, _ in events:
        by_kind.setdefault(event, set()).add(subject)
    assert len(by_kind["answered"]) == answered == tally["accepted"]
    assert len(by_kind.get("rejected", set())) == counts["3_486_Recv"]
    # a call the overloaded front refused with 503 (a busy machine: docs/routing.md "Overload") never arrived
    assert len(by_kind["arrived"]) + len(by_kind.get("rejected", set())) + counts["4_503_Recv"] == CALLS
    assert outcomes.get("answered", 0) == answered and outcomes.get("abandoned", 0) == 0
    assert outcomes.get("other", 0) == counts["3_486_Recv"]
