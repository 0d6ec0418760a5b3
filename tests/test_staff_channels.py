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


def test_the_cli_refuses_an_email_case_without_its_deadline():
    result = CliRunner().invoke(cli, ["staff", "--channel", "email", "--calls", "10", "--aht", "5m",
                                      "--service-level", "0.9"])
    assert result.exit_code == 2 and "deadline: missing" in result.output
