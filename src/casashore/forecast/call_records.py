"""Where the intraday reforecast and the re-plan read calls from: anything with the three reads below. The
workspace (workspace/store.py: imported logs and reports, and a single router's records) is one; a centre's
records in PostgreSQL (route/centre_reads.py, what `route serve --records` writes) is another; ``AddedRecords``
adds several up, so the history imported into the workspace and the day's calls in PostgreSQL make one series.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from casashore.errors import Refused, UserError

COLUMNS = ["unique_id", "ds", "y", "answered", "handle_s"]


class CallRecords(Protocol):
    def queue_names(self) -> list[str]:
        """Every queue, sorted."""

    def queue_zones(self) -> dict[str, tuple[str, str | None]]:
        """Queue -> (its client's time zone, country or None)."""

    def counts_per_interval(self, interval_min: int, queues: list[str] | None = None) -> pd.DataFrame:
        """Offered calls per queue and interval of its zone's wall time on a complete grid of whole days:
        columns ``unique_id``, ``ds`` (naive wall time), ``y``, ``answered``, ``handle_s``."""


class NoCalls(Refused):
    """The records hold no call of any queue: nothing to forecast or re-plan from. Typed, so the router words
    what to do with its own records (route/intraday_routes.py) without reading the message."""

    def __init__(self) -> None:
        super().__init__("workspace", None, "no queue has calls in the records: import a call history first "
                                            "(casashore import LOG --workspace W.duckdb, or an interval report with "
                                            "--mapping), then ask again")


class AddedRecords:
    """Several sources read as one: their queues together, each interval's counts added up. A queue the sources
    place in different time zones is refused (its intervals would not line up)."""

    def __init__(self, *sources: CallRecords) -> None:
        self.sources = sources

    def queue_names(self) -> list[str]:
        return sorted({name for source in self.sources for name in source.queue_names()})

    def queue_zones(self) -> dict[str, tuple[str, str | None]]:
        zones: dict[str, tuple[str, str | None]] = {}
        for source in self.sources:
            for name, (zone, country) in source.queue_zones().items():
                if name in zones and zones[name][0] != zone:
                    raise UserError("queue", name, f"one client time zone in every source of calls (the workspace "
                                                   f"and the records say {zones[name][0]} and {zone})")
                zones.setdefault(name, (zone, country))
        return zones

    def counts_per_interval(self, interval_min: int, queues: list[str] | None = None) -> pd.DataFrame:
        self.queue_zones()  # refuses a queue whose sources disagree on its zone
        frames = [f for f in (s.counts_per_interval(interval_min, queues) for s in self.sources) if not f.empty]
        if not frames:
            return pd.DataFrame(columns=COLUMNS)
        both = pd.concat([f.astype({"ds": "datetime64[us]"}) for f in frames], ignore_index=True)
        summed = both.groupby(["unique_id", "ds"], sort=True)[["y", "answered", "handle_s"]].sum()
        return complete_days(summed.reset_index(), interval_min)


def complete_days(frame: pd.DataFrame, interval_min: int) -> pd.DataFrame:
    """``frame`` on every interval of every whole day from each queue's first to its last (zeros added)."""
    parts = []
    for queue, mine in frame.groupby("unique_id", sort=True):
        first, last = mine["ds"].min().normalize(), mine["ds"].max().normalize()
        grid = pd.date_range(first, last + pd.Timedelta(days=1), freq=f"{interval_min}min", inclusive="left",
                             unit="us")
        filled = mine.set_index("ds")[["y", "answered", "handle_s"]].reindex(grid, fill_value=0.0)
        parts.append(filled.rename_axis("ds").reset_index().assign(unique_id=queue))
    return pd.concat(parts, ignore_index=True)[COLUMNS].astype({"y": float, "answered": float, "handle_s": float})
