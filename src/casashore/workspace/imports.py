"""The rows every writer of calls shares: one ``imports`` row per file or router session, and the queues' zones.

The importer (call logs, interval reports) and the router's recorder both go through these, so an import looks
the same whoever made it. Called inside the caller's transaction.
"""

from __future__ import annotations

import duckdb


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]


def is_imported(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Whether a file with this fingerprint was imported already."""
    return bool(con.execute("SELECT count(*) FROM imports WHERE sha256 = ?", [sha256]).fetchall()[0][0])


def record_import(con: duckdb.DuckDBPyConnection, import_id: int, source: str, sha256: str, source_format: str,
                  calls_added: int) -> None:
    con.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, now())",
                [import_id, source, sha256, source_format, calls_added])


def add_queues(con: duckdb.DuckDBPyConnection, zones: dict[str, tuple[str, str | None]]) -> None:
    """Record the client time zone and country of queues not known yet (queue -> (zone, country)); a queue
    already known keeps its own."""
    if zones:
        con.executemany("INSERT INTO queues (queue, time_zone, country) SELECT ?, ?, ? "
                        "WHERE NOT EXISTS (SELECT 1 FROM queues WHERE queue = ?)",
                        [[q, zone, country, q] for q, (zone, country) in zones.items()])
