"""The router's records in the workspace: every event in ``route_events`` and every ended call in ``calls``
(one ``imports`` row per router session, format ``router``; each call with its channel: voice, chat or email,
and a recorded call's row names its audio file in ``recording``), so live routing history feeds
``casashore forecast`` and the plan like an imported call log.

Rows are buffered and written in one transaction per flush (the server flushes every second, off the event
loop, and on shutdown): a crash loses at most the last second, and never leaves half a batch. The writing is
the Workspace's (workspace/store.py): the session's import row and queues go through the importer's own path.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from casashore.route.state.core import Call
from casashore.workspace.store import Workspace

OUTCOMES = {"answered": "answered", "abandoned": "abandoned", "cleared": "other", "rejected": "other"}
"""The router's outcomes in the workspace's ``calls`` (answered, abandoned, other): a call a supervisor cleared
is no caller's abandon, so it is ``other`` there (left out of offered and abandon figures, like a phantom call);
``route_events`` keeps its ``ended`` event with the detail ``cleared``."""


def utc_instant(at: float) -> datetime:
    """Epoch seconds as an aware UTC datetime (the records' timestamps)."""
    return datetime.fromtimestamp(at, UTC)


class Recorder:
    """Buffers router events and ended calls; ``flush`` writes them to the workspace."""

    def __init__(self, workspace: Path, queue_zones: dict[str, tuple[str, str | None]],
                 channels: dict[str, str] | None = None) -> None:
        """``queue_zones``: queue -> (client time zone, country), registered for queues the workspace lacks;
        ``channels``: queue -> channel (the centre file's; voice when absent), recorded on the queues so that an
        imported log, the forecast and the plan read a chat or email queue as one."""
        self.path = workspace
        self._workspace = Workspace.open(workspace)
        self._lock = threading.Lock()
        self._events: list[tuple] = []
        self._calls: list[tuple] = []
        self._seq = 0
        self._days: list[tuple[date, list[dict]]] = []
        with self._lock:
            self.import_id = self._workspace.start_router_session(uuid.uuid4().hex, queue_zones, channels)

    def add(self, events: list[tuple[float, str, str, str]], ended: list[Call]) -> None:
        with self._lock:
            self._buffer(events, ended)

    def _buffer(self, events: list[tuple[float, str, str, str]], ended: list[Call]) -> None:
        for at, event, subject, detail in events:
            self._seq += 1
            self._events.append((self.import_id, utc_instant(at), self._seq, event, subject, detail))
        for call in ended:
            self._calls.append((self.import_id, call.trunk_call_id, call.queue, utc_instant(call.arrived_at),
                                OUTCOMES[call.outcome], call.wait_s, call.handle_s,
                                call.agent_id if call.answered_at is not None else None, call.channel,
                                call.recording))

    def add_adherence_day(self, day: date, rows: list[dict]) -> None:
        """A closed day's adherence record, written with the next flush (replacing any earlier one)."""
        with self._lock:
            self._days.append((day, rows))

    def store_roster(self, shifts: list[tuple]) -> None:
        """The roster the router was given (rows of ``roster_shifts``), kept for ``route adherence``."""
        with self._lock:
            self._workspace.store_roster(shifts)

    def reader(self) -> Workspace:
        """A connection of its own to the workspace being recorded into, for reading in another thread (close
        it after use): what has been flushed, which is at most a second old."""
        with self._lock:
            return self._workspace.duplicate()

    def flush(self) -> int:
        """Write what is buffered in one transaction; returns the number of events written."""
        with self._lock:
            days, self._days = self._days, []
            for day, rows in days:
                self._workspace.store_adherence_day(day, rows)
            events, self._events = self._events, []
            calls, self._calls = self._calls, []
            if not events and not calls:
                return 0
            self._workspace.record_router_batch(self.import_id, events, calls)
            return len(events)

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._workspace.close()
