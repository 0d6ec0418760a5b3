"""The records of a centre run by several router nodes, in PostgreSQL: its system of record
(``casashore route serve --redis URL --records postgresql://…``).

Every event of the centre's Redis stream is written once, whichever node it came from, through the stream's
consumer group ``records``: each node takes what the group hands it (XREADGROUP), writes those events and the
calls they ended in one PostgreSQL transaction, then acknowledges them (XACK). A node that dies between taking
and acknowledging leaves its events pending in the group; a live node claims the ones idle longer than
``claim_idle_s`` (XAUTOCLAIM) and writes them — as it does its own after a failed write (PostgreSQL down: the
events wait in Redis, nothing is lost). Rows are keyed by the stream id and the call id and inserted
``ON CONFLICT DO NOTHING``: an event written twice (a node that died after its commit, before its XACK) is kept
once.

Tables: ``route_events`` (centre, event_id, event_at, event, subject, detail, node) and ``route_calls`` (centre,
call_id (the trunk's Call-ID), queue, arrival_at, outcome — answered, abandoned, cleared (ended by a supervisor
before an agent took it: no caller's abandon) or rejected —, wait_s, handle_s, agent, recording (the file the
media engine recorded the call's audio to, or null), channel (voice, chat or email); the last two added to a
table made before them by ``ADD COLUMN IF NOT EXISTS``), ``route_queues`` (centre, queue, time_zone, country,
channel: the centre file's, written by each node as it starts, so the records say which wall clock cuts a queue's
intervals and which channel it is; channel added the same way)
and ``route_adherence_days`` (the daily adherence record, as the workspace's ``adherence_days``, per centre).
Reading them back is route/centre_reads.py's.

This is a store of its own, not the workspace: its SQL is PostgreSQL's and stays here (one node's router
without ``--records`` writes to the workspace through route/records.py and the Workspace instead).
"""

from __future__ import annotations

import json
import re
from datetime import date

import redis

from casashore.errors import UserError
from casashore.route.records import utc_instant
from casashore.route.state.core import Call
from casashore.route.state.shared_router import SharedRouter

GROUP = "records"
SCHEMA = """
CREATE TABLE IF NOT EXISTS route_events (
    centre text NOT NULL, event_id text NOT NULL, event_at timestamptz NOT NULL, event text NOT NULL,
    subject text NOT NULL, detail text NOT NULL, node text NOT NULL, PRIMARY KEY (centre, event_id));
CREATE TABLE IF NOT EXISTS route_calls (
    centre text NOT NULL, call_id text NOT NULL, queue text NOT NULL, arrival_at timestamptz NOT NULL,
    outcome text NOT NULL, wait_s double precision, handle_s double precision, agent text,
    PRIMARY KEY (centre, call_id));
ALTER TABLE route_calls ADD COLUMN IF NOT EXISTS recording text;
ALTER TABLE route_calls ADD COLUMN IF NOT EXISTS channel text NOT NULL DEFAULT 'voice';
CREATE TABLE IF NOT EXISTS route_queues (
    centre text NOT NULL, queue text NOT NULL, time_zone text NOT NULL, country text, PRIMARY KEY (centre, queue));
ALTER TABLE route_queues ADD COLUMN IF NOT EXISTS channel text NOT NULL DEFAULT 'voice';
CREATE TABLE IF NOT EXISTS route_adherence_days (
    centre text NOT NULL, day date NOT NULL, level text NOT NULL, name text NOT NULL, team text,
    time_zone text NOT NULL,
    adherence double precision, conformance double precision, scheduled_min double precision,
    worked_min double precision, out_of_adherence_min double precision, activities text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (centre, day, level, name));
"""
CALL_COLUMNS = "centre, call_id, queue, arrival_at, outcome, wait_s, handle_s, agent, recording, channel"
Entry = tuple[str, dict[str, str]]


def without_password(dsn: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:…@", dsn)


def _call_row(centre: str, call: Call) -> tuple:
    return (centre, call.trunk_call_id, call.queue, utc_instant(call.arrived_at), call.outcome, call.wait_s,
            call.handle_s, call.agent_id if call.answered_at is not None else None, call.recording, call.channel)


def connect(dsn: str):
    """A connection to the records' PostgreSQL database, its tables made if missing; a clear error (the
    password left out) when psycopg is missing or the server refuses."""
    try:
        import psycopg  # lazily: an optional dependency (casashore[postgres]), needed only with --records
    except ImportError:
        raise UserError("records", without_password(dsn), "psycopg installed for PostgreSQL records "
                        "(pip install 'casashore[postgres]')") from None
    try:
        db = psycopg.connect(dsn, connect_timeout=5)
    except psycopg.Error as exc:
        raise UserError("records", without_password(dsn), "a PostgreSQL server that accepts the connection "
                        f"({str(exc).strip().splitlines()[0]})") from None
    with db.transaction():
        db.execute(SCHEMA)
    return db


def store_adherence_day(db, centre: str, day: date, rows: list[dict]) -> None:
    """A day's adherence record (rows of ``adherence_days`` as dicts) of ``centre``, replacing the day's earlier
    one, in one transaction."""
    with db.transaction(), db.cursor() as cursor:
        cursor.execute("DELETE FROM route_adherence_days WHERE centre = %s AND day = %s", (centre, day))
        cursor.executemany(
            "INSERT INTO route_adherence_days (centre, day, level, name, team, time_zone, adherence, conformance, "
            "scheduled_min, worked_min, out_of_adherence_min, activities) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(centre, day, r["level"], r["name"], r["team"], r["time_zone"], r["adherence"], r["conformance"],
              r["scheduled_min"], r["worked_min"], r["out_of_adherence_min"], json.dumps(r["activities"]))
             for r in rows])


class CentreRecords:
    """One node's share of writing the centre's records."""

    def __init__(self, router: SharedRouter, dsn: str, *, db=None, claim_idle_s: float = 10.0,
                 batch: int = 10_000, queue_zones: dict[str, tuple[str, str | None]] | None = None,
                 channels: dict[str, str] | None = None) -> None:
        """``db``: a connection from ``connect(dsn)`` already open (else one is opened); ``queue_zones``: queue
        -> (client time zone, country), and ``channels``: queue -> channel (voice when absent), the centre
        file's, stored for the records' readers."""
        self.router, self.client, self.dsn = router, router.client, dsn
        self.db = db if db is not None else connect(dsn)
        self._days: list[tuple[date, list[dict]]] = []
        if queue_zones:
            with self.db.transaction():
                self.db.cursor().executemany(
                    "INSERT INTO route_queues (centre, queue, time_zone, country, channel) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT (centre, queue) DO UPDATE SET time_zone = excluded.time_zone, "
                    "country = excluded.country, channel = excluded.channel",
                    [(router.centre, name, zone, country, (channels or {}).get(name, "voice"))
                     for name, (zone, country) in sorted(queue_zones.items())])
        self.stream = router.prefix + "events"
        self.claim_idle_s, self.batch = claim_idle_s, batch
        try:
            self.client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)  # the centre's whole log
        except redis.ResponseError as exc:
            # BUSYGROUP: Redis's error code (which redis-py gives no type of) when another node made the group first
            if "BUSYGROUP" not in str(exc):
                raise

    def take_new(self) -> list[Entry]:
        """Events nobody has taken yet; they stay pending for this node until ``write`` acknowledges them."""
        answer = self.client.xreadgroup(GROUP, self.router.node, {self.stream: ">"}, count=self.batch)
        return answer[0][1] if answer else []

    def claim_stale(self) -> list[Entry]:
        """Events taken but not acknowledged for ``claim_idle_s`` (by a dead node, or by this one when a write
        failed), now this node's."""
        _, entries, *_ = self.client.xautoclaim(self.stream, GROUP, self.router.node,
                                                min_idle_time=int(self.claim_idle_s * 1000), start_id="0-0",
                                                count=self.batch)
        return [(entry_id, fields) for entry_id, fields in entries if fields]

    def write(self, entries: list[Entry]) -> int:
        """The events and the calls they ended, in one transaction; then acknowledged. Returns events written."""
        if not entries:
            return 0
        if self.db.closed or self.db.broken:  # PostgreSQL restarted: a new connection, the events still pending
            self.db = connect(self.dsn)
        centre = self.router.centre
        ended = self.router.calls_of(f["s"] for _, f in entries if f["e"] in ("ended", "rejected"))
        with self.db.transaction(), self.db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO route_events VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(centre, entry_id, utc_instant(float(f["t"])), f["e"], f["s"], f["d"], f.get("n", ""))
                 for entry_id, f in entries])
            placeholders = ", ".join(["%s"] * len(CALL_COLUMNS.split(",")))
            cursor.executemany(f"INSERT INTO route_calls ({CALL_COLUMNS}) VALUES ({placeholders}) "
                               "ON CONFLICT DO NOTHING",
                               [_call_row(centre, call) for call in ended.values()
                                if call is not None and call.ended_at is not None])
        self.client.xack(self.stream, GROUP, *(entry_id for entry_id, _ in entries))
        return len(entries)

    def add_adherence_day(self, day: date, rows: list[dict]) -> None:
        """A closed day's adherence record, written with the next step (replacing the day's earlier one: every
        node of the centre follows the whole centre, so whichever writes last writes the same figures)."""
        self._days.append((day, rows))

    def step(self) -> int:
        """Claim what a dead node left, take what is new, write it all; returns events written."""
        while self._days:
            day, rows = self._days[0]
            if self.db.closed or self.db.broken:
                self.db = connect(self.dsn)
            store_adherence_day(self.db, self.router.centre, day, rows)
            self._days.pop(0)
        return self.write(self.claim_stale() + self.take_new())

    def close(self) -> None:
        self.db.close()
