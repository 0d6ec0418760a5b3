"""The router's intraday answers (the reforecast and the re-plan of the rest of the day) computed from its own
records, off the event loop: one computation at a time in a worker thread, so calls keep being routed while it
runs; the last answer of each kind kept for ``cache_s`` and given again to the same question; a question asked
while another computes is refused (``Busy``: the API's 503 with Retry-After) rather than queued, so a wallboard
left open on many screens costs one computation per ``cache_s``.

Its cache counts the router's clock (the site clock in replay, route/clock.py), like every other time the router
keeps: a day replayed at 60x keeps an answer for a site minute, which is what "the last minute's answer" means on
that day's wallboard. ``has_history`` says whether the records hold calls before today (the reforecast's and the
re-plan's need), looked up off the loop and kept once true (a history does not go away).

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
from datetime import datetime
from zoneinfo import ZoneInfo

from casashore.forecast.call_records import CallRecords

RETRY_AFTER_S = 5


class Busy(Exception):
    """Another answer is being computed."""


class IntradayDesk:
    def __init__(self, records: Callable[[], contextlib.AbstractContextManager[CallRecords]], *,
                 cache_s: float = 60.0, clock: Callable[[], float] = time.time,
                 no_history: str = "the router's records hold no call history before today",
                 records_in: str = "workspace") -> None:
        """``records``: opens the router's records for one computation (closed after it); ``clock``: the router's
        (its ``now``, epoch seconds: the day's date is read from it); ``no_history``: what is missing and what to
        do, in words, when the records hold no history (the router words it for its own records: server.py);
        ``records_in``: where they are,
        ``workspace`` or ``postgresql`` (the wallboard words what to do by it)."""
        self.records, self.cache_s, self.clock, self.no_history = records, cache_s, clock, no_history
        self.records_in = records_in
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intraday")
        self._busy = False
        self._last: dict[str, tuple[tuple, float, dict]] = {}
        self._history: tuple[bool, float] | None = None
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

    async def has_history(self) -> bool:
        """Whether the records hold calls of a day before today (each queue's day in its client zone): the
        least a reforecast needs. Read in a thread of its own (not behind a computing answer), kept for
        ``cache_s`` when false and for good once true."""
        if self._history is not None and (self._history[0] or self.clock() - self._history[1] < self.cache_s):
            return self._history[0]
        now = self.clock()
        found = await asyncio.to_thread(self._holds_history, now)
        self._history = (found, now)
        return found

    def _holds_history(self, now: float) -> bool:
        with self.records() as records:
            zones = records.queue_zones()
            daily = records.counts_per_interval(1440)
        for queue, days in daily[daily["y"] > 0].groupby("unique_id"):
            today = datetime.fromtimestamp(now, ZoneInfo(zones.get(queue, ("UTC", None))[0])).date()
            if (days["ds"].dt.date < today).any():
                return True
        return False

    def _run(self, compute: Callable[[CallRecords], dict]) -> dict:
        with self.records() as records:
            return compute(records)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
