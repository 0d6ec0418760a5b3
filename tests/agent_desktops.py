"""Simulated agents' desktops for the router's load tests: every agent logs in, then accepts each offer it sees
on the event stream after a 0-30 ms 'click'. In the test's process (``agents_answer``) or in a process of their
own, as desktops are (``python tests/agent_desktops.py SPEC.json``: logs everyone in, prints ``ready``, accepts
offers until SIGTERM, then prints its tally as JSON; SIGUSR1 holds the offers unanswered, SIGUSR2 answers the
held ones and goes on) — a test process that has run hundreds of tests before is slower to answer, which would
measure the test rather than the router."""

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
                        ready: Callable[[], None] | None = None,
                        hold: asyncio.Event | None = None) -> dict[str, int]:
    """Every agent logs in, then accepts each offer it sees on the event stream after a 0-30 ms 'click'. With
    several nodes (a list of HOST:PORT), agent k works through node k mod n; the stream is read from the first.
    ``ready`` is called once every agent is logged in and the stream is open. While ``hold`` is set, offers are
    kept unanswered (a test uses it to have calls in flight when it kills a node); once cleared, they are
    answered. When ``stop`` is set, the accepts under way finish before the tally is returned."""
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
        held: list[tuple[str, str]] = []

        def answer(agent: str, call: str) -> None:
            task = asyncio.create_task(accept(agent, call))
            pending.add(task)
            task.add_done_callback(pending.discard)

        async with websockets.connect(f"ws://{nodes[0]}/api/events?token=supervisor-token-0123456789",
                                      max_size=2**24) as socket_:
            if ready is not None:  # logged in and listening
                ready()
            while not stop.is_set():
                if held and not (hold and hold.is_set()):
                    for agent, call in held:
                        answer(agent, call)
                    held.clear()
                try:  # a bounded wait only so that stop and hold are looked at: no outcome depends on it
                    batch = json.loads(await asyncio.wait_for(socket_.recv(), 0.1))
                except TimeoutError:
                    continue
                for event in batch:
                    if event["event"] == "offered":
                        if hold is not None and hold.is_set():
                            held.append((event["detail"], event["id"]))
                        else:
                            answer(event["detail"], event["id"])
        await asyncio.gather(*pending)
    return tally


async def _main(spec: Path) -> None:
    setup = json.loads(spec.read_text())
    stop, hold = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, hold.set)
    loop.add_signal_handler(signal.SIGUSR2, hold.clear)
    tally = await agents_answer(setup["nodes"], setup["tokens"], stop, ready=lambda: print("ready", flush=True),
                                hold=hold)
    print(json.dumps(tally), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(Path(sys.argv[1])))
