"""The router under real SIP load: SIPp (Debian's sip-tester) calls at 200 calls/s for 30 s into
`casashore route serve`, simulated agents answer through the HTTP API with their own tokens, callers hang up
after an exponential talk time. Then an independent checker reads the router's event log from the workspace:
no double offer or assignment, and the router's counts equal SIPp's (calls, answers, 486/503 refusals)."""

from __future__ import annotations

import asyncio
import csv
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from agent_desktops import agents_answer
from route_checker import replay
from router_nodes import free_port, wait_for_port

pytestmark = [pytest.mark.skipif(shutil.which("sipp") is None,
                                 reason="SIPp is not installed (Debian package sip-tester; .ci/run installs it)"),
              pytest.mark.slow]
SCENARIO = Path(__file__).parent / "sipp" / "caller.xml"
RATE, SECONDS, AGENTS = 200, 30, 320


def write_centre(path: Path, agents: int = AGENTS) -> dict[str, str]:
    """One French queue, agents at proficiency 1-3 (relaxed after 1 s), one token each."""
    rng = random.Random(7)
    tokens = {f"a{i:03d}": f"agent-token-{i:03d}-{rng.getrandbits(64):016x}" for i in range(agents)}
    lines = ["[router]", "offer_timeout_s = 10", "wrap_up_s = 0.2", "max_sip_calls = 3000", "",
             "[[queues]]", 'name = "fr_bank"', 'skill = "fr"', "relax_after_s = 1", "max_waiting = 150",
             "target_s = 1", "aht_s = 1", ""]
    for agent, token in tokens.items():
        lines += ["[[agents]]", f'id = "{agent}"', f"skills = {{ fr = {rng.randint(1, 3)} }}", f'token = "{token}"', ""]
    lines += ["[tokens]", 'supervisor = ["supervisor-token-0123456789"]']
    path.write_text("\n".join(lines))
    return tokens


def sipp_counts(directory: Path) -> dict[str, int]:
    """The last line of SIPp's per-message counts (-trace_counts)."""
    path = next(directory.glob("caller_*_counts.csv"))
    rows = list(csv.reader(path.open(), delimiter=";"))
    pairs = zip(rows[0][2:], rows[-1][2:], strict=False)  # the header ends with a ';'
    return {name: int(value) for name, value in pairs if name and value.isdigit()}


def sipp_stats(directory: Path) -> dict[str, str]:
    path = next(p for p in directory.glob("caller_*_.csv"))
    rows = list(csv.reader(path.open(), delimiter=";"))
    return dict(zip(rows[0], rows[-1], strict=False))


def test_sipp_at_200_calls_per_second_with_agents_answering_over_the_api(tmp_path):
    tokens = write_centre(tmp_path / "center.toml")
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
            stop = asyncio.Event()
            agents = asyncio.create_task(agents_answer(http, tokens, stop))
            await asyncio.sleep(2)  # every agent logged in
            sipp = await asyncio.create_subprocess_exec(
                "sipp", f"127.0.0.1:{sip_port}", "-sf", str(SCENARIO), "-s", "fr_bank", "-i", "127.0.0.1",
                "-p", str(free_port(socket.SOCK_DGRAM)), "-r", str(RATE), "-m", str(RATE * SECONDS),
                "-l", "3000", "-nostdin", "-trace_counts", "-trace_stat", "-fd", "5", "-timeout", "120",
                "-timeout_error", cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, sipp_err = await sipp.communicate()
            assert sipp.returncode in (0, 1), f"sipp exit {sipp.returncode}: {sipp_err.decode()[-500:]}"
            await asyncio.sleep(1)  # the last events reach the agents
            stop.set()
            return await agents

        tally = asyncio.run(drive())
    finally:
        router.send_signal(signal.SIGINT)  # a clean stop flushes the records
        try:
            router.wait(30)
        except subprocess.TimeoutExpired:
            router.send_signal(signal.SIGUSR1)  # its stacks, into the log
            time.sleep(1)
            router.kill()
            router.wait()
        log.close()
    # uvicorn re-raises the SIGINT after its graceful shutdown: 130 is a clean stop
    assert router.returncode in (0, 128 + signal.SIGINT, -signal.SIGINT), (tmp_path / "router.log").read_text()

    counts, stats = sipp_counts(tmp_path), sipp_stats(tmp_path)
    calls = RATE * SECONDS
    assert int(stats["OutgoingCall(C)"]) == calls
    assert int(stats["FailedCall(C)"]) == 0, stats
    assert counts["0_INVITE_Sent"] == calls
    refused = counts["3_486_Recv"] + counts["4_503_Recv"]
    answered = counts["5_200_Recv"]
    assert answered + refused == calls and counts["9_200_Recv"] == answered  # every BYE answered

    with duckdb.connect(str(workspace), read_only=True) as con:
        events = con.execute("SELECT epoch(event_at), event, subject, detail FROM route_events ORDER BY seq").fetchall()
        outcomes = dict(con.execute("SELECT outcome, count(*) FROM calls GROUP BY 1").fetchall())
    assert replay(events) == []
    by_kind: dict[str, set[str]] = {}
    for _, event, subject, _ in events:
        by_kind.setdefault(event, set()).add(subject)
    assert len(by_kind["answered"]) == answered == tally["accepted"]
    assert len(by_kind.get("rejected", set())) == counts["3_486_Recv"]
    assert len(by_kind["arrived"]) + len(by_kind.get("rejected", set())) == calls
    assert outcomes.get("answered", 0) == answered and outcomes.get("abandoned", 0) == 0
    assert outcomes.get("other", 0) == counts["3_486_Recv"]
