"""Call counts per queue and interval from the workspace, as the long table forecasting libraries expect.

Intervals are cut in each queue's time zone (wall time) and the grid is complete: an interval without calls
(a night, a closed Saturday) is a zero, not a missing row. Around a daylight-saving switch the wall-time grid
has a skipped hour (zeros) and a doubled one (both hours' calls in one interval), the usual convention of ACD
reports; forecasts leave the skipped hour out and give the doubled one's calls to its first occurrence.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from casashore.errors import UserError
from casashore.units import day_interval_min


def interval_counts(con: duckdb.DuckDBPyConnection, interval_min: int, queue: str | None = None, *,
                    queues: list[str] | None = None) -> pd.DataFrame:
    """Columns ``unique_id`` (queue), ``ds`` (interval start, queue's wall time), ``y`` (offered calls),
    ``answered`` and ``handle_s`` (total handle time of answered calls), every interval of every whole day.
    Call records and imported interval reports (whose interval divides ``interval_min``) are added up.
    Every queue, or ``queue``, or those of ``queues``."""
    day_interval_min("interval", interval_min)
    if queue is not None:
        queues = [queue]
    # Handle times are summed as exact decimals: DuckDB adds doubles in parallel, in an order that depends on its
    # threads and their timing, so a double sum's last bits (and the forecasts after it) would vary run to run.
    frame = con.execute(f"""
        WITH local AS (
            SELECT c.queue, timezone(q.time_zone, c.arrival_at) AS t, c.outcome, c.handle_s
            FROM calls c JOIN queues q USING (queue)
            WHERE c.outcome <> 'other' AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], c.queue))),
        reported AS (  -- interval reports whose interval divides the one asked for
            SELECT i.queue, timezone(q.time_zone, i.start_at) AS t, i.offered,
                   coalesce(i.answered, i.offered) AS answered,
                   (coalesce(i.aht_s, 0) * coalesce(i.answered, i.offered))::DECIMAL(38, 6) AS handle_s
            FROM intervals i JOIN queues q USING (queue)
            WHERE {interval_min} % i.interval_min = 0
                  AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], i.queue))),
        span AS (SELECT queue, date_trunc('day', min(t)) AS first, date_trunc('day', max(t)) AS last
                 FROM (SELECT queue, t FROM local UNION ALL SELECT queue, t FROM reported) GROUP BY queue),
        grid AS (SELECT queue, unnest(generate_series(first, last + INTERVAL 1 DAY - INTERVAL '{interval_min}' MINUTE,
                                                      INTERVAL '{interval_min}' MINUTE)) AS ds FROM span),
        counts AS (SELECT queue, ds, sum(y) AS y, sum(answered) AS answered, sum(handle_s) AS handle_s FROM (
                       SELECT queue, time_bucket(INTERVAL '{interval_min}' MINUTE, t) AS ds, count(*) AS y,
                              count(*) FILTER (WHERE outcome = 'answered') AS answered,
                              coalesce(sum(handle_s::DECIMAL(38, 6)), 0) AS handle_s FROM local GROUP BY ALL
                       UNION ALL
                       SELECT queue, time_bucket(INTERVAL '{interval_min}' MINUTE, t), sum(offered), sum(answered),
                              sum(handle_s) FROM reported GROUP BY ALL) GROUP BY ALL)
        SELECT g.queue AS unique_id, g.ds, coalesce(c.y, 0)::DOUBLE AS y,
               coalesce(c.answered, 0)::DOUBLE AS answered, coalesce(c.handle_s, 0)::DOUBLE AS handle_s
        FROM grid g LEFT JOIN counts c USING (queue, ds) ORDER BY 1, 2""", [queues, queues, queues, queues]).df()
    if frame.empty and not queues:
        raise UserError("workspace", None, "a queue with calls in the workspace")
    for name in queues or ():
        if name not in set(frame["unique_id"]):
            raise UserError("queue", name, "a queue with calls in the workspace")
    return frame
