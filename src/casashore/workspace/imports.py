"""The rows every writer of calls shares: one ``imports`` row per file or router session, and the queues' zones.

The importer (call logs, interval reports) and the router's recorder both go through these, so an import looks
the same whoever made it. Called inside the caller's transaction.
"""

from __future__ import annotations

import duckdb

from casashore.errors import UserError


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0]


def is_imported(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Whether a file with this fingerprint was imported already."""
    return bool(con.execute("SELECT count(*) FROM imports WHERE sha256 = ?", [sha256]).fetchall()[0][0])


def record_import(con: duckdb.DuckDBPyConnection, import_id: int, source: str, sha256: str, source_format: str,
                  calls_added: int) -> None:
    con.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, now())",
                [import_id, source, sha256, source_format, calls_added])


def add_queues(con: duckdb.DuckDBPyConnection, zones: dict[str, tuple[str, str | None]],
               channels: dict[str, str] | None = None) -> None:
    """Record the client time zone, country and channel of queues not known yet (queue -> (zone, country); queue
    -> channel, voice when absent); a queue already known keeps its own."""
    if zones:
        channels = channels or {}
        con.executemany("INSERT INTO queues (queue, time_zone, country, channel) SELECT ?, ?, ?, ? "
                        "WHERE NOT EXISTS (SELECT 1 FROM queues WHERE queue = ?)",
                        [[q, zone, country, channels.get(q, "voice"), q] for q, (zone, country) in zones.items()])


def router_queue_channels(con: duckdb.DuckDBPyConnection, channels: dict[str, str]) -> None:
    """The centre file's channel of each queue a router session records (queue -> channel): a known queue of
    another channel is corrected when none of its records are of that channel (a router session before
    issue 21's fix recorded every queue as voice while its rows carried their channel), else refused: a
    queue's records are of one channel. Inside the session's transaction: a UserError rolls it back."""
    known = dict(con.execute("SELECT queue, channel FROM queues").fetchall())
    for queue, channel in sorted(channels.items()):
        recorded = known.get(queue)
        if recorded is None or recorded == channel:
            continue
        held = con.execute("SELECT (SELECT count(*) FROM calls WHERE queue = ? AND channel = ?) + "
                           "(SELECT count(*) FROM intervals WHERE queue = ? AND channel = ?)",
                           [queue, recorded, queue, recorded]).fetchall()[0][0]
        if held:
            raise UserError("channel", channel, f"{recorded!r}: queue {queue!r} is a {recorded} queue in the "
                            f"workspace ({held} records), the centre file says {channel}")
        con.execute("UPDATE queues SET channel = ? WHERE queue = ?", [channel, queue])


def checked_channels(con: duckdb.DuckDBPyConnection, table: str, import_id: int, where: str) -> dict[str, str]:
    """queue -> channel of ``table``'s rows of ``import_id``, checked: one channel per queue, and a queue the
    workspace knows keeps its channel. Inside the import's transaction: a UserError rolls it all back."""
    rows = con.execute(f"SELECT queue, string_agg(DISTINCT channel, ', ' ORDER BY channel) FROM {table} "
                       "WHERE import_id = ? GROUP BY queue ORDER BY queue", [import_id]).fetchall()
    known = dict(con.execute("SELECT queue, channel FROM queues").fetchall())
    for queue, channels in rows:
        if "," in channels:
            raise UserError("channel", channels, f"one channel per queue (queue {queue!r} has several)", where=where)
        if queue in known and known[queue] != channels:
            raise UserError("channel", channels, f"{known[queue]!r}: queue {queue!r} is a {known[queue]} queue in "
                            "the workspace", where=where)
    return dict(rows)
