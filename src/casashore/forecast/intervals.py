"""A forecast's intervals, typed: one ForecastInterval per queue and interval (the JSON of `casashore forecast`
and of the plan's forecast step), held as ForecastIntervals' columns (domain/columns.py): a month of 300 queues is
806,400 of them, ~1 KB each as records or dicts, ~90 bytes as columns."""

from __future__ import annotations

from dataclasses import dataclass

from casashore.domain.columns import Rows
from casashore.domain.json_record import JsonRecord


@dataclass(frozen=True)
class ForecastInterval(JsonRecord):
    queue: str
    start: str
    """client time, with its offset"""
    site_start: str
    """site wall-clock time, no offset"""
    interval_min: int
    model: str
    calls: float
    calls_lo_80: float
    calls_hi_80: float
    calls_lo_95: float
    calls_hi_95: float
    aht_s: float | None
    holiday: str | None


class ForecastIntervals(Rows):
    """The ForecastInterval rows as columns: numbers as arrays, names and ISO times as codes into their distinct
    values (a site interval's time is one string for every queue)."""
    row_type = ForecastInterval
