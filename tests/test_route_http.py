"""The router's REST API and event stream: roles (an agent acts only for itself, a supervisor for anyone, calls
come from trunks), the offer/accept cycle over HTTP, live queue statistics, events on the WebSocket."""

import warnings

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.route.auth import Principal  # noqa: E402
from casashore.route.http import create_router_app  # noqa: E402
from casashore.route.service import RouterService  # noqa: E402
from casashore.route.state.call_ids import router_id  # noqa: E402
from casashore.route.state.core import Router, RoutingQueue  # noqa: E402

TOKENS = {"t-ana": Principal("agent", "ana"), "t-bob": Principal("agent", "bob"), "t-sup": Principal("supervisor"),
          "t-trunk": Principal("trunk")}


C1, C2, C3 = (router_id(name) for name in ("c1", "c2", "c3"))
"""The router's ids of the calls the tests bring in as c1, c2, c3."""


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client():
    router = Router({"fr": RoutingQueue("fr", "fr"), "es": RoutingQueue("es", "es")})
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
    assert client.post(f"/api/agents/bob/accept/{C1}", headers=auth("t-bob")).status_code == 409  # not bob's offer
    assert client.post(f"/api/agents/ana/accept/{C1}", headers=auth("t-ana")).status_code == 200
    r = client.post("/api/calls", json={"call_id": "c2", "queue": "fr"}, headers=auth("t-trunk"))
    assert r.json()["state"] == "waiting" and r.json()["position"] == 1
    stats = {q["queue"]: q for q in client.get("/api/queues", headers=auth("t-sup")).json()}
    assert stats["fr"]["waiting"] == 1 and stats["fr"]["agents"] == {"busy": 1}
    assert client.post(f"/api/calls/{C1}/hangup", headers=auth("t-bob")).status_code == 403  # not bob's call
    assert client.post(f"/api/calls/{C1}/hangup", headers=auth("t-ana")).json()["outcome"] == "answered"
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
    view = client.get(f"/api/calls/{C3}", headers=auth("t-sup")).json()
    assert view["position"] == 3 and view["expected_wait_s"] is None  # nobody logged in to serve "es"
    client.post("/api/agents/bob/status", json={"status": "available"}, headers=auth("t-bob"))
    view = client.get(f"/api/calls/{C3}", headers=auth("t-sup")).json()
    assert view["position"] == 2 and view["expected_wait_s"] == pytest.approx(2 * 180.0)  # planned AHT, 1 agent
    r = client.post(f"/api/calls/{C3}/callback", json={"number": "+212522000000"}, headers=auth("t-bob"))
    assert r.status_code == 403
    r = client.post(f"/api/calls/{C3}/callback", json={"number": "call me"}, headers=auth("t-trunk"))
    assert r.status_code == 422 and "number" in r.text
    r = client.post(f"/api/calls/{C3}/callback", json={"number": "+212522000000"}, headers=auth("t-trunk"))
    assert r.status_code == 200 and r.json()["callback_number"] == "+212522000000"
    r = client.post(f"/api/calls/{C1}/callback", json={"number": "+2125"}, headers=auth("t-trunk"))
    assert r.status_code == 409
    client.post(f"/api/agents/bob/accept/{C1}", headers=auth("t-bob"))
    client.post(f"/api/calls/{C1}/hangup", headers=auth("t-bob"))
    client.post(f"/api/calls/{C2}/hangup", headers=auth("t-trunk"))  # c2 abandons
    es = {q["queue"]: q for q in client.get("/api/queues", headers=auth("t-sup")).json()}["es"]
    for period in ("rolling", "day"):
        figures = es[period]
        assert (figures["offered"], figures["answered"], figures["abandoned"]) == (3, 1, 1)
        assert figures["service_level"] == 0.5 and figures["abandon_rate"] == 0.5
    assert es["waiting"] == 1  # c3 keeps its place as a callback
    assert client.get("/api/stats", headers=auth("t-sup")).json()["answered"] == 1


def test_a_call_id_with_a_slash_is_reachable_by_its_router_id(client):
    """Issue 16, High 4: a legal Call-ID such as evil/1@x is addressed by the id the router gives it, so its
    agent can accept or reject it and a supervisor can end it; the Call-ID stays visible as data."""
    client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
    for trunk_id in ("evil/1@x", "a?b#c%2F..", "../../x"):
        r = client.post("/api/calls", json={"call_id": trunk_id, "queue": "fr"}, headers=auth("t-trunk"))
        assert r.status_code == 201, r.text
        view = r.json()
        assert view["call_id"] == trunk_id and view["id"] == router_id(trunk_id) and view["id"].isalnum()
        assert view["state"] == "offered" and view["agent"] == "ana"
        assert client.get(f"/api/calls/{view['id']}", headers=auth("t-ana")).json()["call_id"] == trunk_id
        r = client.post(f"/api/agents/ana/reject/{view['id']}", headers=auth("t-ana"))
        assert r.status_code == 200 and client.get(f"/api/calls/{view['id']}", headers=auth("t-sup")).json()[
            "state"] == "offered"  # offered again: ana is the only fr agent
        r = client.post(f"/api/calls/{view['id']}/hangup", headers=auth("t-sup"))  # a supervisor reaches it
        assert r.status_code == 200 and r.json()["outcome"] == "cleared"
    r = client.post("/api/calls", json={"call_id": "evil/2@x", "queue": "fr"}, headers=auth("t-trunk"))
    accepted = client.post(f"/api/agents/ana/accept/{r.json()['id']}", headers=auth("t-ana")).json()
    assert accepted["call_id"] == "evil/2@x" and accepted["id"] == router_id("evil/2@x")
    r = client.get("/api/calls/evil@x", headers=auth("t-sup"))  # a Call-ID is not an address
    assert r.status_code == 404 and "router's id" in r.json()["error"]


def test_an_agent_may_not_hang_up_a_call_only_offered_to_her(client):
    """Issue 16, Medium 6: ending an offered call would count the caller as abandoning; the agent rejects it."""
    client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
    client.post("/api/calls", json={"call_id": "c1", "queue": "fr"}, headers=auth("t-trunk"))
    r = client.post(f"/api/calls/{C1}/hangup", headers=auth("t-ana"))
    assert r.status_code == 403 and "only offered" in r.json()["error"] and "reject" in r.json()["error"]
    view = client.get(f"/api/calls/{C1}", headers=auth("t-sup")).json()
    assert view["state"] == "offered" and view["outcome"] is None  # nothing changed
    assert client.get("/api/stats", headers=auth("t-sup")).json()["abandoned"] == 0
    client.post(f"/api/agents/ana/accept/{C1}", headers=auth("t-ana"))
    assert client.post(f"/api/calls/{C1}/hangup", headers=auth("t-ana")).json()["outcome"] == "answered"


def test_a_supervisor_ending_an_unanswered_call_clears_it_and_no_caller_abandons(client):
    """Issue 16: a supervisor ending a waiting or offered call is recorded as cleared, counted apart, and left out
    of the service level and the abandon rate; the caller hanging up is still an abandon."""
    client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
    for call_id in ("c1", "c2", "c3"):
        client.post("/api/calls", json={"call_id": call_id, "queue": "fr"}, headers=auth("t-trunk"))
    assert client.get(f"/api/calls/{C1}", headers=auth("t-sup")).json()["state"] == "offered"
    assert client.get(f"/api/calls/{C2}", headers=auth("t-sup")).json()["state"] == "waiting"
    for call in (C1, C2):  # offered to ana, and waiting
        r = client.post(f"/api/calls/{call}/hangup", headers=auth("t-sup"))
        assert r.status_code == 200 and r.json()["outcome"] == "cleared"
        assert client.get(f"/api/calls/{call}", headers=auth("t-sup")).json()["outcome"] == "cleared"
    assert client.get(f"/api/calls/{C3}", headers=auth("t-sup")).json()["state"] == "offered"  # ana is free again
    fr = {q["queue"]: q for q in client.get("/api/queues", headers=auth("t-sup")).json()}["fr"]
    for period in ("rolling", "day"):
        figures = fr[period]
        assert (figures["offered"], figures["answered"], figures["abandoned"], figures["cleared"]) == (3, 0, 0, 2)
        assert figures["abandon_rate"] is None and figures["service_level"] is None  # no caller outcome yet
    totals = client.get("/api/stats", headers=auth("t-sup")).json()
    assert (totals["abandoned"], totals["cleared"]) == (0, 2)
    r = client.post(f"/api/calls/{C3}/hangup", headers=auth("t-trunk"))  # the caller leaves: an abandon
    assert r.json()["outcome"] == "abandoned"
    fr = {q["queue"]: q for q in client.get("/api/queues", headers=auth("t-sup")).json()}["fr"]
    assert (fr["day"]["abandoned"], fr["day"]["cleared"], fr["day"]["abandon_rate"]) == (1, 2, 1.0)


def test_agents_see_only_their_own_calls_data(client):
    """Issue 16, Low: an agent does not see another queue's callback numbers (API or event stream)."""
    client.post("/api/calls", json={"call_id": "c1", "queue": "es"}, headers=auth("t-trunk"))
    with client.websocket_connect("/api/events?token=t-ana") as agent_socket, \
            client.websocket_connect("/api/events?token=t-sup") as supervisor_socket:
        client.post(f"/api/calls/{C1}/callback", json={"number": "+212522000000"}, headers=auth("t-trunk"))
        assert agent_socket.receive_json() == [{"t": agent_socket_time(supervisor_socket.receive_json()),
                                                "event": "callback", "id": C1, "detail": ""}]
    r = client.get(f"/api/calls/{C1}", headers=auth("t-ana"))
    assert r.status_code == 403 and "+212" not in r.text
    client.post("/api/agents/bob/status", json={"status": "available"}, headers=auth("t-bob"))
    assert client.get(f"/api/calls/{C1}", headers=auth("t-bob")).json()["callback_number"] == "+212522000000"


def agent_socket_time(supervisor_batch: list[dict]) -> float:
    """The supervisor sees the number; returns the event's time for the comparison of the agent's copy."""
    (event,) = supervisor_batch
    assert event["event"] == "callback" and event["detail"] == "+212522000000"
    return event["t"]


def test_a_request_body_over_the_limit_is_refused_before_the_token(client):
    """Every request has a size limit, declared or streamed (chunked): 413, nothing read past the limit."""
    big = b'{"status": "available", "reason": "' + b"x" * 40_000 + b'"}'
    r = client.post("/api/agents/ana/status", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "at most 32768 bytes" in r.json()["error"]

    def chunks():
        yield big[:3000]
        yield big[3000:]

    r = client.post("/api/agents/ana/status", content=chunks(), headers=auth("t-ana"))
    assert r.status_code == 413
    assert client.get("/api/agents", headers=auth("t-sup")).json()[0]["status"] == "offline"


def test_a_query_parameter_an_operation_does_not_take_is_refused_not_ignored(client):
    """Schemathesis found `GET /api/calls?limit=1&=null` served: an undeclared parameter violates the OpenAPI
    document, and a typo (`?limt=5`) would silently get the default page."""
    boss = auth("t-sup")
    assert client.get("/api/calls?limit=1", headers=boss).status_code == 200
    for query in ("limit=1&=null", "limt=5", "limit=1&offset=0&extra=1"):
        r = client.get(f"/api/calls?{query}", headers=boss)
        assert r.status_code == 422 and "not one this operation takes (it takes limit, offset)" in r.text, r.text
    assert client.get("/api/queues?x=1", headers=boss).status_code == 422  # an operation that takes none
    assert client.get("/wallboard?token=old-link").status_code == 200  # a page keeps its own parameters


def test_only_a_supervisor_sees_where_a_calls_audio_is_recorded():
    """The recording's path (where a caller's voice lies, set by the B2BUA from rtpengine) is a supervisor's to
    see: in the call and the list of calls; the agent on the call and the trunk get null; the OpenAPI document
    types both views."""
    router = Router({"fr": RoutingQueue("fr", "fr")})
    router.add_agent("ana", {"fr": 1}, 0.0)
    with TestClient(create_router_app(RouterService(router), TOKENS, tick_s=60)) as client:
        client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
        client.post("/api/calls", json={"call_id": "c1", "queue": "fr"}, headers=auth("t-trunk"))
        client.post("/api/calls", json={"call_id": "c2", "queue": "fr"}, headers=auth("t-trunk"))
        client.post(f"/api/agents/ana/accept/{C1}", headers=auth("t-ana"))
        path = "/var/spool/rtpengine/pcaps/c1-0123456789abcdef.pcap"
        assert router.set_recording(C1, path)
        assert client.get(f"/api/calls/{C1}", headers=auth("t-sup")).json()["recording"] == path
        agent_view = client.get(f"/api/calls/{C1}", headers=auth("t-ana"))
        assert agent_view.status_code == 200 and agent_view.json()["recording"] is None
        assert "pcap" not in agent_view.text
        assert client.get(f"/api/calls/{C1}", headers=auth("t-trunk")).json()["recording"] is None
        listed = {c["id"]: c for c in client.get("/api/calls", headers=auth("t-sup")).json()["calls"]}
        assert listed[C1]["recording"] == path and listed[C2]["recording"] is None  # c2 waits, not recorded
        client.post(f"/api/calls/{C1}/hangup", headers=auth("t-ana"))
        assert client.get(f"/api/calls/{C1}", headers=auth("t-sup")).json()["recording"] == path  # once ended too
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for view in ("CallView", "CallSummary"):
        assert schemas[view]["properties"]["recording"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert schemas["CallPage"]["properties"]["calls"]["items"] == {"$ref": "#/components/schemas/CallSummary"}


def test_a_hang_up_answers_with_the_ids_of_a_calls_view(client):
    """`id` the router's, `call_id` the trunk's, as GET /api/calls/{id} and accept say (it gave the router's id as
    `call_id`)."""
    created = client.post("/api/calls", json={"call_id": "trunk-leg-9", "queue": "fr"}, headers=auth("t-trunk"))
    router_id = created.json()["id"]
    ended = client.post(f"/api/calls/{router_id}/hangup", headers=auth("t-trunk")).json()
    assert ended == {"id": router_id, "call_id": "trunk-leg-9", "message_id": None, "outcome": "abandoned"}


def test_the_clock_is_read_with_any_token_and_never_without(client):
    """docs/routing.md, "A site clock": any of the centre's tokens reads the router's clock; none, even on loopback,
    does not (one rule for every route that reads the centre's state)."""
    assert client.get("/api/clock").status_code == 401
    for token in TOKENS:
        shown = client.get("/api/clock", headers=auth(token))
        assert shown.status_code == 200 and set(shown.json()) == {"now", "epoch_s", "time_zone", "speed", "replay"}
