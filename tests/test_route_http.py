"""The router's REST API and event stream: roles (an agent acts only for itself, a supervisor for anyone, calls
come from trunks), the offer/accept cycle over HTTP, live queue statistics, events on the WebSocket."""

import warnings

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.route.core import Queue, Router  # noqa: E402
from casashore.route.http import Principal, create_router_app  # noqa: E402
from casashore.route.service import RouterService  # noqa: E402

TOKENS = {"t-ana": Principal("agent", "ana"), "t-bob": Principal("agent", "bob"), "t-sup": Principal("supervisor"),
          "t-trunk": Principal("trunk")}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client():
    router = Router({"fr": Queue("fr", "fr"), "es": Queue("es", "es")})
    router.add_agent("ana", {"fr": 1}, 0.0)
    router.add_agent("bob", {"fr": 2, "es": 1}, 0.0)
    with TestClient(create_router_app(RouterService(router), TOKENS, tick_s=60)) as test_client:
        yield test_client


def test_every_request_needs_a_token(client):
    assert client.get("/api/queues").status_code == 401
    assert client.get("/api/queues", headers=auth("nope")).status_code == 401


def test_an_agent_changes_only_its_own_state(client):
    r = client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
    assert r.status_code == 200 and r.json()["status"] == "available"
    r = client.post("/api/agents/bob/status", json={"status": "available"}, headers=auth("t-ana"))
    assert r.status_code == 403 and "may not act for agent bob" in r.json()["error"]
    r = client.post("/api/agents/bob/status", json={"status": "break", "reason": "lunch"}, headers=auth("t-sup"))
    assert r.status_code == 200 and r.json()["status"] == "break"
    assert client.post("/api/agents/zed/status", json={"status": "break"}, headers=auth("t-sup")).status_code == 404


def test_a_call_is_offered_accepted_and_ended_over_http(client):
    client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
    assert client.post("/api/calls", json={"call_id": "c1", "queue": "fr"}, headers=auth("t-ana")).status_code == 403
    r = client.post("/api/calls", json={"call_id": "c1", "queue": "fr"}, headers=auth("t-trunk"))
    assert r.status_code == 201 and r.json()["agent"] == "ana" and r.json()["state"] == "offered"
    assert client.post("/api/agents/bob/accept/c1", headers=auth("t-bob")).status_code == 409  # not bob's offer
    assert client.post("/api/agents/ana/accept/c1", headers=auth("t-ana")).status_code == 200
    r = client.post("/api/calls", json={"call_id": "c2", "queue": "fr"}, headers=auth("t-trunk"))
    assert r.json()["state"] == "waiting" and r.json()["position"] == 1
    stats = {q["queue"]: q for q in client.get("/api/queues", headers=auth("t-sup")).json()}
    assert stats["fr"]["waiting"] == 1 and stats["fr"]["agents"] == {"busy": 1}
    assert client.post("/api/calls/c1/hangup", headers=auth("t-bob")).status_code == 403  # not bob's call
    assert client.post("/api/calls/c1/hangup", headers=auth("t-ana")).json()["outcome"] == "answered"
    assert client.post("/api/calls", json={"call_id": "c1", "queue": "fr"}, headers=auth("t-trunk")).status_code == 409
    assert client.post("/api/calls", json={"call_id": "c9", "queue": "de"}, headers=auth("t-trunk")).status_code == 404


def test_events_stream_on_the_websocket(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/api/events?token=nope") as socket:
            socket.receive_json()
    assert refused.value.code == 4401
    with client.websocket_connect("/api/events?token=t-sup") as socket:
        client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
        client.post("/api/calls", json={"call_id": "c1", "queue": "fr"}, headers=auth("t-trunk"))
        seen = [[e["event"] for e in socket.receive_json()] for _ in range(2)]
    assert seen == [["status"], ["arrived", "offered"]]


def test_callbacks_expected_wait_and_statistics(client):
    """A waiting caller learns the place and the expected wait, may ask for a callback instead; the queue's
    statistics count the outcomes (service level over answered + abandoned)."""
    for call_id in ("c1", "c2", "c3"):
        client.post("/api/calls", json={"call_id": call_id, "queue": "es"}, headers=auth("t-trunk"))
    view = client.get("/api/calls/c3", headers=auth("t-sup")).json()
    assert view["position"] == 3 and view["expected_wait_s"] is None  # nobody logged in to serve "es"
    client.post("/api/agents/bob/status", json={"status": "available"}, headers=auth("t-bob"))
    view = client.get("/api/calls/c3", headers=auth("t-sup")).json()
    assert view["position"] == 2 and view["expected_wait_s"] == pytest.approx(2 * 180.0)  # planned AHT, 1 agent
    r = client.post("/api/calls/c3/callback", json={"number": "+212522000000"}, headers=auth("t-bob"))
    assert r.status_code == 403
    r = client.post("/api/calls/c3/callback", json={"number": "call me"}, headers=auth("t-trunk"))
    assert r.status_code == 422 and "number" in r.text
    r = client.post("/api/calls/c3/callback", json={"number": "+212522000000"}, headers=auth("t-trunk"))
    assert r.status_code == 200 and r.json()["callback_number"] == "+212522000000"
    assert client.post("/api/calls/c1/callback", json={"number": "+2125"}, headers=auth("t-trunk")).status_code == 409
    client.post("/api/agents/bob/accept/c1", headers=auth("t-bob"))
    client.post("/api/calls/c1/hangup", headers=auth("t-bob"))
    client.post("/api/calls/c2/hangup", headers=auth("t-trunk"))  # c2 abandons
    es = {q["queue"]: q for q in client.get("/api/queues", headers=auth("t-sup")).json()}["es"]
    for period in ("rolling", "day"):
        figures = es[period]
        assert (figures["offered"], figures["answered"], figures["abandoned"]) == (3, 1, 1)
        assert figures["service_level"] == 0.5 and figures["abandon_rate"] == 0.5
    assert es["waiting"] == 1  # c3 keeps its place as a callback
    assert client.get("/api/stats", headers=auth("t-sup")).json()["answered"] == 1
