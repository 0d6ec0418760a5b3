"""Voice vs the blended engine, timed alternately: CPU seconds of the engine alone, one core.

    python benchmarks/bench_blend_alternate.py [rounds] [agents,...]

The cases of bench_channels.py (20 replications of 8 one-hour intervals; voice at 95 % load through the voice
engine; the blend with voice at 70 % of the agents, chat k = 3, c = 0.3 and email making up 95 %; voice alone
through the blend), each timed ``rounds`` times (default 5) in turn, so that a busy machine's noise falls on all
of them alike; contacts per second of process CPU time (not wall), then medians and bests and their ratios.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from casashore.simulate.blend_engine import blend_centre, run_blend_replication
from casashore.simulate.centre import single_queue_centre
from casashore.simulate.engine import run_replication
from casashore.simulate.replications import replication_streams

AHT, HOUR, INTERVALS, REPLICATIONS = 180.0, 3600.0, 8, 20


def voice(agents: int):
    return single_queue_centre(0.95 * agents * HOUR / AHT, HOUR, AHT, agents, intervals=INTERVALS)


def blend(agents: int, mixed: bool):
    load = 0.7 if mixed else 0.95
    chat_per_hour = 0.15 * agents * 3 / (AHT * 1.6) * HOUR if mixed else 0.0
    email_per_hour = 0.1 * agents * HOUR / AHT if mixed else 0.0
    centre = blend_centre(load * agents * HOUR / AHT, AHT, email_per_hour, AHT, agents, HOUR, 4 * HOUR,
                          warmup_s=HOUR, sessions=chat_per_hour, chat_aht_s=AHT, max_sessions=3, concurrency=0.3)
    return centre._replace(rate_per_s=centre.rate_per_s.repeat(INTERVALS),
                           chat_rate_per_s=centre.chat_rate_per_s.repeat(INTERVALS),
                           email_rate_per_s=centre.email_rate_per_s.repeat(INTERVALS),
                           agents=centre.agents.repeat(INTERVALS))


def contacts_per_cpu_second(engine, centre) -> float:
    simulated = 0
    started = time.process_time()
    for stream in replication_streams(1, REPLICATIONS):
        simulated += engine(centre, np.random.Generator(np.random.PCG64(stream)), False)[2]
    return simulated / (time.process_time() - started)


def alternating_rates(cases: dict, rounds: int) -> dict[str, list[float]]:
    """Each case's contacts per CPU second, ``rounds`` times, the cases taken in turn within each round (so a change
    of the machine's load falls on all of them alike); every engine compiled (or loaded from numba's cache) first."""
    for engine, centre in cases.values():
        engine(centre, np.random.default_rng(0), False)
    rates: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (engine, centre) in cases.items():
            rates[name].append(contacts_per_cpu_second(engine, centre))
    return rates


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    sizes = [int(n) for n in sys.argv[2].split(",")] if len(sys.argv) > 2 else [100, 400]
    for agents in sizes:
        cases = {"voice": (run_replication, voice(agents)), "blend mixed": (run_blend_replication, blend(agents, True)),
                 "blend voice alone": (run_blend_replication, blend(agents, False))}
        rates = alternating_rates(cases, rounds)
        base = rates["voice"]
        for name, r in rates.items():
            each = " ".join(f"{x / 1e6:.2f}" for x in r)
            print(f"{agents:>4} {name:<18} M/s {each}  median {statistics.median(r) / 1e6:.2f}"
                  f" best {max(r) / 1e6:.2f}  voice/case median {statistics.median(base) / statistics.median(r):.2f}"
                  f" best {max(base) / max(r):.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
