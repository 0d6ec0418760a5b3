"""A plan from interval reports only (issue 21 follow-up): three queues (voice, chat, email) whose history is an
ACD's half-hour report, imported, planned (`casashore plan --json`). The forecast follows the reports' counts, the
AHT is the reports' where they give it (the scenario's elsewhere), and what a report cannot give (callers'
patience: no waits) is named among the plan's assumptions, in its JSON and its report."""

import json
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.plan.pipeline import history_step
from casashore.plan.scenario import plan_scenario_from_dict
from casashore.workspace.store import Workspace
from conftest import write_csv

runner = CliRunner()
EXAMPLE = Path(__file__).parent.parent / "examples" / "casablanca-channels.toml"
REPORT = ('kind = "intervals"\ntime_zone = "Europe/Paris"\ninterval_min = 30\n[columns]\nqueue = "q"\nstart = "s"\n'
          'offered = "n"\naht_s = "aht"\nchannel = "c"\n')
FIRST = date(2026, 11, 2)  # a Monday: five weeks of reports, to Sunday 6 December; the plan starts on the 7th


def voice(day: date, hour: int) -> int:
    """Calls per half-hour: 40, 45 or 50 by the hour on weekdays 08-20, 30 on Saturdays, none on Sundays."""
    if day.weekday() == 6 or not 8 <= hour < 20:
        return 0
    return 30 if day.weekday() == 5 else 40 + (hour % 3) * 5


def chat(day: date, hour: int) -> int:
    return 0 if day.weekday() == 6 or not 8 <= hour < 22 else 12


def mail(day: date, hour: int) -> int:
    return 4 if 8 <= hour < 18 else 1


COUNTS = {"fr-banking": voice, "fr-chat": chat, "fr-email": mail}


def scenario_data() -> dict:
    """The three-channel example, one day planned, each queue's history the workspace's; the voice queue without
    patience_s (a default to name), the chat queue with its own (the scenario's to name)."""
    data = tomllib.loads(EXAMPLE.read_text())
    data["plan"] |= {"days": 1, "replications": 4}
    for queue in data["queues"]:
        del queue["synthetic"]
        queue["history"] = "workspace"
    del data["queues"][0]["patience_s"]
    return data


def import_report(folder: Path) -> Path:
    """The report: every half-hour of five weeks for the three queues; the voice calls take 240 s (the scenario
    says 300), the chats no handle time at all (an empty column), the emails 420 s."""
    rows = []
    for k in range(35):
        day = FIRST + timedelta(k)
        for hour in range(24):
            for minute in (0, 30):
                at = f"{day} {hour:02d}:{minute:02d}"
                rows += [["fr-banking", at, str(voice(day, hour)), "240", "voice"],
                         ["fr-chat", at, str(chat(day, hour)), "", "chat"],
                         ["fr-email", at, str(mail(day, hour)), "420", "email"]]
    report = write_csv(folder / "r.csv", ["q", "s", "n", "aht", "c"], rows)
    (folder / "r.toml").write_text(REPORT)
    workspace = folder / "w.duckdb"
    done = runner.invoke(app, ["import", str(report), "--mapping", str(folder / "r.toml"), "--workspace",
                               str(workspace)])
    assert done.exit_code == 0, done.output
    return workspace


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reported")
    workspace = import_report(folder)
    (folder / "s.toml").write_text(tomli_w.dumps(scenario_data()))
    done = runner.invoke(app, ["plan", str(folder / "s.toml"), "--workspace", str(workspace), "--report",
                               str(folder / "p.html"), "--json"])
    assert done.exit_code == 0, done.output
    # the same plan again, in words (its steps read back)
    said = runner.invoke(app, ["plan", str(folder / "s.toml"), "--workspace", str(workspace), "--report",
                               str(folder / "q.html")], env={"COLUMNS": "200"})
    assert said.exit_code == 0, said.output
    return json.loads(done.stdout), (folder / "p.html").read_text(), said.stdout


def test_the_forecast_follows_the_reports_counts(planned):
    plan, *_ = planned
    rows = plan["forecast"]["intervals"]
    assert {r["queue"] for r in rows} == set(COUNTS)
    for row in rows:
        at = datetime.fromisoformat(row["start"])  # the client's clock (Paris), as the report
        assert at.date() == date(2026, 12, 7)
        assert row["calls"] == pytest.approx(COUNTS[row["queue"]](at.date(), at.hour), rel=1e-6, abs=1e-6), row
    assert plan["history"]["reported"] == {"fr-banking": 5 * (5 * 24 * 45 + 24 * 30), "fr-chat": 5 * 6 * 28 * 12,
                                           "fr-email": 35 * (20 * 4 + 28)}
    assert plan["history"]["calls"] == {"fr-banking": 0, "fr-chat": 0, "fr-email": 0}


def test_the_aht_is_the_reports_where_they_give_it(planned):
    plan, *_ = planned
    assert {name: q["aht_s"] for name, q in plan["staffing"]["queues"].items()} == {
        "fr-banking": 240.0, "fr-chat": 480.0, "fr-email": 420.0}  # the chat report has none: the scenario's


def test_what_the_reports_cannot_give_is_named_as_an_assumption(planned):
    plan, report, said = planned
    assumed = [(a["queue"], a["field"], a["value"], a["source"]) for a in plan["history"]["assumptions"]]
    assert assumed == [("fr-banking", "patience_s", None, "default"), ("fr-chat", "patience_s", 300.0, "scenario"),
                       ("fr-chat", "aht_s", 480.0, "scenario")]  # the email queue: no patience, its own AHT
    assert "never to hang up" in plan["history"]["assumptions"][0]["why"]
    section = report.split("id='assumptions'")[1].split("</ul>")[0]
    assert "fr-banking: callers taken never to hang up (Erlang C" in section
    assert "fr-chat: AHT 480 s, the scenario&#x27;s aht_s" in section and "fr-email" not in section
    assert "assumed: fr-banking: callers taken never to hang up" in said and "assumed: fr-chat: AHT 480 s" in said


def test_the_voice_queue_without_patience_is_staffed_by_erlang_c(planned):
    """No patience in the scenario and none in the reports: nobody hangs up, in the staffing nor the simulation."""
    plan, *_ = planned
    (voice_row,) = [q for q in plan["simulation"]["queues"] if q["queue"] == "fr-banking"]
    assert voice_row["p_abandon"] == 0.0 and voice_row["mean_time_to_abandon"] is None


def test_a_plan_interval_the_reports_cannot_fill_is_refused(tmp_path):
    workspace = import_report(tmp_path)
    data = scenario_data()
    data["plan"]["interval_min"] = 15
    with Workspace.open(workspace) as opened, pytest.raises(UserError) as error:
        history_step(opened, plan_scenario_from_dict(data), tmp_path / "h")
    assert error.value.field == "plan.interval_min" and "a multiple of 30" in error.value.expected
    assert "interval reports of queue 'fr-banking'" in error.value.expected


def test_a_queue_without_records_is_refused_naming_both_kinds(tmp_path):
    data = scenario_data()
    with Workspace.open(tmp_path / "w.duckdb") as opened, pytest.raises(UserError) as error:
        history_step(opened, plan_scenario_from_dict(data), tmp_path / "h")
    assert error.value.field == "queues[0].history" and "call records or interval reports" in error.value.expected
