"""Routing decisions per second with the state in Redis: one router node against three (the issue-8 target: three
nodes route >= 2.2x the decisions per second of one).

    python benchmarks/bench_redis_nodes.py [--agents 1000] [--calls 30000] [--rtt-ms 0.2]

A redis-server is started (AOF everysec, as in production). One centre: 10 queues, 1,000 agents with 1-3 skills at
proficiency 1-3, relaxation after 20 s. Each node is a process that brings in its share of the calls (Poisson, in
its own virtual time at ~90 % load), accepts the offers its operations make after a 2-s ring, and hangs up after an
exponential handle time — every operation a Lua script on the shared server. A decision is one offer; the rate is
all nodes' offers over the wall time from the common start to the last node's end. Same total calls either way.

On one machine the nodes and redis-server share its cores: the ratio then says how many cores the machine has
more than how the design scales. Two more figures say that: redis-server's own CPU time per decision (the share
of one core Redis needs; the single-threaded server is the one part every node shares, so 1 / that share is how
many nodes' worth of decisions it can serve), and a run with ``--rtt-ms R`` where every request a node sends to
Redis first waits R ms without using the CPU (time.sleep) — a network round trip, as when each node runs on its
own host — so that nodes mostly wait for Redis instead of competing for the cores. Both are reported next to the
plain loopback run.
"""

from __future__ import annotations

import argparse
import heapq
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import redis

from casashore.route.state.core import RoutingQueue
from casashore.route.state.redis_router import RedisRouter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from redis_server import redis_server  # noqa: E402


class DistantConnection(redis.Connection):
    """A connection to a Redis on another host: every request first waits ``rtt_s`` (no CPU used)."""

    rtt_s = 0.0

    def send_packed_command(self, command, check_health=True):
        time.sleep(self.rtt_s)
        super().send_packed_command(command, check_health)


def node_loop(port: int, node: str, calls: int, rate: float, seed: int, start, results, rtt_s: float) -> None:
    DistantConnection.rtt_s = rtt_s
    pool = redis.ConnectionPool(connection_class=DistantConnection, port=port, decode_responses=True)
    router = RedisRouter(redis.Redis(connection_pool=pool), "bench", node=node)
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


def redis_cpu_s(client: redis.Redis) -> float:
    """redis-server's CPU time so far (user + system)."""
    fields = Path(f"/proc/{client.info('server')['process_id']}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(port: int, nodes: int, calls: int, agents: int, rtt_s: float) -> tuple[int, float, float]:
    """Decisions, wall seconds, and redis-server's CPU seconds over the run."""
    client = redis.Redis(port=port, decode_responses=True)
    setup = RedisRouter(client, "bench", node="setup")
    queues = {f"q{i}": RoutingQueue(f"q{i}", f"s{i}", relax_after_s=20.0, max_waiting=100_000) for i in range(10)}
    setup.configure(queues, offer_timeout_s=1e9, wrap_up_s=0.0, reset=True)
    rng = np.random.default_rng(1)
    for a in range(agents):
        skills = rng.choice(10, size=rng.integers(1, 4), replace=False)
        setup.add_agent(f"a{a}", {f"s{s}": int(rng.integers(1, 4)) for s in skills}, 0.0)
        setup.set_status(f"a{a}", "available", 0.0)
    rate = 0.9 * agents / 180.0 / nodes  # each node's share of the calls per (virtual) second
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=node_loop, args=(port, f"n{k}", calls // nodes, rate, k, start, results,
                                                       rtt_s)) for k in range(nodes)]
    for worker in workers:
        worker.start()
    time.sleep(2.0)  # every node imported and connected
    cpu_before = redis_cpu_s(client)
    began = time.perf_counter()
    start.set()
    outcomes = [results.get() for _ in workers]
    wall = time.perf_counter() - began
    cpu = redis_cpu_s(client) - cpu_before
    for worker in workers:
        worker.join()
    return sum(d for d, _ in outcomes), wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=30_000)
    parser.add_argument("--rtt-ms", type=float, default=0.2,
                        help="also run with this network round trip before each request to Redis (0: skip)")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory() as directory, redis_server(Path(directory)) as port:
        version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
        print(f"redis-server {version}, AOF everysec, {multiprocessing.cpu_count()} cores\n")
        print("| network | nodes | decisions | wall s | decisions/s | vs 1 node | Redis CPU µs/decision | "
              "Redis core share | nodes' worth Redis can serve |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for rtt_ms in (0.0, args.rtt_ms) if args.rtt_ms > 0 else (0.0,):
            network = "loopback" if rtt_ms == 0 else f"+ {rtt_ms} ms round trip"
            base = None
            for nodes in (1, 3):
                decisions, wall, cpu = run(port, nodes, args.calls, args.agents, rtt_ms / 1000)
                rate = decisions / wall
                base = base or rate
                share = cpu / wall
                print(f"| {network} | {nodes} | {decisions:,} | {wall:.1f} | {rate:,.0f} | {rate / base:.2f}× | "
                      f"{cpu / decisions * 1e6:.0f} | {share:.0%} | {nodes / share:.1f} |")


if __name__ == "__main__":
    main()
