"""Replications: independent random streams, run in this process, in local processes, or on a Dask cluster.

Replication r of a run with seed s always uses the stream ``SeedSequence(s).spawn(R)[r]``, so the results depend
on the seed alone, never on where or in which batches the replications ran.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

import numpy as np

from casashore.simulate.centre import Centre, single_queue_centre
from casashore.simulate.engine import run_replication
from casashore.workers import dask_client, process_context

DASK_BATCH = 100
"""Replications per Dask task: enough work per task that scheduling costs little."""
LOCAL_WORK_THRESHOLD = 2_000_000
"""Expected calls under which a run stays in this process (starting processes costs more than it saves)."""


class Batch(NamedTuple):
    """Raw counts of R replications (see ``engine.CALL_STATS`` and ``engine.AGENT_STATS``)."""

    calls: np.ndarray
    """[R, Q, I, 7]"""
    agent_time: np.ndarray
    """[R, G, I, 3]"""
    simulated: np.ndarray
    """[R] calls simulated, warm-up included"""
    engine_s: float
    """seconds spent in the compiled engine, summed over workers"""
    trace: list[tuple[np.ndarray, np.ndarray]] | None = None
    """per replication, the engine's per-call trace (floats, integers) when asked for"""


def replication_streams(seed: int, replications: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(replications)


@functools.cache
def ensure_compiled() -> None:
    """Compile (or load from numba's cache) the engine once per process, so that timings exclude it."""
    run_replication(single_queue_centre(1.0, 60.0, 30.0, 1, patience_s=60.0), np.random.default_rng(0), False)


def engine_for(centre) -> Callable:
    """The engine that simulates ``centre``: the voice engine for a Centre, else the one its class names as
    ``replicate`` (simulate/chat_engine.py's ChatCentre, simulate/email_engine.py's EmailCentre), compiled here
    first on the same centre without arrivals, so that timings exclude the compilation."""
    replicate = getattr(type(centre), "replicate", None)
    if replicate is None:
        ensure_compiled()
        return run_replication
    if type(centre) not in _warm:
        replicate(centre._replace(rate_per_s=np.zeros_like(centre.rate_per_s)), np.random.default_rng(0), False)
        _warm.add(type(centre))
    return replicate


_warm: set[type] = set()


def run_batch(centre: Centre, streams: Sequence[np.random.SeedSequence], trace: bool = False) -> Batch:
    """Run the replications of ``streams`` one after the other in this process."""
    replicate = engine_for(centre)
    calls, agent_time, simulated, traces = [], [], [], []
    started = time.perf_counter()
    for stream in streams:
        c, a, n, trace_f, trace_i = replicate(centre, np.random.Generator(np.random.PCG64(stream)), bool(trace))
        calls.append(c)
        agent_time.append(a)
        simulated.append(n)
        traces.append((trace_f, trace_i))
    return Batch(np.stack(calls), np.stack(agent_time), np.array(simulated, np.int64), time.perf_counter() - started,
                 traces if trace else None)


def merge(batches: Sequence[Batch]) -> Batch:
    traces = None if batches[0].trace is None else [t for b in batches for t in b.trace]
    return Batch(np.concatenate([b.calls for b in batches]), np.concatenate([b.agent_time for b in batches]),
                 np.concatenate([b.simulated for b in batches]), sum(b.engine_s for b in batches), traces)


def expected_calls(centre: Centre, replications: int) -> float:
    return replications * float(centre.rate_per_s.sum() * centre.interval_s)


def run(centre: Centre, replications: int, seed: int, *, workers: int | None = None, scheduler: str | None = None,
        progress: Callable[[int], None] | None = None, trace: bool = False) -> Batch:
    """Run ``replications`` of ``centre`` from ``seed``.

    ``scheduler`` (a dask.distributed address) sends batches of DASK_BATCH replications to a cluster. Otherwise
    ``workers`` local processes share the work (default: every core when the run is long enough to pay for them,
    else this process). ``progress`` is called with the number of replications just finished. ``trace`` keeps
    every counted call's record (see ``engine.run_replication``).
    """
    streams = replication_streams(seed, replications)
    engine_for(centre)  # compiles it here, which also fills numba's on-disk cache that worker processes load
    if scheduler is not None:
        return _run_on_dask(centre, streams, scheduler, progress, trace)
    if workers is None:
        long_run = expected_calls(centre, replications) >= LOCAL_WORK_THRESHOLD
        workers = (os.cpu_count() or 1) if long_run else 1
    workers = max(1, min(workers, replications))
    chunks = _chunks(streams, max(1, min(DASK_BATCH, -(-replications // (workers * 4)))))
    if workers == 1:
        return _gather(chunks, (lambda chunk=chunk: run_batch(centre, chunk, trace) for chunk in chunks), progress)
    with ProcessPoolExecutor(workers, mp_context=_process_context()) as pool:
        futures = [pool.submit(run_batch, centre, chunk, trace) for chunk in chunks]
        return _gather(chunks, (future.result for future in futures), progress)


def _gather(chunks: Sequence[Sequence], results: Iterable[Callable[[], Batch]],
            progress: Callable[[int], None] | None) -> Batch:
    """Wait for each chunk's batch in order (in-process, local pool or Dask alike), reporting progress."""
    done = []
    for chunk, result in zip(chunks, results, strict=True):
        done.append(result())
        if progress:
            progress(len(chunk))
    return merge(done)


def _process_context():
    """Workers from a fork server preloaded with the engine (see casashore.workers.process_context)."""
    return process_context(["casashore.simulate.replications"])


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _run_on_dask(centre: Centre, streams: Sequence[np.random.SeedSequence], address: str,
                 progress: Callable[[int], None] | None, trace: bool) -> Batch:
    chunks = _chunks(streams, DASK_BATCH)
    with dask_client(address) as client:
        shared = client.scatter(centre, broadcast=True)
        futures = [client.submit(run_batch, shared, chunk, trace, pure=False) for chunk in chunks]
        return _gather(chunks, (future.result for future in futures), progress)
