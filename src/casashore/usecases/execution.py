"""`--workers` and `--scheduler` as a command gives them (text), validated into casashore/workers.py's
Execution: where the command's independent batches run."""

from __future__ import annotations

from casashore.domain.units import whole
from casashore.errors import UserError
from casashore.workers import Execution, check_scheduler

MAX_WORKERS = 256
"""Local processes at most: more than any one machine's cores, fewer than would exhaust its process table."""


def execution(workers: str | None, scheduler: str | None) -> Execution:
    """A worker count (a whole number from 1 to MAX_WORKERS) and a scheduler address, each optional; a scheduler
    that does not answer is a UserError now, before any work (a plan would otherwise have imported its history
    first). With a scheduler the cluster's workers run the batches, and ``workers`` is not used."""
    count = whole("workers", workers, low=1) if workers is not None else None
    if count is not None and count > MAX_WORKERS:
        raise UserError("workers", workers, f"a whole number from 1 to {MAX_WORKERS}")
    if scheduler is not None:
        check_scheduler(scheduler)
    return Execution(workers=count, scheduler=scheduler)
