"""The intraday reforecast and re-plan reading a centre's records in PostgreSQL (route/centre_reads.py: what
`route serve --records` writes), on a real throwaway PostgreSQL cluster: the day's calls in PostgreSQL added to the
workspace's history give the figures of one workspace holding both (the calls written by the single router's own
path); what is read is said, the password never."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from casashore.forecast.call_records import AddedRecords
from casashore.interfaces.cli.app import app
from casashore.workspace.store import Workspace
from conftest import write_half_hour_report
from postgres_server import needs_postgres, postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'casashore[postgres]')")
pytestmark = needs_postgres
runner = CliRunner()


def day_calls() -> list[tuple]:
    """Monday 2 March 2026, 08:00-11:00 Paris (07:00-10:00 UTC): answered, abandoned and refused calls."""
    rng = np.random.default_rng(11)
    calls, start = [], datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    for k, offset in enumerate(np.sort(rng.uniform(0, 3 * 3600, 300))):
        outcome = ("answered", "abandoned", "rejected")[0 if k % 10 < 8 else 1 if k % 10 == 8 else 2]
        queue = "fr" if k % 4 else "nl"
        calls.append((f"call-{k}", queue, start + timedelta(seconds=float(offset)), outcome,
                      float(rng.uniform(0, 30)), 200.0 + k % 90 if outcome == "answered" else None))
    return calls


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """``history``: three weeks of interval reports (the day-ahead is then the weeks' average: no backtest);
    ``both``: the same plus the day's calls through the router's workspace writer; ``dsn``: a PostgreSQL cluster
    holding the day's calls as centre_records writes them."""
    folder = tmp_path_factory.mktemp("pgrecords")
    rng = np.random.default_rng(5)
    rows = []
    for d in range(7, 28):
        day = np.datetime64("2026-02-02") + d
        if d % 7 >= 5:
            continue
        for i in range(16, 36):
            for queue, mean in (("fr", 40), ("nl", 12)):
                n = int(rng.poisson(mean))
                rows.append([queue, f"{day} {i // 2:02d}:{30 * (i % 2):02d}", n, n, 240])
    report = write_half_hour_report(folder, rows)
    history = folder / "history" / "casashore.duckdb"
    history.parent.mkdir()
    result = runner.invoke(app, ["import", str(report), "--mapping", str(folder / "report.toml"),
                                 "--workspace", str(history)])
    assert result.exit_code == 0, result.output
    both = folder / "both" / "casashore.duckdb"
    both.parent.mkdir()
    shutil.copy(history, both)
    outcomes = {"answered": "answered", "abandoned": "abandoned", "rejected": "other"}
    with Workspace.open(both) as opened:  # the single router's writer (route/records.py's rows)
        session = opened.start_router_session("day", {"fr": ("Europe/Paris", "FR"), "nl": ("Europe/Paris", "NL")})
        opened.record_router_batch(session, [], [
            (session, call_id, queue, at, outcomes[outcome], wait, handle, "ana" if handle else None, "voice", None)
            for call_id, queue, at, outcome, wait, handle in day_calls()])
    roster = folder / "roster.csv"
    agents = [(f"a{k}", "fr", "07:00", "16:00", "break 10:00-10:15; lunch 12:00-13:00") for k in range(5)]
    agents += [("n1", "nl", "08:00", "17:00", "lunch 12:30-13:30")]
    with roster.open("w", newline="") as handle:
        csv.writer(handle).writerows([["agent", "day", "start", "end", "group", "breaks"]] + [
            [a, "2026-03-02", f"2026-03-02T{s}", f"2026-03-02T{e}", g, b] for a, g, s, e, b in agents])
    with postgres_server() as dsn:
        from casashore.route.centre_records import connect

        with connect(dsn) as db:  # the tables centre_records makes, the rows it writes
            db.cursor().executemany("INSERT INTO route_queues VALUES (%s, %s, %s, %s)",
                           [("centre", "fr", "Europe/Paris", "FR"), ("centre", "nl", "Europe/Paris", "NL"),
                            ("other", "fr", "Asia/Tokyo", None)])
            db.cursor().executemany("INSERT INTO route_calls (centre, call_id, queue, arrival_at, outcome, wait_s, "
                                    "handle_s, agent) VALUES ('centre', %s, %s, %s, %s, %s, %s, %s)",
                           [(call_id, queue, at, outcome, wait, handle, "ana" if handle else None)
                            for call_id, queue, at, outcome, wait, handle in day_calls()])
            db.execute("INSERT INTO route_calls (centre, call_id, queue, arrival_at, outcome) VALUES "
                       "('other', 'x', 'fr', '2026-03-02T08:00Z', 'answered')")  # another centre's: never read
            db.commit()
        yield history, both, roster, dsn


def cli_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_days_calls_in_postgresql_count_as_in_the_workspace(sources):
    from casashore.route.centre_reads import CentreReads

    history, both, _, dsn = sources
    with CentreReads(dsn, "centre") as reads, Workspace.open(history, read_only=True) as old, \
            Workspace.open(both, read_only=True) as whole:
        assert reads.queue_zones() == {"fr": ("Europe/Paris", "FR"), "nl": ("Europe/Paris", "NL")}
        day = reads.counts_per_interval(30)
        assert len(day) == 2 * 48 and day["y"].sum() == 270  # a whole day per queue; the 30 refused left out
        added = AddedRecords(old, reads).counts_per_interval(30)
        pd.testing.assert_frame_equal(added, whole.counts_per_interval(30).astype({"ds": "datetime64[us]"}),
                                      check_dtype=False)


def test_forecast_intraday_and_the_replan_read_postgresql(sources):
    history, both, roster, dsn = sources
    base = ["forecast", "--intraday", "--as-of", "2026-03-02T11:00"]
    alone = cli_json(*base, "--workspace", str(both))
    added = cli_json(*base, "--workspace", str(history), "--records", dsn)
    assert added["read"] == [str(history), f"{dsn} (centre centre)"]
    assert {k: v for k, v in added.items() if k != "read"} == {k: v for k, v in alone.items() if k != "read"}
    assert added["queues"][0]["seen_calls"] > 0

    replan = ["intraday", "replan", "--as-of", "2026-03-02T10:00", "--roster", str(roster), "--replications", "20",
              "--simulate-top", "1"]
    one = cli_json(*replan, "--workspace", str(both))
    two = cli_json(*replan, "--workspace", str(history), "--records-url", dsn)
    assert {k: v for k, v in one.items() if k != "read"} == {k: v for k, v in two.items() if k != "read"}
    assert two["intervals"] and two["read"] == [str(history), f"{dsn} (centre centre)"]


def test_wrong_records_are_refused_naming_the_field_without_the_password(sources, tmp_path):
    history, _, _, dsn = sources
    base = ["forecast", "--intraday", "--as-of", "2026-03-02T11:00"]
    secret = dsn.replace("postgres@", "postgres:hunter2@").replace("/postgres", "/nothere")
    for args, field in (([*base, "--workspace", str(history), "--records", "mysql://u:hunter2@h/db"], "records"),
                        ([*base, "--workspace", str(history), "--records", secret], "records"),
                        ([*base, "--workspace", str(tmp_path / "none.duckdb"), "--records", dsn,
                          "--centre", "elsewhere"], "records"),
                        ([*base, "--workspace", str(history), "--records", dsn, "--centre", "../x"], "centre"),
                        (["forecast", "--workspace", str(history), "--records", dsn], "records")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert field in result.stderr and "hunter2" not in result.output and "Traceback" not in result.output


def test_the_replan_reads_who_is_at_work_from_the_centres_events_in_postgresql(sources):
    """`intraday replan --records --statuses`: the statuses several router nodes wrote to PostgreSQL (as
    centre_records writes its events) say who is at work: a4 never logged in (absent), n1 on a break at 09:52
    with only a lunch planned (away as long as her lunch: until 10:52); a0-a3 at work."""
    history, _, roster, dsn = sources
    from casashore.route.centre_records import connect

    def event(k: int, hhmm: str, name: str, subject: str, detail: str) -> tuple:
        at = datetime.fromisoformat(f"2026-03-02T{hhmm}+00:00")
        return (f"{int(at.timestamp() * 1000)}-{k}", at, name, subject, detail)

    agents = ["a0", "a1", "a2", "a3", "a4", "n1"]
    rows = [event(k, "06:50", "agent_added", a, "") for k, a in enumerate(agents)]
    rows += [event(10 + k, "07:00", "status", a, "available") for k, a in enumerate(agents[:4])]
    rows += [event(20, "08:00", "status", "n1", "available"), event(21, "09:52", "status", "n1", "break:"),
             event(22, "10:20", "status", "a4", "available")]  # after the as-of time: not read
    with connect(dsn) as db:
        db.cursor().executemany("INSERT INTO route_events (centre, event_id, event_at, event, subject, detail, node) "
                                "VALUES ('centre', %s, %s, %s, %s, %s, 'n1')", rows)
        db.commit()
    doc = cli_json("intraday", "replan", "--as-of", "2026-03-02T10:00", "--roster", str(roster), "--workspace",
                   str(history), "--records", dsn, "--statuses", "--replications", "5", "--simulate-top", "0")
    assert doc["presence_from"] == (f"the router's statuses recorded in {history} and {dsn} (centre centre) at "
                                    "2026-03-02T10:00:00+00:00 (grace 300 s)")
    assert [(a["agent"], a["kind"], a["until"]) for a in doc["not_at_work"]] == [
        ("a4", "absent", None), ("n1", "away", "2026-03-02T10:52+00:00")]
    assert doc["not_at_work"][1]["why"] == "on break since 09:52, back by 10:52 (planned 60 min)"


def four_weeks() -> list[tuple]:
    """Monday 5 to Sunday 1 February 2026: ``fr`` (voice, Paris) every day, ``web`` (chat, Paris) on weekdays
    only, ``old`` (London) its first week only, ``jp`` (Tokyo) every day; some refused and cleared calls."""
    rng = np.random.default_rng(3)
    calls = []
    for d in range(28):
        day = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=d)
        for queue, hours, weekdays in (("fr", (7, 17), True), ("web", (8, 16), d % 7 < 5), ("old", (9, 12), d < 5),
                                       ("jp", (0, 8), True)):
            if not weekdays:
                continue
            for k, offset in enumerate(np.sort(rng.uniform(hours[0] * 3600, hours[1] * 3600, 20))):
                outcome = ("answered", "answered", "answered", "abandoned", "rejected", "cleared")[k % 6]
                handle = float(rng.uniform(60, 400)) if outcome == "answered" else None
                calls.append((f"{queue}-{d}-{k}", queue, day + timedelta(seconds=float(offset)), outcome,
                              float(rng.uniform(0, 60)), handle))
    return calls


def test_the_centres_postgresql_history_counts_the_days_the_workspace_counts(sources, tmp_path):
    """A weekday-only queue's closing weekend is two days of its history (zeros) in the workspace since the
    forecast's skipped queues (28 days, not 26); the centre's records in PostgreSQL read it the same: the same
    records through the single router's workspace writer and in PostgreSQL give the same frames, per interval
    and per day, every queue or one; a queue silent for more than EDGE_DAYS at the end is not stretched."""
    from casashore.route.centre_reads import CentreReads
    from casashore.route.centre_records import connect

    *_, dsn = sources
    zones = {"fr": "Europe/Paris", "web": "Europe/Paris", "old": "Europe/London", "jp": "Asia/Tokyo"}
    channels = {"web": "chat"}
    kept = {"answered": "answered", "abandoned": "abandoned", "rejected": "other", "cleared": "other"}
    calls = four_weeks()
    path = tmp_path / "router.duckdb"
    with Workspace.open(path) as opened:  # the single router's writer (route/records.py's rows), one session
        session = opened.start_router_session("weeks", {q: (z, None) for q, z in zones.items()}, channels)
        opened.record_router_batch(session, [], [
            (session, call_id, queue, at, kept[outcome], wait, handle, "ana" if handle else None,
             channels.get(queue, "voice"), None) for call_id, queue, at, outcome, wait, handle in calls])
    with connect(dsn) as db:  # centre_records' rows, another centre than the fixture's
        db.cursor().executemany("INSERT INTO route_queues (centre, queue, time_zone, country, channel) "
                                "VALUES ('weeks', %s, %s, NULL, %s)",
                                [(q, z, channels.get(q, "voice")) for q, z in zones.items()])
        db.cursor().executemany("INSERT INTO route_calls (centre, call_id, queue, arrival_at, outcome, wait_s, "
                                "handle_s, agent, channel) VALUES ('weeks', %s, %s, %s, %s, %s, %s, %s, %s)",
                                [(call_id, queue, at, outcome, wait, handle, "ana" if handle else None,
                                  channels.get(queue, "voice")) for call_id, queue, at, outcome, wait, handle in calls])
        db.commit()
    with CentreReads(dsn, "weeks") as reads, Workspace.open(path, read_only=True) as workspace:
        for interval_min, queues in ((30, None), (1440, None), (1440, ["web"]), (15, ["web", "old"])):
            pg = reads.counts_per_interval(interval_min, queues)
            ws = workspace.counts_per_interval(interval_min, queues).astype({"ds": "datetime64[us]"})
            pd.testing.assert_frame_equal(pg, ws, check_dtype=False)
        days = reads.counts_per_interval(1440).groupby("unique_id")["ds"].agg(["count", "min", "max"])
    assert days.loc["web", "count"] == 28 and str(days.loc["web", "max"].date()) == "2026-02-01"  # was 26
    assert days.loc["old", "count"] == 5  # silent from 10 January: closed, not stretched by the others' weeks
    assert days.loc["fr", "count"] == days.loc["jp", "count"] == 28
