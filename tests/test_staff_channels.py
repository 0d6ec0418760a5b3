"""`casashore staff` and `POST /api/staff` on the chat and email channels give the same answer: the chat chain's
agents, and the email backlog's (checked by hand: items arriving day and night worked in 10 open hours)."""

import json
import warnings

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from casashore.interfaces.cli.app import app as cli  # noqa: E402
from casashore.interfaces.web.api import create_app  # noqa: E402


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return TestClient(create_app(tmp_path_factory.mktemp("ws") / "ws"), base_url="http://127.0.0.1:8000")


def staff_cli(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["staff", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_email_staffing_is_the_workload_over_the_open_hours_when_the_deadline_spans_the_closed_ones(api):
    # 2,400 items a day x 300 s = 200 agent-hours, worked in 10 open hours: 20 agents keep up, and a 24 h
    # deadline is met by every item (the 14 closed hours leave 1,400 waiting, taken up the next morning)
    cli_row = staff_cli("--channel", "email", "--calls", "2400", "--interval", "24h", "--open", "10h", "--aht", "5m",
                        "--deadline", "24h", "--service-level", "0.95")
    assert (cli_row["agents"], cli_row["backlog_max"], cli_row["service_level"]) == (20, 1400.0, 1.0)
    api_row = api.post("/api/staff", json={"channel": "email", "calls": 2400, "interval_min": 1440, "open_min": 600,
                                           "aht_s": 300, "deadline_s": 86400, "service_level": 0.95}).json()
    assert {k: api_row[k] for k in cli_row} == cli_row
    always_open = staff_cli("--channel", "email", "--calls", "2400", "--interval", "24h", "--aht", "5m",
                            "--deadline", "1h", "--service-level", "0.95")
    assert always_open["agents"] == 9  # 8.33 agents of workload, no backlog with 9


def test_chat_staffing_through_the_api_is_the_clis(api):
    cli_row = staff_cli("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--calls", "400",
                        "--interval", "15m", "--aht", "5m", "--target", "60", "--service-level", "0.8")
    api_row = api.post("/api/staff", json={"channel": "chat", "max_sessions": 3, "concurrency": 0.3, "calls": 400,
                                           "interval_min": 15, "aht_s": 300, "target_s": 60,
                                           "service_level": 0.8}).json()
    assert {k: api_row[k] for k in cli_row} == cli_row and cli_row["agents"] == 74


@pytest.mark.parametrize("body, words", [
    ({"channel": "chat", "calls": 400, "aht_s": 300}, "a chat case needs max_sessions and concurrency"),
    ({"calls": 400, "aht_s": 300, "deadline_s": 3600}, "no deadline_s on a voice case"),
    ({"channel": "email", "calls": 2400, "interval_min": 1440, "open_min": 600, "aht_s": 300, "deadline_s": 3600},
     "at most 0.4583 of the items can be taken up within the deadline"),
])
def test_a_wrong_channel_case_is_refused_in_words(api, body, words):
    answer = api.post("/api/staff", json=body)
    assert answer.status_code == 422 and words in answer.json()["error"], answer.json()
    assert not any(leak in answer.json()["error"] for leak in ("Input should", "Value error"))


EMAIL = {"channel": "email", "calls": 2400, "interval_min": 1440, "aht_s": 300, "deadline_s": 3600}


@pytest.mark.parametrize("body, field, value, words", [
    ({"channel": "chat", "calls": 400, "aht_s": 300}, "max_sessions", "missing",
     "a value: a chat case needs max_sessions and concurrency"),
    ({"channel": "chat", "calls": 400, "aht_s": 300, "max_sessions": 3}, "concurrency", "missing", "a value"),
    ({"calls": 400, "aht_s": 300, "max_sessions": 3}, "max_sessions", "3", "no max_sessions on a voice case"),
    ({"channel": "email", "calls": 10, "aht_s": 300}, "deadline_s", "missing", "a value: an email case needs"),
    ({**EMAIL, "concurrency": 0.5}, "concurrency", "0.5", "no concurrency on an email case"),
    ({"calls": 400, "aht_s": 300, "open_min": 60}, "open_min", "60.0", "no open_min on a voice case"),
    ({**EMAIL, "patience_s": 60}, "patience_s", "60.0", "no patience_s on an email case"),
    ({**EMAIL, "interval_min": 60, "open_min": 120}, "open_min", "120.0", "at most interval_min (60)"),
    ({**EMAIL, "open_min": 1.001}, "open_min", "1.001", "whole seconds"),
    ({**EMAIL, "open_min": 1439.75}, "open_min", "1439.75", "equal slices"),
    # a share the open hours cannot give is named by the request's word, service_level, not the backlog's
    ({**EMAIL, "open_min": 600, "service_level": 0.9}, "service_level", "0.9", "at most 0.4583 of the items"),
    # the workload of an email case is handled in its open time: 2e8 x 300 s in 60 min is 1.67e7 agents
    ({**EMAIL, "calls": 2e8, "open_min": 60}, "calls", "200000000.0",
     "at most 1.2e+07 with aht_s 300 over open_min 60"),
    ({"calls": 1e9, "aht_s": 3000}, "calls", "1000000000.0", "at most 6e+05 with aht_s 3000 over interval_min 30"),
])
def test_every_refusal_names_the_request_field_its_value_and_what_it_needs(api, body, field, value, words):
    """tests/test_validation_words.py's rule on the channels' checks: the field as the request spells it (never
    ``body``, nor the backlog's ``deadline_share``), the value sent and what it needs, in words."""
    answer = api.post("/api/staff", json=body)
    error = answer.json()
    assert answer.status_code == 422 and error["field"] == field, error
    shown = "missing; expected " if value == "missing" else f"{value} is not valid; expected "
    assert error["error"].startswith(f"{field}: {shown}") and words in error["error"], error
    assert [d["field"] for d in error["details"]] == [field], error
    assert not any(leak in error["error"] for leak in ("Input should", "Value error", "body", "deadline_share"))


def test_the_email_traffic_bound_is_over_the_open_time_not_the_whole_interval(api):  # the API's and the CLI's
    # 1.19e7 items x 300 s over 24 h is 41,319 agents of workload, but worked in 1 open hour 991,667: allowed, and
    # staffed at that; 1.21e7 would be over a million agents in the open hour although 42,014 over the day
    body = {**EMAIL, "calls": 1.19e7, "open_min": 60, "deadline_s": 86400, "service_level": 0.5}
    assert api.post("/api/staff", json=body).json()["agents"] == 991_667
    over = api.post("/api/staff", json={**body, "calls": 1.21e7}).json()
    assert over["field"] == "calls" and "1.01e+06 Erlangs" in over["error"], over
    said = CliRunner().invoke(cli, ["staff", "--channel", "email", "--calls", "1.21e7", "--interval", "24h", "--open",
                                    "1h", "--aht", "5m", "--deadline", "24h", "--service-level", "0.5"])
    assert said.exit_code == 2 and "traffic: 1008333.3" in said.output and "open time" in said.output, said.output


def test_the_cli_names_service_level_when_the_open_hours_cannot_give_it():
    result = CliRunner().invoke(cli, ["staff", "--channel", "email", "--calls", "2400", "--interval", "24h",
                                      "--open", "10h", "--aht", "5m", "--deadline", "1h", "--service-level", "0.9"])
    assert result.exit_code == 2 and "service_level: 0.9 is not valid; expected a share the open" in result.output
    assert "deadline_share" not in result.output


def test_the_cli_refuses_an_email_case_without_its_deadline():
    result = CliRunner().invoke(cli, ["staff", "--channel", "email", "--calls", "10", "--aht", "5m",
                                      "--service-level", "0.9"])
    assert result.exit_code == 2 and "deadline: missing" in result.output


def test_an_email_case_evaluates_fixed_agents_against_a_hand_calculation(api):
    # 2,400 items a day (100 an hour) worked by 20 agents (240 an hour) in the first 10 hours: the 1,400 items of
    # the 14 closed hours wait for the morning, FIFO. An item that came s hours before the opening is taken up at
    # 100 (14 - s) / 240 hours after it: more than 12 h later for s above 10.571 (1,480 / 140), i.e. 342.86 items,
    # 1/7 of the day's, miss a 12-hour deadline; the backlog is largest at the opening, 1,400
    args = ("--channel", "email", "--calls", "2400", "--interval", "1d", "--open", "10h", "--aht", "5m",
            "--deadline", "12h", "--agents", "20")
    cli_row = staff_cli(*args)
    assert cli_row["service_level"] == pytest.approx(6 / 7, abs=1e-9)
    assert (cli_row["agents"], cli_row["backlog_max"]) == (20, pytest.approx(1400.0))
    api_row = api.post("/api/staff", json={"channel": "email", "calls": 2400, "interval_min": 1440, "open_min": 600,
                                           "aht_s": 300, "deadline_s": 43200, "agents": 20}).json()
    assert {k: api_row[k] for k in cli_row} == cli_row
    short = CliRunner().invoke(cli, ["staff", *args[:-1], "19"])
    assert short.exit_code == 2 and "agents: 19 is not valid; expected at least 20" in short.output


@pytest.mark.parametrize("args, words", [
    (("--deadline", "721h"), "deadline: '721h' is not valid; expected a deadline from 60 s (1m) to 30 days"),
    (("--deadline", "59s"), "deadline: '59s' is not valid; expected a deadline from 60 s (1m) to 30 days"),
    (("--deadline", "24h", "--service-level", "0"), "service_level: '0' is not valid; expected a share in (0, 1)"),
    (("--deadline", "24h", "--service-level", "1"), "service_level: '1' is not valid; expected a share in (0, 1)"),
])
def test_an_email_case_s_deadline_and_share_are_refused_in_one_domain(args, words):
    result = CliRunner().invoke(cli, ["staff", "--channel", "email", "--calls", "2400", "--interval", "24h", "--aht",
                                      "5m", "--service-level", "0.9", *args])
    assert result.exit_code == 2 and words in result.output, result.output


def test_a_deadline_of_days_and_one_of_30_days_are_taken():
    row = staff_cli("--channel", "email", "--calls", "2400", "--interval", "24h", "--aht", "5m", "--deadline", "30d",
                    "--service-level", "0.9")
    assert row["deadline_s"] == 30 * 86400.0


def test_an_email_row_names_its_deadline_and_open_time_in_seconds_in_the_json_csv_and_api(api, tmp_path):
    args = ("--channel", "email", "--calls", "2400", "--interval", "24h", "--open", "10h", "--aht", "5m",
            "--deadline", "24h", "--service-level", "0.95")
    row = staff_cli(*args)
    assert (row["deadline_s"], row["open_s"]) == (86400.0, 36000.0) and not {"deadline", "open"} & set(row)
    written = tmp_path / "email.csv"
    assert CliRunner().invoke(cli, ["staff", *args, "--output", str(written)]).exit_code == 0
    header = written.read_text().splitlines()[0].split(",")
    assert {"deadline_s", "open_s"} <= set(header) and not {"deadline", "open"} & set(header)
    answer = api.post("/api/staff", json={**EMAIL, "deadline_s": 86400, "open_min": 600,
                                          "service_level": 0.95}).json()
    assert (answer["deadline_s"], answer["open_s"]) == (86400.0, 36000.0) and not {"deadline", "open"} & set(answer)


EMAIL_ARGS = ("staff", "--channel", "email", "--calls", "2400", "--interval", "24h", "--aht", "5m", "--deadline",
              "24h", "--service-level", "0.95")


@pytest.mark.parametrize("option, value, words", [
    # --target 20 is the voice default's value: given with email it is refused all the same, not taken for it
    ("--target", "20", "target: '20' is not valid; expected no --target with --channel email (email's service "
                       "level is the share taken up within --deadline"),
    ("--target", "30s", "target: '30s' is not valid; expected no --target with --channel email"),
    ("--patience", "2m", "patience: '2m' is not valid; expected no --patience with --channel email (items never "
                         "abandon)"),
    ("--asa", "60", "asa: '60' is not valid; expected no --asa with --channel email"),
    ("--max-sessions", "3", "max_sessions: '3' is not valid; expected no --max-sessions with --channel email (it is "
                            "for --channel chat)"),
    ("--concurrency", "0.3", "concurrency: '0.3' is not valid; expected no --concurrency with --channel email"),
])
def test_an_option_that_means_nothing_for_email_is_refused_even_at_the_voice_default(option, value, words):
    result = CliRunner().invoke(cli, [*EMAIL_ARGS, option, value], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and words in " ".join(result.output.split()), result.output


@pytest.mark.parametrize("args, words", [
    (("--max-sessions", "3"), "max_sessions: '3' is not valid; expected no --max-sessions on voice"),
    (("--concurrency", "0.3"), "concurrency: '0.3' is not valid; expected no --concurrency on voice"),
    (("--deadline", "24h"), "deadline: '24h' is not valid; expected no --deadline on voice"),
    (("--open", "8h"), "open: '8h' is not valid; expected no --open on voice"),
    (("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--deadline", "24h"),
     "deadline: '24h' is not valid; expected no --deadline on chat"),
    (("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--max-occupancy", "0.9"),
     "max_occupancy: '0.9' is not valid; expected no --max-occupancy with --channel chat"),
    (("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--abandon", "0.05"),
     "abandon: '0.05' is not valid; expected --patience too"),
])
def test_the_options_of_another_channel_are_refused_on_voice_and_chat(args, words):
    result = CliRunner().invoke(cli, ["staff", "--calls", "100", "--aht", "3m", "--service-level", "0.8", *args],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 2 and words in " ".join(result.output.split()), result.output


def test_a_csv_email_row_with_a_target_is_refused_and_names_its_line(tmp_path):
    cases = tmp_path / "email.csv"
    cases.write_text("channel,calls,interval,aht,target,service_level,deadline\nemail,2400,24h,5m,20,0.95,24h\n")
    result = CliRunner().invoke(cli, ["staff", "--input", str(cases)], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "target: '20' is not valid; expected no --target with --channel email" in \
        " ".join(result.output.split()) and "line 2" in result.output, result.output


def test_the_api_refuses_a_target_given_for_an_email_case(api):
    answer = api.post("/api/staff", json={**EMAIL, "target_s": 20, "service_level": 0.5})
    error = answer.json()
    assert answer.status_code == 422 and error["field"] == "target_s", error
    assert error["error"].startswith("target_s: 20.0 is not valid; expected no target_s on an email case"), error
    assert api.post("/api/staff", json={**EMAIL, "service_level": 0.5}).status_code == 200  # left out: taken


@pytest.mark.parametrize("sessions", ["2.5", "0", "11"])
def test_max_sessions_has_one_message_for_every_wrong_value(sessions):
    result = CliRunner().invoke(cli, ["staff", "--channel", "chat", "--concurrency", "0.2", "--calls", "100", "--aht",
                                      "3m", "--service-level", "0.8", "--max-sessions", sessions])
    assert result.exit_code == 2
    assert f"max_sessions: '{sessions}' is not valid; expected a whole number of sessions from 1 to 10" in result.output


def staff_table(*args: str) -> str:
    result = CliRunner().invoke(cli, ["staff", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_chat_case_with_a_patience_shows_its_abandonment_and_the_wait_of_every_session():
    args = ("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--calls", "400", "--interval", "15m",
            "--aht", "5m", "--target", "60", "--patience", "2m", "--agents", "60")
    row = staff_cli(*args)
    assert row["channel"] == "chat" and row["asa"] is None and row["p_abandon"] > 0.1
    text = staff_table(*args)
    assert "P(abandon)" in text and f"{row['p_abandon']:.3f}" in text
    assert "ASA, all (s)" in text and f"{row['asa_all']:.1f}" in text and "—" not in text


def test_mixed_channels_are_shown_one_table_each_and_every_json_row_names_its_channel(tmp_path):
    cases = tmp_path / "mix.csv"
    cases.write_text("channel,calls,interval,aht,target,service_level,max_sessions,concurrency,deadline,open\n"
                     "voice,100,30m,180,20,0.8,,,,\nchat,400,15m,5m,60,0.8,3,0.3,,\n"
                     "email,2400,24h,5m,,0.95,,,24h,10h\n")
    rows = staff_cli("--input", str(cases))
    assert [r["channel"] for r in rows] == ["voice", "chat", "email"]
    text = staff_table("--input", str(cases))
    voice, chat, email = (text.split(f"Staffing: {c}")[1] for c in ("voice", "chat", "email"))
    voice, chat = voice.split("Staffing: chat")[0], chat.split("Staffing: email")[0]
    for part, row in ((voice, rows[0]), (chat, rows[1])):  # service level within the target, its wait, P(wait)
        assert "within deadline" not in part and "service level" in part and "P(wait)" in part
        assert f"{row['asa']:.1f}" in part and f"{row['service_level']:.3f}" in part
    assert "sessions per agent" in chat and "sessions per agent" not in voice
    assert "within deadline" in email and "largest backlog (items)" in email and "1400" in email
    assert "P(wait)" not in email and "ASA" not in email


def test_a_channel_is_read_in_any_case_on_the_cli_and_the_api(api):
    """Import reads `Chat` and `EMAIL`: so do `casashore staff --channel` and the API (lower case)."""
    chat = ("--max-sessions", "3", "--concurrency", "0.3", "--calls", "400", "--interval", "15m", "--aht", "5m",
            "--target", "60", "--service-level", "0.8")
    lower = staff_cli("--channel", "chat", *chat)
    assert staff_cli("--channel", "Chat", *chat) == lower and lower["channel"] == "chat"
    email = ("--calls", "2400", "--interval", "24h", "--aht", "5m", "--deadline", "1h", "--service-level", "0.95")
    assert staff_cli("--channel", "EMAIL", *email) == staff_cli("--channel", "email", *email)
    api_row = api.post("/api/staff", json={"channel": "CHAT", "max_sessions": 3, "concurrency": 0.3, "calls": 400,
                                           "interval_min": 15, "aht_s": 300, "target_s": 60,
                                           "service_level": 0.8}).json()
    assert api_row["channel"] == "chat" and api_row["agents"] == lower["agents"]
    refused = CliRunner().invoke(cli, ["staff", "--channel", "sms", "--calls", "10", "--aht", "3m"])
    assert refused.exit_code == 2 and "channel: 'sms' is not valid" in refused.stderr


def test_chat_caps_abandonment_as_voice_does_meeting_every_target_given():
    args = ("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--calls", "400", "--interval", "15m",
            "--aht", "5m", "--target", "60", "--patience", "2m", "--service-level", "0.8")
    loose, capped = staff_cli(*args), staff_cli(*args, "--abandon", "5%")
    assert loose["p_abandon"] > 0.05 and capped["p_abandon"] <= 0.05 and capped["service_level"] >= 0.8
    fewer = staff_cli(*args[:-2], "--agents", str(capped["agents"] - 1))
    assert capped["agents"] > loose["agents"] and fewer["p_abandon"] > 0.05


@pytest.mark.parametrize("chat", [False, True])
def test_the_api_caps_abandonment_as_the_cli_does(api, chat):
    """`abandon` in POST /api/staff is `--abandon`: the same agents, voice and chat; refused without patience_s and
    on email, naming the field."""
    cli_args = ("--calls", "400", "--interval", "15m", "--aht", "5m", "--patience", "2m", "--service-level", "0.8",
                "--abandon", "5%") + (("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3",
                                       "--target", "60") if chat else ())
    body = {"calls": 400, "interval_min": 15, "aht_s": 300, "patience_s": 120, "service_level": 0.8,
            "abandon": 0.05} | ({"channel": "chat", "max_sessions": 3, "concurrency": 0.3, "target_s": 60}
                                if chat else {})
    answer = api.post("/api/staff", json=body)
    assert answer.status_code == 200, answer.text
    expected = staff_cli(*cli_args)
    assert answer.json()["agents"] == expected["agents"] and answer.json()["p_abandon"] <= 0.05
    without_patience = api.post("/api/staff", json={k: v for k, v in body.items() if k != "patience_s"})
    assert without_patience.status_code == 422 and "abandon" in without_patience.text
    email = api.post("/api/staff", json={"channel": "email", "calls": 40, "interval_min": 1440, "aht_s": 300,
                                         "deadline_s": 14400, "service_level": 0.9, "abandon": 0.05})
    assert email.status_code == 422 and "abandon" in email.text


DAY_OF_EMAIL = ("staff", "--channel", "email", "--calls", "2400", "--aht", "5m", "--deadline", "24h",
                "--service-level", "0.95")


def test_email_says_the_interval_its_items_are_counted_over_and_warns_when_it_is_the_default():
    quiet = CliRunner().invoke(cli, [*DAY_OF_EMAIL, "--json"])
    assert quiet.exit_code == 0 and json.loads(quiet.stdout)["interval_s"] == 900.0  # stdout: the JSON alone
    assert "--interval 24h" in quiet.stderr and "every 15 min" in quiet.stderr
    shown = CliRunner().invoke(cli, list(DAY_OF_EMAIL), env={"COLUMNS": "200"})
    assert "2,400 items per 15 min" in shown.stdout
    given = CliRunner().invoke(cli, [*DAY_OF_EMAIL, "--interval", "24h"], env={"COLUMNS": "200"})
    assert "2,400 items per 1 d" in given.stdout and "notice" not in given.stderr
    short = CliRunner().invoke(cli, [*DAY_OF_EMAIL[:-4], "--deadline", "10m", "--service-level", "0.95"])
    assert short.exit_code == 0 and "notice" not in short.stderr  # a deadline within the default interval: no hint


@pytest.mark.parametrize("args, overloaded", [
    (("--calls", "400", "--interval", "15m", "--aht", "5m", "--agents", "60"), True),  # 133 Erlangs on 60 agents
    (("--calls", "400", "--interval", "15m", "--aht", "5m", "--agents", "140"), False),
    (("--calls", "400", "--interval", "15m", "--aht", "5m", "--agents", "60", "--patience", "2m"), False),  # Erlang A
    (("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--calls", "400", "--interval", "15m",
      "--aht", "5m", "--agents", "60"), True),  # at most 337.5 sessions in 15 min
    (("--channel", "chat", "--max-sessions", "3", "--concurrency", "0.3", "--calls", "400", "--interval", "15m",
      "--aht", "5m", "--agents", "72"), False),
])
def test_an_overloaded_queue_is_answered_and_said_so(args, overloaded):
    row = staff_cli(*args)
    assert row["overloaded"] is overloaded
    text = staff_table(*args)
    assert ("Overloaded:" in text) is overloaded and ("grows without end" in text) is overloaded
    if overloaded and row["channel"] == "chat":
        assert row["capacity_sessions"] == pytest.approx(337.5) and "337.5 sessions per 15 min" in text


def test_the_api_says_an_overloaded_queue_as_the_cli_does(api):
    answer = api.post("/api/staff", json={"calls": 400, "interval_min": 15, "aht_s": 300, "agents": 60}).json()
    assert answer["overloaded"] is True and answer["interval_s"] == 900.0


def test_an_open_time_past_the_interval_echoes_what_was_typed():
    result = CliRunner().invoke(cli, [*DAY_OF_EMAIL, "--interval", "24h", "--open", "25h"], env={"COLUMNS": "300"})
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "open: '25h' is not valid; expected whole seconds, at most the interval (24h)" \
        in said, said


def test_the_deadline_help_gives_an_example_not_a_default():
    shown = " ".join(CliRunner().invoke(cli, ["staff", "--help"], env={"COLUMNS": "300"}).output.split())
    assert "e.g. 24h" in shown and "(24h)" not in shown
