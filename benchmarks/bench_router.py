"""Routing decisions per second in-process: 1,000 agents, 10 queues (the issue-7 target: >= 20,000/s on one core
with p99 < 2 ms).

    python benchmarks/bench_router.py [--agents 1000] [--queues 10] [--calls 200000]

Agents have 1 to 3 of the 10 skills at proficiency 1-3; every queue relaxes proficiency after 20 s. A loop at
~95 % load: calls arrive (Poisson, per queue), are offered, accepted after a short ring, held for an exponential
handle time, then hung up and wrapped up; 2 % of offers are rejected. A *decision* is one call offered to one
agent; the time of each router call that makes decisions (arrive, hang_up, tick, reject) is measured and divided
among them. No peer: Asterisk's app_queue and FreeSWITCH's mod_callcenter do not run in-process from Python.
"""

from __future__ import annotations

import argparse
import heapq
import time

import numpy as np

from casashore.route.state.core import Router, RoutingQueue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=10)
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    queues = {f"q{i}": RoutingQueue(f"q{i}", f"s{i}", relax_after_s=20.0, max_waiting=10_000)
              for i in range(args.queues)}
    router = Router(queues, offer_timeout_s=15.0, wrap_up_s=5.0)
    for a in range(args.agents):
        skills = rng.choice(args.queues, size=rng.integers(1, 4), replace=False)
        router.add_agent(f"a{a}", {f"s{s}": int(rng.integers(1, 4)) for s in skills}, 0.0)
        router.set_status(f"a{a}", "available", 0.0)
    aht_s = 180.0
    rate = 0.95 * args.agents / aht_s  # calls per second, all queues
    events: list[tuple[float, int, str, str]] = []
    now, seq = 0.0, 0
    timings: list[float] = []
    decisions = 0

    def timed(fn, *a):
        """Run one router call; its offers count as decisions, and each offered agent's ring is scheduled."""
        nonlocal decisions, seq
        before = len(router.events)
        started = time.perf_counter()
        fn(*a)
        elapsed = time.perf_counter() - started
        offers = [e for e in router.events[before:] if e[1] == "offered"]
        for at, _, _, agent_id in offers:
            seq += 1
            heapq.heappush(events, (at + 2.0, seq, "ring_end", agent_id))
        if offers:
            decisions += len(offers)
            timings.extend([elapsed / len(offers)] * len(offers))

    for n in range(args.calls):
        now += rng.exponential(1 / rate)
        while events and events[0][0] <= now:
            at, _, kind, subject = heapq.heappop(events)
            if kind == "ring_end":
                agent = router.agents[subject]
                if agent.state == "offered" and at - router.calls[agent.call_id].offered_at >= 2.0:
                    if rng.random() < 0.02:
                        timed(router.reject, subject, agent.call_id, at)
                    else:
                        call_id = agent.call_id
                        router.accept(subject, call_id, at)
                        seq += 1
                        heapq.heappush(events, (at + rng.exponential(aht_s), seq, "hang_up", call_id))
            elif kind == "hang_up":
                timed(router.hang_up, subject, at)
            elif kind == "tick":
                timed(router.tick, at)
        timed(router.arrive, f"c{n}", f"q{rng.integers(args.queues)}", now)
        if n % 50 == 0:  # wrap-ups end and offers time out on the router's clock
            seq += 1
            heapq.heappush(events, (now, seq, "tick", ""))
    ms = np.array(timings) * 1000
    total_s = float(np.sum(timings))
    print("| agents | queues | calls | decisions | decisions/s (router time) | p50 ms | p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.agents:,} | {args.queues} | {args.calls:,} | {decisions:,} | {decisions / total_s:,.0f} | "
          f"{np.percentile(ms, 50):.3f} | {np.percentile(ms, 99):.3f} |")


if __name__ == "__main__":
    main()
