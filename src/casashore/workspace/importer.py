"""Import a call log into the workspace: one DuckDB read, validated, in one transaction (``Workspace.import_calls``
and ``Workspace.import_intervals`` call these with their connection).

The file is read by DuckDB (CSV as text, so that a bad value is found by validation rather than by a parser
error without context), projected to workspace fields, validated, and inserted — or, if any row is wrong,
nothing is: the transaction is rolled back and the error names the line. Importing the same file twice adds
nothing (its SHA-256 is recorded), and calls already present (same queue and key) are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import duckdb

from casashore.domain.base import NAME_EXPECTED, NAME_PATTERN
from casashore.errors import MISSING, UserError
from casashore.workspace.imports import add_queues, checked_channels, is_imported, next_import_id, record_import
from casashore.workspace.mapping import PRESETS, CallMapping, IntervalMapping, interval_projection, projection
from casashore.workspace.schema import CALL_COLUMNS

# A queue's name is data that later names files, URLs and report rows: the scenario's pattern, checked by RE2.
_BAD_QUEUE = "queue IS NULL OR NOT regexp_full_match(queue, '" + NAME_PATTERN.replace("'", "''") + "')"
INVALID = {
    "queue": _BAD_QUEUE,
    "arrival": "arrival_at IS NULL",
    "wait_s": "wait_s IS NULL OR wait_s < 0 OR isnan(wait_s)",
    "handle_s": "handle_s < 0 OR isnan(handle_s)",
    "call_id": "call_key IS NULL",
    "channel": "channel NOT IN ('voice', 'chat', 'email')",
    "outcome": "channel = 'email' AND outcome = 'abandoned'",
}
"""Field -> SQL condition that makes a projected row invalid (checked in this order)."""


class ImportResult(NamedTuple):
    calls_added: int
    """New calls (calls of the file already in the workspace are skipped)."""
    already_imported: bool
    queues: list[str]
    channels: dict[str, str] = {}
    """queue -> the channel it has in the workspace (the file's, or the one it was first imported with)"""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


SYNTHETIC = "synthetic"
"""The format recorded for a plan's synthetic history (plan/synthetic_history.py): generated, never a real log."""
_LEGACY_SYNTHETIC = re.compile(r"synthetic-[0-9a-f]{20}\.csv")
"""The name of a synthetic history file imported before its imports were recorded as format ``synthetic``."""


def is_synthetic(source: str, source_format: str) -> bool:
    """Whether an import (its ``imports`` row's source and format) is a plan's synthetic history."""
    return source_format == SYNTHETIC or (source_format == "csv"
                                          and _LEGACY_SYNTHETIC.fullmatch(Path(source).name) is not None)


def import_calls(con: duckdb.DuckDBPyConnection, path: Path, *, preset: str | None = None,
                 mapping: CallMapping | None = None, synthetic_for: str | None = None) -> ImportResult:
    """Import one call log (a preset's format, or a mapping); all or nothing. ``synthetic_for``: the file is the
    synthetic history of that queue, recorded as format ``synthetic``, and it replaces the queue's earlier
    synthetic records (their rows, imports and the queue's row are deleted first, in the same transaction)."""
    if not path.is_file():
        raise UserError("file", str(path), "a readable call log")
    if preset is not None:
        if preset not in PRESETS:
            raise UserError("format", preset, "one of " + ", ".join(PRESETS) + " (or --mapping FILE.toml)")
        make, delimiter, zone, country = PRESETS[preset]
        fields, reader_format, source_format = make(), "csv", preset
        cells = {}  # a preset's fields are made of several columns: an invalid row is shown whole
    elif mapping is not None:
        fields, delimiter, zone, country = projection(mapping), mapping.delimiter, mapping.time_zone, mapping.country
        reader_format = source_format = mapping.format
        cells = _cells(mapping)
    else:
        raise UserError("format", MISSING, "--format anonymous-bank or --mapping FILE.toml")
    reader = _reader(path, reader_format, delimiter)
    # The file's fingerprint is computed while DuckDB reads it (hashlib and DuckDB both release the GIL).
    hashing = ThreadPoolExecutor(1)
    sha_future = hashing.submit(file_sha256, path)
    select = ", ".join(f"{expr} AS {name}" for name, expr in fields.items())
    try:
        with _all_or_nothing(con, path):
            if synthetic_for is not None:
                source_format = SYNTHETIC
                _drop_synthetic(con, synthetic_for)
            import_id = next_import_id(con)
            # Straight from the file into the table (one write), validated afterwards within the transaction:
            # a bad row rolls everything back, so the table never keeps one.
            with _read_as_table(path):
                added = con.execute(f"""
                    INSERT INTO calls ({", ".join(CALL_COLUMNS)}, channel)
                    SELECT ?, s.call_key, s.queue, s.arrival_at, s.outcome, s.wait_s, s.handle_s, s.agent, s.channel
                    FROM (SELECT {select} FROM {reader}) s
                    ANTI JOIN (SELECT queue, call_key FROM calls) c
                        ON c.queue = s.queue AND c.call_key = s.call_key""", [import_id]).fetchall()[0][0]
            _reject_invalid(con, f"calls WHERE import_id = {int(import_id)}", INVALID, _EXPECTED, path,
                            reader_format, delimiter, select, cells)
            _refuse_mixed_channels(con, f"calls WHERE import_id = {int(import_id)}", path, reader_format, delimiter,
                                   select)
            sha = sha_future.result()
            if is_imported(con, sha):
                con.execute("ROLLBACK")
                return ImportResult(0, True, [])
            queues = [r[0] for r in con.execute("SELECT DISTINCT queue FROM calls WHERE import_id = ? ORDER BY 1",
                                                [import_id]).fetchall()]
            channels = checked_channels(con, "calls", import_id, str(path))
            add_queues(con, {queue: (zone, country) for queue in queues}, channels)
            record_import(con, import_id, str(path.resolve()), sha, source_format, added)
            con.execute("COMMIT")
    finally:
        hashing.shutdown(wait=True)
    return ImportResult(added, False, queues, {queue: channels.get(queue, "voice") for queue in queues})


def _drop_synthetic(con: duckdb.DuckDBPyConnection, queue: str) -> None:
    """Delete ``queue``'s synthetic call records, the imports that held only them, and the queue's row when it has
    no records left (a new synthetic history brings its own zone, country and channel). Inside the caller's
    transaction; the caller has checked that the queue holds no other records."""
    imports = [i for i, source, fmt in con.execute(
        "SELECT DISTINCT i.import_id, i.source, i.format FROM calls c JOIN imports i USING (import_id) "
        "WHERE c.queue = ?", [queue]).fetchall() if is_synthetic(source, fmt)]
    if not imports:
        return
    con.execute("DELETE FROM calls WHERE queue = ? AND list_contains(?, import_id)", [queue, imports])
    con.execute("DELETE FROM imports WHERE list_contains(?, import_id) AND NOT EXISTS "
                "(SELECT 1 FROM calls c WHERE c.import_id = imports.import_id)", [imports])
    con.execute("DELETE FROM queues WHERE queue = ? AND NOT EXISTS (SELECT 1 FROM calls WHERE queue = ?) "
                "AND NOT EXISTS (SELECT 1 FROM intervals WHERE queue = ?)", [queue, queue, queue])


@contextmanager
def _all_or_nothing(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[None]:
    """A transaction the block ends (COMMIT, or ROLLBACK when the file was imported already); on any error it is
    rolled back, and a DuckDB error that is no bad row is said as a UserError."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException as exc:
        _rollback(con)
        if isinstance(exc, duckdb.Error):
            raise _database_error(path, exc) from None
        raise


@contextmanager
def _read_as_table(path: Path) -> Iterator[None]:
    """DuckDB's errors reading the file as a table, said as a UserError naming the file and line."""
    try:
        yield
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.BinderException) as exc:
        raise _reader_error(path, exc) from None


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the transaction is gone already (DuckDB ends it on a fatal error): nothing was committed


def _database_error(path: Path, exc: duckdb.Error) -> UserError:
    """A DuckDB failure that is no bad row: the file unreadable, or the workspace unwritable or damaged. Nothing
    was committed."""
    detail = (str(exc).splitlines() or ["unknown"])[0][:200]
    if str(path) in str(exc):
        return UserError("file", str(path), f"a readable call log ({detail})")
    return UserError("workspace", "the workspace file", f"a workspace DuckDB can read and write; nothing was "
                     f"imported ({detail})")


def _reader(path: Path, fmt: str, delimiter: str) -> str:
    """DuckDB's reader for the file. CSV: the header names the columns, every value is read as text, and no
    sniffing happens (a sniffer guesses, and on a bad row fails without saying where)."""
    quoted = "'" + str(path).replace("'", "''") + "'"
    if fmt == "parquet":
        return f"read_parquet({quoted})"
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        header = next(csv.reader(handle, delimiter=delimiter), [])
    if not header:
        raise UserError("file", path.name, "a header line naming the columns")
    columns = ", ".join("'" + name.replace("'", "''") + "': 'VARCHAR'" for name in header)
    delim = "'" + delimiter.replace("'", "''") + "'"
    return (f"read_csv({quoted}, header = true, auto_detect = false, columns = {{{columns}}}, delim = {delim}, "
            f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false)")


_EXPECTED = {
    "queue": "a queue: " + NAME_EXPECTED,
    "arrival": "a timestamp in the mapping's timestamp_format",
    "wait_s": "a wait in seconds >= 0",
    "handle_s": "a handle time in seconds >= 0 (or empty)",
    "call_id": "a call identifier",
    "channel": "a channel: voice, chat or email (an empty cell is voice)",
    "outcome": "an answered (or other) outcome: an email item never abandons, it waits in the backlog until "
               "answered (the row's channel is email)",
}


def _reader_error(path: Path, exc: duckdb.Error) -> UserError:
    """A file DuckDB cannot read as a table (wrong number of fields on a line, missing column...)."""
    message = str(exc)
    line = re.search(r"[Ll]ine:? ?(\d+)", message)
    where = f"{path} line {line.group(1)}" if line else str(path)
    if "Referenced column" in message or "not found" in message:
        column = re.search(r'"([^"]+)"', message)
        return UserError("columns", column.group(1) if column else None,
                         "a column of the file (check the mapping or the --format)", where=where)
    first = message.splitlines()[0] if message else "unreadable"
    detail = next((m for m in message.splitlines() if "Expected" in m or "expected" in m), first)
    return UserError("file", path.name, f"a well-formed table ({detail.strip()})", where=where)


def _reject_invalid(con, rows: str, conditions: dict[str, str], expected: dict[str, str], path: Path, fmt: str,
                    delimiter: str, select: str, cells: dict[str, str] | None = None) -> None:
    """Count each invalid-row condition over ``rows`` in one scan; for the first that holds anywhere, raise a
    UserError naming the field, the line (CSV, the header being line 1) or row (Parquet) and the value: the
    field's cell as the file has it (``cells``: field -> the file's column), or the whole row where the field is
    made of several columns (a preset's). Only the error path reads the file again (_first_in_file_order).
    """
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {c})" for c in conditions.values())
                         + f" FROM {rows}").fetchall()[0]
    for (field, condition), bad in zip(conditions.items(), counts, strict=True):
        if not bad:
            continue
        n, raw = _first_in_file_order(con, f"""
            SELECT n, raw FROM (
                SELECT row_number() OVER () AS n, * FROM (
                    SELECT {select}, CAST(to_json(t) AS VARCHAR) AS raw FROM {_reader(path, fmt, delimiter)} t))
            WHERE {condition} ORDER BY n LIMIT 1""")
        column = (cells or {}).get(field)
        raise UserError(field, json.loads(raw).get(column) if column else raw, expected[field],
                        where=f"{path} {_place(n, fmt)}")


def _first_in_file_order(con: duckdb.DuckDBPyConnection, query: str) -> tuple:
    """The first row of ``query``, which reads the file again, run on one thread: DuckDB's scan then keeps the
    file's order, so that row_number() is the row's place (error paths only)."""
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute("SET threads = 1")
    try:
        return con.execute(query).fetchall()[0]
    finally:
        con.execute(f"SET threads = {threads}")


def _place(n: int, fmt: str) -> str:
    """Row ``n`` (from 1) of a file as a user finds it: a CSV's line (the header is line 1), a Parquet's row."""
    return f"line {n + 1}" if fmt == "csv" else f"row {n}"


def _cells(mapping: CallMapping | IntervalMapping) -> dict[str, str]:
    """Field -> the file's column holding it (the fields a mapping leaves out absent)."""
    return {name: column for name, column in mapping.columns.model_dump().items() if column is not None}


def _refuse_mixed_channels(con, rows: str, path: Path, fmt: str, delimiter: str, select: str) -> None:
    """A file giving one queue two channels: refused, naming the line where the queue's second channel first
    appears (the file read again only when it happens: _first_in_file_order)."""
    mixed = con.execute(f"SELECT count(*) FROM (SELECT queue FROM {rows} GROUP BY queue "
                        "HAVING count(DISTINCT channel) > 1)").fetchall()[0][0]
    if not mixed:
        return
    n, queue, channel, first = _first_in_file_order(con, f"""
        SELECT n, queue, channel, first FROM (
            SELECT n, queue, channel, first_value(channel) OVER (PARTITION BY queue ORDER BY n) AS first FROM (
                SELECT row_number() OVER () AS n, queue, channel FROM (
                    SELECT {select} FROM {_reader(path, fmt, delimiter)})))
        WHERE channel <> first ORDER BY n LIMIT 1""")
    raise UserError("channel", channel, f"one channel per queue: queue {queue!r} is {first} in the rows before "
                    f"(a queue's records are of one channel)", where=f"{path} {_place(n, fmt)}")


_EXPECTED_INTERVAL = {
    "queue": _EXPECTED["queue"],
    "start": "a start on the interval grid, in the mapping's timestamp_format",
    **{field: f"a count or duration >= 0 (answered and abandoned at most offered) for {field}"
       for field in ("offered", "answered", "abandoned", "aht_s", "asa_s")},
    "channel": _EXPECTED["channel"],
}
INVALID_INTERVAL = {  # str.format templates (the interval's minutes): the pattern's braces doubled
    "queue": _BAD_QUEUE.replace("{", "{{").replace("}", "}}"),
    "start": "local_start IS NULL OR (extract(epoch FROM local_start)::BIGINT % (60 * {minutes})) <> 0",
    "offered": "offered IS NULL OR offered < 0 OR isnan(offered)",
    "answered": "answered < 0 OR answered > offered",
    "abandoned": "abandoned < 0 OR abandoned > offered",
    "aht_s": "aht_s < 0",
    "asa_s": "asa_s < 0",
    "channel": INVALID["channel"],
}


def import_intervals(con: duckdb.DuckDBPyConnection, path: Path, mapping: IntervalMapping) -> ImportResult:
    """Import an interval report into the intervals table; all or nothing, no duplicates (same queue, start and
    interval length). ``calls_added`` counts the intervals added."""
    if not path.is_file():
        raise UserError("file", str(path), "a readable interval report")
    fields = interval_projection(mapping)
    select = ", ".join(f"{expr} AS {name}" for name, expr in fields.items())
    reader = _reader(path, mapping.format, mapping.delimiter)
    conditions = {k: v.format(minutes=mapping.interval_min) for k, v in INVALID_INTERVAL.items()}
    sha = file_sha256(path)
    if is_imported(con, sha):
        return ImportResult(0, True, [])
    with _all_or_nothing(con, path):
        with _read_as_table(path):
            con.execute(f"CREATE TEMP TABLE staged AS SELECT {select} FROM {reader}")
        _reject_invalid(con, "staged", conditions, _EXPECTED_INTERVAL, path, mapping.format, mapping.delimiter,
                        select, _cells(mapping))
        _refuse_mixed_channels(con, "staged", path, mapping.format, mapping.delimiter, select)
        import_id = next_import_id(con)
        added = con.execute("""
            INSERT INTO intervals (import_id, queue, start_at, interval_min, offered, answered, abandoned, aht_s, asa_s,
                                   channel)
            SELECT ?, s.queue, timezone(?, s.local_start), ?, s.offered, s.answered, s.abandoned, s.aht_s, s.asa_s,
                   s.channel
            FROM staged s ANTI JOIN intervals i
                ON i.queue = s.queue AND i.start_at = timezone(?, s.local_start) AND i.interval_min = ?""",
                            [import_id, mapping.time_zone, mapping.interval_min, mapping.time_zone,
                             mapping.interval_min]).fetchall()[0][0]
        queues = [r[0] for r in con.execute("SELECT DISTINCT queue FROM staged ORDER BY 1").fetchall()]
        channels = checked_channels(con, "intervals", import_id, str(path))
        add_queues(con, {queue: (mapping.time_zone, mapping.country) for queue in queues}, channels)
        record_import(con, import_id, str(path.resolve()), sha, f"intervals-{mapping.format}", added)
        con.execute("DROP TABLE staged")
        con.execute("COMMIT")
    return ImportResult(added, False, queues, {queue: channels.get(queue, "voice") for queue in queues})
