"""The workspace's analytic queries (str.format templates over a validated ``interval_min``), kept apart from
the Workspace's plumbing because they are long and hold the counting conventions.

Sums of times are exact decimals, DECIMAL(38, 6): DuckDB adds doubles in parallel, in an order that depends on
its threads and their timing, so a double sum's last bits (and the forecasts after it) would vary run to run.
"""

INTERVAL_TOTALS = """
    SELECT c.queue, q.time_zone, coalesce(q.channel, 'voice') AS channel,
           time_bucket(INTERVAL '{interval_min} minutes', timezone(q.time_zone, c.arrival_at)) AS start,
           count(*) FILTER (WHERE outcome <> 'other') AS offered,
           count(*) FILTER (WHERE outcome = 'answered') AS answered,
           count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
           avg(handle_s::DECIMAL(38, 6)) FILTER (WHERE outcome = 'answered')::DOUBLE AS aht_s,
           avg(wait_s::DECIMAL(38, 6)) FILTER (WHERE outcome = 'answered')::DOUBLE AS asa_s,
           count(*) FILTER (WHERE outcome = 'answered' AND wait_s <= ?) AS within_target
    FROM calls c JOIN queues q USING (queue)
    WHERE ? IS NULL OR c.queue = ?
    GROUP BY ALL ORDER BY c.queue, start"""
"""Parameters: the service-level target (s), then the queue (or NULL for every queue) twice."""

REPORTED_TOTALS = """
    SELECT i.queue, q.time_zone, coalesce(q.channel, 'voice') AS channel,
           time_bucket(INTERVAL '{interval_min} minutes', timezone(q.time_zone, i.start_at)) AS start,
           sum(i.offered)::DOUBLE AS offered,
           CASE WHEN count(i.answered) = count(*) THEN sum(i.answered)::DOUBLE END AS answered,
           CASE WHEN count(i.abandoned) = count(*) THEN sum(i.abandoned)::DOUBLE END AS abandoned,
           (sum((i.aht_s * coalesce(i.answered, i.offered))::DECIMAL(38, 6))
            / nullif(sum(coalesce(i.answered, i.offered)) FILTER (WHERE i.aht_s IS NOT NULL), 0))::DOUBLE AS aht_s,
           (sum((i.asa_s * coalesce(i.answered, i.offered))::DECIMAL(38, 6))
            / nullif(sum(coalesce(i.answered, i.offered)) FILTER (WHERE i.asa_s IS NOT NULL), 0))::DOUBLE AS asa_s
    FROM intervals i JOIN queues q USING (queue)
    WHERE {interval_min} % i.interval_min = 0 AND (? IS NULL OR i.queue = ?)
    GROUP BY ALL ORDER BY i.queue, start"""
"""Interval reports (those whose length divides ``interval_min``) per queue and interval of its zone's wall time:
offered, answered and abandoned (NULL when a report row of the interval lacks them), AHT and ASA weighted by the
answered contacts (offered where a row has no answered column; NULL where no row has the measure). Parameters: the
queue (or NULL for every queue) twice."""

COUNTS_PER_INTERVAL = """
    WITH local AS (
        SELECT c.queue, timezone(q.time_zone, c.arrival_at) AS t, c.outcome, c.handle_s
        FROM calls c JOIN queues q USING (queue)
        WHERE c.outcome <> 'other' AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], c.queue))),
    reported AS (  -- interval reports whose interval divides the one asked for
        SELECT i.queue, timezone(q.time_zone, i.start_at) AS t, i.offered,
               -- the answered contacts whose handle time is known: a row without AHT weighs nothing in it
               CASE WHEN i.aht_s IS NULL THEN 0 ELSE coalesce(i.answered, i.offered) END AS answered,
               (coalesce(i.aht_s, 0) * coalesce(i.answered, i.offered))::DECIMAL(38, 6) AS handle_s
        FROM intervals i JOIN queues q USING (queue)
        WHERE {interval_min} % i.interval_min = 0
              AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], i.queue))),
    own AS (SELECT queue, date_trunc('day', min(t)) AS first, date_trunc('day', max(t)) AS last
            FROM (SELECT queue, t FROM local UNION ALL SELECT queue, t FROM reported) GROUP BY queue),
    -- Where each import's records end, as an instant: its call records' last whole day (in each queue's zone)
    -- or its interval reports' last interval end, over every queue of it
    import_end AS (
        SELECT import_id, max(until_at) AS until_at FROM (
            SELECT c.import_id, timezone(q.time_zone, date_trunc('day', timezone(q.time_zone, max(c.arrival_at)))
                                                      + INTERVAL 1 DAY) AS until_at
            FROM calls c JOIN queues q USING (queue) WHERE c.outcome <> 'other'
            GROUP BY c.import_id, c.queue, q.time_zone
            UNION ALL
            SELECT import_id, max(start_at + to_minutes(interval_min)) FROM intervals GROUP BY import_id)
        GROUP BY import_id),
    covered AS (
        SELECT m.queue, max(e.until_at) AS until_at
        FROM (SELECT DISTINCT import_id, queue FROM calls WHERE outcome <> 'other'
              UNION SELECT DISTINCT import_id, queue FROM intervals) m JOIN import_end e USING (import_id)
        GROUP BY m.queue),
    -- A queue's history runs on to the last whole day its imports cover: a weekday queue's closed weekend at
    -- the end is two days of zeros, as the weekends inside its records are (up to EDGE_DAYS: a longer silence
    -- at the end reads as the queue closed, and is left out as before)
    span AS (
        SELECT queue, first, CASE WHEN reached <= last + INTERVAL {edge_days} DAY THEN greatest(last, reached)
                                  ELSE last END AS last
        FROM (SELECT o.queue, o.first, o.last,
                     date_trunc('day', timezone(q.time_zone, c.until_at)) - INTERVAL 1 DAY AS reached
              FROM own o JOIN queues q USING (queue) JOIN covered c USING (queue))),
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
    FROM grid g LEFT JOIN counts c USING (queue, ds) ORDER BY 1, 2"""
"""Parameters: the queues (a list, or NULL for every queue) four times. ``edge_days``: EDGE_DAYS."""

EDGE_DAYS = 6
"""Days without calls after a queue's last record that its imports still cover count as its history (zeros): a
weekday queue's closing weekend, a bank holiday; a longer silence is a queue closed, left out."""

MONTHLY_TOTALS = """
    WITH local AS (
        SELECT c.queue, timezone(q.time_zone, c.arrival_at) AS t, c.outcome, c.wait_s, c.handle_s
        FROM calls c JOIN queues q USING (queue)
        WHERE c.outcome <> 'other' AND list_contains(?::VARCHAR[], c.queue)),
    reported AS (
        SELECT i.queue, timezone(q.time_zone, i.start_at) AS t, i.offered,
               coalesce(i.answered, i.offered) AS answered,
               (coalesce(i.aht_s, 0) * coalesce(i.answered, i.offered))::DECIMAL(38, 6) AS handle_s
        FROM intervals i JOIN queues q USING (queue)
        WHERE list_contains(?::VARCHAR[], i.queue))
    SELECT queue, month, sum(offered)::DOUBLE, sum(answered)::DOUBLE, sum(handle_s)::DOUBLE,
           sum(recorded)::BIGINT, sum(within_target)::BIGINT, min(first_t), max(last_t) FROM (
        SELECT queue, date_trunc('month', t) AS month, count(*) AS offered,
               count(*) FILTER (WHERE outcome = 'answered') AS answered,
               coalesce(sum(handle_s::DECIMAL(38, 6)) FILTER (WHERE outcome = 'answered'), 0) AS handle_s,
               count(*) AS recorded, count(*) FILTER (WHERE outcome = 'answered' AND wait_s <= ?) AS within_target,
               min(t) AS first_t, max(t) AS last_t
        FROM local GROUP BY ALL
        UNION ALL
        SELECT queue, date_trunc('month', t), sum(offered), sum(answered), sum(handle_s), 0, 0, min(t), max(t)
        FROM reported GROUP BY ALL)
    GROUP BY ALL ORDER BY 1, 2"""
"""Parameters: the queues (a list) twice, then the service-level target (s)."""
