"""Several independent scenarios simulated as one set of batches (the plan's blocks of skills): each scenario's
replications cut into chunks, every chunk of every scenario one batch for casashore/workers.py (this process,
local processes or a Dask cluster), and each scenario's chunks merged back in order and summarised; in waves of
at most WAVE_CELLS raw counts, so that a month of hundreds of queues never holds all its raw counts at once.

Replication r of a scenario always runs on stream r of its seed (simulate/replications.py), so each scenario's
measures are those of ``simulate_scenario`` run alone in this process: not a figure depends on the chunks, the
other scenarios beside it, or where a chunk ran."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from casashore.simulate.centre import Centre
from casashore.simulate.inputs import Scenario
from casashore.simulate.replications import (
    Batch,
    ensure_compiled,
    expected_calls,
    merge,
    replication_streams,
    run_batch,
)
from casashore.simulate.results import SimulatedCentre
from casashore.simulate.scenario import checked_centre, summarise
from casashore.workers import LOCAL, Execution

TASK_CALLS = 500_000
"""Calls simulated per batch at most (about a second of the engine): enough work per task that sending it costs
little, few enough that one large block of skills still spreads over several workers."""
PRELOAD = ["casashore.simulate.many"]
"""What each local worker has imported before its first batch: the engine (loaded from numba's cache)."""


@dataclass(frozen=True)
class Chunk:
    """Some consecutive replications of one centre."""

    centre: Centre
    streams: tuple[np.random.SeedSequence, ...]


def run_chunk(chunk: Chunk) -> Batch:
    return run_batch(chunk.centre, chunk.streams)


def chunk_size(centre: Centre, replications: int) -> int:
    """Replications per chunk: as many as TASK_CALLS allows (warm-up included), at least one."""
    per_replication = expected_calls(centre, 1) * (1 + centre.warmup_s / (centre.interval_s * centre.intervals))
    return max(1, min(replications, int(TASK_CALLS // max(per_replication, 1.0))))


def simulate_scenarios(scenarios: Sequence[Scenario], execution: Execution = LOCAL,
                       progress: Callable[[int], None] | None = None) -> list[SimulatedCentre]:
    """Each scenario's measures (``summarise``), its replications and seed its own; the chunks run where
    ``execution`` says (default: this process), ``progress`` hearing of the replications done. Every scenario's
    limits are checked before any replication runs."""
    centres = [checked_centre(s, s.simulation.replications) for s in scenarios]
    if execution.scheduler is None:
        ensure_compiled()  # here, and into numba's on-disk cache, which local workers then load
    results: list[SimulatedCentre] = []
    for wave in _waves(scenarios, centres):
        results += _simulated([scenarios[i] for i in wave], [centres[i] for i in wave], execution, progress)
    return results


WAVE_CELLS = 2_000_000
"""Raw counts held at once, at most: replications x (queues + groups) x intervals, each cell 3-7 numbers. The
scenarios run in waves of at most this many cells (one scenario larger than this is a wave of its own), each wave's
batches summarised and dropped before the next: a month of 300 queues' raw counts at once was ~1 GB."""


def _waves(scenarios: Sequence[Scenario], centres: Sequence[Centre]) -> list[list[int]]:
    waves: list[list[int]] = [[]]
    held = 0
    for index, (scenario, centre) in enumerate(zip(scenarios, centres, strict=True)):
        cells = scenario.simulation.replications * (len(centre.agents) + len(scenario.queues)) * centre.intervals
        if waves[-1] and held + cells > WAVE_CELLS:
            waves.append([])
            held = 0
        waves[-1].append(index)
        held += cells
    return [wave for wave in waves if wave]


def _simulated(scenarios: Sequence[Scenario], centres: Sequence[Centre], execution: Execution,
               progress: Callable[[int], None] | None) -> list[SimulatedCentre]:
    chunks: list[Chunk] = []
    owners: list[int] = []
    for index, (scenario, centre) in enumerate(zip(scenarios, centres, strict=True)):
        streams = replication_streams(scenario.simulation.seed, scenario.simulation.replications)
        size = chunk_size(centre, len(streams))
        for start in range(0, len(streams), size):
            chunks.append(Chunk(centre, tuple(streams[start:start + size])))
            owners.append(index)
    done = execution.run(run_chunk, chunks, preload=PRELOAD, progress=progress,
                         sizes=[len(chunk.streams) for chunk in chunks])
    out = []
    for index, scenario in enumerate(scenarios):
        mine = [i for i, owner in enumerate(owners) if owner == index]
        out.append(summarise(scenario, merge([done[i] for i in mine])))
        for i in mine:
            done[i] = None  # this scenario's raw counts: summarised, dropped
    return out
