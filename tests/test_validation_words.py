"""Validation errors in plain words, the same from the CLI's loading and the API: what a field needs ("a number of
at least 1", "a name of letters, digits, …"), never pydantic's sentences ("Input should be …", "Value error, …")
nor a regular expression; the field's path kept; the two ways of giving a scenario named when neither or both are
given; malformed TOML named by its line; an empty upload blamed on the body, not on a file never named."""

import tomllib
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.domain.validation_words import PATTERN_WORDS  # noqa: E402
from casashore.errors import UserError  # noqa: E402
from casashore.interfaces.web.api import create_app  # noqa: E402
from casashore.plan.scenario import PlanScenario, plan_scenario_from_dict  # noqa: E402
from casashore.usecases.scenarios import scenario_json  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml"
LEAKS = ("Input should", "input should", "String should", "Value error", "^", "$", "{'", "unable to parse")


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(tmp_path / "ws"), base_url="http://127.0.0.1:8000")


def example() -> dict:
    return scenario_json(tomllib.loads(EXAMPLE.read_text()))


def patterns(schema: object) -> set[str]:
    if isinstance(schema, dict):
        own = {schema["pattern"]} if isinstance(schema.get("pattern"), str) else set()
        return own | {p for v in schema.values() for p in patterns(v)}
    if isinstance(schema, list):
        return {p for v in schema for p in patterns(v)}
    return set()


def test_every_pattern_a_user_meets_has_words(client):
    found = patterns(client.get("/openapi.json").json()) | patterns(PlanScenario.model_json_schema())
    assert found and found <= set(PATTERN_WORDS), found - set(PATTERN_WORDS)


@pytest.mark.parametrize("edit, field, words", [
    (lambda d: d["site"].update(seats=0), "site.seats", "a number of at least 1"),
    (lambda d: d["site"].update(shrinkage=1), "site.shrinkage", "a number below 1"),
    (lambda d: d["plan"].update(days="x"), "plan.days", "a whole number"),
    (lambda d: d["plan"].update(days=2.5), "plan.days", "a whole number (no decimals)"),
    (lambda d: d["shift_patterns"][0].update(cost="cheap"), "shift_patterns[0].cost", "a number"),
    (lambda d: d["queues"][0].update(country="fr"), "queues[0].country", "a two-letter ISO 3166 country code"),
    (lambda d: d["site"].update(currency="M4D"), "site.currency", "a currency code of 1 to 8 letters"),
    (lambda d: d["link"].update(layer="tcp"), "link.layer", "one of 'payload', 'ip', 'ethernet' or 'wire'"),
    (lambda d: d["plan"].update(start="7 Dec"), "plan.start", "a date such as 2026-12-07"),
    (lambda d: d["plan"].pop("start"), "plan.start", "this field, which is required"),
])
def test_the_cli_and_the_api_say_what_a_field_needs_in_words(client, edit, field, words):
    doc = example()
    edit(doc)
    with pytest.raises(UserError) as cli:
        plan_scenario_from_dict(doc)
    api = client.post("/api/scenarios/validate", json={"scenario": doc}).json()["errors"][0]
    assert cli.value.field == api["field"] == field
    assert str(cli.value) == api["message"] and cli.value.expected.startswith(words), str(cli.value)
    assert not any(leak in api["message"] for leak in LEAKS), api["message"]


def test_group_and_groups_on_one_pattern_name_the_two_fields_not_the_whole_pattern(client):
    doc = example()
    doc["shift_patterns"][1]["groups"] = ["fr"]  # it has group = "fr" already
    error = client.post("/api/scenarios/validate", json={"scenario": doc}).json()["errors"][0]
    assert error["field"] == "shift_patterns[1].groups"
    assert error["message"] == ("shift_patterns[1].groups: {'group': 'fr', 'groups': ['fr']} is not valid; expected "
                                'group = "fr" or groups = ["fr", "es"]: one of the two, not both')
    del doc["shift_patterns"][1]["groups"], doc["shift_patterns"][1]["group"]
    error = client.post("/api/scenarios/validate", json={"scenario": doc}).json()["errors"][0]
    assert error["field"] == "shift_patterns[1].groups" and "shift_patterns[1].groups: missing" in error["message"]


def test_a_request_is_refused_in_the_same_words(client):
    r = client.post("/api/scenarios", json={"name": "shrink 25%", "scenario": example()})
    assert r.status_code == 422 and r.json()["field"] == "name"
    assert r.json()["error"] == ("name: 'shrink 25%' is not valid; expected a name of letters, digits, spaces, '.', "
                                 "'_' or '-'")
    r = client.post("/api/plans", json={"scenario_id": "../../etc"})
    assert r.json()["field"] == "scenario_id" and "an id of 12 characters 0-9 and a-f" in r.json()["error"]
    r = client.post("/api/staff", json={"calls": "many", "interval_min": 15, "aht_s": 0, "target_s": 20,
                                        "service_level": 0.8})
    assert r.json()["error"] == "calls: 'many' is not valid; expected a number"
    assert [d["msg"] for d in r.json()["details"]][1] == "aht_s: 0 is not valid; expected a number above 0"
    r = client.get("/api/plans?limit=0")  # a query parameter is named without FastAPI's "query" in front
    assert r.status_code == 422 and r.json()["error"] == "limit: '0' is not valid; expected a number of at least 1"
    for r in (client.post("/api/scenarios", json={"name": "n", "scenario": {"site": {}}, "toml": "x = 1"}),
              client.post("/api/scenarios/validate", json={})):
        assert r.status_code == 422 and r.json()["field"] in ("scenario", "toml"), r.json()
        assert not any(leak in r.json()["error"] for leak in LEAKS)
    r = client.post("/api/scenarios/validate", json={})
    assert r.json()["error"] == "scenario: missing; expected the scenario as JSON in scenario, or as TOML text in toml"


def test_malformed_toml_is_named_by_its_line_not_by_the_fields_name(client):
    text = EXAMPLE.read_text().replace("seats = 260", "seats = = 260")
    for r in (client.post("/api/scenarios/validate", json={"toml": text}),
              client.post("/api/scenarios/parse", json={"toml": text})):
        message = r.json()["errors"][0]["message"] if r.status_code == 200 else r.json()["error"]
        assert message.startswith("toml: 'seats = = 260' is not valid; expected valid TOML (") and "line " in message


def test_an_empty_upload_blames_the_body_not_a_file_never_named(client):
    r = client.post("/api/xlsx/shifts", content=b"")
    assert r.status_code == 400 and r.json()["field"] == "body"
    assert r.json()["error"].startswith("body: missing; expected an .xlsx workbook") and "shifts.xlsx" not in r.text
    r = client.post("/api/xlsx/agents", content=b"not a zip")
    assert "the uploaded workbook" in r.json()["error"] and "agents.xlsx" not in r.text
    r = client.post("/api/xlsx/agents?filename=mine.xlsx", content=b"not a zip")
    assert "'mine.xlsx'" in r.json()["error"]


def test_a_bad_as_of_time_is_refused_in_words_by_both_apis(client):
    """The as-of time of the intraday questions: `casashore serve`'s and the router's own 422 say the form in words,
    as the CLI does, never the pattern."""
    from casashore.route.auth import Principal
    from casashore.route.http import create_router_app
    from casashore.route.service import RouterService
    from casashore.route.state.core import Router, RoutingQueue

    words = "a date and time to the minute such as 2026-03-02T12:00, or with its offset: 2026-03-02T12:00+01:00"
    served = client.get("/api/forecast/intraday", params={"as_of": "noon"})
    assert served.status_code == 422 and served.json()["error"] == f"as_of: 'noon' is not valid; expected {words}"
    router = RouterService(Router({"fr": RoutingQueue("fr", "fr")}))
    with TestClient(create_router_app(router, {"t": Principal("supervisor")}, tick_s=60)) as routed:
        for path in ("/api/forecast/intraday", "/api/intraday/replan"):
            got = routed.get(path, params={"as_of": "noon"}, headers={"Authorization": "Bearer t"})
            assert got.status_code == 422 and got.json() == {
                "error": f"as_of: 'noon' is not valid; expected {words}", "field": "as_of"}, got.text
            assert not any(leak in got.json()["error"] for leak in LEAKS)
        got = routed.get("/api/calls", params={"limit": "0"}, headers={"Authorization": "Bearer t"})
        assert got.json()["error"] == "limit: '0' is not valid; expected a number of at least 1"
