"""`casashore simulate SCENARIO` with a chat or an email queue (issue 21): one queue and one group through the
channel's engine (simulate/channels.py), --json the run's record; what the engines do not draw is refused."""

import json

import pytest
from typer.testing import CliRunner

from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.simulate.inputs import scenario_from_dict

runner = CliRunner()
CHAT = """interval_min = 30
intervals = 4
[[queues]]
name = "web-chat"
skill = "chat"
channel = "chat"
aht_s = 300
max_sessions = 3
concurrency = 0.3
target_s = 60
calls = 60
[[groups]]
name = "chatters"
skills = { chat = 1 }
agents = 6
[simulation]
replications = 20
seed = 1
"""
EMAIL = """interval_min = 60
[[queues]]
name = "mail"
skill = "mail"
channel = "email"
aht_s = 600
deadline_s = 14400
deadline_share = 0.9
calls = [10, 20, 30, 20, 10, 0, 0, 0]
[[groups]]
name = "back-office"
skills = { mail = 1 }
agents = 3
[simulation]
replications = 20
"""


def simulate(tmp_path, text: str, *args: str):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return runner.invoke(app, ["simulate", str(path), *args])


def test_a_chat_scenario_runs_on_the_chat_engine_beside_its_chain(tmp_path):
    result = simulate(tmp_path, CHAT, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["channel"] == "chat" and doc["max_sessions"] == 3 and doc["replications"] == 20
    assert 0 < doc["service_level"] < 1 and 1 < doc["sessions_per_agent"] <= 3
    # Slot use (sessions held over agents x max_sessions) beside the occupancy (agents holding any chat).
    assert doc["slot_use"] == pytest.approx(doc["sessions_per_agent"] / 3)
    assert doc["slot_use_ci95"] == pytest.approx(doc["sessions_per_agent_ci95"] / 3)
    assert doc["slot_use"] < doc["occupancy"]
    assert doc["formula"]["slot_use"] == pytest.approx(doc["formula"]["sessions_per_agent"] / 3)
    table = simulate(tmp_path, CHAT).output
    assert "agents holding a chat" in table and "slot use" in table
    assert doc["formula"]["service_level"] is not None  # constant demand, exponential laws: the chain beside it
    again = json.loads(simulate(tmp_path, CHAT, "--json").stdout)
    assert {k: v for k, v in again.items() if k != "calls_per_second"} == {
        k: v for k, v in doc.items() if k != "calls_per_second"}  # the same seed, the same figures


def test_an_email_scenario_runs_on_the_email_engine_beside_its_fluid(tmp_path):
    result = simulate(tmp_path, EMAIL, "--json", "--output", str(tmp_path / "rows.csv"))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["channel"] == "email" and doc["deadline_s"] == 14400 and len(doc["intervals"]) == 8
    # 90 items over 5 hours, 3 agents at 600 s: 18 an hour; the fluid's backlog peaks at 16 after hour 4
    assert doc["fluid"]["backlog"] == pytest.approx([0, 0, 2, 14, 16, 8, 0, 0, 0])
    assert doc["share_within_deadline"] > 0.9 and doc["items_offered"] == pytest.approx(90, rel=0.15)
    assert (tmp_path / "rows.csv").read_text().count("\n") == 9  # a header and a row per interval
    shown = simulate(tmp_path, EMAIL)
    assert shown.exit_code == 0 and "share within the deadline" in shown.stdout
    # an item waits minutes to hours: its mean wait is said in them, not in thousands of seconds
    from casashore.report.i18n import wait

    wait_row = next(line for line in shown.stdout.splitlines() if "mean wait" in line)
    assert doc["asa"] >= 60 and wait(doc["asa"], "en") in wait_row and "(s)" not in wait_row, wait_row
    assert wait(doc["asa"], "en").endswith((" min", " h")), wait_row


@pytest.mark.parametrize("change, field", [
    (lambda d: d["queues"].append({**d["queues"][0], "name": "other"}), "queues[0].channel"),
    (lambda d: d["queues"][0].update(forecast_cv=0.1), "queues[0].forecast_cv"),
    (lambda d: d["queues"][0].update(handle={"distribution": "empirical", "values_s": [60]}),
     "queues[0].handle.distribution"),
    (lambda d: d["queues"][0].update(patience_s=60, patience={"distribution": "gamma"}),
     "queues[0].patience.distribution"),
])
def test_what_the_chat_engine_does_not_draw_is_refused(change, field):
    import tomllib

    data = tomllib.loads(CHAT)
    change(data)
    with pytest.raises(UserError) as error:
        scenario_from_dict(data)
    assert error.value.field == field


def test_trace_staff_and_route_drive_stay_voice_only(tmp_path):
    trace = simulate(tmp_path, CHAT, "--trace", str(tmp_path / "t.csv"))
    assert trace.exit_code == 2 and "no --trace with a chat scenario" in trace.stderr
    staff = simulate(tmp_path, EMAIL, "--staff")
    assert staff.exit_code == 2 and "queues[0].channel" in staff.stderr and "--staff" in staff.stderr
    path = tmp_path / "s.toml"
    drive = runner.invoke(app, ["route", "drive", str(path)])
    assert drive.exit_code == 2 and "takes voice queues only" in drive.stderr


def test_a_chat_run_says_why_it_differs_from_its_chain(tmp_path):
    """The chain beside a chat run is the steady state; the run counts from a centre opening empty: said under the
    table with the warm-up used (docs/simulation.md, "Chat and email")."""
    shown = simulate(tmp_path, CHAT).output
    assert "formula: the chat chain's steady state" in shown and "warmup_min (here none)" in shown
    assert "[simulation] warmup_min" in shown  # said as the scenario spells it, not eaten as markup
    asa_row = next(line for line in shown.splitlines() if "ASA (s)" in line)
    assert "—" not in asa_row.split("ASA (s)")[1]  # no patience: the chain's ASA of answered sessions beside it
    warmed = simulate(tmp_path, CHAT + "warmup_min = 30\n").output
    assert "warmup_min (here 30 minutes)" in warmed


BLEND = """interval_min = 15
[[queues]]
name = "fr_voice"
skill = "fr"
aht_s = 180
patience_s = 120
calls = [100, 120]
[[queues]]
name = "fr_mail"
skill = "fr"
channel = "email"
aht_s = 300
deadline_s = 7200
deadline_share = 0.9
calls = 20
[[groups]]
name = "pool"
skills = { fr = 1 }
agents = 30
[simulation]
replications = 10
seed = 3
"""


def test_a_blended_scenario_runs_on_the_blended_engine_per_channel(tmp_path):
    """Voice and email on one skill and one group (the trial's blend.toml, issue 21 M1): the blended engine's run,
    the very figures `simulate_blend` gives for the same pool, a row per channel with its 95 % interval."""
    from casashore.simulate.blend_engine import blend_centre
    from casashore.simulate.channels import simulate_blend

    result = simulate(tmp_path, BLEND, "--json", "--output", str(tmp_path / "rows.csv"))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["channels"] == ["voice", "email"] and doc["queues"] == {"voice": "fr_voice", "email": "fr_mail"}
    direct = simulate_blend(blend_centre([100, 120], 180, 20, 300, 30, 900, 7200, patience_s=120), 10, 3)[1]
    assert doc["voice"] == direct.voice.to_json() and doc["email_share_within_deadline"] == \
        direct.email_share_within_deadline and doc["occupancy"] == direct.occupancy
    assert doc["voice"]["service_level_ci95"] is not None and doc["email_share_within_deadline_ci95"] is not None
    rows = (tmp_path / "rows.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[1].startswith("voice,fr_voice") and rows[2].startswith("email,fr_mail")
    shown = simulate(tmp_path, BLEND)
    assert shown.exit_code == 0 and "blended pool" in shown.stdout and "fr_mail" in shown.stdout
    from casashore.report.i18n import wait  # each row's wait in its own unit, the column saying none

    email_row = next(line for line in shown.stdout.splitlines() if "fr_mail" in line)
    assert wait(doc["email_asa"], "en") in email_row and "ASA (s)" not in shown.stdout, shown.stdout
    trace = simulate(tmp_path, BLEND, "--trace", str(tmp_path / "t.parquet"))
    assert trace.exit_code == 2 and "no --trace with a blended scenario" in trace.stderr


@pytest.mark.parametrize("change, field, says", [
    (lambda d: d["queues"][0].update(forecast_cv=0.1), "queues[0].forecast_cv", "blended pool"),
    (lambda d: d["groups"][0].update(delay_s={"fr": 5}), "groups[0].delay_s.fr", "blended pool"),
    (lambda d: d["queues"][1].update(skill="en") or d["groups"][0]["skills"].update(en=1), "queues[1].channel",
     "all on one skill"),
    (lambda d: d["groups"].append({"name": "more", "skills": {"fr": 1}, "agents": 2}), "queues[1].channel",
     "one agent group"),
])
def test_what_the_blended_engine_does_not_draw_is_refused(change, field, says):
    import tomllib

    data = tomllib.loads(BLEND)
    change(data)
    with pytest.raises(UserError) as error:
        scenario_from_dict(data)
    assert error.value.field == field and says in str(error.value)


@pytest.mark.parametrize("example, channel", [("simulate-chat.toml", "chat"), ("simulate-email.toml", "email")])
def test_the_shipped_chat_and_email_examples_run_through_the_command_line(example, channel):
    from pathlib import Path

    path = Path(__file__).parent.parent / "examples" / example
    assert path.read_text().startswith("#")  # documented in its header
    result = runner.invoke(app, ["simulate", str(path), "--replications", "3", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["channel"] == channel and doc["replications"] == 3 and 0 < doc["service_level" if channel == "chat"
                                                                              else "share_within_deadline"] <= 1


def table_row(shown: str, label: str) -> list[str]:
    """The cells of the table row starting with ``label`` (rich's box characters dropped)."""
    line = next(line for line in shown.splitlines() if label in line)
    return [cell.strip() for cell in line.replace("│", "|").split("|") if cell.strip()]


def test_chat_and_email_tables_show_each_measure_in_its_precision_and_the_warmup_note_only_when_short(tmp_path):
    warmed = simulate(tmp_path, CHAT.replace("[simulation]", "[simulation]\nwarmup_min = 120"), "--replications", "4")
    assert warmed.exit_code == 0, warmed.output
    assert "chat chain's steady state" not in warmed.stdout  # the advised warm-up given: nothing to explain
    asa = table_row(warmed.stdout, "ASA (s)")
    assert all(len(cell.split(".")[1]) == 1 for cell in asa[1:]), asa  # seconds to 0.1, the formula's too
    held = table_row(warmed.stdout, "sessions per agent")
    assert all(len(cell.split(".")[1]) == 2 for cell in held[1:]), held
    short = simulate(tmp_path, CHAT.replace("[simulation]", "[simulation]\nwarmup_min = 60"), "--replications", "4")
    assert "chat chain's steady state" in short.stdout and "here 60 minutes" in short.stdout
    email = simulate(tmp_path, EMAIL, "--replications", "4")
    left = table_row(email.stdout, "open at the end")
    assert len(left) == 3 and all(len(cell.split(".")[1]) == 1 for cell in left[1:]), left  # 1,435.5 beside 1,400.0


def test_a_blended_tables_chat_sessions_per_agent_says_it_is_over_the_whole_pool(tmp_path):
    chat = BLEND.replace('channel = "email"\naht_s = 300\ndeadline_s = 7200\ndeadline_share = 0.9',
                         'channel = "chat"\naht_s = 300\nmax_sessions = 3\nconcurrency = 0.3\ntarget_s = 60')
    shown = simulate(tmp_path, chat, "--replications", "3")
    assert shown.exit_code == 0, shown.output
    flat = "".join(shown.stdout.split()).replace("│", "").replace("┃", "")  # a header may fold over lines
    assert "chatsessionsperagent(wholepool)" in flat, shown.stdout
