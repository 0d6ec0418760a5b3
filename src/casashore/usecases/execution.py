"""`--workers` and `--scheduler` as a command gives them (text), validated into casashore/workers.py's
Execution: where the command's independent batches run."""

from __future__ import annotations

from casashore.domain.units import whole
from casashore.workers import Execution, check_scheduler


def execution(workers: str | None, scheduler: str | None) -> Execution:
    """A worker count (a whole number >= 1) and a scheduler address, each optional; a scheduler that does not
    answer is a UserError now, before any work (a plan would otherwise have imported its history first). With a
    scheduler the cluster's workers run the batches, and ``workers`` is not used."""
    count = whole("workers", workers, low=1) if workers is not None else None
    if scheduler is not None:
        check_scheduler(scheduler)
    return Execution(workers=count, scheduler=scheduler)
