"""`casashore history` over interval reports (issue 21 follow-up): a workspace holding reports only gives their
intervals (offered, answered, abandoned, AHT, ASA as the report has them) and draws them with --plot; what needs
each call's wait (service level, patience) is None with a note saying why, never invented; a report longer than
the interval asked is refused naming the field; call records and reports of one interval add up."""

import json

import pytest
from typer.testing import CliRunner

from casashore.history.measures import interval_history, queue_summaries
from casashore.interfaces.cli.app import app
from casashore.report.figures import weekly_heatmap
from casashore.workspace.store import Workspace
from conftest import write_csv

runner = CliRunner()
HOURLY = ('kind = "intervals"\ntime_zone = "Europe/Paris"\ninterval_min = 60\n[columns]\nqueue = "q"\nstart = "s"\n'
          'offered = "n"\nanswered = "a"\nabandoned = "x"\naht_s = "aht"\nasa_s = "asa"\nchannel = "c"\n')


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Two weeks of hourly reports, 08:00-12:00 on Paris time: a voice queue (12 offered, 10 answered, 2
    abandoned, 300 s AHT, 25 s ASA) and a chat queue (6 offered, all answered, 200 s)."""
    tmp = tmp_path_factory.mktemp("reports")
    (tmp / "r.toml").write_text(HOURLY)
    rows = []
    for day in range(1, 15):  # 1-14 June 2026: Monday to Sunday twice
        for hour in range(8, 12):
            rows.append(["phone", f"2026-06-{day:02d} {hour:02d}:00", "12", "10", "2", "300", "25", "voice"])
            rows.append(["web", f"2026-06-{day:02d} {hour:02d}:00", "6", "6", "0", "200", "", "chat"])
    report = write_csv(tmp / "r.csv", ["q", "s", "n", "a", "x", "aht", "asa", "c"], rows)
    path = tmp / "w.duckdb"
    done = runner.invoke(app, ["import", str(report), "--mapping", str(tmp / "r.toml"), "--workspace", str(path)])
    assert done.exit_code == 0, done.output
    return path


def test_history_gives_the_reports_intervals_and_says_what_they_cannot_give(workspace):
    done = runner.invoke(app, ["history", "--workspace", str(workspace), "--interval", "1h", "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    phone = [r for r in out["intervals"] if r["queue"] == "phone"]
    assert len(phone) == 14 * 4 and phone[0]["start"] == "2026-06-01T08:00:00"
    assert {(r["offered"], r["answered"], r["abandoned"], r["aht_s"], r["asa_s"], r["source"]) for r in phone} == {
        (12, 10, 2, 300.0, 25.0, "intervals")}
    assert all(r["p_abandon"] == pytest.approx(2 / 12) for r in phone)
    assert all(r["service_level"] is None for r in out["intervals"])  # a report has no waits: no SL is invented
    web = [r for r in out["intervals"] if r["queue"] == "web"]
    assert {(r["offered"], r["aht_s"], r["asa_s"]) for r in web} == {(6, 200.0, None)}  # no ASA in the report
    queues = {q["queue"]: q for q in out["queues"]}
    assert queues["phone"]["offered"] == 14 * 4 * 12 and queues["phone"]["abandoned"] == 14 * 4 * 2
    assert queues["phone"]["records"] == "intervals" and queues["web"]["channel"] == "chat"
    for q in queues.values():
        assert q["patience_mean_s_exponential"] is None and q["patience_median_s_kaplan_meier"] is None
        assert "need call records" in q["note"]
    table = runner.invoke(app, ["history", "--workspace", str(workspace), "--interval", "1h"],
                          env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "phone: interval reports only" in table.stdout, table.output


def test_an_email_queue_s_note_speaks_of_items_not_patience(tmp_path):
    (tmp_path / "r.toml").write_text(HOURLY)
    report = write_csv(tmp_path / "r.csv", ["q", "s", "n", "a", "x", "aht", "asa", "c"],
                       [["mail", "2026-06-01 08:00", "9", "9", "", "400", "", "email"]])
    path = str(tmp_path / "w.duckdb")
    done = runner.invoke(app, ["import", str(report), "--mapping", str(tmp_path / "r.toml"), "--workspace", path])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["history", "--workspace", path, "--interval", "1h", "--json"])
    (queue,) = json.loads(done.stdout)["queues"]
    assert queue["note"].startswith("interval reports only: the share answered within the target needs call")
    assert "patience" not in queue["note"] and queue["abandoned"] is None  # the report's abandoned left empty


def test_two_hours_add_the_reports_up(workspace):
    with Workspace.open(workspace, read_only=True) as opened:
        rows = interval_history(opened, interval_min=120, queue="phone")
    assert rows[0]["start"] == "2026-06-01T08:00:00" and len(rows) == 14 * 2
    assert (rows[0]["offered"], rows[0]["answered"], rows[0]["abandoned"], rows[0]["aht_s"]) == (24, 20, 4, 300.0)


def test_the_plot_draws_the_reports(workspace, tmp_path):
    plot = tmp_path / "heatmap.html"
    done = runner.invoke(app, ["history", "--workspace", str(workspace), "--interval", "1h", "--plot", str(plot)])
    assert done.exit_code == 0, done.output
    assert "mean offered calls per interval" in plot.read_text() and "mean offered chats" in plot.read_text()
    with Workspace.open(workspace, read_only=True) as opened:
        rows = interval_history(opened, interval_min=60)
        channels = {q["queue"]: q["channel"] for q in queue_summaries(opened, rows)}
    figure = weekly_heatmap(rows, channels)
    phone = figure.data[0]
    assert list(phone.x) == ["08:00", "09:00", "10:00", "11:00"]
    assert [list(row) for row in phone.z] == [[12.0] * 4] * 7  # every weekday twice, 12 an hour each time


def test_an_interval_shorter_than_the_reports_is_refused_naming_it(workspace):
    done = runner.invoke(app, ["history", "--workspace", str(workspace), "--interval", "30m"])
    assert done.exit_code == 2, done.output
    assert "interval: '30m' is not valid; expected a multiple of 60 minutes" in done.output
    assert "--interval 1h" in done.output and "Traceback" not in done.output


def test_a_plot_of_nothing_is_refused_naming_it(tmp_path):
    Workspace.open(tmp_path / "w.duckdb").close()
    done = runner.invoke(app, ["history", "--workspace", str(tmp_path / "w.duckdb"), "--plot",
                               str(tmp_path / "h.html")])
    assert done.exit_code == 2 and "plot:" in done.output and "casashore import first" in done.output, done.output


def test_call_records_and_a_report_of_one_interval_add_up(tmp_path):
    """A call log of 08:00-09:00 on 1 June and a report of the same hour for the same queue: one row of both."""
    log = write_csv(tmp_path / "calls.csv", ["id", "q", "at", "wait", "out", "handle"],
                    [[str(i), "phone", f"2026-06-01 08:{i * 10:02d}:00", "5", "ANSWERED", "100"] for i in range(4)])
    (tmp_path / "calls.toml").write_text(
        'time_zone = "Europe/Paris"\n[columns]\ncall_id = "id"\nqueue = "q"\narrival = "at"\nwait_s = "wait"\n'
        'outcome = "out"\nhandle_s = "handle"\n[outcomes]\nanswered = ["ANSWERED"]\nabandoned = ["ABANDONED"]\n')
    (tmp_path / "r.toml").write_text(HOURLY)
    report = write_csv(tmp_path / "r.csv", ["q", "s", "n", "a", "x", "aht", "asa", "c"],
                       [["phone", "2026-06-01 08:00", "12", "12", "0", "300", "25", "voice"]])
    path = str(tmp_path / "w.duckdb")
    for file, mapping in ((log, "calls.toml"), (report, "r.toml")):
        done = runner.invoke(app, ["import", str(file), "--mapping", str(tmp_path / mapping), "--workspace", path])
        assert done.exit_code == 0, done.output
    with Workspace.open(tmp_path / "w.duckdb", read_only=True) as opened:
        (row,) = interval_history(opened, interval_min=60)
        (queue,) = queue_summaries(opened, [row])
    assert (row["offered"], row["answered"], row["abandoned"], row["source"]) == (16, 16, 0, "calls+intervals")
    assert row["aht_s"] == pytest.approx((4 * 100 + 12 * 300) / 16)
    assert row["service_level"] is None  # 12 of the 16 have no wait to judge
    assert queue["records"] == "calls+intervals" and "patience from the call records" in queue["note"]
