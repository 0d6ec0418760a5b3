"""The workspace, open: one DuckDB file (default ./casashore.duckdb) and every read and write made on it.

``Workspace.open`` opens (creating if asked) the file and brings its schema up to date (workspace/schema.py);
the other packages then read and write through its methods, named after what they do, and never write SQL of
their own. A method that writes several rows does so in one transaction. The analytic reads return what the
math needs (rows, arrays, frames); the math stays with its package (history/measures.py, forecast/).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from casashore.errors import UserError
from casashore.workspace import importer
from casashore.workspace.imports import add_queues, next_import_id, record_import, router_queue_channels
from casashore.workspace.mapping import CallMapping, IntervalMapping
from casashore.workspace.queries import (
    COUNTS_PER_INTERVAL,
    EDGE_DAYS,
    INTERVAL_TOTALS,
    MONTHLY_TOTALS,
    REPORTED_TOTALS,
)
from casashore.workspace.schema import (
    ROUTE_EVENT_COLUMNS,
    ROUTER_CALL_COLUMNS,
    SCHEMA_VERSION,
    migrate,
    schema_version,
)

DEFAULT_WORKSPACE = Path("casashore.duckdb")
STEP_PIECE_BYTES = 1 << 20
"""A stored plan step's row size (schema v11): DuckDB holds several times a value's size while inserting it."""


class IntervalTotals(NamedTuple):
    """One queue's calls in one interval of its own zone's wall time (``start``, naive)."""

    queue: str
    time_zone: str
    channel: str
    """The queue's channel (voice, chat or email) as its imports recorded it."""
    start: datetime
    offered: int
    answered: int
    abandoned: int
    aht_s: float | None
    asa_s: float | None
    within_target: int
    """Answered within the service-level target."""


class ReportedTotals(NamedTuple):
    """One queue's interval reports in one interval of its own zone's wall time (``start``, naive): what a report
    gives, None where its rows lack the measure (a report has no individual waits: no service level)."""

    queue: str
    time_zone: str
    channel: str
    start: datetime
    offered: float
    answered: float | None
    abandoned: float | None
    aht_s: float | None
    asa_s: float | None


class QueueRecords(NamedTuple):
    """What the workspace holds of one queue: its call records, the contacts its interval reports offer, how many
    of its report rows lack a handle time, and its last record (an aware instant: the last call's arrival or the
    last report interval's start; None without records)."""

    calls: int
    reported: float
    reported_rows: int
    rows_without_aht: int
    last: datetime | None


class QueueSource(NamedTuple):
    """One import holding a queue's records."""

    source: str
    """the file imported (its absolute path), or ``router session ...``"""
    format: str
    sha256: str
    synthetic: bool
    """a plan's synthetic history (importer.is_synthetic), not records of real contacts"""


class MonthTotals(NamedTuple):
    """One queue's records in one month of its own zone's wall time: call records and interval reports added
    up, except ``recorded`` and ``within_target``, which only call records give (each call's wait)."""

    queue: str
    month: date
    """The month's first day."""
    offered: float
    answered: float
    handle_s: float
    """Total handle time of the answered contacts."""
    recorded: int
    """Offered calls among the call records."""
    within_target: int
    """Of those, answered within the service-level target."""
    first: datetime
    """The month's earliest record (naive, the queue's wall time)."""
    last: datetime


class StoredPlanRun(NamedTuple):
    """One kept plan run (table plan_runs): ``figures`` its key figures, ``result`` the whole plan's JSON (None
    for a failed or cancelled run, and when listed)."""

    run_id: str
    scenario: str
    scenario_toml: str
    created_at: datetime
    """an aware instant (UTC)"""
    lang: str
    status: str
    """done, failed or cancelled"""
    error: str | None
    verdict: str | None
    figures: dict | None
    result: dict | Iterable[str] | None
    """read back: the JSON's dict; to keep: that dict, or its text in pieces (json_record.json_chunks), so that
    a month of hundreds of queues is compressed as it is written, never held whole"""


class Workspace:
    """The workspace file, open. Use as a context manager, or ``close()`` it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        """Wrap ``con``, an open connection to ``path`` whose schema is current (``Workspace.open`` makes one;
        a test may wrap its own connection, such as one limited to a number of threads)."""
        self._con = con
        self.path = path

    @classmethod
    def open(cls, path: Path = DEFAULT_WORKSPACE, *, create: bool = True, read_only: bool = False) -> Workspace:
        """Open (creating if asked) the workspace file and bring its schema up to date.

        ``read_only``: for commands that only read (history, backtest): the file may be read-only, and other
        readers may hold it. An outdated schema is first migrated in a read-write opening.
        """
        if (read_only or not create) and not path.exists():
            raise UserError("workspace", str(path), "an existing workspace (run `casashore import` first)")
        con = _connect(path, read_only)
        try:
            version = schema_version(con)
        except duckdb.Error as exc:
            con.close()
            raise _unusable(path, exc) from None
        if version > SCHEMA_VERSION:
            con.close()
            raise UserError("workspace", str(path), f"schema version <= {SCHEMA_VERSION} (this file is v{version}: "
                                                    "made by a newer casashore)")
        if version < SCHEMA_VERSION and read_only:
            con.close()
            cls.open(path).close()  # migrate once, then read
            return cls.open(path, read_only=True)
        try:
            migrate(con, version)
        except duckdb.Error as exc:
            con.close()
            raise _unusable(path, exc) from None
        return cls(con, path)

    def duplicate(self) -> Workspace:
        """Another connection to this open file, for a reader in another thread (DuckDB: one connection per
        thread; it sees what is committed). The router's recorder holds the file for writing: this is how the
        router reads its own records while it records (route/intraday_desk.py)."""
        return Workspace(self._con.cursor(), self.path)

    def close(self) -> None:
        """Close the file (closing twice is harmless)."""
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def schema_version(self) -> int:
        return schema_version(self._con)

    # Queues and imports

    def queue_names(self) -> list[str]:
        """Every queue of the workspace, sorted."""
        return sorted(name for (name,) in self._con.execute("SELECT queue FROM queues").fetchall())

    def queue_zones(self) -> dict[str, tuple[str, str | None]]:
        """Queue -> (its client's time zone, country or None)."""
        rows = self._con.execute("SELECT queue, time_zone, country FROM queues").fetchall()
        return {name: (zone, country) for name, zone, country in rows}

    def import_calls(self, path: Path, *, preset: str | None = None, mapping: CallMapping | None = None,
                     synthetic_for: str | None = None) -> importer.ImportResult:
        """Import one call log (a preset's format, or a mapping); all or nothing (workspace/importer.py).
        ``synthetic_for``: the file is that queue's synthetic history, replacing its earlier synthetic records in
        the same transaction."""
        return importer.import_calls(self._con, path, preset=preset, mapping=mapping, synthetic_for=synthetic_for)

    def queue_sources(self, queue: str) -> list[QueueSource]:
        """The imports (files and router sessions) holding the queue's call records or interval reports, in
        import order."""
        rows = self._con.execute(
            "SELECT i.source, i.format, i.sha256 FROM imports i WHERE i.import_id IN "
            "(SELECT import_id FROM calls WHERE queue = ? UNION SELECT import_id FROM intervals WHERE queue = ?) "
            "ORDER BY i.import_id", [queue, queue]).fetchall()
        return [QueueSource(source, fmt, sha, importer.is_synthetic(source, fmt)) for source, fmt, sha in rows]

    def import_intervals(self, path: Path, mapping: IntervalMapping) -> importer.ImportResult:
        """Import an interval report; all or nothing (workspace/importer.py)."""
        return importer.import_intervals(self._con, path, mapping)

    def import_fingerprints(self) -> list[str]:
        """The SHA-256 of every import (files and router sessions), sorted: what the history holds."""
        return [sha for (sha,) in self._con.execute("SELECT sha256 FROM imports ORDER BY sha256").fetchall()]

    # Calls and intervals

    def queue_channel(self, queue: str) -> str | None:
        """The queue's channel (voice, chat or email) as its imports recorded it, None for a queue not known."""
        rows = self._con.execute("SELECT channel FROM queues WHERE queue = ?", [queue]).fetchall()
        return rows[0][0] if rows else None

    def call_count(self, queue: str) -> int:
        return self._con.execute("SELECT count(*) FROM calls WHERE queue = ?", [queue]).fetchall()[0][0]

    def interval_totals(self, interval_min: int, target_s: float, queue: str | None = None) -> list[IntervalTotals]:
        """Per queue (every one, or ``queue``) and interval of its zone's wall time, in queue and time order: the
        call records' offered ('other' outcomes left out), answered and abandoned calls, mean handle time and
        wait of the answered ones, and how many were answered within ``target_s``."""
        rows = self._con.execute(INTERVAL_TOTALS.format(interval_min=int(interval_min)),
                                 [target_s, queue, queue]).fetchall()
        return [IntervalTotals(*row) for row in rows]

    def reported_totals(self, interval_min: int, queue: str | None = None) -> list[ReportedTotals]:
        """Per queue (every one, or ``queue``) and interval of its zone's wall time, in queue and time order: the
        interval reports whose length divides ``interval_min``, added up (queries.REPORTED_TOTALS)."""
        rows = self._con.execute(REPORTED_TOTALS.format(interval_min=int(interval_min)), [queue, queue]).fetchall()
        return [ReportedTotals(*row) for row in rows]

    def report_lengths(self) -> dict[str, list[int]]:
        """Queue -> the interval lengths (minutes, sorted) of its interval reports; queues without any left out."""
        rows = self._con.execute("SELECT queue, list(DISTINCT interval_min ORDER BY interval_min) FROM intervals "
                                 "GROUP BY queue").fetchall()
        return {queue: list(lengths) for queue, lengths in rows}

    def queue_records(self, queue: str) -> QueueRecords:
        """The queue's call records and interval reports, counted (QueueRecords)."""
        calls, last_call = self._con.execute("SELECT count(*), max(arrival_at) FROM calls WHERE queue = ?",
                                             [queue]).fetchall()[0]
        offered, rows, no_aht, last_report = self._con.execute(
            "SELECT coalesce(sum(offered), 0)::DOUBLE, count(*), count(*) FILTER (WHERE aht_s IS NULL), "
            "max(start_at) FROM intervals WHERE queue = ?", [queue]).fetchall()[0]
        lasts = [t for t in (last_call, last_report) if t is not None]
        return QueueRecords(calls, offered, rows, no_aht, max(lasts) if lasts else None)

    def waits(self, queue: str) -> tuple[np.ndarray, np.ndarray]:
        """The queue's offered calls ('other' outcomes left out): each one's wait (s) and whether it was
        abandoned, in no particular order."""
        rows = self._con.execute("SELECT wait_s, outcome = 'abandoned' AS abandoned FROM calls "
                                 "WHERE queue = ? AND outcome <> 'other'", [queue]).fetchnumpy()
        return np.asarray(rows["wait_s"], float), np.asarray(rows["abandoned"], bool)

    def counts_per_interval(self, interval_min: int, queues: list[str] | None = None) -> pd.DataFrame:
        """Offered calls per queue (every one, or ``queues``) and interval of its zone's wall time, on a complete
        grid of whole days (zeros where nothing came): columns ``unique_id`` (queue), ``ds``, ``y``, ``answered``
        and ``handle_s`` (total handle time of the answered calls; a report row without AHT counts in neither, so
        it weighs nothing in the AHT). Call records and imported interval reports (whose interval divides
        ``interval_min``) are added up."""
        return self._con.execute(COUNTS_PER_INTERVAL.format(interval_min=int(interval_min), edge_days=EDGE_DAYS),
                                 [queues, queues, queues, queues]).df()

    def monthly_totals(self, queues: list[str], target_s: float) -> list[MonthTotals]:
        """Per queue of ``queues`` and month of its zone's wall time, in queue and month order: offered,
        answered and handle time from call records and interval reports, and the call records' offered calls and
        those answered within ``target_s`` (growth's history: docs/growth.md)."""
        rows = self._con.execute(MONTHLY_TOTALS, [queues, queues, target_s]).fetchall()
        return [MonthTotals(q, m.date() if isinstance(m, datetime) else m, *rest) for q, m, *rest in rows]

    # Forecasts and plan steps

    def store_forecast(self, run_id: str, interval_min: int, columns: Mapping[str, Sequence]) -> None:
        """A forecast run's intervals as columns (``queue``, ``start`` with its offset, ``model``, ``calls``, the
        95 % range ``calls_lo_95``/``calls_hi_95``, ``aht_s`` NaN where unknown), in one INSERT ... SELECT from a
        frame (executemany took ~0.5 ms a row), in one transaction."""
        stored = pd.DataFrame({
            "run_id": run_id, "queue": columns["queue"], "start_at": columns["start"],
            "interval_min": interval_min, "model": columns["model"], "calls": columns["calls"],
            "calls_lo": columns["calls_lo_95"], "calls_hi": columns["calls_hi_95"],
            "aht_s": pd.Series(columns["aht_s"], dtype="float64")})
        con = self._con
        con.register("forecast_rows", stored)
        try:
            with _transaction(con):
                # an unknown AHT is NULL, as executemany stored None (whether pandas' NaN arrives as NaN or NULL)
                con.execute("""INSERT INTO forecasts SELECT run_id, queue, start_at::TIMESTAMPTZ, interval_min,
                               model, calls, calls_lo, calls_hi, CASE WHEN isnan(aht_s) THEN NULL ELSE aht_s END,
                               now() FROM forecast_rows""")
        finally:
            con.unregister("forecast_rows")

    def plan_step(self, key: str) -> dict | None:
        """The plan step's result stored under ``key`` (a hash of its inputs), or None."""
        pieces = self._step_pieces(key)
        return _unpacked(b"".join(pieces)) if pieces else None

    def plan_step_text(self, key: str) -> Iterator[str] | None:
        """The plan step's JSON text stored under ``key``, in pieces as it is decompressed (a warm plan reads a
        month of 300 queues' forecast step without its ~250 MB of text or its dicts: domain/json_reader.py), or
        None."""
        pieces = self._step_pieces(key)
        return _unpacked_pieces(pieces) if pieces else None

    def _step_pieces(self, key: str) -> list[bytes]:
        """The stored step's compressed pieces in order ([] when none is stored: a step is stored whole or not at
        all, in one transaction)."""
        return [row[0] for row in self._con.execute(
            "SELECT p.packed FROM plan_steps s JOIN plan_step_pieces p USING (step_key) WHERE step_key = ? "
            "ORDER BY p.piece", [key]).fetchall()]

    def store_plan_step(self, key: str, step: str, result: dict | Iterable[str]) -> None:
        """Store (or replace) the result of the plan step ``step`` under ``key``: its JSON's dict, or its text in
        pieces (compressed as they come), in rows of about a megabyte (schema v11), all or nothing."""
        with _transaction(self._con):
            self._con.execute("DELETE FROM plan_step_pieces WHERE step_key = ?", [key])
            self._con.execute("DELETE FROM plan_steps WHERE step_key = ?", [key])
            for number, piece in enumerate(_packed_pieces(result)):
                self._con.execute("INSERT INTO plan_step_pieces VALUES (?, ?, ?)", [key, number, piece])
            self._con.execute("INSERT INTO plan_steps VALUES (?, ?, now())", [key, step])

    # Kept plan runs

    def record_plan_run(self, run: StoredPlanRun) -> None:
        """Keep one plan run; refused (DuckDB's constraint error) if its id is already kept."""
        if run.created_at.tzinfo is None:
            raise ValueError("created_at must be an aware instant")  # a naive time would be read as UTC silently
        self._con.execute("INSERT INTO plan_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                          [run.run_id, run.scenario, run.scenario_toml, run.created_at, run.lang, run.status,
                           run.error, run.verdict, _json_or_null(run.figures),
                           None if run.result is None else _packed(run.result)])

    def plan_runs(self, limit: int) -> list[StoredPlanRun]:
        """The ``limit`` newest kept runs, newest first (their result left out: None)."""
        rows = self._con.execute(f"SELECT {_RUN_COLUMNS}, NULL, NULL FROM plan_runs ORDER BY created_at DESC, "
                                 "run_id LIMIT ?", [limit]).fetchall()
        return [_stored_run(row) for row in rows]

    def plan_run(self, run_id: str) -> StoredPlanRun | None:
        """The kept run ``run_id`` with its result, or None."""
        rows = self._con.execute(f"SELECT {_RUN_COLUMNS}, result, packed_result FROM plan_runs WHERE run_id = ?",
                                 [run_id]).fetchall()
        return _stored_run(rows[0]) if rows else None

    def delete_plan_run(self, run_id: str) -> bool:
        """Forget the kept run ``run_id``; False when there was none."""
        rows = self._con.execute("DELETE FROM plan_runs WHERE run_id = ? RETURNING run_id", [run_id]).fetchall()
        return bool(rows)

    # The live router's records

    def start_router_session(self, session: str, queue_zones: dict[str, tuple[str, str | None]],
                             channels: dict[str, str] | None = None) -> int:
        """One import (format ``router``) for a router session, and the zones and channels of its queues (queue
        -> (client time zone, country); queue -> channel, the centre file's, voice when absent): a queue the
        workspace lacks is added, a known one keeps its zone and takes the centre's channel when none of its
        records contradict it (imports.router_queue_channels), in one transaction; returns the import id."""
        con = self._con
        channels = channels or {}
        with _transaction(con):
            import_id = next_import_id(con)
            record_import(con, import_id, f"router session {session}",
                          hashlib.sha256(f"router:{session}".encode()).hexdigest(), "router", 0)
            add_queues(con, queue_zones, channels)
            router_queue_channels(con, {queue: channels.get(queue, "voice") for queue in queue_zones})
        return import_id

    def record_router_batch(self, import_id: int, events: list[tuple], calls: list[tuple]) -> None:
        """Rows of ``route_events`` (ROUTE_EVENT_COLUMNS) and of ``calls`` (ROUTER_CALL_COLUMNS) of the session
        ``import_id``, and its count of calls, in one transaction: all of them, or none (the error is raised)."""
        con = self._con
        with _transaction(con):
            if events:
                con.register("new_events", pd.DataFrame(events, columns=list(ROUTE_EVENT_COLUMNS)))
                con.execute("INSERT INTO route_events SELECT * FROM new_events")
                con.unregister("new_events")
            if calls:
                frame = pd.DataFrame(calls, columns=list(ROUTER_CALL_COLUMNS)).astype({"recording": "object"})
                con.register("new_calls", frame)
                con.execute("INSERT INTO calls BY NAME SELECT * FROM new_calls")
                con.unregister("new_calls")
                con.execute("UPDATE imports SET calls_added = calls_added + ? WHERE import_id = ?",
                            [len(calls), import_id])

    # Adherence

    def store_roster(self, shifts: list[tuple]) -> None:
        """Rows (agent, day, team, time zone, start, end, spans) of ``roster_shifts``: each replaces the
        agent's shift of that day, all in one transaction."""
        con = self._con
        with _transaction(con):
            for agent, day, team, zone, start, end, spans in shifts:
                con.execute("DELETE FROM roster_shifts WHERE agent = ? AND day = ?", [agent, day])
                con.execute("INSERT INTO roster_shifts VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [agent, day, team, zone, start, end, json.dumps(spans)])

    def roster_shifts(self, start: datetime, end: datetime) -> list[tuple]:
        """The stored shifts overlapping [start, end): (agent, day, team, time zone, spans), by start."""
        rows = self._con.execute("SELECT agent, day, team, time_zone, spans FROM roster_shifts WHERE start_at < ? "
                                 "AND end_at > ? ORDER BY start_at, agent", [end, start]).fetchall()
        return [(agent, day, team, zone, json.loads(spans)) for agent, day, team, zone, spans in rows]

    def adherence_events(self, start: datetime, end: datetime) -> list[tuple[datetime, str, str, str]]:
        """The router's events adherence reads for [start, end), in the log's order: each agent's last status
        (or start of a router session) before ``start``, the statuses, calls and alerts of the window, the calls
        of the day before (a call in progress at ``start``), and every approved exception (few; they may be
        approved after their day)."""
        return self._con.execute("""
            WITH kept AS (SELECT * FROM route_events WHERE event IN ('status', 'agent_added', 'answered', 'ended',
                                                                     'adherence_exception', 'adherence_alert',
                                                                     'adherence_ok')),
                 before AS (SELECT * FROM kept WHERE event IN ('status', 'agent_added') AND event_at < ?
                            QUALIFY row_number() OVER (PARTITION BY subject ORDER BY event_at DESC, import_id DESC,
                                                       seq DESC) = 1)
            SELECT event_at, event, subject, detail FROM (
                SELECT * FROM before
                UNION ALL SELECT * FROM kept WHERE event_at >= ? AND event_at < ?
                                              AND event NOT IN ('adherence_exception')
                UNION ALL SELECT * FROM kept WHERE event_at < ? AND event_at >= ? AND event IN ('answered', 'ended')
                UNION ALL SELECT * FROM kept WHERE event = 'adherence_exception')
            ORDER BY event_at, import_id, seq""",
            [start, start, end, start, start - timedelta(days=1)]).fetchall()

    def store_adherence_day(self, day: date, rows: list[dict]) -> None:
        """A day's adherence record (rows of ``adherence_days`` as dicts), replacing any earlier one of that
        day, in one transaction: running it twice leaves the same rows."""
        con = self._con
        with _transaction(con):
            con.execute("DELETE FROM adherence_days WHERE day = ?", [day])
            for r in rows:
                con.execute("INSERT INTO adherence_days VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                            [day, r["level"], r["name"], r["team"], r["time_zone"], r["adherence"], r["conformance"],
                             r["scheduled_min"], r["worked_min"], r["out_of_adherence_min"],
                             json.dumps(r["activities"])])

    def adherence_day(self, day: date) -> list[dict]:
        """The recorded day, agents then teams, by name."""
        rows = self._con.execute(
            "SELECT level, name, team, time_zone, adherence, conformance, scheduled_min, worked_min, "
            "out_of_adherence_min, activities FROM adherence_days WHERE day = ? ORDER BY level, name", [day]).fetchall()
        keys = ("level", "name", "team", "time_zone", "adherence", "conformance", "scheduled_min", "worked_min",
                "out_of_adherence_min")
        return [dict(zip(keys, row[:-1], strict=True)) | {"day": day.isoformat(), "activities": json.loads(row[-1])}
                for row in rows]


_RUN_COLUMNS = "run_id, scenario, scenario_toml, created_at, lang, status, error, verdict, figures"


def _json_or_null(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value)


def _packed(result: dict | Iterable[str]) -> bytes:
    """A plan result as stored: its JSON, zlib-compressed (schema v9: a fifth of the text, and of what DuckDB
    holds while inserting it). Level 1: most of the gain at a tenth of the default level's time."""
    return b"".join(_packed_pieces(result))


def _packed_pieces(result: dict | Iterable[str], size: int = STEP_PIECE_BYTES) -> Iterator[bytes]:
    """The compressed JSON in pieces of ``size`` bytes (the last one shorter). Given in pieces, the text is
    compressed piece by piece: neither the text nor the compressed bytes are ever whole."""
    texts = [json.dumps(result)] if isinstance(result, dict) else result
    packer, buffer, pending = zlib.compressobj(1), bytearray(), []

    def full_pieces(out: bytes) -> Iterator[bytes]:
        buffer.extend(out)
        start = 0
        while len(buffer) - start >= size:
            yield bytes(buffer[start:start + size])
            start += size
        del buffer[:start]

    for chunk in texts:
        pending.append(chunk)
        if len(pending) >= 256:
            yield from full_pieces(packer.compress("".join(pending).encode()))
            pending.clear()
    yield from full_pieces(packer.compress("".join(pending).encode()))
    yield from full_pieces(packer.flush())
    yield bytes(buffer)


def _unpacked(packed: bytes) -> dict:
    return json.loads(zlib.decompress(packed))


def _unpacked_pieces(packed: list[bytes], piece: int = 1 << 20) -> Iterator[str]:
    """The stored text, ``piece`` bytes of it at a time, from its compressed pieces in order."""
    unpacker, text = zlib.decompressobj(), codecs.getincrementaldecoder("utf-8")()
    for pending in packed:
        while pending:
            out = unpacker.decompress(pending, piece)
            pending = unpacker.unconsumed_tail
            yield text.decode(out)
    yield text.decode(unpacker.flush(), final=True)


def _stored_run(row: tuple) -> StoredPlanRun:
    *head, figures, result, packed = row  # result: the JSON text of a plan kept before schema v9
    return StoredPlanRun(*head, json.loads(figures) if figures is not None else None,
                         _unpacked(packed) if packed is not None else json.loads(result) if result is not None
                         else None)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block's writes in one transaction: committed, or rolled back if it raises (the error goes on)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
        con.execute("SET TimeZone = 'UTC'")
        return con
    except duckdb.Error as exc:
        raise _unusable(path, exc) from None


def _unusable(path: Path, exc: duckdb.Error) -> UserError:
    """Why the file cannot be used, in one line: held by another process, not writable, or damaged."""
    message = str(exc)
    first = (message.splitlines() or ["unknown"])[0][:200]
    if "lock" in message.lower():
        return UserError("workspace", str(path), "a workspace no other process is writing (another casashore "
                         f"command, or `route serve` recording into it, holds it: {first})")
    if "permission" in message.lower() or "read-only" in message.lower() or "read only" in message.lower():
        return UserError("workspace", str(path), f"a workspace file and directory this user may write ({first})")
    return UserError("workspace", str(path), f"a DuckDB workspace file ({first})")
