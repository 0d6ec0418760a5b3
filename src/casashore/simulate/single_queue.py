"""The single-queue mode: one queue, one fully flexible pool of agents, constant demand over the intervals.

This is the case the Erlang formulas describe, so the result is reported next to the capacity core's Erlang A
(or Erlang C without patience) whenever handle times and patience are exponential.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from casashore.domain.units import duration_s, json_number, number, whole
from casashore.errors import MISSING, UserError
from casashore.queueing.staffing import queue_measures
from casashore.simulate.centre import Centre, single_queue_centre
from casashore.simulate.distributions import EXPONENTIAL, GAMMA, LOGNORMAL
from casashore.simulate.estimates import call_measures, occupancy
from casashore.simulate.inputs import MAX_INTERVALS, MAX_REPLICATIONS
from casashore.simulate.replications import Batch, run
from casashore.simulate.results import CallMeasures, ErlangReference, SingleQueueRun, calls_per_second

PARAMETRIC = {"exponential": EXPONENTIAL, "lognormal": LOGNORMAL, "gamma": GAMMA}
MAX_CALLS = 1e10
"""Calls one command may simulate (about an hour of one core): beyond, a typo rather than a plan."""
MAX_AGENTS = 100_000_000


def single_queue_case(raw: dict[str, str]) -> dict:
    """Validate the single-queue options (strings as typed) into numbers; UserError names the option."""
    for needed in ("calls", "aht", "agents"):
        if needed not in raw:
            raise UserError(needed, MISSING, f"--{needed}: single-queue mode needs --calls, --aht and --agents "
                                          "(or give a scenario file)")
    case = {
        "calls": number("calls", raw["calls"]),
        "interval_s": duration_s("interval", raw.get("interval", "15m")),
        "aht_s": duration_s("aht", raw["aht"]),
        "agents": whole("agents", raw["agents"]),
        "patience_s": duration_s("patience", raw.get("patience", "none"), allow_inf=True),
        "target_s": duration_s("target", raw.get("target", "20"), allow_zero=True),
        "intervals": whole("intervals", raw.get("intervals", "1"), low=1),
        "replications": whole("replications", raw.get("replications", "100"), low=1),
        "seed": whole("seed", raw.get("seed", "0")),
        "handle_cv": number("handle_cv", raw.get("handle_cv", "1"), low=0, low_open=True),
        "patience_cv": number("patience_cv", raw.get("patience_cv", "1"), low=0, low_open=True),
    }
    case["warmup_s"] = duration_s("warmup", raw["warmup"], allow_zero=True) if "warmup" in raw else None
    for key, most in (("intervals", MAX_INTERVALS), ("replications", MAX_REPLICATIONS)):
        if case[key] > most:
            raise UserError(key, raw[key], f"a whole number from 1 to {most:,}")
    if case["agents"] > MAX_AGENTS:
        raise UserError("agents", raw["agents"], f"at most {MAX_AGENTS:,} agents")
    warmup_intervals = 1.0 if case["warmup_s"] is None else case["warmup_s"] / case["interval_s"]
    work = case["calls"] * (case["intervals"] + warmup_intervals) * case["replications"]
    if work > MAX_CALLS:
        raise UserError("calls", raw["calls"], f"a run of at most {MAX_CALLS:.0e} calls in all (this one: {work:.2e}; "
                                               "fewer --replications or --intervals)")
    for law in ("handle", "patience_law"):
        name = raw.get(law, "exponential")
        if name not in PARAMETRIC:
            raise UserError(law, name, "one of " + ", ".join(PARAMETRIC))
        case[law] = name
    return case


def centre_for_case(case: dict) -> Centre:
    return single_queue_centre(
        case["calls"], case["interval_s"], case["aht_s"], case["agents"], patience_s=case["patience_s"],
        target_s=case["target_s"], intervals=case["intervals"], warmup_s=case["warmup_s"],
        handle_kind=PARAMETRIC[case["handle"]], handle_cv=case["handle_cv"],
        patience_kind=PARAMETRIC[case["patience_law"]], patience_cv=case["patience_cv"])


def is_markovian(case: dict) -> bool:
    """Whether the Erlang formulas describe this case exactly (exponential handle times and patience)."""
    return case["handle"] == "exponential" and (math.isinf(case["patience_s"])
                                                 or case["patience_law"] == "exponential")


def simulate_single_queue(centre: Centre, replications: int, seed: int, *, workers: int | None = None,
                          scheduler: str | None = None, progress: Callable[[int], None] | None = None,
                          trace: bool = False) -> tuple[Batch, SingleQueueRun]:
    """Simulate and summarise over every counted interval: the raw batch, and each measure with its 95 %
    half-width."""
    batch = run(centre, replications, seed, workers=workers, scheduler=scheduler, progress=progress, trace=trace)
    totals = batch.calls.sum(axis=2)[:, 0]  # [R, 7]: one queue, intervals pooled
    occ = occupancy(batch.agent_time.sum(axis=2)[:, 0])
    return batch, SingleQueueRun(
        measures=CallMeasures.at(call_measures(totals)), occupancy=json_number(occ.mean),
        occupancy_ci95=json_number(occ.half_width), calls_offered=int(totals[:, 0].sum()),
        calls_simulated=int(batch.simulated.sum()), replications=replications, engine_s=batch.engine_s,
        calls_per_second=calls_per_second(batch.simulated, batch.engine_s))


def formula_reference(calls: float, interval_s: float, aht_s: float, agents: int, patience_s: float,
                      target_s: float) -> ErlangReference:
    """The capacity core's Erlang A (or C) for the same queue, to read next to the simulation."""
    m = queue_measures(np.array([agents], float), np.array([calls * aht_s / interval_s]), np.array([aht_s]),
                       np.array([target_s]), np.array([patience_s]))
    return ErlangReference(model="erlang_c" if math.isinf(patience_s) else "erlang_a",
                           p_wait=json_number(m["p_wait"][0]), p_abandon=json_number(m["p_abandon"][0]),
                           service_level=json_number(m["service_level"][0]), asa=json_number(m["asa_s"][0]),
                           occupancy=json_number(m["occupancy"][0]))
