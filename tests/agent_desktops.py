"""Simulated agents' desktops for the router's load tests: every agent logs in, then accepts each offer it sees
on the event stream after a 0-30 ms 'click'. In the test's process (``agents_answer``) or in a process of their
own, as desktops are (``python tests/agent_desktops.py SPEC.json``: logs everyone in, prints ``ready``, accepts
offers until SIGTERM, then prints its tally as JSON) — a test process that has run hundreds of tests before is
slower to answer, which would measure the test rather than the router."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import sys
from collections.abc import Callable
from pathlib import Path


async def agents_answer(http: str | list[str], tokens: dict[str, str], stop: asyncio.Event,
                        ready: Callable[[], None] | None = None) -> dict[str, int]:
    """Every agent logs in, then accepts each offer it sees on the event stream after a 0-30 ms 'click'. With
    several nodes (a list of HOST:PORT), agent k works through node k mod n; the stream is read from the first.
    ``ready`` is called once every agent is logged in and the stream is open."""
    import aiohttp
    import websockets

    nodes = [http] if isinstance(http, str) else http
    home = {agent: nodes[k % len(nodes)] for k, agent in enumerate(tokens)}
    tally = {"accepted": 0, "refused": 0, "unreachable": 0}
    # aiohttp, not httpx: at 300 accepts/s httpx took most of a core on this 2-core machine, the agents then
    # answered offers a second late and the test measured its own client instead of the router
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit_per_host=8)) as session:

        async def as_agent(agent: str, path: str, **kw) -> tuple[int, str]:
            async with session.post(f"http://{home[agent]}{path}",
                                    headers={"Authorization": f"Bearer {tokens[agent]}"}, **kw) as r:
                return r.status, await r.text()

        for agent in tokens:
            status, text = await as_agent(agent, f"/api/agents/{agent}/status", json={"status": "available"})
            assert status == 200, text

        async def accept(agent: str, call: str) -> None:
            await asyncio.sleep(random.uniform(0, 0.03))
            try:
                status, _ = await as_agent(agent, f"/api/agents/{agent}/accept/{call}")
            except aiohttp.ClientConnectionError:  # the agent's node is gone: the desktop reconnects to the next
                tally["unreachable"] += 1
                home[agent] = nodes[(nodes.index(home[agent]) + 1) % len(nodes)]
                status, _ = await as_agent(agent, f"/api/agents/{agent}/accept/{call}")
            tally["accepted" if status == 200 else "refused"] += 1

        pending: set[asyncio.Task] = set()
        async with websockets.connect(f"ws://{nodes[0]}/api/events?token=supervisor-token-0123456789",
                                      max_size=2**24) as socket_:
            if ready is not None:  # logged in and listening
                ready()
            while not stop.is_set():
                try:
                    batch = json.loads(await asyncio.wait_for(socket_.recv(), 0.5))
                except TimeoutError:
                    continue
                for event in batch:
                    if event["event"] == "offered":
                        task = asyncio.create_task(accept(event["detail"], event["id"]))
                        pending.add(task)
                        task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
    return tally




async def _main(spec: Path) -> None:
    setup = json.loads(spec.read_text())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    tally = await agents_answer(setup["nodes"], setup["tokens"], stop, ready=lambda: print("ready", flush=True))
    print(json.dumps(tally), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(Path(sys.argv[1])))
