"""`--workers` and `--scheduler` as a command gives them (text), validated into casashore/workers.py's
Execution: where the command's independent batches run."""

from __future__ import annotations

from casashore.domain.units import whole
from casashore.errors import UserError
from casashore.workers import Execution, check_scheduler

MAX_WORKERS = 256
"""Local processes at most: more than any one machine's cores, fewer than would exhaust its process table."""


def execution(workers: str | int | None, scheduler: str | None) -> Execution:
    """A worker count (a whole number from 1 to MAX_WORKERS) and a scheduler address, each optional; a scheduler
    that does not answer is a UserError now, before any work (a plan would otherwise have imported its history
    first). With a scheduler the cluster's workers run the batches, and ``workers`` is not used."""
    count = worker_count(workers)
    if scheduler is not None:
        check_scheduler(scheduler)
    return Execution(workers=count, scheduler=scheduler)


def worker_count(workers: str | int | None) -> int | None:
    """A whole number from 1 to MAX_WORKERS (the same words for 0 and for 300), or None."""
    if workers is None:
        return None
    expected = f"a whole number from 1 to {MAX_WORKERS}"
    try:
        count = whole("workers", workers, low=1)
    except UserError:
        raise UserError("workers", workers, expected) from None
    if count > MAX_WORKERS:
        raise UserError("workers", workers, expected)
    return count
