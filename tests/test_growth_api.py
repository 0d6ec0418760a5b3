"""POST /api/growth: the same document as `casashore growth --json` for the same scenarios (TOML or JSON), typed
in the OpenAPI document; bad scenarios named by scenario and field; bounded in size, count and work; one at a
time; the token off loopback."""

from __future__ import annotations

import json
import tomllib
import warnings

import pytest
from typer.testing import CliRunner

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.errors import UserError  # noqa: E402
from casashore.interfaces.cli.app import app  # noqa: E402
from casashore.interfaces.web.api import MAX_BODY_BYTES, create_app  # noqa: E402
from casashore.usecases.growth import run_documents  # noqa: E402
from growth_scenarios import SMALL_PARK  # noqa: E402

CHURN = SMALL_PARK.replace("attrition_monthly = 0.04", "attrition_monthly = 0.08").replace("months = 12",
                                                                                             "months = 6")


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(tmp_path), base_url="http://127.0.0.1:8000")


def test_the_api_answers_as_the_command_does(client, tmp_path):
    body = {"scenarios": [{"name": "base", "toml": SMALL_PARK}, {"name": "churn", "scenario": tomllib.loads(CHURN)}]}
    response = client.post("/api/growth", json=body)
    assert response.status_code == 200, response.text
    (tmp_path / "base.toml").write_text(SMALL_PARK, encoding="utf-8")
    (tmp_path / "churn.toml").write_text(CHURN, encoding="utf-8")
    cli = CliRunner().invoke(app, ["growth", str(tmp_path / "base.toml"), str(tmp_path / "churn.toml"), "--json",
                                   "--quiet"])
    assert cli.exit_code == 0, cli.output
    assert response.json() == json.loads(cli.stdout)  # the same keys and numbers (12 == 12.0)
    doc = response.json()
    assert doc["comparison"]["scenarios"] == ["base", "churn"]
    assert len(doc["scenarios"][1]["months"]) == 6


def test_the_openapi_document_types_the_answer(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/growth"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GrowthResponse"}
    schemas = spec["components"]["schemas"]
    assert set(schemas["ScenarioResult"]["properties"]) == {"scenario", "currency", "months", "summary", "shrinkage",
                                                           "demand", "hiring", "contracts", "buildings", "today",
                                                           "trends", "simulation", "cable"}
    assert schemas["GrowthRequest"]["properties"]["scenarios"]["maxItems"] == 4
    assert {"400", "409", "413", "422"} <= set(operation["responses"])


@pytest.mark.parametrize(("scenarios", "status", "words"), [
    ([{"name": "a", "toml": SMALL_PARK.replace("class_min = 5", "class_min = 50")}], 400,
     "a: operators[0].languages[0].class_min"),
    ([{"name": "a", "scenario": {**tomllib.loads(SMALL_PARK), "park": {"start": "2027-13"}}}], 400, "a: park.start"),
    ([{"name": "a", "toml": "[park"}], 400, "valid TOML"),
    ([{"name": "a", "toml": SMALL_PARK}, {"name": "a", "toml": SMALL_PARK}], 400, "scenarios of different names"),
    ([{"name": "a", "toml": SMALL_PARK, "scenario": {}}], 422, "one of the two"),
    ([{"name": "a"}], 422, "scenario"),
    ([{"name": "../etc/passwd", "toml": SMALL_PARK}], 422, "name"),
    ([{"name": str(i), "toml": "x"} for i in range(5)], 422, "scenarios"),
    ([], 422, "scenarios"),
])
def test_bad_requests_name_the_scenario_and_field(client, scenarios, status, words):
    response = client.post("/api/growth", json={"scenarios": scenarios})
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


def test_a_request_is_bounded_in_work_before_anything_runs():
    named = [(n, tomllib.loads(SMALL_PARK)) for n in ("a", "b")]  # two hiring plans each
    with pytest.raises(UserError, match="4 operator languages in all"):
        run_documents(named, max_pools=3)


def test_size_one_at_a_time_and_the_token(client, tmp_path):
    big = {"scenarios": [{"name": "a", "toml": "#" * (MAX_BODY_BYTES + 1)}]}
    assert client.post("/api/growth", json=big).status_code == 413
    running = client.app.app.state.growth_running
    assert running.acquire(blocking=False)
    try:
        busy = client.post("/api/growth", json={"scenarios": [{"name": "a", "toml": SMALL_PARK}]})
    finally:
        running.release()
    assert busy.status_code == 409 and "one at a time" in busy.json()["error"]
    guarded = TestClient(create_app(tmp_path / "off", host="0.0.0.0", token="s3cret"))
    body = {"scenarios": [{"name": "a", "toml": "[park"}]}
    assert guarded.post("/api/growth", json=body).status_code == 401
    assert guarded.post("/api/growth", json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 400
