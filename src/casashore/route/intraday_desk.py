"""The router's intraday answers (the reforecast and the re-plan of the rest of the day) computed from its own
records, off the event loop: one computation at a time in a worker thread, so calls keep being routed while it
runs; the last answer of each kind kept for ``cache_s`` and given again to the same question; a question asked
while another computes is refused (``Busy``: the API's 503 with Retry-After) rather than queued, so a wallboard
left open on many screens costs one computation per ``cache_s``.

The records are what the router holds: its workspace, read through a connection of its own beside the recorder's
(records.py ``Recorder.reader``), or the centre's PostgreSQL records (centre_reads.py). The thread shares the
interpreter with the loop: numpy, pandas and numba release it in their long loops, and the loop keeps routing,
more slowly, while a re-plan computes (docs/intraday.md, "From the router").
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from casashore.forecast.call_records import CallRecords

RETRY_AFTER_S = 5


class Busy(Exception):
    """Another answer is being computed."""


class IntradayDesk:
    def __init__(self, records: Callable[[], contextlib.AbstractContextManager[CallRecords]], *,
                 cache_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        """``records``: opens the router's records for one computation (closed after it)."""
        self.records, self.cache_s, self.clock = records, cache_s, clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intraday")
        self._busy = False
        self._last: dict[str, tuple[tuple, float, dict]] = {}
        self.computed = 0
        """How many answers were computed (the others came from the cache)."""

    async def answer(self, kind: str, question: tuple, compute: Callable[[CallRecords], dict]) -> dict:
        """``compute(records)``'s answer to ``question``, or the last one when asked again within ``cache_s``."""
        last = self._last.get(kind)
        if last is not None and last[0] == question and self.clock() - last[1] < self.cache_s:
            return last[2]
        if self._busy:
            raise Busy
        self._busy = True
        try:
            answer = await asyncio.get_running_loop().run_in_executor(self._executor, self._run, compute)
        finally:
            self._busy = False
        self.computed += 1
        self._last[kind] = (question, self.clock(), answer)
        return answer

    def _run(self, compute: Callable[[CallRecords], dict]) -> dict:
        with self.records() as records:
            return compute(records)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
