"""A queue a forecast of several queues leaves out while it forecasts the others (the day-ahead forecast,
forecast/backtest.py; the intraday reforecast, forecast/reforecast.py): one queue never blocks the rest."""

from __future__ import annotations

from typing import NamedTuple

from casashore.errors import UserError


class Skipped(NamedTuple):
    """A queue left out: why, as a reason code and in words, and the refusal it is when the queue is asked for by
    name."""

    queue: str
    reason: str
    """short_history (fewer days than the forecast needs), no_history (no day before the reforecast's day) or
    records_stop (its records end before the day before the reforecast's day)"""
    why: str
    """in words, e.g. ``no call history before 2026-01-05 (its first calls are that day)``"""
    refusal: UserError

    def shown(self) -> dict:
        """The JSON of an answer's ``skipped``: queue, reason, why."""
        return {"queue": self.queue, "reason": self.reason, "why": self.why}
