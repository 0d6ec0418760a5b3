"""The chat and email routes (issue 21): a customer's chat reaches the agent and back over REST; a chat id
without its secret, another chat's secret, an agent not holding the chat, oversized, too frequent and too many
messages are refused; email items arrive from a trunk and are offered when the agent is free of chat."""

import warnings

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from casashore.route.auth import Principal  # noqa: E402
from casashore.route.chats import ChatLimits  # noqa: E402
from casashore.route.http import create_router_app  # noqa: E402
from casashore.route.service import RouterService  # noqa: E402
from casashore.route.state.core import Router, RoutingQueue  # noqa: E402

TOKENS = {"t-ana": Principal("agent", "ana"), "t-bob": Principal("agent", "bob"), "t-sup": Principal("supervisor"),
          "t-trunk": Principal("trunk")}


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


@pytest.fixture
def setup():
    queues = {"web": RoutingQueue("web", "fr", channel="chat", max_sessions=2),
              "mail": RoutingQueue("mail", "fr", channel="email"), "fr": RoutingQueue("fr", "fr")}
    router = Router(queues)
    router.add_agent("ana", {"fr": 1}, 0.0)
    router.add_agent("bob", {"de": 1}, 0.0)
    clock = Clock()
    app = create_router_app(RouterService(router, clock=clock), TOKENS, tick_s=60,
                            chat_limits=ChatLimits(max_messages=6, message_chars=50, min_interval_s=5.0))
    with TestClient(app) as client:
        client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
        yield client, clock


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def start(client):
    r = client.post("/api/chats", json={"queue": "web"})
    assert r.status_code == 201, r.text
    return r.json()["id"], {"X-Chat-Secret": r.json()["secret"]}


def test_a_customer_message_reaches_the_agent_and_the_reply_comes_back(setup):
    client, clock = setup
    chat, secret = start(client)
    sessions = client.get("/api/agents/ana/sessions", headers=auth("t-ana")).json()
    assert sessions == [{"id": chat, "channel": "chat", "queue": "web", "state": "offered", "subject": None}]
    assert client.post(f"/api/agents/ana/accept/{chat}", headers=auth("t-ana")).status_code == 200
    r = client.post(f"/api/chats/{chat}/messages", json={"text": "<b>bonjour</b>"}, headers=secret)
    assert r.status_code == 201
    got = client.get(f"/api/chats/{chat}/messages", headers=auth("t-ana")).json()
    assert [m["text"] for m in got["messages"]] == ["<b>bonjour</b>"]  # stored as text; the pages show it as text
    assert client.post(f"/api/chats/{chat}/messages", json={"text": "oui ?"}, headers=auth("t-ana")).status_code == 201
    back = client.get(f"/api/chats/{chat}/messages?after=1", headers=secret).json()
    assert [(m["from"], m["text"]) for m in back["messages"]] == [("ana", "oui ?")]
    assert client.post(f"/api/chats/{chat}/end", headers=secret).json()["outcome"] == "answered"
    assert client.get(f"/api/chats/{chat}/messages", headers=secret).json()["ended"] is True


def test_a_chat_is_closed_to_anyone_without_its_secret(setup):
    client, _ = setup
    chat, secret = start(client)
    other, other_secret = start(client)
    assert client.get(f"/api/chats/{chat}/messages").status_code == 403  # the id alone (guessed or seen)
    assert client.get(f"/api/chats/{chat}/messages", headers={"X-Chat-Secret": "x" * 22}).status_code == 403
    assert client.get(f"/api/chats/{chat}/messages", headers=other_secret).status_code == 403  # another chat's
    assert client.post(f"/api/chats/{chat}/messages", json={"text": "hi"}, headers=other_secret).status_code == 403
    assert client.get(f"/api/chats/{chat}/messages", headers=auth("t-bob")).status_code == 403  # not bob's chat
    assert client.get(f"/api/chats/{chat}/messages", headers=auth("t-ana")).status_code == 403  # offered, not taken
    assert client.get("/api/chats/r-nonexistent/messages", headers=secret).status_code == 404
    assert client.get("/api/agents/ana/sessions", headers=auth("t-bob")).status_code == 403
    assert client.post("/api/chats", json={"queue": "fr"}).status_code == 404  # a voice queue is no chat
    with client.websocket_connect(f"/api/chats/{chat}/live?secret={other_secret['X-Chat-Secret']}") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403


def test_oversized_too_frequent_and_too_many_messages_are_refused(setup):
    client, clock = setup
    chat, secret = start(client)
    client.post(f"/api/agents/ana/accept/{chat}", headers=auth("t-ana"))
    r = client.post(f"/api/chats/{chat}/messages", json={"text": "x" * 51}, headers=secret)
    assert r.status_code == 422 and "1 to 50 characters" in r.json()["error"]
    assert client.post(f"/api/chats/{chat}/messages", json={"text": "x" * 4001}, headers=secret).status_code == 422
    assert client.post(f"/api/chats/{chat}/messages", json={"text": "one"}, headers=secret).status_code == 201
    clock.t += 4.9
    r = client.post(f"/api/chats/{chat}/messages", json={"text": "two"}, headers=secret)
    assert r.status_code == 429 and "one message per 5 s" in r.json()["error"]
    for i in range(5):
        clock.t += 5.0
        assert client.post(f"/api/chats/{chat}/messages", json={"text": f"m{i}"}, headers=secret).status_code == 201
    clock.t += 5.0
    r = client.post(f"/api/chats/{chat}/messages", json={"text": "seven"}, headers=secret)
    assert r.status_code == 429 and "6 messages" in r.json()["error"]


def test_email_items_come_from_a_trunk_and_wait_for_an_agent_free_of_chat(setup):
    client, _ = setup
    chat, _ = start(client)
    client.post(f"/api/agents/ana/accept/{chat}", headers=auth("t-ana"))
    assert client.post("/api/emails", json={"queue": "mail", "subject": "x"}, headers=auth("t-ana")).status_code == 403
    r = client.post("/api/emails", json={"queue": "mail", "subject": "Refund 42"}, headers=auth("t-trunk"))
    assert r.status_code == 201 and r.json()["state"] == "waiting"
    item = r.json()["id"]
    client.post(f"/api/chats/{chat}/end", headers=auth("t-ana"))
    sessions = client.get("/api/agents/ana/sessions", headers=auth("t-ana")).json()
    assert sessions == [{"id": item, "channel": "email", "queue": "mail", "state": "offered", "subject": "Refund 42"}]
    client.post(f"/api/agents/ana/accept/{item}", headers=auth("t-ana"))
    assert client.post(f"/api/calls/{item}/hangup", headers=auth("t-ana")).json()["outcome"] == "answered"
    rows = {q["queue"]: q["channel"] for q in client.get("/api/queues", headers=auth("t-sup")).json()}
    assert rows == {"web": "chat", "mail": "email", "fr": "voice"}
