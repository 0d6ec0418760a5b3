"""Issue 16's probes of `casashore serve`, as regression tests: names are data, bodies are counted as they
stream, work is bounded before it starts, stored data needs the token, and loopback answers loopback only."""

import asyncio
import json
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.interfaces.web.api import MAX_BODY_BYTES, create_app  # noqa: E402

EXAMPLE = (Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml").read_text()
LOOPBACK = "http://127.0.0.1:8000"

SMALL = """
[site]
name = "Test site"
seats = 60
[plan]
start = 2026-03-09
days = 1
interval_min = 60
replications = 2
seed = 1
schedule_time_limit_s = 5
[[queues]]
name = "{name}"
skill = "fr"
client_time_zone = "Europe/Paris"
aht_s = 240
patience_s = 120
synthetic = {{ weekly_calls = 700, weeks = 5 }}
[[shifts]]
name = "{shift}"
start = "08:00"
length = "8h"
cost = 8
group = "fr"
"""


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(tmp_path / "ws"), base_url=LOOPBACK)


def upload(client, toml, name="s.toml", **headers):
    return client.post("/api/scenarios", json={"name": name, "toml": toml}, headers=headers)


@pytest.mark.parametrize("name", ["../../../../x/pwned", "/tmp/pwned", "..", ".hidden", "a\\b", "a/b",
                                  "x" * 65, " lead", "nul\x00", "tab\tname"])
def test_hostile_queue_names_are_refused_naming_the_field(client, tmp_path, name):
    r = upload(client, SMALL.format(name=name.replace("\\", "\\\\").replace("\x00", "\\u0000")
                                    .replace("\t", "\\t"), shift="day"))
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "queues[0].name" and "letters, digits" in r.json()["error"]
    assert list((tmp_path / "ws" / "scenarios").iterdir()) == []


def test_hostile_shift_and_skill_names_are_refused(client):
    r = upload(client, SMALL.format(name="fr", shift="../evil"))
    assert r.status_code == 400 and r.json()["field"] == "shifts[0].name"
    r = upload(client, SMALL.format(name="fr", shift="day").replace('skill = "fr"', 'skill = "../fr"'))
    assert r.status_code == 400 and r.json()["field"] == "queues[0].skill"


def _files(root: Path, skip: Path) -> set[Path]:
    return {p for p in root.rglob("*") if skip not in p.parents and p != skip}


def test_a_plan_through_the_api_writes_nothing_outside_its_workspace(tmp_path, monkeypatch):
    """A small plan, run for real: every file it makes is inside the workspace directory."""
    monkeypatch.chdir(tmp_path)
    workspace = tmp_path / "ws"
    client = TestClient(create_app(workspace), base_url=LOOPBACK)
    before = _files(tmp_path, workspace)
    hostile = upload(client, SMALL.format(name="../../outside/pwned", shift="day"))
    assert hostile.status_code == 400
    scenario = upload(client, SMALL.format(name="fr-bank 1", shift="day"))
    assert scenario.status_code == 201, scenario.text
    plan = client.post("/api/plans", json={"scenario_id": scenario.json()["id"]})
    assert plan.status_code == 202
    for _ in range(6000):  # polled until done, however slow the machine (no timing asserted)
        state = client.get(f"/api/plans/{plan.json()['id']}").json()
        if state["status"] in ("done", "failed"):
            break
        asyncio.run(asyncio.sleep(0.05))
    assert state["status"] == "done", state
    assert _files(tmp_path, workspace) == before
    assert not (tmp_path.parent / "outside").exists()


# ---------------------------------------------------------------- bodies counted as they stream (High 2)

def _asgi(app, method, path, chunks, headers=()):
    """Drive the ASGI app with a body sent in ``chunks`` (no Content-Length: chunked); returns the status, the
    JSON body and how many chunks the server pulled."""
    pulled = 0
    sent = []

    async def receive():
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"127.0.0.1:8000"), (b"transfer-encoding", b"chunked"),
                         (b"content-type", b"application/json"), *headers],
             "scheme": "http", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000), "http_version": "1.1",
             "root_path": "", "app": app}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(tmp_path):
    app = create_app(tmp_path)
    chunk = b" " * 65536
    chunks = [chunk] * 1000  # 64 MiB offered
    status, body, pulled = _asgi(app, "POST", "/api/scenarios", chunks)
    assert status == 413 and "bytes" in body["error"]
    assert pulled == MAX_BODY_BYTES // len(chunk) + 1  # stopped at the first chunk past the limit


def test_an_unauthenticated_body_is_never_read(tmp_path):
    app = create_app(tmp_path, host="0.0.0.0", token="s3cret")
    status, body, pulled = _asgi(app, "POST", "/api/scenarios", [b"x" * 65536] * 100,
                                 headers=[(b"host", b"example.org")])
    assert status == 401 and pulled == 0


def test_content_length_above_the_limit_is_refused_unread(tmp_path):
    client = TestClient(create_app(tmp_path), base_url=LOOPBACK)
    r = client.post("/api/scenarios", content=b"{}", headers={"Content-Length": str(10 * MAX_BODY_BYTES),
                                                              "Content-Type": "application/json"})
    assert r.status_code == 413


# ---------------------------------------------------------------- bounded work (High 3)

@pytest.mark.parametrize("edit, field", [
    (lambda t: t.replace("weekly_calls = 700, weeks = 5", "weekly_calls = 1e9, weeks = 104"),
     "queues[0].synthetic.weekly_calls"),
    (lambda t: t.replace("weekly_calls = 700, weeks = 5", "weekly_calls = 900000, weeks = 104"),
     "queues[0].synthetic.weekly_calls"),
    (lambda t: t.replace("replications = 2", "replications = 10000").replace("days = 1", "days = 28")
     .replace("weekly_calls = 700", "weekly_calls = 200000"), "plan.replications"),
    (lambda t: t.replace("aht_s = 240", "aht_s = 1e9"), "queues[0].aht_s"),
    (lambda t: t.replace("weeks = 5 }", 'weeks = 5, open_hours = "20:00-08:00" }'),
     "queues[0].synthetic.open_hours"),
    (lambda t: t.replace('length = "8h"', 'length = "1e18"'), "shifts[0].length"),
])
def test_scenarios_beyond_the_limits_are_refused_naming_the_field(client, edit, field):
    r = upload(client, edit(SMALL.format(name="fr", shift="day")))
    assert r.status_code == 400 and r.json()["field"] == field, r.text


def extra_queues(count: int) -> str:
    return "".join(f'\n[[queues]]\nname = "q{i}"\nskill = "fr"\nclient_time_zone = "Europe/Paris"\naht_s = 240\n'
                   f'synthetic = {{ weekly_calls = 10, weeks = 5 }}\n' for i in range(1, count + 1))


def test_too_many_queues_are_refused(client):
    r = upload(client, SMALL.format(name="q0", shift="day") + extra_queues(500))
    assert r.status_code == 400 and r.json()["field"] == "queues" and "at most 500" in r.json()["error"]


def test_a_block_of_skills_beyond_the_simulator_is_refused_before_the_plan_runs(client):
    """101 queues of one skill would be one simulated centre of 101 queues: refused up front, naming the first
    queue past the simulator's limit, not after the forecast and the schedule."""
    r = upload(client, SMALL.format(name="q0", shift="day") + extra_queues(100))
    assert r.status_code == 400 and r.json()["field"] == "queues[100].skill", r.text
    assert "at most 100 queues in one block of skills" in r.json()["error"]
    assert upload(client, SMALL.format(name="q0", shift="day") + extra_queues(99)).status_code == 201


@pytest.mark.parametrize("toml", ["a = " + "[" * 2000 + "]" * 2000, "a = " + "9" * 5000,
                                  '[link]\ncapacity = "1e309"\n'])
def test_pathological_toml_is_a_400_not_a_500(client, toml):
    r = upload(client, toml)
    assert r.status_code == 400 and r.json()["error"]


def test_capacity_that_overflows_is_refused(client):
    r = client.post("/api/link", json={"capacity": "1e309"})
    assert r.status_code == 422 and "capacity" in r.json()["error"]


# ---------------------------------------------------------------- stored data needs the token (Medium 7)

def test_stored_scenarios_and_plans_need_the_token(tmp_path):
    client = TestClient(create_app(tmp_path, host="0.0.0.0", token="s3cret"), base_url="http://example.org")
    auth = {"Authorization": "Bearer s3cret"}
    made = client.post("/api/scenarios", json={"name": "c.toml", "toml": EXAMPLE}, headers=auth)
    assert made.status_code == 201
    for path in ("/api/scenarios", f"/api/scenarios/{made.json()['id']}", "/api/plans/abcdefabcdef",
                 "/api/plans/abcdefabcdef/report"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401, path
    assert client.get("/api/scenarios", headers=auth).json()[0]["id"] == made.json()["id"]
    for path in ("/api/health", "/openapi.json", "/"):  # what stays open: no stored data
        assert client.get(path).status_code == 200, path
    assert client.post("/api/trunks", json={"traffic_erlangs": 25}).status_code == 200


# ---------------------------------------------------------------- DNS rebinding (Medium 11)

@pytest.mark.parametrize("host, status", [("127.0.0.1:8000", 200), ("localhost:8000", 200), ("[::1]:8000", 200),
                                          ("localhost", 200), ("evil.example:8000", 400), ("127.0.0.1.evil", 400),
                                          ("", 400)])
def test_loopback_answers_only_loopback_host_names(client, host, status):
    r = client.get("/api/health", headers={"Host": host})
    assert r.status_code == status
    if status == 400:
        assert "host" in r.json()["error"]


@pytest.mark.parametrize("origin, status", [("http://evil.example", 403), ("null", 403),
                                            ("http://127.0.0.1:9999", 403), ("http://127.0.0.1:8000", 201)])
def test_state_changes_from_other_origins_are_refused(client, tmp_path, origin, status):
    r = upload(client, EXAMPLE, Origin=origin)
    assert r.status_code == status, r.text
    if status == 403:
        assert list((tmp_path / "ws" / "scenarios").iterdir()) == []
