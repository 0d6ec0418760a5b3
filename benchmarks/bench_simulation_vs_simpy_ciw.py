"""The simulator vs SimPy and Ciw, the same models side by side in one run: calls per second and results.

    pip install -e ".[bench]"          # simpy, ciw
    python benchmarks/bench_simulation_vs_simpy_ciw.py

Two models, each written once per simulator with the same rules:
* single queue: 400 agents, 400 Erlangs offered (AHT 180 s), exponential patience of 120 s (M/M/400+M);
* multi-skill: 3 queues (FR, ES, EN), 5 groups (FR, ES, EN, FR+ES, FR+ES+EN) with per-group priorities,
  longest-idle agent for an arriving call, highest priority then longest wait for a freed agent.
Every simulator runs on one core; calls/s counts arrivals processed per second of wall time. Compile times of
our engine (cold, then from numba's cache) are measured in fresh processes. Read the ratios, not the absolute
times: these machines are shared and noisy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import deque

import numpy as np

from casashore.queueing.staffing import queue_measures
from casashore.simulate.engine import ABANDONED, OFFERED, WITHIN_TARGET
from casashore.simulate.inputs import scenario_from_dict
from casashore.simulate.replications import ensure_compiled, run
from casashore.simulate.scenario import centre_from_scenario

AGENTS, AHT, PATIENCE, TARGET = 400, 180.0, 120.0, 20.0
RATE = AGENTS / AHT  # 400 Erlangs: heavy load
WARMUP = 1800.0

MULTI = {  # calls per hour; agents per group; priorities (1 first)
    "queues": [("fr", 3000.0, 240.0), ("es", 1500.0, 300.0), ("en", 1200.0, 200.0)],
    "groups": [("fr", {"fr": 1}, 160), ("es", {"es": 1}, 95), ("en", {"en": 1}, 45),
               ("fr_es", {"es": 1, "fr": 2}, 60), ("tri", {"en": 1, "fr": 2, "es": 2}, 40)],
}


# ----------------------------------------------------------------------------------------------- ours
def ours_single(calls_wanted: int):
    hours = 10.0
    scenario = scenario_from_dict({
        "interval_min": 60 * hours, "simulation": {"warmup_min": WARMUP / 60},
        "queues": [{"name": "q", "skill": "s", "calls": RATE * 3600 * hours, "aht_s": AHT, "patience_s": PATIENCE,
                    "target_s": TARGET}],
        "groups": [{"name": "g", "skills": {"s": 1}, "agents": AGENTS}]})
    reps = max(1, round(calls_wanted / (RATE * (3600 * hours + WARMUP))))
    return _ours(centre_from_scenario(scenario), reps)


def ours_multi(calls_wanted: int):
    hours = 10.0
    scenario = scenario_from_dict({
        "interval_min": 60 * hours, "simulation": {"warmup_min": WARMUP / 60},
        "queues": [{"name": n, "skill": n, "calls": c * hours, "aht_s": a, "patience_s": PATIENCE,
                    "target_s": TARGET} for n, c, a in MULTI["queues"]],
        "groups": [{"name": n, "skills": s, "agents": k} for n, s, k in MULTI["groups"]]})
    per_rep = sum(c for _, c, _ in MULTI["queues"]) * (hours + WARMUP / 3600)
    return _ours(centre_from_scenario(scenario), max(1, round(calls_wanted / per_rep)))


def _ours(centre, reps):
    ensure_compiled()
    started = time.perf_counter()
    batch = run(centre, reps, 1, workers=1)
    elapsed = time.perf_counter() - started
    calls = batch.calls.sum(axis=(0, 2))  # [Q, 7]
    sl = calls[:, WITHIN_TARGET] / calls[:, OFFERED]
    abandon = calls[:, ABANDONED] / calls[:, OFFERED]
    return int(batch.simulated.sum()), elapsed, sl, abandon


# ----------------------------------------------------------------------------------------------- SimPy
def simpy_single(calls_wanted: int):
    import simpy

    rng = np.random.default_rng(1)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    stats = {"offered": 0, "within": 0, "abandoned": 0, "arrived": 0}

    def caller(arrived):
        counted = arrived >= WARMUP
        with agents.request() as request:
            outcome = yield request | env.timeout(rng.exponential(PATIENCE))
            if request in outcome:
                if counted and env.now - arrived <= TARGET:
                    stats["within"] += 1
                yield env.timeout(rng.exponential(AHT))
            elif counted:
                stats["abandoned"] += 1

    def source():
        while stats["arrived"] < calls_wanted:
            yield env.timeout(rng.exponential(1 / RATE))
            stats["arrived"] += 1
            stats["offered"] += env.now >= WARMUP
            env.process(caller(env.now))

    env.process(source())
    started = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - started
    return stats["arrived"], elapsed, np.array([stats["within"] / stats["offered"]]), \
        np.array([stats["abandoned"] / stats["offered"]])


def simpy_multi(calls_wanted: int):
    """The multi-skill routing written for SimPy: the same rules as our engine, dispatching in Python."""
    import simpy

    rng = np.random.default_rng(1)
    env = simpy.Environment()
    queues = [n for n, _, _ in MULTI["queues"]]
    aht = {n: a for n, _, a in MULTI["queues"]}
    rate = {n: c / 3600 for n, c, _ in MULTI["queues"]}
    groups = MULTI["groups"]
    idle = [deque([0.0] * k) for _, _, k in groups]                   # idle-since times, longest idle first
    serving = {q: [g for g, (_, s, _) in enumerate(groups) if q in s] for q in queues}
    by_priority = [sorted(s, key=s.get) for _, s, _ in groups]
    waiting = {q: deque() for q in queues}                            # [arrival, answered-or-gone flag]
    stats = {q: {"offered": 0, "within": 0, "abandoned": 0} for q in queues}
    arrived_total = [0]

    def serve(g, q, call):
        call[1] = True
        if call[0] >= WARMUP and env.now - call[0] <= TARGET:
            stats[q]["within"] += 1
        env.process(handle(g, q))

    def handle(g, q):
        yield env.timeout(rng.exponential(aht[q]))
        for queue in by_priority[g]:  # same priority ties broken by order here; ours by age (none tie below)
            line = waiting[queue]
            while line and line[0][1]:
                line.popleft()
            if line:
                serve(g, queue, line.popleft())
                return
        idle[g].append(env.now)

    def patience(q, call):
        yield env.timeout(rng.exponential(PATIENCE))
        if not call[1]:
            call[1] = True
            if call[0] >= WARMUP:
                stats[q]["abandoned"] += 1

    def source(q):
        while arrived_total[0] < calls_wanted:
            yield env.timeout(rng.exponential(1 / rate[q]))
            arrived_total[0] += 1
            stats[q]["offered"] += env.now >= WARMUP
            call = [env.now, False]
            free = [g for g in serving[q] if idle[g]]
            if free:
                g = min(free, key=lambda g: idle[g][0])
                idle[g].popleft()
                serve(g, q, call)
            else:
                waiting[q].append(call)
                env.process(patience(q, call))

    for q in queues:
        env.process(source(q))
    started = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - started
    sl = np.array([stats[q]["within"] / stats[q]["offered"] for q in queues])
    ab = np.array([stats[q]["abandoned"] / stats[q]["offered"] for q in queues])
    return arrived_total[0], elapsed, sl, ab


# ----------------------------------------------------------------------------------------------- Ciw
def ciw_single(calls_wanted: int):
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT)],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PATIENCE)])
    ciw.seed(1)
    simulation = ciw.Simulation(network)
    started = time.perf_counter()
    simulation.simulate_until_max_time(WARMUP + calls_wanted / RATE)
    elapsed = time.perf_counter() - started
    records = [r for r in simulation.get_all_records() if r.arrival_date >= WARMUP]
    offered = len(records) + len(simulation.nodes[1].all_individuals)  # still waiting or in service at the end
    within = sum(r.record_type == "service" and r.waiting_time <= TARGET for r in records)
    abandoned = sum(r.record_type == "renege" for r in records)
    arrived = simulation.nodes[0].number_of_individuals
    return arrived, elapsed, np.array([within / offered]), np.array([abandoned / offered])


# ----------------------------------------------------------------------------------------------- run
def compile_seconds() -> tuple[float, float]:
    """Seconds to get the engine ready in a fresh process: cold (empty numba cache), then cached."""
    code = ("import time; t = time.perf_counter(); "
            "from casashore.simulate.replications import ensure_compiled; ensure_compiled(); "
            "print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
        warm = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
    return cold, warm


def line(name, result, reference_rate=None):
    calls, elapsed, sl, ab = result
    rate = calls / elapsed
    ratio = f"{reference_rate / rate:,.0f}x" if reference_rate else "—"
    print(f"| {name} | {calls:,} | {elapsed:.2f} | {rate:,.0f} | {ratio} | "
          f"{', '.join(f'{v:.4f}' for v in sl)} | {', '.join(f'{v:.4f}' for v in ab)} |")
    return rate


def main() -> None:
    exact = queue_measures(np.array([AGENTS], float), np.array([RATE * AHT]), np.array([AHT]), np.array([TARGET]),
                           np.array([PATIENCE]))
    cold, warm = compile_seconds()
    print(f"Engine compile: {cold:.1f} s cold, {warm:.2f} s from numba's cache (fresh processes).\n")
    print(f"Single queue M/M/{AGENTS}+M at {RATE * AHT:.0f} Erlangs: Erlang A gives SL "
          f"{exact['service_level'][0]:.4f}, P(abandon) {exact['p_abandon'][0]:.4f}.\n")
    print("| simulator | calls | seconds | calls/s | ours ÷ theirs | service level | P(abandon) |")
    print("|---|---:|---:|---:|---:|---|---|")
    ours = line("casashore (numba, 1 core)", ours_single(20_000_000))
    line("SimPy 4", simpy_single(300_000), ours)
    line("Ciw 3", ciw_single(60_000), ours)
    print("\nMulti-skill: 3 queues, 5 groups, priorities, patience 120 s.\n")
    print("| simulator | calls | seconds | calls/s | ours ÷ theirs | service level FR, ES, EN | P(abandon) |")
    print("|---|---:|---:|---:|---:|---|---|")
    ours = line("casashore (numba, 1 core)", ours_multi(20_000_000))
    line("SimPy 4", simpy_multi(300_000), ours)


if __name__ == "__main__":
    main()
