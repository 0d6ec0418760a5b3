"""The channel on call records and interval reports (issue 21): an optional column, voice by default, one channel
per queue, checked against the workspace; the forecast runs per queue whatever its channel."""

import csv
import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.workspace.store import Workspace
from conftest import workspace_file, write_csv

runner = CliRunner()
MAPPING = """
time_zone = "Europe/Paris"
[columns]
call_id = "id"
queue = "queue"
arrival = "arrived"
wait_s = "wait"
outcome = "result"
handle_s = "talk"
{channel}
[outcomes]
answered = ["ANSWERED"]
abandoned = ["ABANDONED"]
"""


def log(path: Path, channels: dict[str, str], n: int = 30, bad: tuple[int, str] | None = None) -> Path:
    rows = []
    for i in range(n):
        queue = sorted(channels)[i % len(channels)]
        rows.append([f"c{i}", queue, f"2026-03-02 {8 + i // 10:02d}:{(3 * i) % 60:02d}:00", "5", "ANSWERED", "300",
                     channels[queue]])
    if bad is not None:
        rows[bad[0]][6] = bad[1]
    return write_csv(path, ["id", "queue", "arrived", "wait", "result", "talk", "kind"], rows)


def imported(tmp_path: Path, path: Path, with_column: bool = True, workspace: str = "w.duckdb"):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.format(channel='channel = "kind"' if with_column else ""))
    return runner.invoke(app, ["import", str(path), "--mapping", str(mapping), "--workspace",
                               str(tmp_path / workspace), "--json"])


def test_the_channel_column_is_recorded_per_call_and_per_queue(tmp_path):
    result = imported(tmp_path, log(tmp_path / "a.csv", {"fr_chat": "Chat", "fr_mail": "email", "fr_voice": ""}))
    assert result.exit_code == 0, result.output
    con = workspace_file(tmp_path / "w.duckdb")
    assert con.execute("SELECT queue, channel FROM queues ORDER BY 1").fetchall() == [
        ("fr_chat", "chat"), ("fr_mail", "email"), ("fr_voice", "voice")]
    assert con.execute("SELECT channel, count(*) FROM calls GROUP BY 1 ORDER BY 1").fetchall() == [
        ("chat", 10), ("email", 10), ("voice", 10)]
    con.close()
    with Workspace.open(tmp_path / "w.duckdb", create=False) as workspace:
        assert workspace.queue_channel("fr_mail") == "email" and workspace.queue_channel("nope") is None
    assert json.loads(result.stdout)["channels"] == {"fr_chat": "chat", "fr_mail": "email", "fr_voice": "voice"}
    again = runner.invoke(app, ["import", str(log(tmp_path / "b.csv", {"fr_voice": ""}, n=3)), "--mapping",
                                str(tmp_path / "m.toml"), "--workspace", str(tmp_path / "w.duckdb")])
    assert "calls added" in again.output and "(queues and their channels: fr_voice: voice)" in again.output

    shown = runner.invoke(app, ["history", "--workspace", str(tmp_path / "w.duckdb"), "--json"])
    queues = {q["queue"]: q for q in json.loads(shown.stdout)["queues"]}
    assert {name: q["channel"] for name, q in queues.items()} == {"fr_chat": "chat", "fr_mail": "email",
                                                                  "fr_voice": "voice"}
    assert queues["fr_mail"]["patience_median_s_kaplan_meier"] is None  # an email item never abandons
    assert queues["fr_mail"]["patience_mean_s_exponential"] is None
    table = runner.invoke(app, ["history", "--workspace", str(tmp_path / "w.duckdb")]).output
    assert "channel" in table and "email" in table


def test_every_history_interval_row_carries_its_queues_channel(tmp_path):
    """`history --json` and `--output`: each interval row says its queue's channel, as the imports recorded it."""
    path = log(tmp_path / "a.csv", {"fr_chat": "chat", "fr_mail": "email", "fr_voice": ""})
    assert imported(tmp_path, path).exit_code == 0
    out = tmp_path / "h.csv"
    shown = runner.invoke(app, ["history", "--workspace", str(tmp_path / "w.duckdb"), "--interval", "30m",
                                "--output", str(out), "--json"])
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)["intervals"]
    expected = {"fr_chat": "chat", "fr_mail": "email", "fr_voice": "voice"}
    assert {r["queue"] for r in rows} == set(expected)
    assert all(r["channel"] == expected[r["queue"]] for r in rows)
    written = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(written) == len(rows) and all(r["channel"] == expected[r["queue"]] for r in written)


def test_an_import_counts_an_email_log_s_items_and_a_mixed_log_s_contacts(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.format(channel='channel = "kind"'))
    said = {}
    for name, channels in (("mail", {"fr_mail": "email"}), ("chat", {"fr_chat": "chat"}),
                           ("mixed", {"fr_chat": "chat", "fr_mail": "email", "fr_voice": ""})):
        result = runner.invoke(app, ["import", str(log(tmp_path / f"{name}.csv", channels)), "--mapping",
                                     str(mapping), "--workspace", str(tmp_path / f"{name}.duckdb")])
        assert result.exit_code == 0, result.output
        said[name] = result.output
    assert "30 items added" in said["mail"] and "30 chats added" in said["chat"], said
    assert "30 contacts added" in said["mixed"] and "calls" not in said["mail"] + said["chat"], said


def test_the_history_heatmap_counts_each_queue_s_contacts_in_its_channel_s_word(tmp_path):
    result = imported(tmp_path, log(tmp_path / "a.csv", {"fr_chat": "Chat", "fr_mail": "email", "fr_voice": ""}))
    assert result.exit_code == 0, result.output
    heatmap = tmp_path / "heatmap.html"
    done = runner.invoke(app, ["history", "--workspace", str(tmp_path / "w.duckdb"), "--interval", "60m", "--plot",
                               str(heatmap)])
    assert done.exit_code == 0, done.output
    drawn = heatmap.read_text()
    for word in ("items", "chats", "calls"):
        assert f"mean offered {word} per interval" in drawn, word
    assert "When contacts come" in drawn and "When calls come" not in drawn


def test_without_the_column_every_call_is_voice(tmp_path):
    assert imported(tmp_path, log(tmp_path / "a.csv", {"fr": "chat"}), with_column=False).exit_code == 0
    con = workspace_file(tmp_path / "w.duckdb")
    assert con.execute("SELECT DISTINCT channel FROM calls").fetchall() == [("voice",)]
    assert con.execute("SELECT channel FROM queues").fetchall() == [("voice",)]
    con.close()


def test_a_bad_channel_names_its_line_and_imports_nothing(tmp_path):
    result = imported(tmp_path, log(tmp_path / "a.csv", {"fr": "chat"}, bad=(4, "sms")))
    assert result.exit_code == 2 and "line 6" in result.stderr and "channel:" in result.stderr
    assert "voice, chat or email" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_one_channel_per_queue_in_a_file_and_across_imports(tmp_path):
    rows = log(tmp_path / "mixed.csv", {"fr": "chat"}, bad=(3, "email"))
    result = imported(tmp_path, rows)
    assert result.exit_code == 2 and "one channel per queue" in result.stderr
    assert imported(tmp_path, log(tmp_path / "a.csv", {"fr": "chat"})).exit_code == 0
    again = imported(tmp_path, log(tmp_path / "b.csv", {"fr": "email"}, n=31))
    assert again.exit_code == 2 and "is a chat queue in the workspace" in again.stderr
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM calls").fetchall() == [(30,)]  # the refused import left nothing
    con.close()


def test_an_interval_report_carries_its_channel(tmp_path):
    mapping = tmp_path / "r.toml"
    mapping.write_text('kind = "intervals"\ntime_zone = "Europe/Paris"\ninterval_min = 60\n'
                       '[columns]\nqueue = "q"\nstart = "s"\noffered = "n"\nchannel = "c"\n')
    report = write_csv(tmp_path / "r.csv", ["q", "s", "n", "c"],
                       [["mail", f"2026-03-02 {h:02d}:00", "4", "email"] for h in range(24)])
    result = runner.invoke(app, ["import", str(report), "--mapping", str(mapping), "--workspace",
                                 str(tmp_path / "w.duckdb"), "--json"])
    assert result.exit_code == 0, result.output and json.loads(result.stdout)["calls_added"] == 24
    con = workspace_file(tmp_path / "w.duckdb")
    assert con.execute("SELECT DISTINCT channel FROM intervals").fetchall() == [("email",)]
    assert con.execute("SELECT channel FROM queues").fetchall() == [("email",)]
    con.close()


def test_email_s_service_level_is_null_without_a_deadline_and_measured_against_it_with_one(tmp_path):
    """An email's goal is a share answered within its deadline: --target (a wait of seconds) says nothing of it."""
    assert imported(tmp_path, log(tmp_path / "a.csv", {"fr_chat": "chat", "fr_mail": "email"})).exit_code == 0
    out = tmp_path / "h.csv"

    def shown(*extra: str) -> dict:
        done = runner.invoke(app, ["history", "--workspace", str(tmp_path / "w.duckdb"), "--interval", "1h",
                                   "--output", str(out), "--json", *extra])
        assert done.exit_code == 0, done.output
        return json.loads(done.stdout)

    plain = shown()
    levels = {(r["queue"], r["service_level"]) for r in plain["intervals"]}
    assert levels == {("fr_chat", 1.0), ("fr_mail", None)}  # waits of 5 s, within the 20 s target
    assert all(r["service_level"] == "" for r in csv.DictReader(out.open(encoding="utf-8"))
               if r["queue"] == "fr_mail")
    notes = {q["queue"]: q["note"] for q in plain["queues"]}
    assert notes["fr_chat"] is None and "deadline" in notes["fr_mail"] and "--deadline" in notes["fr_mail"]
    assert {(r["queue"], r["service_level"]) for r in shown("--deadline", "1h")["intervals"]} == {
        ("fr_chat", 1.0), ("fr_mail", 1.0)}
    late = shown("--deadline", "4s", "--target", "4s")
    assert {(r["queue"], r["service_level"]) for r in late["intervals"]} == {("fr_chat", 0.0), ("fr_mail", 0.0)}
    assert all(q["note"] is None for q in late["queues"])
    bad = runner.invoke(app, ["history", "--workspace", str(tmp_path / "w.duckdb"), "--deadline", "soon"])
    assert bad.exit_code == 2 and "deadline" in bad.stderr and "Traceback" not in bad.output


def test_a_bad_channel_shows_its_cell_not_its_row(tmp_path):
    result = imported(tmp_path, log(tmp_path / "a.csv", {"fr": "chat"}, bad=(4, "sms")))
    assert result.exit_code == 2 and "a.csv line 6: channel: 'sms' is not valid" in result.stderr, result.stderr
    assert "ANSWERED" not in result.stderr and "{" not in result.stderr


def test_a_queue_given_two_channels_in_a_file_names_the_line_of_the_second(tmp_path):
    result = imported(tmp_path, log(tmp_path / "mixed.csv", {"fr": "chat"}, bad=(3, "Email")))
    assert result.exit_code == 2, result.output
    assert "mixed.csv line 5: channel: 'email' is not valid" in result.stderr, result.stderr
    assert "queue 'fr' is chat in the rows before" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_an_abandoned_email_is_refused_naming_its_line_and_nothing_is_imported(tmp_path):
    path = log(tmp_path / "a.csv", {"fr_mail": "email", "fr_voice": "voice"})
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[8][4] = "ABANDONED"  # line 9: fr_voice's, an abandoned call: valid
    rows[9][4] = "ABANDONED"  # line 10: fr_mail's
    assert (rows[8][1], rows[9][1]) == ("fr_voice", "fr_mail")
    write_csv(path, rows[0], rows[1:])
    result = imported(tmp_path, path)
    assert result.exit_code == 2, result.output
    assert "a.csv line 10: outcome: 'ABANDONED' is not valid" in result.stderr, result.stderr
    assert "an email item never abandons" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_a_forecast_of_queues_all_too_short_names_every_one(tmp_path):
    assert imported(tmp_path, log(tmp_path / "a.csv", {"fr_chat": "chat", "fr_mail": "email", "fr": ""})).exit_code == 0
    result = runner.invoke(app, ["forecast", "--workspace", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2, result.output
    for queue in ("fr", "fr_chat", "fr_mail"):
        assert f"days of {queue}" in result.stderr, result.stderr
    assert "expected at least 28 days" in result.stderr and "Traceback" not in result.output


def test_an_import_of_one_contact_says_it_in_the_singular(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.format(channel='channel = "kind"'))
    said = runner.invoke(app, ["import", str(log(tmp_path / "one.csv", {"fr_mail": "email"}, n=1)), "--mapping",
                               str(mapping), "--workspace", str(tmp_path / "w.duckdb")])
    assert said.exit_code == 0, said.output
    assert "1 item added to" in said.output and "1 items" not in said.output


def test_an_interval_report_giving_a_queue_two_channels_names_the_line(tmp_path):
    mapping = tmp_path / "r.toml"
    mapping.write_text('kind = "intervals"\ntime_zone = "Europe/Paris"\ninterval_min = 60\n'
                       '[columns]\nqueue = "q"\nstart = "s"\noffered = "n"\nchannel = "c"\n')
    rows = [["mail", f"2026-03-02 {h:02d}:00", "4", "email" if h != 7 else "chat"] for h in range(24)]
    report = write_csv(tmp_path / "r.csv", ["q", "s", "n", "c"], rows)
    result = runner.invoke(app, ["import", str(report), "--mapping", str(mapping), "--workspace",
                                 str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2 and "r.csv line 9: channel: 'chat' is not valid" in result.stderr, result.stderr
    assert "queue 'mail' is email in the rows before" in result.stderr
