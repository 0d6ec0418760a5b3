"""Importing call logs into the workspace: the Anonymous Bank preset, mappings, validation, atomicity."""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.workspace.schema import SCHEMA_VERSION
from casashore.workspace.store import Workspace
from conftest import anonymous_bank_calls, shared_data, workspace_file, write_csv

BANK = shared_data("anonymous_bank_feb1999", "data_anonymous_bank_february.txt")
needs_bank = pytest.mark.skipif(not BANK.exists(), reason=f"the Anonymous Bank log is not at {BANK}")
runner = CliRunner()

MAPPING = """
time_zone = "Europe/Paris"
timestamp_format = "%Y-%m-%d %H:%M:%S"
[columns]
call_id = "id"
queue = "queue"
arrival = "arrived"
wait_s = "wait"
outcome = "result"
handle_s = "talk"
[outcomes]
answered = ["ANSWERED"]
abandoned = ["ABANDONED"]
"""


def write_log(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, ["id", "queue", "arrived", "wait", "result", "talk"], rows)


def good_rows(n: int = 50) -> list[list[str]]:
    return [[str(i), "fr_bank" if i % 3 else "es_ins", f"2026-03-02 {8 + i // 30:02d}:{(2 * i) % 60:02d}:05",
             str(i % 40), "ANSWERED" if i % 5 else "ABANDONED", "" if i % 5 == 0 else str(120 + i)]
            for i in range(n)]


def calls_in(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM calls").fetchall()[0][0]
    finally:
        con.close()


@needs_bank
def test_anonymous_bank_weekday_hourly_profile_matches_plain_python(tmp_path):
    """The raw file read with the csv module (arrival = q_start if it queued, else vru_exit; phantoms out) gives
    the same calls per weekday and hour as the workspace."""
    workspace = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["import", str(BANK), "--format", "anonymous-bank", "--workspace", str(workspace),
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["calls_added"] == 33_344
    expected = Counter((at.isoweekday(), at.hour) for at, _ in anonymous_bank_calls(BANK))
    con = workspace_file(workspace)
    got = {(int(d), int(h)): n for d, h, n in con.execute("""
        SELECT isodow(local), hour(local), count(*) FROM (
            SELECT timezone(q.time_zone, arrival_at) AS local FROM calls JOIN queues q USING (queue)
            WHERE outcome <> 'other') GROUP BY ALL""").fetchall()}
    con.close()
    assert got == dict(expected)
    assert sum(got.values()) == 33_344 - 278


@needs_bank
def test_importing_the_same_file_twice_adds_nothing(tmp_path):
    with Workspace.open(tmp_path / "w.duckdb") as workspace:
        first = workspace.import_calls(BANK, preset="anonymous-bank")
        second = workspace.import_calls(BANK, preset="anonymous-bank")
    assert first.calls_added == 33_344 and second.already_imported and second.calls_added == 0
    assert calls_in(tmp_path / "w.duckdb") == 33_344


def test_a_mapping_imports_csv_and_parquet_without_duplicates(tmp_path):
    mapping = tmp_path / "acd.toml"
    mapping.write_text(MAPPING)
    log = write_log(tmp_path / "log.csv", good_rows(50))
    workspace = tmp_path / "w.duckdb"
    cli = runner.invoke(app, ["import", str(log), "--mapping", str(mapping), "--workspace", str(workspace), "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["calls_added"] == 50
    # The same calls again in another file (a later export overlapping this one) plus 10 new: only 10 added.
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{write_log(tmp_path / 'more.csv', good_rows(60))}', all_varchar=true))"
               f" TO '{tmp_path / 'more.parquet'}' (FORMAT parquet)")
    parquet_mapping = tmp_path / "acd_parquet.toml"
    parquet_mapping.write_text('format = "parquet"\n' + MAPPING)
    cli = runner.invoke(app, ["import", str(tmp_path / "more.parquet"), "--mapping", str(parquet_mapping),
                              "--workspace", str(workspace), "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["calls_added"] == 10
    con = workspace_file(workspace)
    first = con.execute("SELECT arrival_at, outcome, wait_s, handle_s FROM calls WHERE call_key = '1'").fetchall()[0]
    con.close()
    assert first[0].isoformat() == "2026-03-02T07:02:05+00:00"  # 08:02:05 in Paris (CET) is 07:02:05 UTC
    assert first[1:] == ("answered", 1.0, 121.0)


@pytest.mark.parametrize("bad_row, field, line", [
    (["7", "fr_bank", "2026-03-02 25:00:00", "3", "ANSWERED", "100"], "arrival", 9),
    (["7", "fr_bank", "2026-03-02 08:00:00", "-3", "ANSWERED", "100"], "wait_s", 9),
    (["7", "", "2026-03-02 08:00:00", "3", "ANSWERED", "100"], "queue", 9),
    (["7", "fr_bank", "2026-03-02 08:00:00", "3", "ANSWERED"], "file", 9),
])
def test_a_malformed_row_names_its_line_and_changes_nothing(tmp_path, bad_row, field, line):
    mapping = tmp_path / "acd.toml"
    mapping.write_text(MAPPING)
    workspace = tmp_path / "w.duckdb"
    ok = runner.invoke(app, ["import", str(write_log(tmp_path / "ok.csv", good_rows(20))), "--mapping",
                             str(mapping), "--workspace", str(workspace)])
    assert ok.exit_code == 0
    before = calls_in(workspace)
    rows = good_rows(20)[10:]
    rows.insert(7, bad_row)  # header is line 1, so the 8th data row is line 9
    for row in rows:
        row[0] = "n" + row[0]
    bad = runner.invoke(app, ["import", str(write_log(tmp_path / "bad.csv", rows)), "--mapping", str(mapping),
                              "--workspace", str(workspace), "--json"])
    assert bad.exit_code == 2, bad.output
    assert bad.stdout == "" and len(bad.stderr.strip().splitlines()) == 1
    assert f"line {line}" in bad.stderr and f"{field}:" in bad.stderr
    assert calls_in(workspace) == before


def test_mapping_errors_are_named(tmp_path):
    mapping = tmp_path / "acd.toml"
    mapping.write_text(MAPPING.replace("Europe/Paris", "Europe/Pariss"))
    result = runner.invoke(app, ["import", str(write_log(tmp_path / "l.csv", good_rows(3))), "--mapping",
                                 str(mapping), "--workspace", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2 and "time_zone" in result.stderr
    mapping.write_text(MAPPING.replace('queue = "queue"', 'queue = "line"'))
    result = runner.invoke(app, ["import", str(write_log(tmp_path / "l.csv", good_rows(3))), "--mapping",
                                 str(mapping), "--workspace", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2 and "line" in result.stderr and "column" in result.stderr
    result = runner.invoke(app, ["import", str(tmp_path / "l.csv"), "--format", "genesys", "--workspace",
                                 str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2 and "anonymous-bank" in result.stderr


def test_the_schema_is_versioned(tmp_path):
    with Workspace.open(tmp_path / "w.duckdb") as workspace:
        assert workspace.schema_version() == SCHEMA_VERSION
    Workspace.open(tmp_path / "w.duckdb").close()  # reopening applies nothing twice
    con = workspace_file(tmp_path / "w.duckdb")
    assert con.execute("SELECT count(*) FROM schema_version").fetchall()[0][0] == SCHEMA_VERSION
    con.close()


def test_an_import_killed_half_way_leaves_the_workspace_consistent(tmp_path):
    """SIGKILL during a large import: the committed calls are intact, none of the killed import's are there,
    and the same import then runs to completion."""
    mapping = tmp_path / "acd.toml"
    mapping.write_text(MAPPING)
    workspace = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["import", str(write_log(tmp_path / "small.csv", good_rows(20))), "--mapping",
                               str(mapping), "--workspace", str(workspace)]).exit_code == 0
    big = tmp_path / "big.csv"
    duckdb.sql(f"""COPY (SELECT 'b' || i AS id, 'fr_bank' AS queue,
                        strftime(TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND, '%Y-%m-%d %H:%M:%S') AS arrived,
                        i % 60 AS wait, CASE WHEN i % 7 = 0 THEN 'ABANDONED' ELSE 'ANSWERED' END AS result,
                        120 AS talk FROM range(4000000) t(i)) TO '{big}' (HEADER)""")
    def command(target: Path) -> list[str]:
        return [sys.executable, "-c", "from casashore.interfaces.cli.app import app; app()", "import", str(big),
                "--mapping", str(mapping), "--workspace", str(target)]

    started = time.perf_counter()  # how long a whole import takes here, start-up included
    assert subprocess.run(command(tmp_path / "timing.duckdb"), capture_output=True).returncode == 0
    whole = time.perf_counter() - started
    process = subprocess.Popen(command(workspace), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5 * whole)  # past start-up, inside the import
    assert process.poll() is None, "the import finished before it could be killed; make the file bigger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert calls_in(workspace) == 20
    con = duckdb.connect(str(workspace), read_only=True)
    assert con.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 1
    con.close()
    again = subprocess.run(command(workspace), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert calls_in(workspace) == 20 + 4_000_000


def test_a_version_1_workspace_is_migrated(tmp_path):
    from casashore.workspace.schema import MIGRATIONS

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    con.execute("INSERT INTO queues VALUES ('PS', 'Asia/Jerusalem')")
    con.close()
    with Workspace.open(path) as workspace:
        assert workspace.schema_version() == SCHEMA_VERSION == 11
    con = workspace_file(path)
    assert con.execute("SELECT count(*) FROM plan_steps").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM plan_runs").fetchall() == [(0,)]  # v6: the kept plans; v9: packed
    assert con.execute("SELECT count(*) FROM adherence_days").fetchall() == [(0,)]  # v7: adherence
    assert con.execute("SELECT count(*) FROM roster_shifts").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM route_events").fetchall() == [(0,)]
    assert con.execute("SELECT column_default FROM information_schema.columns WHERE table_name = 'calls' AND "
                       "column_name = 'channel'").fetchall() == [("'voice'",)]  # v8: the channel of each contact
    assert con.execute("SELECT queue, time_zone, country FROM queues").fetchall() == [("PS", "Asia/Jerusalem", None)]
    assert con.execute("SELECT channel FROM queues").fetchall() == [("voice",)]  # v8: a queue known before is voice
    con.close()


def test_v9_packs_plan_results_and_a_plan_kept_before_is_still_read(tmp_path):
    """v9 stores plan results zlib-compressed; a plan kept as JSON text under v6 reads back the same, and the
    stored steps (a cache) are dropped and made again."""
    from datetime import UTC, datetime

    from casashore.workspace.schema import MIGRATIONS
    from casashore.workspace.store import StoredPlanRun

    path = tmp_path / "v6.duckdb"
    con = duckdb.connect(str(path))
    for migration in MIGRATIONS[:6]:
        con.execute(migration)
    con.execute("INSERT INTO schema_version SELECT unnest(range(1, 7)), now()")
    old = {"verdict": {"status": "met"}, "rows": [1.5, None, "é"]}
    con.execute("INSERT INTO plan_runs VALUES ('old', 's', 't', now(), 'en', 'done', NULL, 'met', '{}', ?)",
                [json.dumps(old)])
    con.execute("INSERT INTO plan_steps VALUES ('k', 'forecast', '{\"a\": 1}', now())")
    con.close()
    new = {"verdict": {"status": "at_risk"}, "rows": [0.1 + 0.2, 1e-300, "ü"]}
    with Workspace.open(path) as workspace:
        assert workspace.plan_run("old").result == old
        assert workspace.plan_step("k") is None
        workspace.store_plan_step("k", "forecast", new)
        workspace.record_plan_run(StoredPlanRun("new", "s", "t", datetime(2026, 1, 1, tzinfo=UTC), "en", "done",
                                                None, "at_risk", {}, new))
        assert workspace.plan_step("k") == new and workspace.plan_run("new").result == new
        assert [run.result for run in workspace.plan_runs(10)] == [None, None]  # listed without their results
    con = workspace_file(path)
    packed, text = con.execute("SELECT packed_result, result FROM plan_runs WHERE run_id = 'new'").fetchone()
    con.close()
    assert text is None and json.loads(zlib.decompress(packed)) == new


def test_a_version_7_workspaces_calls_gain_an_empty_recording(tmp_path):
    """v10 adds ``calls.recording`` (the file a router call's audio was recorded to): calls already kept, imported
    or routed, keep every value and name no file."""
    from casashore.workspace.schema import MIGRATIONS

    path = tmp_path / "v7.duckdb"
    con = duckdb.connect(str(path))
    for migration in MIGRATIONS[:7]:
        con.execute(migration)
    con.execute("INSERT INTO schema_version SELECT unnest(range(1, 8)), now()")
    con.execute("INSERT INTO calls VALUES (1, 'k1', 'PS', '2026-01-05 09:00:00+00', 'answered', 12.5, 180, 'ana')")
    con.close()
    with Workspace.open(path) as workspace:
        assert workspace.schema_version() == SCHEMA_VERSION
    con = workspace_file(path)
    assert con.execute("SELECT call_key, outcome, wait_s, handle_s, agent, recording FROM calls").fetchall() == [
        ("k1", "answered", 12.5, 180.0, "ana", None)]
    con.close()


def test_a_version_10_workspaces_stored_steps_are_kept_as_one_piece_and_new_ones_stored_in_pieces(tmp_path):
    """v11 stores a plan step's compressed bytes in rows of about a megabyte: a step stored whole before reads back
    the same; a new one larger than a piece is split, reads back the same, and replacing it leaves no old piece."""
    from casashore.workspace.schema import MIGRATIONS
    from casashore.workspace.store import STEP_PIECE_BYTES

    path = tmp_path / "v10.duckdb"
    con = duckdb.connect(str(path))
    for migration in MIGRATIONS[:10]:
        con.execute(migration)
    con.execute("INSERT INTO schema_version SELECT unnest(range(1, 11)), now()")
    old = {"rows": [0.1 + 0.2, None, "é"]}
    con.execute("INSERT INTO plan_steps VALUES ('k', 'forecast', ?, now())",
                [zlib.compress(json.dumps(old).encode(), 1)])
    con.close()
    draw = random.Random(5)
    big = {"rows": [draw.random() for _ in range(STEP_PIECE_BYTES // 4)]}  # ~2 MB compressed: 2 or 3 pieces
    with Workspace.open(path) as workspace:
        assert workspace.plan_step("k") == old
        assert json.loads("".join(workspace.plan_step_text("k"))) == old
        workspace.store_plan_step("big", "goals", big)
        assert workspace.plan_step("big") == big
        assert json.loads("".join(workspace.plan_step_text("big"))) == big
    con = workspace_file(path)
    assert con.execute("SELECT count(*) FROM plan_step_pieces WHERE step_key = 'big'").fetchone()[0] >= 2
    con.close()
    with Workspace.open(path) as workspace:
        workspace.store_plan_step("big", "goals", old)  # replaced: its old pieces go
        assert workspace.plan_step("big") == old
    con = workspace_file(path)
    assert con.execute("SELECT step_key, count(*) FROM plan_step_pieces GROUP BY 1 ORDER BY 1").fetchall() == [
        ("big", 1), ("k", 1)]
    con.close()


def test_the_unused_plans_table_is_dropped(tmp_path):
    """v5 drops the `plans` table v1 made and nothing wrote, from new and migrated workspaces alike."""
    from casashore.workspace.schema import MIGRATIONS

    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    for migration in MIGRATIONS[:4]:
        con.execute(migration)
    con.execute("INSERT INTO schema_version SELECT unnest(range(1, 5)), now()")
    con.close()
    for path in (old, tmp_path / "new.duckdb"):
        Workspace.open(path).close()
        con = workspace_file(path)
        tables = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        con.close()
        assert "plans" not in tables and {"calls", "plan_steps", "route_events"} <= tables


INTERVAL_MAPPING = """
kind = "intervals"
time_zone = "Europe/Madrid"
timestamp_format = "%Y-%m-%d %H:%M"
interval_min = 15
country = "ES"
[columns]
queue = "cola"
start = "inicio"
offered = "ofrecidas"
answered = "atendidas"
aht_s = "tmo"
"""


def write_report(path: Path, days: int, bad: tuple[int, str, str] | None = None) -> Path:
    """A Spanish ACD's interval report: 15-minute rows, calls from 08:00 to 20:00 with a weekly shape."""
    rows = []
    for d in range(days):
        for q in range(96):
            hour = q / 4
            offered = (10 + 5 * ((d % 7) < 5)) * (8 <= hour < 20)
            rows.append({"cola": "es_seguros", "inicio": f"2026-03-{2 + d:02d} {q // 4:02d}:{15 * (q % 4):02d}",
                         "ofrecidas": str(offered), "atendidas": str(max(0, offered - 1)), "tmo": "300"})
    if bad is not None:
        index, field, value = bad
        rows[index][field] = value
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["cola", "inicio", "ofrecidas", "atendidas", "tmo"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_an_interval_report_feeds_the_forecast_series(tmp_path):
    from casashore.forecast.series import interval_counts

    mapping = tmp_path / "report.toml"
    mapping.write_text(INTERVAL_MAPPING)
    workspace = tmp_path / "w.duckdb"
    report = write_report(tmp_path / "report.csv", 28)
    args = ["import", str(report), "--mapping", str(mapping), "--workspace", str(workspace), "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["calls_added"] == 28 * 96
    assert json.loads(runner.invoke(app, args).stdout)["already_imported"]
    with Workspace.open(workspace, create=False) as opened:
        series = interval_counts(opened, 30)
    con = workspace_file(workspace)
    assert con.execute("SELECT country FROM queues").fetchall() == [("ES",)]
    con.close()
    offered = sum((10 + 5 * ((d % 7) < 5)) * 48 for d in range(28))
    assert series["y"].sum() == offered and len(series) == 28 * 48
    assert series.loc[series["y"] > 0, "handle_s"].sum() == pytest.approx(300 * (offered - 28 * 48))
    backtest = runner.invoke(app, ["backtest", "--workspace", str(workspace), "--json"])
    assert backtest.exit_code == 0, backtest.output


@pytest.mark.parametrize("bad, field", [((10, "inicio", "2026-03-02 02:07"), "start"),
                                        ((10, "ofrecidas", "-4"), "offered"),
                                        ((10, "atendidas", "99"), "answered")])
def test_a_bad_interval_row_names_its_line(tmp_path, bad, field):
    mapping = tmp_path / "report.toml"
    mapping.write_text(INTERVAL_MAPPING)
    result = runner.invoke(app, ["import", str(write_report(tmp_path / "r.csv", 2, bad)), "--mapping", str(mapping),
                                 "--workspace", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2, result.output
    assert "line 12" in result.stderr and f"{field}:" in result.stderr
    # Nothing imported, and stronger: a refused first import leaves no workspace at all.
    assert not (tmp_path / "w.duckdb").exists()
