"""Routing decisions per second with the state in Redis: one router node against three (the issue-8 target: three
nodes route >= 2.2x the decisions per second of one).

    python benchmarks/bench_redis_nodes.py [--agents 1000] [--queues 10] [--calls 20000]

A redis-server is started (AOF everysec, as in production). One centre: 10 queues, 1,000 agents with 1-3 skills at
proficiency 1-3, relaxation after 20 s. Each node is a process that brings in its share of the calls (Poisson, in
its own virtual time at ~90 % load), accepts the offers its operations make after a 2-s ring, and hangs up after an
exponential handle time — every operation a Lua script on the shared server. A decision is one offer; the rate is
all nodes' offers over the wall time from the common start to the last node's end. Same total calls either way.
"""

from __future__ import annotations

import argparse
import heapq
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import redis

from casashore.route.core import Queue
from casashore.route.redis_router import RedisRouter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from redis_server import redis_server  # noqa: E402


def node_loop(port: int, node: str, calls: int, rate: float, seed: int, start, results) -> None:
    router = RedisRouter(redis.Redis(port=port, decode_responses=True), "bench", node=node)
    rng = np.random.default_rng(seed)
    queues = [f"q{i}" for i in range(10)]
    events: list[tuple[float, int, str, str]] = []
    now, seq, decisions = 0.0, 0, 0

    def schedule(offers, at):
        nonlocal seq, decisions
        decisions += len(offers)
        for call, agent in offers:
            seq += 1
            heapq.heappush(events, (at + 2.0, seq, "accept", f"{agent} {call}"))

    start.wait()
    began = time.perf_counter()
    for n in range(calls):
        now += rng.exponential(1 / rate)
        while events and events[0][0] <= now:
            at, _, kind, subject = heapq.heappop(events)
            if kind == "accept":
                agent, call = subject.split(" ")
                if router.accept(agent, call, at):
                    seq += 1
                    heapq.heappush(events, (at + rng.exponential(180.0), seq, "end", call))
            else:
                router.hang_up(subject, at)
                router.tick(at)  # the agent's wrap-up (0 s) ends: it takes the next call
                schedule(router.last_offers, at)
        router.arrive(f"{node}-c{n}", queues[int(rng.integers(len(queues)))], now)
        schedule(router.last_offers, now)
    results.put((decisions, time.perf_counter() - began))


def run(port: int, nodes: int, calls: int, agents: int) -> tuple[int, float]:
    client = redis.Redis(port=port, decode_responses=True)
    setup = RedisRouter(client, "bench", node="setup")
    setup.configure({f"q{i}": Queue(f"q{i}", f"s{i}", relax_after_s=20.0, max_waiting=100_000) for i in range(10)},
                    offer_timeout_s=1e9, wrap_up_s=0.0, reset=True)
    rng = np.random.default_rng(1)
    for a in range(agents):
        skills = rng.choice(10, size=rng.integers(1, 4), replace=False)
        setup.add_agent(f"a{a}", {f"s{s}": int(rng.integers(1, 4)) for s in skills}, 0.0)
        setup.set_status(f"a{a}", "available", 0.0)
    rate = 0.9 * agents / 180.0 / nodes  # each node's share of the calls per (virtual) second
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=node_loop, args=(port, f"n{k}", calls // nodes, rate, k, start, results))
               for k in range(nodes)]
    for worker in workers:
        worker.start()
    time.sleep(2.0)  # every node imported and connected
    began = time.perf_counter()
    start.set()
    outcomes = [results.get() for _ in workers]
    wall = time.perf_counter() - began
    for worker in workers:
        worker.join()
    return sum(d for d, _ in outcomes), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=30_000)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory() as directory, redis_server(Path(directory)) as port:
        version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
        print(f"redis-server {version}, AOF everysec, {multiprocessing.cpu_count()} cores\n")
        print("| nodes | calls | decisions | wall s | decisions/s | vs 1 node |")
        print("|---:|---:|---:|---:|---:|---:|")
        base = None
        for nodes in (1, 3):
            decisions, wall = run(port, nodes, args.calls, args.agents)
            rate = decisions / wall
            base = base or rate
            print(f"| {nodes} | {args.calls:,} | {decisions:,} | {wall:.1f} | {rate:,.0f} | {rate / base:.2f}× |")


if __name__ == "__main__":
    main()
