"""The scenario documents of the API: validation without storage (every wrong field with the CLI's message),
JSON to TOML and back, a JSON scenario stored as its TOML, and the limits and the token of the other endpoints."""

import tomllib
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.errors import UserError  # noqa: E402
from casashore.interfaces.web.api import create_app  # noqa: E402
from casashore.plan.scenario import load_plan_scenario, plan_scenario_from_dict  # noqa: E402
from casashore.usecases.scenarios import scenario_json  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml"
EXAMPLE_JSON = scenario_json(tomllib.loads(EXAMPLE.read_text()))


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(tmp_path / "ws"), base_url="http://127.0.0.1:8000")


def stored(tmp_path) -> list[Path]:
    return sorted((tmp_path / "ws" / "scenarios").iterdir())


def test_the_example_is_valid_both_ways(client, tmp_path):
    for body in ({"scenario": EXAMPLE_JSON}, {"toml": EXAMPLE.read_text()}):
        r = client.post("/api/scenarios/validate", json=body)
        assert r.status_code == 200 and r.json() == {"ok": True, "errors": [], "shifts": 70,
                                                     "pattern_shifts": [8, 6] * 5}
    assert stored(tmp_path) == []  # validation keeps nothing


def test_every_wrong_field_comes_with_the_clis_message(client, tmp_path):
    doc = scenario_json(tomllib.loads(EXAMPLE.read_text()))
    doc["site"]["seats"] = 0
    doc["queues"][1]["aht_s"] = "long"
    doc["shift_patterns"][3]["every"] = "2x"
    r = client.post("/api/scenarios/validate", json={"scenario": doc})
    assert r.status_code == 200 and r.json()["ok"] is False
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == ["site.seats", "queues[1].aht_s", "shift_patterns[3].every"]
    with pytest.raises(UserError) as cli:  # what `casashore plan` prints for the first one
        plan_scenario_from_dict(doc)
    assert errors[0]["message"] == str(cli.value)
    assert errors[2]["message"] == ("shift_patterns[3].every: '2x' is not valid; expected a duration such as 20, "
                                    "20s, 30m, 1h or 7h30m")
    assert r.json()["pattern_shifts"] == [8, 6, 8, None, 8, 6, 8, 6, 8, 6]  # the preview of the right ones
    assert stored(tmp_path) == []


def test_a_cross_field_error_is_named_too(client):
    doc = scenario_json(tomllib.loads(EXAMPLE.read_text()))
    doc["shift_patterns"][2]["group"] = "de"
    r = client.post("/api/scenarios/validate", json={"scenario": doc})
    assert r.json()["errors"] == [{"field": "shift_patterns[2].group", "message":
                                   "shift_patterns[2].group: 'de' is not valid; expected skills of the queues: en, "
                                   "es, fr (several joined by +)"}]


def test_malformed_toml_is_one_error_on_toml(client):
    r = client.post("/api/scenarios/validate", json={"toml": "[site\n"})
    assert r.status_code == 200 and r.json()["ok"] is False and r.json()["errors"][0]["field"] == "toml"
    assert client.post("/api/scenarios/parse", json={"toml": "[site\n"}).status_code == 400


def test_json_to_toml_and_back_is_the_same_scenario(client):
    text = client.post("/api/scenarios/toml", json={"scenario": EXAMPLE_JSON}).json()["toml"]
    assert "start = 2026-12-07\n" in text  # a TOML date, not text
    assert tomllib.loads(text) == tomllib.loads(EXAMPLE.read_text())
    back = client.post("/api/scenarios/parse", json={"toml": text}).json()["scenario"]
    assert back == EXAMPLE_JSON and back["plan"]["start"] == "2026-12-07"


def test_nulls_are_keys_not_given(client):
    doc = {"site": {"seats": 10, "name": None}, "queues": [{"name": "q", "patience_s": None}]}
    text = client.post("/api/scenarios/toml", json={"scenario": doc}).json()["toml"]
    assert tomllib.loads(text) == {"site": {"seats": 10}, "queues": [{"name": "q"}]}
    r = client.post("/api/scenarios/toml", json={"scenario": {"shifts": [None]}})
    assert r.status_code == 400 and r.json()["field"] == "shifts"


def test_a_json_scenario_is_stored_as_its_toml_and_runs_like_one(client, tmp_path):
    r = client.post("/api/scenarios", json={"name": "from the form", "scenario": EXAMPLE_JSON})
    assert r.status_code == 201, r.text
    text = client.get(f"/api/scenarios/{r.json()['id']}").json()["toml"]
    (tmp_path / "saved.toml").write_text(text)
    assert load_plan_scenario(tmp_path / "saved.toml").model_dump() == load_plan_scenario(EXAMPLE).model_dump()


def test_an_invalid_json_scenario_stores_nothing(client, tmp_path):
    doc = scenario_json(tomllib.loads(EXAMPLE.read_text()))
    doc["shift_patterns"][0]["last_start"] = "06:00"
    r = client.post("/api/scenarios", json={"name": "bad", "scenario": doc})
    assert r.status_code == 400 and r.json()["field"] == "shift_patterns[0].last_start"
    assert stored(tmp_path) == []


@pytest.mark.parametrize("path, body", [
    ("/api/scenarios/validate", {}),
    ("/api/scenarios/validate", {"scenario": EXAMPLE_JSON, "toml": "x = 1"}),
    ("/api/scenarios/validate", {"scenario": []}),
    ("/api/scenarios/toml", {"toml": "x = 1"}),
    ("/api/scenarios/parse", {"toml": ""}),
    ("/api/scenarios/parse", {"toml": "x" * (256 * 1024 + 1)}),
    ("/api/scenarios", {"name": "x", "toml": "x = 1", "scenario": {}}),
    ("/api/scenarios", {"name": "../x", "scenario": EXAMPLE_JSON}),
])
def test_requests_off_the_schema_are_422(client, tmp_path, path, body):
    r = client.post(path, json=body)
    assert r.status_code == 422 and r.json()["error"], r.text
    assert not (tmp_path / "ws" / "scenarios").exists() or stored(tmp_path) == []


def test_bodies_are_limited_and_nesting_is_bounded(client):
    big = {"scenario": {"site": {"name": "x" * (300 * 1024)}}}
    assert client.post("/api/scenarios/validate", json=big).status_code == 413
    deep: dict = {}
    inner = deep
    for _ in range(40):
        inner["a"] = {}
        inner = inner["a"]
    for path in ("/api/scenarios/validate", "/api/scenarios/toml"):
        r = client.post(path, json={"scenario": deep})
        body = r.json()
        assert r.status_code in (200, 400), r.text
        errors = body["errors"] if r.status_code == 200 else [body]
        assert "nested at most 32 deep" in errors[0]["message" if r.status_code == 200 else "error"]


def test_off_loopback_the_scenario_documents_need_the_token(tmp_path):
    client = TestClient(create_app(tmp_path, host="0.0.0.0", token="s3cret"), base_url="http://example.org")
    bodies = {"/api/scenarios/validate": {"scenario": EXAMPLE_JSON}, "/api/scenarios/toml": {"scenario": {}},
              "/api/scenarios/parse": {"toml": "x = 1"}}
    for path, body in bodies.items():
        assert client.post(path, json=body).status_code == 401, path
        assert client.post(path, json=body, headers={"Authorization": "Bearer nope"}).status_code == 401, path
        assert client.post(path, json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 200, path


def test_the_form_page_is_served_in_the_browsers_language(client):
    assert 'lang="fr"' in client.get("/scenario", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    page = client.get("/scenario", headers={"Accept-Language": "en-GB"}).text
    assert 'lang="en"' in page and "/assets/scenario.js" in page and "http" not in page.replace("http-equiv", "")
    assert client.get("/assets/scenario.js").status_code == 200
    assert "Modèles de vacations" in client.get("/assets/scenario_words.js").text
    assert client.get("/assets/scenario.css").headers["content-type"].startswith("text/css")
    assert 'href="/scenario"' in client.get("/").text


def test_too_many_patterns_are_refused_by_count_not_read_one_by_one():
    """More patterns than the plan's shifts (each makes one at least) are refused by their count; the form's
    check is the use case the API calls (so many patterns are past the API's body limit)."""
    from casashore.plan.scenario import MAX_SHIFTS
    from casashore.usecases.scenarios import check_scenario

    doc = scenario_json(tomllib.loads(EXAMPLE.read_text()))
    doc["shift_patterns"] = doc["shift_patterns"] * (MAX_SHIFTS // len(doc["shift_patterns"]) + 1)
    checked = check_scenario(doc)
    assert checked["errors"][0]["field"] == "shift_patterns"
    assert checked["errors"][0]["message"] == (f"shift_patterns: '{len(doc['shift_patterns']):,} items' is not "
                                               f"valid; expected at most {MAX_SHIFTS:,} items")
    assert checked["pattern_shifts"] == []
