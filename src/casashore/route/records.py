"""The router's records in the workspace: every event in ``route_events`` and every ended call in ``calls``
(one ``imports`` row per router session, format ``router``), so live routing history feeds ``casashore forecast``
and the plan like an imported call log.

Rows are buffered and written in one transaction per flush (the server flushes every second, off the event
loop, and on shutdown): a crash loses at most the last second, and never leaves half a batch.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from casashore.history.workspace import open_workspace
from casashore.route.core import Call

OUTCOMES = {"answered": "answered", "abandoned": "abandoned", "cleared": "other", "rejected": "other"}
"""The router's outcomes in the workspace's ``calls`` (answered, abandoned, other): a call a supervisor cleared
is no caller's abandon, so it is ``other`` there (left out of offered and abandon figures, like a phantom call);
``route_events`` keeps its ``ended`` event with the detail ``cleared``."""


def utc_instant(at: float) -> datetime:
    """Epoch seconds as an aware UTC datetime (the records' timestamps)."""
    return datetime.fromtimestamp(at, UTC)


class Recorder:
    """Buffers router events and ended calls; ``flush`` writes them to the workspace."""

    def __init__(self, workspace: Path, queue_zones: dict[str, tuple[str, str | None]]) -> None:
        """``queue_zones``: queue -> (client time zone, country), registered for queues the workspace lacks."""
        self.path = workspace
        self._con = open_workspace(workspace)
        self._lock = threading.Lock()
        self._events: list[tuple] = []
        self._calls: list[tuple] = []
        self._seq = 0
        session = uuid.uuid4().hex
        with self._lock:
            con = self._con
            con.execute("BEGIN TRANSACTION")
            self.import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]
            con.execute("INSERT INTO imports VALUES (?, ?, ?, 'router', 0, now())",
                        [self.import_id, f"router session {session}",
                         hashlib.sha256(f"router:{session}".encode()).hexdigest()])
            con.executemany("INSERT INTO queues (queue, time_zone, country) SELECT ?, ?, ? "
                            "WHERE NOT EXISTS (SELECT 1 FROM queues WHERE queue = ?)",
                            [[q, zone, country, q] for q, (zone, country) in queue_zones.items()])
            con.execute("COMMIT")

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
                                call.agent_id if call.answered_at is not None else None))

    def flush(self) -> int:
        """Write what is buffered in one transaction; returns the number of events written."""
        with self._lock:
            events, self._events = self._events, []
            calls, self._calls = self._calls, []
            if not events and not calls:
                return 0
            con = self._con
            con.execute("BEGIN TRANSACTION")
            try:
                if events:
                    con.register("new_events", pd.DataFrame(
                        events, columns=["import_id", "event_at", "seq", "event", "subject", "detail"]))
                    con.execute("INSERT INTO route_events SELECT * FROM new_events")
                    con.unregister("new_events")
                if calls:
                    con.register("new_calls", pd.DataFrame(calls, columns=[
                        "import_id", "call_key", "queue", "arrival_at", "outcome", "wait_s", "handle_s", "agent"]))
                    con.execute("INSERT INTO calls SELECT * FROM new_calls")
                    con.unregister("new_calls")
                    con.execute("UPDATE imports SET calls_added = calls_added + ? WHERE import_id = ?",
                                [len(calls), self.import_id])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return len(events)

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._con.close()
