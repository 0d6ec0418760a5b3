"""The REST API: calculators against the capacity core, uploads validated, security, and schemathesis's
fuzzing of the OpenAPI spec (no 5xx; every invalid request a 4xx with a message)."""

import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.errors import UserError  # noqa: E402
from casashore.interfaces.web.api import MAX_UPLOAD_BYTES, create_app  # noqa: E402
from casashore.usecases.workbooks import XLSX_MEDIA_TYPE  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml"


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(tmp_path), base_url="http://127.0.0.1:8000")


def test_staffing_is_call_centre_helpers_example(client):
    r = client.post("/api/staff", json={"calls": 100, "interval_min": 30, "aht_s": 180, "target_s": 20,
                                         "service_level": 0.8, "shrinkage": 0.3})
    assert r.status_code == 200
    assert r.json()["agents"] == 14 and r.json()["agents_with_shrinkage"] == 20


def test_trunks_and_link(client):
    assert client.post("/api/trunks", json={"traffic_erlangs": 25, "blocking": 0.01}).json()["servers"] == 36
    link = client.post("/api/link", json={"codec": "G.729", "layer": "ethernet", "capacity": "1M",
                                          "headroom": 0}).json()
    assert link["bps_per_call"] == 31_200 and link["max_calls"] == 32  # Cisco's Ethernet figure for G.729/20 ms
    bad = client.post("/api/link", json={"codec": "G.7xx"})
    assert bad.status_code == 422 and "G.711" in bad.json()["error"]


@pytest.mark.parametrize("path, title", [("/growth", "casashore — growth"), ("/intraday", "casashore — intraday")])
def test_the_growth_and_intraday_pages_share_one_head(client, path, title):
    """Both pages take page_head.html (charset, viewport, the body limit, the results' look, plotly) whole, and
    keep their own title; no placeholder is left for the browser."""
    page = client.get(path, headers={"Accept-Language": "fr-FR"}).text
    assert page.count('<meta charset="utf-8">') == 1 and '<script src="/assets/plotly.min.js"></script>' in page
    assert f"<title>{title}</title>" in page and 'lang="fr"' in page and ".chart { height: 340px; }" in page
    assert "__" not in page.split("</head>")[0]


@pytest.mark.parametrize("path", ["/api/forecast/intraday", "/api/intraday/replan"])
def test_the_intraday_routes_answer_404_before_any_import(client, path):
    """The reforecast and the re-plan share their refusal while the workspace has no calls (no file yet)."""
    r = client.get(path, params={"as_of": "2026-03-02T12:00"})
    assert r.status_code == 404 and "import calls first" in r.json()["error"]


@pytest.mark.parametrize("path, body, args", [
    ("/api/staff", {"calls": 100, "interval_min": 30, "aht_s": 180, "target_s": 20, "service_level": 0.8,
                    "shrinkage": 0.3},
     ["staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--target", "20", "--service-level", "0.8",
      "--shrinkage", "0.3"]),
    ("/api/staff", {"calls": 100, "interval_min": 30, "aht_s": 180, "service_level": 0.8, "patience_s": 120},
     ["staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--service-level", "0.8", "--patience", "120",
      "--shrinkage", "0"]),
    ("/api/trunks", {"traffic_erlangs": 25, "blocking": 0.01}, ["trunks", "--traffic", "25", "--blocking", "0.01"]),
    ("/api/link", {"codec": "G.729", "layer": "ethernet", "capacity": "1M", "headroom": 0.2},
     ["link", "--codec", "G.729", "--layer", "ethernet", "--capacity", "1M", "--headroom", "0.2"]),
    # the defaults too: no headroom unless asked for, on either side
    ("/api/link", {"codec": "G.729", "capacity": "40Gbps"}, ["link", "--codec", "G.729", "--capacity", "40Gbps"]),
])
def test_the_calculators_answer_as_the_command_does(client, path, body, args):
    """The API's calculators call what `casashore staff`, `trunks` and `link` call: the same keys, the same values."""
    import json

    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app

    command = CliRunner().invoke(app, [*args, "--json"])
    assert command.exit_code == 0, command.output
    assert client.post(path, json=body).json() == json.loads(command.stdout)


@pytest.mark.parametrize("body, field", [
    ({"calls": -1, "aht_s": 180}, "calls"),
    ({"calls": 10, "aht_s": 180, "service_level": 1.5}, "service_level"),
    ({"calls": 10}, "aht_s"),
    ({"calls": 10, "aht_s": 180, "agnets": 3}, "agnets"),
])
def test_invalid_requests_name_the_field(client, body, field):
    r = client.post("/api/staff", json=body)
    assert r.status_code == 422 and field in r.json()["error"]


def test_scenarios_are_validated_before_anything_is_stored(client, tmp_path):
    bad = client.post("/api/scenarios", json={"name": "x.toml", "toml": "[site]\nseats = 0\n"})
    assert bad.status_code == 400 and "site.seats" in bad.json()["error"]
    broken = client.post("/api/scenarios", json={"name": "x.toml", "toml": "[site\n"})
    assert broken.status_code == 400 and "TOML" in broken.json()["error"]
    assert list((tmp_path / "scenarios").iterdir()) == []
    good = client.post("/api/scenarios", json={"name": "casablanca.toml", "toml": EXAMPLE.read_text()})
    assert good.status_code == 201 and good.json()["queues"] == 3
    assert client.get("/api/scenarios").json()[0]["id"] == good.json()["id"]


def test_uploads_are_size_limited(client):
    r = client.post("/api/scenarios", json={"name": "big.toml", "toml": "#" * (MAX_UPLOAD_BYTES + 10_000)})
    assert r.status_code == 413 and "bytes" in r.json()["error"]


@pytest.mark.parametrize("path", ["/api/scenarios/..%2F..%2Fetc%2Fpasswd", "/api/scenarios/../../etc/passwd",
                                  "/api/plans/..%2Fscenarios", "/api/scenarios/%2Fetc%2Fpasswd",
                                  "/assets/..%2F..%2Fapi.py", "/api/plans/abcdefabcdef/report"])
def test_file_parameters_cannot_escape_the_workspace(client, path):
    r = client.get(path)
    assert r.status_code in (404, 400) and "root:" not in r.text and "import" not in r.text


def test_scenario_names_cannot_escape_the_workspace(client, tmp_path):
    r = client.post("/api/scenarios", json={"name": "../../evil.toml", "toml": EXAMPLE.read_text()})
    assert r.status_code == 422
    assert not (tmp_path.parent / "evil.toml").exists()


def test_off_loopback_every_write_needs_the_token(tmp_path):
    with pytest.raises(UserError, match="token"):
        create_app(tmp_path, host="0.0.0.0")
    client = TestClient(create_app(tmp_path, host="0.0.0.0", token="s3cret"))
    body = {"name": "c.toml", "toml": EXAMPLE.read_text()}
    assert client.post("/api/scenarios", json=body).status_code == 401
    assert client.post("/api/scenarios", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/api/scenarios", json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 201
    assert client.post("/api/staff", json={"calls": 1, "aht_s": 60}).status_code == 200  # calculators read only


def test_serve_refuses_a_public_address_without_token():
    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"], env={"CASASHORE_TOKEN": ""})
    assert result.exit_code == 2 and "token" in result.stderr


def test_openapi_fuzzing_passes_every_check(tmp_path):
    """schemathesis with all its checks (status codes and content types the document declares, response
    schemas, negative data refused, no 5xx ...), with and without the token; every 4xx carries a message."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    # The .xlsx uploads' bodies are bytes, sent as they are generated (any bytes: a workbook rarely).
    schemathesis.serializer.alias(XLSX_MEDIA_TYPE, "application/octet-stream")

    for token in (None, "s3cret"):
        app = create_app(tmp_path / (token or "open"), token=token)
        loopback = {"Host": "127.0.0.1:8000"}
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=loopback)
        headers = {**loopback, **auth}
        for operation in schema.get_all_operations():
            op = operation.ok()

            @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=op.as_strategy())
            def check(case):
                if case.path.startswith("/api/plans") and case.method == "POST":
                    return  # starting real plans in the background is not what this test is about
                # A scenario's TOML, the staff calculator's traffic (calls x AHT / interval) and an upload's
                # workbook have limits JSON Schema cannot state: there a schema-valid request may rightly be
                # refused (400/422).
                semantic = (case.method, case.path) in SEMANTIC_LIMITS
                response = case.call_and_validate(headers=headers,  # noqa: B023 - check() runs in this loop
                                                  excluded_checks=[positive_data_acceptance] if semantic else None)
                if response.status_code >= 400:
                    assert response.json().get("error"), (case.method, case.formatted_path, response.text)

            check()


SEMANTIC_LIMITS = {("POST", "/api/scenarios"), ("POST", "/api/staff"), ("POST", "/api/scenarios/validate"),
                   ("POST", "/api/scenarios/toml"), ("POST", "/api/scenarios/parse"), ("POST", "/api/xlsx/shifts"),
                   ("POST", "/api/xlsx/agents"), ("POST", "/api/xlsx/requirement"), ("POST", "/api/growth"),
                   ("GET", "/api/forecast/intraday"), ("GET", "/api/intraday/replan")}
"""Also: a scenario given one way of two (JSON or TOML), TOML that parses, no nulls in a TOML list; the .xlsx
uploads: any bytes match their schema (a binary body), few are a workbook; the intraday reforecast's as-of time
a real date (not 2026-02-30) that exists in each queue's zone, its interval a divisor of a day, its site zone an
IANA zone; the re-plan's the same, and its target, goal and patience durations and shares written as text."""


def test_a_plan_is_read_back_unless_asked_fresh(client):
    import time

    from test_plan import SCENARIO

    scenario = client.post("/api/scenarios", json={"name": "small", "toml": SCENARIO.format(seats=60)})
    assert scenario.status_code == 201, scenario.text

    def run(**extra) -> dict:
        started = client.post("/api/plans", json={"scenario_id": scenario.json()["id"], **extra})
        assert started.status_code == 202, started.text
        details = set()
        for _ in range(6000):  # a safety stop only: the loop ends when the plan does
            state = client.get(f"/api/plans/{started.json()['id']}").json()
            details.add((state["step"], state["detail"]))
            if state["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert state["status"] == "done", state
        assert state["steps_done"] == 6  # the goal loop's rounds count once
        assert state["detail"] == "" and all(isinstance(d, str) for _, d in details)  # what a long step is at
        return state["summary"]

    first, again, fresh = run(), run(), run(fresh=True)
    assert first["reused_steps"] == [] and fresh["reused_steps"] == []
    assert again["reused_steps"] == ["forecast", "staffing", "schedule", "simulation"]
    assert first["verdict"] == again["verdict"] == fresh["verdict"]  # deterministic: recomputed, the same
    assert client.post("/api/plans", json={"scenario_id": scenario.json()["id"], "fresh": "maybe"}).status_code == 422


def test_a_query_parameter_an_operation_does_not_take_is_refused_not_ignored(client):
    assert client.get("/api/plans?limit=5").status_code == 200
    r = client.get("/api/plans?limt=5")
    assert r.status_code == 422 and "'limt': not one this operation takes (it takes limit)" in r.text, r.text
    assert client.get("/?lang=fr").status_code == 200  # a page, not an operation of the API
