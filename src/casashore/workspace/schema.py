"""The workspace: one DuckDB file (default ./casashore.duckdb) holding calls, intervals, forecasts and plans.

Its schema is versioned: ``MIGRATIONS[i]`` takes the schema from version i to i + 1, each in its own
transaction, and ``open_workspace`` applies the missing ones. Times are stored as TIMESTAMPTZ (instants); each
queue records the time zone its client lives in, so that intervals can be cut in that zone.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from casashore.errors import UserError

DEFAULT_WORKSPACE = Path("casashore.duckdb")

MIGRATIONS = [
    """
    CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL);
    CREATE TABLE imports (
        import_id INTEGER PRIMARY KEY, source VARCHAR NOT NULL, sha256 VARCHAR NOT NULL UNIQUE,
        format VARCHAR NOT NULL, calls_added BIGINT NOT NULL, imported_at TIMESTAMPTZ NOT NULL);
    CREATE TABLE queues (queue VARCHAR PRIMARY KEY, time_zone VARCHAR NOT NULL);
    -- Validity (queue, arrival_at, wait_s present) is checked by the importer inside its transaction, which
    -- rolls back on any bad row: NOT NULL here would stop the bulk insert without saying which line.
    CREATE TABLE calls (
        import_id INTEGER NOT NULL, call_key VARCHAR, queue VARCHAR, arrival_at TIMESTAMPTZ,
        outcome VARCHAR NOT NULL,  -- answered, abandoned, other
        wait_s DOUBLE, handle_s DOUBLE, agent VARCHAR);
    CREATE TABLE intervals (
        import_id INTEGER NOT NULL, queue VARCHAR NOT NULL, start_at TIMESTAMPTZ NOT NULL,
        interval_min INTEGER NOT NULL, offered DOUBLE NOT NULL, answered DOUBLE, abandoned DOUBLE,
        aht_s DOUBLE, asa_s DOUBLE);
    CREATE TABLE forecasts (
        run_id VARCHAR NOT NULL, queue VARCHAR NOT NULL, start_at TIMESTAMPTZ NOT NULL,
        interval_min INTEGER NOT NULL, model VARCHAR NOT NULL, calls DOUBLE NOT NULL, calls_lo DOUBLE,
        calls_hi DOUBLE, aht_s DOUBLE, created_at TIMESTAMPTZ NOT NULL);
    CREATE TABLE plans (plan_id VARCHAR PRIMARY KEY, scenario VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
                        result JSON);
    """,
    # 2: the client's country of each queue, for its public holidays
    """
    ALTER TABLE queues ADD COLUMN country VARCHAR;
    """,
    # 3: results of the plan's steps, keyed by a hash of their inputs, so an unchanged step is not run again
    """
    CREATE TABLE plan_steps (step_key VARCHAR PRIMARY KEY, step VARCHAR NOT NULL, result JSON NOT NULL,
                             created_at TIMESTAMPTZ NOT NULL);
    """,
    # 4: the live router's event log (its calls go to `calls`, under one import per router session)
    """
    CREATE TABLE route_events (import_id INTEGER NOT NULL, event_at TIMESTAMPTZ NOT NULL, seq BIGINT NOT NULL,
                               event VARCHAR NOT NULL, subject VARCHAR NOT NULL, detail VARCHAR NOT NULL);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def open_workspace(path: Path = DEFAULT_WORKSPACE, *, create: bool = True,
                   read_only: bool = False) -> duckdb.DuckDBPyConnection:
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
        open_workspace(path).close()  # migrate once, then read
        return open_workspace(path, read_only=True)
    try:
        for target in range(version, SCHEMA_VERSION):
            con.execute("BEGIN TRANSACTION")
            con.execute(MIGRATIONS[target])
            con.execute("INSERT INTO schema_version VALUES (?, now())", [target + 1])
            con.execute("COMMIT")
    except duckdb.Error as exc:
        con.close()
        raise _unusable(path, exc) from None
    return con


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


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'")
    if exists.fetchall()[0][0] == 0:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
