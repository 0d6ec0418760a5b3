"""`casashore route adherence` and `route serve --roster` from the command line: the day's record as JSON, and
wrong input named in one line (exit 2) before anything is written or listens."""

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.route.records import Recorder
from casashore.workspace.store import Workspace

runner = CliRunner()
CENTER = Path(__file__).resolve().parents[1] / "examples" / "center.toml"
ROSTER = ("agent,day,group,start,end,breaks\n"
          "amina,2026-03-02,fr,2026-03-02T08:00,2026-03-02T16:00,lunch 12:00-13:00\n"
          "salma,2026-03-02,es,2026-03-02T09:00,2026-03-02T17:00,\n")


def test_a_day_is_recorded_from_the_records_and_printed_as_json(tmp_path):
    workspace = tmp_path / "w.duckdb"
    recorder = Recorder(workspace, {"fr_bank": ("Europe/Paris", "FR")})
    at = 1772438400.0  # 2026-03-02T08:00 in Casablanca (UTC+0 during Ramadan)
    recorder.add([(at - 3600, "agent_added", "amina", "fr"), (at, "status", "amina", "available:"),
                  (at + 4 * 3600, "status", "amina", "break:lunch"), (at + 5 * 3600, "status", "amina", "available:"),
                  (at + 8 * 3600, "status", "amina", "offline:")], [])
    recorder.close()
    (tmp_path / "roster.csv").write_text(ROSTER)
    args = ["route", "adherence", "--config", str(CENTER), "--date", "2026-03-02", "--workspace", str(workspace),
            "--roster", str(tmp_path / "roster.csv"), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    rows = {a["agent"]: a for a in doc["agents"]}
    assert rows["amina"]["adherence"] == 1.0 and rows["amina"]["activities"]["lunch"]["in_adherence_min"] == 60
    assert rows["salma"]["adherence"] == 0 and doc["complete"] and doc["records_written"] == 4
    human = runner.invoke(app, args[:-1])
    assert human.exit_code == 0 and "100.0%" in human.stdout and "4 rows recorded" in human.stdout
    with Workspace.open(workspace) as store:
        assert len(store.adherence_day(date(2026, 3, 2))) == 4


def test_wrong_input_is_one_line_naming_it(tmp_path):
    workspace = tmp_path / "w.duckdb"
    Workspace.open(workspace).close()
    (tmp_path / "bad.csv").write_text(ROSTER.replace("salma", "Salma Alaoui"))
    base = ["route", "adherence", "--config", str(CENTER), "--workspace", str(workspace)]
    cases = [
        (base + ["--date", "2026-03-02", "--roster", str(tmp_path / "bad.csv")], "agent: 'Salma Alaoui'"),
        (base + ["--date", "2026-03-02"], "roster:"),  # none given, none stored
        (base + ["--date", "02/03/2026"], "date: '02/03/2026'"),
        (["route", "serve", "--config", str(CENTER), "--no-records", "--roster", str(tmp_path / "bad.csv")],
         "bad.csv line 3: agent: 'Salma Alaoui' is not valid; expected an agent id of the centre file"),
    ]
    for args, words in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and words in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_a_day_replayed_ahead_of_the_machines_clock_is_counted_from_its_records(tmp_path):
    """A router on a site clock ahead of this machine's (`route serve --clock-start` in the future) recorded the
    day: it is counted up to its last recorded event, not up to the machine's now (an empty record); a day ahead
    with nothing recorded is refused naming the date, and nothing is written."""
    from casashore.errors import UserError
    from casashore.usecases.adherence import record_adherence_day

    workspace = tmp_path / "w.duckdb"
    recorder = Recorder(workspace, {"fr_bank": ("Europe/Paris", "FR")})
    at = 1772438400.0  # 2026-03-02T08:00 in Casablanca
    recorder.add([(at - 3600, "agent_added", "amina", "fr"), (at, "status", "amina", "available:"),
                  (at + 4 * 3600, "status", "amina", "break:lunch"), (at + 5 * 3600, "status", "amina", "available:"),
                  (at + 6 * 3600, "status", "amina", "offline:")], [])
    recorder.close()
    (tmp_path / "roster.csv").write_text(ROSTER)
    machine_now = at - 5 * 86_400  # the machine's clock: five days before the replayed day
    doc = record_adherence_day(CENTER, workspace, "2026-03-02", tmp_path / "roster.csv", machine_now)
    rows = {a["agent"]: a for a in doc["agents"]}
    assert doc["until"].startswith("2026-03-02T14:00") and not doc["complete"]
    assert doc["counted_up_to"].startswith("the last event recorded")
    assert rows["amina"]["adherence"] == 1.0 and rows["amina"]["scheduled_min"] == 360  # 08:00-14:00
    assert rows["salma"]["adherence"] == 0 and rows["salma"]["scheduled_min"] == 300  # 09:00-14:00, never logged in
    (tmp_path / "later.csv").write_text(ROSTER.replace("2026-03-02", "2026-03-09"))
    with pytest.raises(UserError) as refused:
        record_adherence_day(CENTER, workspace, "2026-03-09", tmp_path / "later.csv", machine_now)
    assert refused.value.field == "date" and "ahead of this machine's clock" in str(refused.value)
    with Workspace.open(workspace) as store:
        assert store.adherence_day(date(2026, 3, 9)) == [] and len(store.adherence_day(date(2026, 3, 2))) == 4
