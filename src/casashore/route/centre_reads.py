"""A centre's records in PostgreSQL read back (what route/centre_records.py writes with `route serve --records`):
the calls per queue and interval for the intraday reforecast and re-plan (forecast/call_records.py's reads), the
events adherence recounts a day from, and the daily adherence record.

The counting follows the workspace's (workspace/queries.py COUNTS_PER_INTERVAL): answered and abandoned calls are
offered, cleared and rejected ones are not (the workspace's ``other``); intervals are cut on each queue's client
wall clock (``route_queues``) and every whole day from a queue's first call to its last is on the grid, run on to
the last whole day the centre's records cover when that is at most ``EDGE_DAYS`` later (a weekday-only queue's
closing weekend counts as two days of zeros, as the workspace counts an import's: the centre's records are one
import, where a single router's workspace has one per session). Sums of
handle times are exact (numeric), so the same records give the same figures whatever PostgreSQL's plan.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd

from casashore.domain.units import day_interval_min
from casashore.route.centre_records import connect, store_adherence_day
from casashore.workspace.queries import EDGE_DAYS

COUNTS = """
    WITH local AS (
        SELECT c.queue, c.arrival_at AT TIME ZONE q.time_zone AS t, c.outcome, c.handle_s
        FROM route_calls c JOIN route_queues q ON q.centre = c.centre AND q.queue = c.queue
        WHERE c.centre = %(centre)s AND c.outcome IN ('answered', 'abandoned')
              AND (%(queues)s::text[] IS NULL OR c.queue = ANY(%(queues)s::text[]))),
    counts AS (
        SELECT queue, date_bin(make_interval(mins => %(minutes)s), t, TIMESTAMP '2000-01-01') AS ds,
               count(*) AS y, count(*) FILTER (WHERE outcome = 'answered') AS answered,
               coalesce(sum(handle_s::numeric) FILTER (WHERE outcome = 'answered'), 0) AS handle_s
        FROM local GROUP BY 1, 2),
    own AS (SELECT queue, date_trunc('day', min(ds)) AS first, date_trunc('day', max(ds)) AS last
            FROM counts GROUP BY queue),
    -- Where the centre's records end, as an instant: the latest of its queues' last whole days (each in its
    -- zone), over every queue whatever the queues asked (the workspace's import_end, the centre one import)
    centre_end AS (
        SELECT (date_trunc('day', max(c.arrival_at AT TIME ZONE q.time_zone)) + INTERVAL '1 day')
               AT TIME ZONE q.time_zone AS until_at
        FROM route_calls c JOIN route_queues q ON q.centre = c.centre AND q.queue = c.queue
        WHERE c.centre = %(centre)s AND c.outcome IN ('answered', 'abandoned')
        GROUP BY c.queue, q.time_zone),
    -- A queue's history runs on to the last whole day the records cover, up to EDGE_DAYS days past its own
    -- last call (a weekday queue's closed weekend at the end: zeros), as the workspace's (workspace/queries.py)
    span AS (
        SELECT queue, first, CASE WHEN reached <= last + make_interval(days => %(edge_days)s)
                                  THEN greatest(last, reached) ELSE last END AS last
        FROM (SELECT o.queue, o.first, o.last,
                     date_trunc('day', (SELECT max(until_at) FROM centre_end) AT TIME ZONE q.time_zone)
                     - INTERVAL '1 day' AS reached
              FROM own o JOIN route_queues q ON q.centre = %(centre)s AND q.queue = o.queue) AS reaching),
    grid AS (SELECT queue, generate_series(first, last + INTERVAL '1 day' - make_interval(mins => %(minutes)s),
                                           make_interval(mins => %(minutes)s)) AS ds FROM span)
    SELECT g.queue, g.ds, coalesce(c.y, 0)::float8, coalesce(c.answered, 0)::float8, coalesce(c.handle_s, 0)::float8
    FROM grid g LEFT JOIN counts c USING (queue, ds) ORDER BY 1, 2"""

ADHERENCE_EVENTS = """
    WITH kept AS (SELECT event_at, event, subject, detail, split_part(event_id, '-', 1)::bigint AS ms,
                         split_part(event_id, '-', 2)::bigint AS seq
                  FROM route_events WHERE centre = %(centre)s
                       AND event IN ('status', 'agent_added', 'answered', 'ended', 'adherence_exception',
                                     'adherence_alert', 'adherence_ok')),
         before AS (SELECT DISTINCT ON (subject) * FROM kept
                    WHERE event IN ('status', 'agent_added') AND event_at < %(start)s
                    ORDER BY subject, ms DESC, seq DESC)
    SELECT event_at, event, subject, detail FROM (
        SELECT * FROM before
        UNION ALL SELECT * FROM kept WHERE event_at >= %(start)s AND event_at < %(end)s
                                      AND event <> 'adherence_exception'
        UNION ALL SELECT * FROM kept WHERE event_at < %(start)s AND event_at >= %(day_before)s
                                      AND event IN ('answered', 'ended')
        UNION ALL SELECT * FROM kept WHERE event = 'adherence_exception') AS chosen
    ORDER BY ms, seq"""


class CentreReads:
    """One centre's records in PostgreSQL, read (a connection of its own: use as a context manager)."""

    def __init__(self, dsn: str, centre: str, *, db=None) -> None:
        """``db``: a connection from centre_records.connect already open (else one is opened)."""
        self.centre = centre
        self.db = db if db is not None else connect(dsn)

    def __enter__(self) -> CentreReads:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def queue_names(self) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT queue FROM route_calls WHERE centre = %s UNION "
                               "SELECT queue FROM route_queues WHERE centre = %s", (self.centre, self.centre))
        return sorted(name for (name,) in rows.fetchall())

    def queue_zones(self) -> dict[str, tuple[str, str | None]]:
        rows = self.db.execute("SELECT queue, time_zone, country FROM route_queues WHERE centre = %s", (self.centre,))
        return {name: (zone, country) for name, zone, country in rows.fetchall()}

    def queue_channels(self) -> dict[str, str]:
        """Queue -> channel (voice, chat or email), as the centre file the nodes started with said."""
        rows = self.db.execute("SELECT queue, channel FROM route_queues WHERE centre = %s", (self.centre,))
        return dict(rows.fetchall())

    def counts_per_interval(self, interval_min: int, queues: list[str] | None = None) -> pd.DataFrame:
        """As Workspace.counts_per_interval, from the centre's ``route_calls`` (a call of a queue
        ``route_queues`` does not place in a zone is not counted)."""
        minutes = day_interval_min("interval", interval_min)
        rows = self.db.execute(COUNTS, {"centre": self.centre, "queues": queues, "minutes": minutes,
                                        "edge_days": EDGE_DAYS}).fetchall()
        frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y", "answered", "handle_s"])
        return frame.astype({"ds": "datetime64[us]", "y": float, "answered": float, "handle_s": float})

    def adherence_events(self, start: datetime, end: datetime) -> list[tuple[datetime, str, str, str]]:
        """As Workspace.adherence_events, in the centre stream's order."""
        return self.db.execute(ADHERENCE_EVENTS, {"centre": self.centre, "start": start, "end": end,
                                                  "day_before": start - timedelta(days=1)}).fetchall()

    def store_adherence_day(self, day: date, rows: list[dict]) -> None:
        store_adherence_day(self.db, self.centre, day, rows)

    def adherence_day(self, day: date) -> list[dict]:
        """The recorded day, agents then teams, by name (as Workspace.adherence_day)."""
        rows = self.db.execute(
            "SELECT level, name, team, time_zone, adherence, conformance, scheduled_min, worked_min, "
            "out_of_adherence_min, activities FROM route_adherence_days WHERE centre = %s AND day = %s "
            "ORDER BY level, name", (self.centre, day)).fetchall()
        keys = ("level", "name", "team", "time_zone", "adherence", "conformance", "scheduled_min", "worked_min",
                "out_of_adherence_min")
        return [dict(zip(keys, row[:-1], strict=True)) | {"day": day.isoformat(), "activities": json.loads(row[-1])}
                for row in rows]
