"""Capacity core vs pyworkforce 0.5.4, side by side in one run: speed ratios and accuracy.

pyworkforce 0.5.4 needs Python >= 3.12, so run this script from a 3.12 environment holding both:

    python3.12 -m venv /tmp/bench312
    /tmp/bench312/bin/pip install pyworkforce==0.5.4 mpmath -e .
    /tmp/bench312/bin/python benchmarks/bench_capacity_vs_pyworkforce.py

Without pyworkforce it still runs our side and compares Erlang A with an mpmath birth-death reference.
Timings are the best of several repeats; read the ratios, not the absolute times (shared, noisy machines).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from casashore.queueing import erlang_a, erlang_c_service_level, required_agents

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
import reference  # noqa: E402  (the mpmath references live with the tests)

try:
    from pyworkforce.queuing import ErlangA as PwfErlangA
    from pyworkforce.queuing import ErlangC as PwfErlangC
except ImportError:  # pragma: no cover - depends on the environment
    PwfErlangA = PwfErlangC = None


def best_time(fn, repeat: int = 5, number: int = 1) -> float:
    """Seconds per call, best of ``repeat`` batches of ``number`` calls."""
    fn()  # warm-up (compilation, caches)
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def example_week(seed: int = 1) -> np.ndarray:
    """672 quarter-hour loads (Erlangs) with closed nights: zero-volume intervals included."""
    rng = np.random.default_rng(seed)
    hour = (np.arange(672) % 96) / 4
    shape = np.exp(-0.5 * ((hour - 10.5) / 1.6) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 15) / 2) ** 2)
    open_ = (hour >= 7) & (hour < 22)
    return np.where(open_, rng.gamma(50, 1 / 50, 672) * 90 * shape, 0.0)


def mp_erlang_a_sl(agents, traffic, aht, patience, target) -> float:
    """Erlang A service level from the independent mpmath reference the tests use."""
    return float(reference.erlang_a_by_quadrature(agents, traffic, aht, patience, target)[2])


def main() -> None:
    print("casashore capacity core vs pyworkforce", "(not installed: mpmath only)" if PwfErlangC is None else "")
    rows = []

    # 1. One Erlang C service-level evaluation at 10,000 Erlangs.
    traffic, aht, target, agents = 10_000.0, 180.0, 20.0, 10_100
    ours = best_time(lambda: erlang_c_service_level(agents, traffic, aht, target), number=2000)
    if PwfErlangC is not None:
        pwf = PwfErlangC(transactions=traffic * 1800 / aht, aht=aht / 60, asa=target / 60, interval=30)
        theirs = best_time(lambda: pwf.service_level(agents), number=5)
        same = abs(pwf.service_level(agents) - erlang_c_service_level(agents, traffic, aht, target))
        rows.append(("Erlang C SL at 10,000 E", theirs, ours, f"|diff| {same:.1e}"))

    # 2. A week of 672 quarter-hours staffed for 80/20.
    week = example_week()
    ours = best_time(lambda: required_agents(week, 240.0, target_s=20.0, service_level=0.8), repeat=5)
    if PwfErlangC is not None:
        def pwf_week():
            out = []
            for a in week:
                if a == 0:  # pyworkforce rejects zero-volume intervals; count them as 0 agents
                    out.append(0)
                    continue
                out.append(PwfErlangC(transactions=a * 900 / 240, aht=4, asa=20 / 60, interval=15)
                           .required_positions(0.8)["raw_positions"])
            return out
        theirs = best_time(pwf_week, repeat=3)
        diff = np.sum(np.array(pwf_week()) != required_agents(week, 240.0, target_s=20.0, service_level=0.8))
        rows.append(("week of 672 intervals, 80/20", theirs, ours, f"{diff} intervals differ"))

    # 3. Erlang A at 1,000 Erlangs.
    traffic, aht, patience, target, agents = 1000.0, 180.0, 120.0, 20.0, 1000
    ours = best_time(lambda: erlang_a(agents, traffic, aht, patience, target), number=200)
    ref = mp_erlang_a_sl(agents, traffic, aht, patience, target)
    got = float(erlang_a(agents, traffic, aht, patience, target).service_level)
    if PwfErlangA is not None:
        pwf_a = PwfErlangA(transactions=traffic * 60 / 3, aht=3, asa=target / 60, interval=60, patience=2)
        theirs = best_time(lambda: pwf_a.service_level(agents), repeat=1)
        rows.append(("Erlang A SL at 1,000 E", theirs, ours,
                     f"ours-ref {got - ref:.1e}, theirs-ref {pwf_a.service_level(agents) - ref:.1e}"))
    else:
        rows.append(("Erlang A SL at 1,000 E (vs mpmath)", math.nan, ours, f"ours-ref {got - ref:.1e}"))

    print(f"{'case':<34}{'pyworkforce s':>15}{'casashore s':>14}{'ratio':>10}   accuracy")
    for name, theirs, ours_s, note in rows:
        print(f"{name:<34}{theirs:>15.3g}{ours_s:>14.3g}{theirs / ours_s:>9.0f}x   {note}")

    # 4. Where pyworkforce's Erlang A underflows: 2,500 E, AHT 3 min, patience 2 min, 60 s target.
    print("\nErlang A at 2,500 Erlangs, AHT 3 min, patience 2 min, 60 s target: service level")
    print(f"{'agents':>8}{'mpmath':>10}{'casashore':>11}{'pyworkforce':>13}")
    pwf_a = (PwfErlangA(transactions=2500 * 20, aht=3, asa=1, interval=60, patience=2)
             if PwfErlangA is not None else None)
    for agents in (2500, 2505):
        ref = mp_erlang_a_sl(agents, 2500.0, 180.0, 120.0, 60.0)
        got = float(erlang_a(agents, 2500.0, 180.0, 120.0, 60.0).service_level)
        theirs = pwf_a.service_level(agents) if pwf_a is not None else math.nan
        print(f"{agents:>8}{ref:>10.4f}{got:>11.4f}{theirs:>13.4f}")


if __name__ == "__main__":
    main()
