"""The workspace's schema: one DuckDB file holding calls, intervals, forecasts, plan steps and router events.

The schema is versioned: ``MIGRATIONS[i]`` takes the schema from version i to i + 1, each in its own transaction
(``migrate``). Times are stored as TIMESTAMPTZ (instants); each queue records the time zone its client lives in,
so that intervals can be cut in that zone.
"""

from __future__ import annotations

import duckdb

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
    # 5: drop `plans`: made by version 1 for whole plans and never written (each step is stored in plan_steps).
    # The planner in the browser (its own issue) will add the table it needs, shaped by what it stores.
    """
    DROP TABLE plans;
    """,
    # 6: the plans kept (the planner in the browser, `casashore plans`): each run with its scenario's text, its
    # outcome and, when done, the whole plan's JSON (reopened, compared and reported without recomputing) and its
    # key figures (listed without reading that JSON). A failed or cancelled run keeps no result.
    """
    CREATE TABLE plan_runs (
        run_id VARCHAR PRIMARY KEY, scenario VARCHAR NOT NULL, scenario_toml VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL, lang VARCHAR NOT NULL,
        status VARCHAR NOT NULL,  -- done, failed, cancelled
        error VARCHAR, verdict VARCHAR, figures JSON, result JSON);
    """,
    # 7: real-time adherence (docs/routing.md, "Adherence"): the roster the router was given, one row per agent
    # and site day (its shift and breaks as spans of epoch seconds), and each day's adherence record, one row per
    # agent and per team, replaced whole when the day is recorded again
    """
    CREATE TABLE roster_shifts (
        agent VARCHAR NOT NULL, day DATE NOT NULL, team VARCHAR NOT NULL, time_zone VARCHAR NOT NULL,
        start_at TIMESTAMPTZ NOT NULL, end_at TIMESTAMPTZ NOT NULL,
        spans JSON NOT NULL,  -- [[activity, start epoch s, end epoch s], ...]: the shift, then its breaks
        PRIMARY KEY (agent, day));
    CREATE TABLE adherence_days (
        day DATE NOT NULL, level VARCHAR NOT NULL,  -- agent, team
        name VARCHAR NOT NULL, team VARCHAR, time_zone VARCHAR NOT NULL, adherence DOUBLE, conformance DOUBLE,
        scheduled_min DOUBLE NOT NULL, worked_min DOUBLE NOT NULL, out_of_adherence_min DOUBLE NOT NULL,
        activities JSON NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (day, level, name));
    """,
    # 8: channels (issue 21): each call record, interval report row and queue is voice, chat or email; every row
    # written before is voice, as is every row a writer leaves the column out of (the router's records)
    """
    ALTER TABLE calls ADD COLUMN channel VARCHAR DEFAULT 'voice';
    ALTER TABLE intervals ADD COLUMN channel VARCHAR DEFAULT 'voice';
    ALTER TABLE queues ADD COLUMN channel VARCHAR DEFAULT 'voice';
    """,
    # 9: plan results stored as zlib-compressed JSON (BLOB), not as JSON text: DuckDB held 5-8 times a text value's
    # size while inserting it, and a month of 30 queues' goal loop is 40 MB of JSON (its kept plan 66 MB), which
    # made the store the plan's peak of memory; compressed, it is a fifth of that. The stored steps are a cache of
    # pure results (each recomputed when missing), so they are dropped; a plan kept before keeps its `result`.
    """
    DROP TABLE plan_steps;
    CREATE TABLE plan_steps (step_key VARCHAR PRIMARY KEY, step VARCHAR NOT NULL, packed BLOB NOT NULL,
                             created_at TIMESTAMPTZ NOT NULL);
    ALTER TABLE plan_runs ADD COLUMN packed_result BLOB;
    """,
    # 10: the file a router call's audio was recorded to (rtpengine's pcap, docs/routing.md "Media"); NULL for a
    # call not recorded and for every imported call
    """
    ALTER TABLE calls ADD COLUMN recording VARCHAR;
    """,
    # 11: a stored step's compressed bytes in pieces of about a megabyte, one row each (plan_step_pieces), its
    # name and time in plan_steps: DuckDB grew by 3-10 times a BLOB's size while inserting it as one value (an
    # 80 MB value: +782 MB; in 1 MB rows: +325 MB), which made storing the goal loop of a month of 300 queues the
    # cold plan's peak of memory. A step stored before is kept, as its one piece.
    """
    CREATE TABLE plan_step_pieces (step_key VARCHAR NOT NULL, piece INTEGER NOT NULL, packed BLOB NOT NULL,
                                   PRIMARY KEY (step_key, piece));
    INSERT INTO plan_step_pieces SELECT step_key, 0, packed FROM plan_steps;
    CREATE TABLE plan_step_names (step_key VARCHAR PRIMARY KEY, step VARCHAR NOT NULL,
                                  created_at TIMESTAMPTZ NOT NULL);
    INSERT INTO plan_step_names SELECT step_key, step, created_at FROM plan_steps;
    DROP TABLE plan_steps;
    ALTER TABLE plan_step_names RENAME TO plan_steps;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

CALL_COLUMNS = ("import_id", "call_key", "queue", "arrival_at", "outcome", "wait_s", "handle_s", "agent")
"""The ``calls`` columns an imported call log fills (by name)."""
ROUTER_CALL_COLUMNS = (*CALL_COLUMNS, "channel", "recording")
"""A router call's row in ``calls``: an imported call's, the contact's channel, and the file its audio was recorded
to (or None)."""
ROUTE_EVENT_COLUMNS = ("import_id", "event_at", "seq", "event", "subject", "detail")


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'")
    if exists.fetchall()[0][0] == 0:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Apply the migrations after ``version``, each with its version row in one transaction."""
    for target in range(version, SCHEMA_VERSION):
        con.execute("BEGIN TRANSACTION")
        con.execute(MIGRATIONS[target])
        con.execute("INSERT INTO schema_version VALUES (?, now())", [target + 1])
        con.execute("COMMIT")
