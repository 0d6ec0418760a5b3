"""Where independent batches of work run: in this process, in local worker processes, or on a Dask cluster.

The simulator's replications, the forecasts and backtests of many queues and the plan's blocks of skills alike
(and, within one plan, on one pool or client: ``shared_workers``): the caller cuts the work into batches whose
results do not depend on where, in which order or beside which others they run; this module runs them and hands
the results back in the batches' order. At the package's top, beside errors.py, because two packages of the
working layer (simulate/, forecast/) share it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import multiprocessing
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from casashore.errors import UserError

SCHEDULER_EXPECTED = "a dask.distributed scheduler address such as tcp://127.0.0.1:8786"


@dataclass(frozen=True)
class Execution:
    """Where a run's independent batches go: the Dask cluster at ``scheduler``, else ``workers`` local processes
    (None: each step's own default). A choice made at run time, never an input of a result: the batches give the
    same figures wherever they run, so no stored result is keyed by it (a plan made on a cluster and one made
    here read each other's steps back)."""

    workers: int | None = None
    scheduler: str | None = None

    def run(self, function: Callable[[Any], Any], batches: Sequence[Any], *, default_workers: int = 1,
            **options: Any) -> list:
        """``run_batches`` here: ``default_workers`` local processes when no count was chosen."""
        workers = default_workers if self.workers is None else self.workers
        return run_batches(function, batches, workers=workers, scheduler=self.scheduler, **options)


LOCAL = Execution()
"""Every step's default: this process, or local workers where a step's work is large enough to pay for them."""


def process_context(preload: Sequence[str]):
    """Workers from a fork server that has imported ``preload`` once (each worker then starts with those modules
    loaded), not forked from this process: forking a process that runs other threads (a Dask client, a web
    server) can deadlock the child on a lock held by a thread."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def check_scheduler(address: str) -> None:
    """Fail at once when nothing listens at a tcp:// address, instead of after Dask's retries."""
    try:
        parsed = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = parsed.hostname, parsed.port
    except ValueError:
        raise UserError("scheduler", address, SCHEDULER_EXPECTED) from None
    if parsed.scheme != "tcp":
        return  # tls://, ucx://, inproc://: Dask knows how to reach those
    if not host or not port:
        raise UserError("scheduler", address, SCHEDULER_EXPECTED)
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise UserError("scheduler", address, f"a reachable scheduler ({exc.strerror or exc})") from None


@contextlib.contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A dask.distributed Client of the scheduler at ``address``; an unreachable one is a UserError."""
    from dask.distributed import Client  # imported here: a local run should not pay for loading Dask

    check_scheduler(address)
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UserError("scheduler", address, f"a reachable dask.distributed scheduler ({exc})") from None
    with client:
        yield client


_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("casashore_shared_workers", default=None)


@contextlib.contextmanager
def shared_workers() -> Iterator[None]:
    """Within it, ``run_batches`` keeps the local pool (per worker count) and the Dask client (per scheduler) it
    starts and hands them to its next calls, closing them at the end: a plan's forecast and every round of its
    goal loop's simulation start their workers once, not once per call (each start costs seconds: processes
    loading statsforecast or the engine, a connection to the scheduler)."""
    with contextlib.ExitStack() as stack:
        token = _shared.set({"stack": stack})
        try:
            yield
        finally:
            _shared.reset(token)


def _opened(key: tuple, make: Callable[[], contextlib.AbstractContextManager]) -> contextlib.AbstractContextManager:
    """``make()``, closed after its one use; within ``shared_workers``, the one already opened for ``key``."""
    shared = _shared.get()
    if shared is None:
        return make()
    if key not in shared:
        shared[key] = shared["stack"].enter_context(make())
    return contextlib.nullcontext(shared[key])


def run_batches(function: Callable[[Any], Any], batches: Sequence[Any], *, workers: int = 1,
                scheduler: str | None = None, preload: Sequence[str] = (),
                progress: Callable[[int], None] | None = None, sizes: Sequence[int] | None = None) -> list:
    """``[function(batch) for batch in batches]``, run on the Dask cluster at ``scheduler``, else in ``workers``
    local processes (this process when 1), whose fork server imports ``preload`` first. ``progress`` is called
    with ``sizes[i]`` (default 1) as each batch finishes, in whatever order they finish."""
    sizes = [1] * len(batches) if sizes is None else list(sizes)
    done: list = [None] * len(batches)

    def finished(index: int, result: Any) -> None:
        done[index] = result
        if progress:
            progress(sizes[index])

    if scheduler is not None:
        from dask.distributed import as_completed  # as above: only for a run on a cluster

        with _opened(("dask", scheduler), lambda: dask_client(scheduler)) as client:
            futures = [client.submit(function, batch, pure=False) for batch in batches]
            index = {future.key: i for i, future in enumerate(futures)}
            for future in as_completed(futures):
                finished(index[future.key], future.result())
        return done
    if workers <= 1 or len(batches) <= 1:
        for i, batch in enumerate(batches):
            finished(i, function(batch))
        return done
    # A shared pool has every worker asked for (a later call may have more batches), and the preload of the call
    # that started it: a worker imports what a later call's batches need on their first use.
    size = workers if _shared.get() is not None else min(workers, len(batches))
    with _opened(("local", workers), lambda: concurrent.futures.ProcessPoolExecutor(
            size, mp_context=process_context(preload))) as pool:
        futures = {pool.submit(function, batch): i for i, batch in enumerate(batches)}
        try:
            for future in concurrent.futures.as_completed(futures):
                finished(futures[future], future.result())
        except BaseException:
            for future in futures:
                future.cancel()  # a failed batch (or Ctrl-C) stops the run: no new batch starts
            raise
    return done
