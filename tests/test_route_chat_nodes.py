"""Chat transcripts shared by the nodes of a centre (issue 21): the same rules from the store in memory and the one
in a real redis-server (a message's limits, the customer's rate, an ended chat, the leave and idle rules on a
given clock, the keys' lifetime); and two `casashore route serve --redis` processes on one redis-server, a chat
started through node A read, written, followed live and ended through node B."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import redis
from websockets.sync.client import connect

from casashore.route.chats import KEEP_ENDED_S, ChatLimits, ChatRefused, MemoryChats
from casashore.route.chats_redis import RedisChats
from conftest import CHAT_QUEUE, CHAT_ROUTER
from redis_server import needs_redis, redis_server
from test_route_nodes import AMINA, SUPERVISOR, api, launch_node, wait_node

pytestmark = needs_redis
LIMITS = ChatLimits(max_messages=4, message_chars=50, min_interval_s=2.0, open_max=2, leave_grace_s=60.0,
                    idle_s=600.0)


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield port


@pytest.fixture(params=["memory", "redis"])
def store(request, redis_port):
    if request.param == "memory":
        return MemoryChats(LIMITS)
    client = redis.Redis(port=redis_port, decode_responses=True)
    client.flushall()
    return RedisChats(client, "cs:{test}:", LIMITS)


def texts(store, chat_id, after=0):
    messages, ended = store.read(chat_id, after)
    return [(m["from"], m.get("ended") or m["text"]) for m in messages], ended


def test_both_stores_keep_a_chat_by_the_same_rules(store):
    secret = store.start("chat-a", "web_fr", "bonjour", 100.0)
    assert store.exists("chat-a") and not store.exists("chat-b")
    assert store.is_customer("chat-a", secret) and not store.is_customer("chat-a", "x" * 22)
    with pytest.raises(ChatRefused) as fast:
        store.post("chat-a", "customer", "encore", 101.0)  # the first message counts for the rate
    assert fast.value.status == 429
    assert store.post("chat-a", "ana", "oui ?", 101.0)["seq"] == 2  # the agent is not rate limited
    assert store.post("chat-a", "customer", "ma carte", 102.0) == {"seq": 3, "t": 102.0, "from": "customer",
                                                                     "text": "ma carte"}
    store.post("chat-a", "ana", "je regarde", 103.0)
    with pytest.raises(ChatRefused) as full:
        store.post("chat-a", "ana", "de trop", 104.0)
    assert full.value.status == 429 and "4 messages" in full.value.message
    assert texts(store, "chat-a", after=2) == ([("customer", "ma carte"), ("ana", "je regarde")], None)
    store.start("chat-b", "web_fr", "hello", 100.0)
    with pytest.raises(ChatRefused) as crowded:  # open_max = 2
        store.start("chat-c", "web_fr", "hi", 100.0)
    assert crowded.value.status == 503
    assert store.close("chat-a", "agent", 105.0) and not store.close("chat-a", "customer", 106.0)
    assert texts(store, "chat-a", after=4) == ([("system", "agent")], "agent")
    with pytest.raises(ChatRefused) as ended:
        store.post("chat-a", "customer", "allô ?", 200.0)
    assert ended.value.status == 409
    store.start("chat-c", "web_fr", "hi", 100.0)  # an ended chat is no longer open


def test_both_stores_tell_the_customer_once_that_another_agent_will_answer(store):
    """Her agent logged off (the ``requeued`` event, heard by every node): one notice per event, never after the
    end nor beyond the chat's messages."""
    store.start("chat-a", "web_fr", "bonjour", 100.0)
    store.post("chat-a", "ana", "oui ?", 101.0)
    assert store.notice("chat-a", "requeued", 140.0)
    assert not store.notice("chat-a", "requeued", 140.0)  # the same event through another node
    messages, _ = store.read("chat-a", 2)
    assert messages == [{"seq": 3, "t": 140.0, "from": "system", "text": "", "notice": "requeued"}]
    assert store.notice("chat-a", "requeued", 150.0)  # a second log-off: told again
    assert not store.notice("chat-a", "requeued", 160.0)  # 4 messages: the chat's limit
    store.close("chat-a", "left", 170.0)
    assert not store.notice("chat-a", "requeued", 180.0) and not store.notice("chat-none", "requeued", 180.0)


def test_both_stores_end_a_chat_whose_customer_left_or_that_went_quiet(store):
    store.start("chat-gone", "web_fr", "bonjour", 1000.0)
    store.start("chat-quiet", "web_fr", "bonjour", 1000.0)
    store.seen(["chat-quiet"], 1059.0)
    assert store.due(1059.0) == []
    assert store.due(1060.0) == [("chat-gone", "left")]  # seen last at 1000, the grace is 60 s
    store.close("chat-gone", "left", 1060.0)
    for t in range(1100, 1600, 50):  # here, but nobody writes
        store.seen(["chat-quiet"], float(t))
    assert store.due(1599.0) == []
    store.seen(["chat-quiet"], 1600.0)
    assert store.due(1600.0) == [("chat-quiet", "idle")]  # the first message at 1000, idle 600 s
    store.post("chat-quiet", "ana", "toujours là ?", 1600.0)
    assert store.due(1601.0) == []


def test_redis_keeps_a_chat_for_its_life_and_an_hour_after_its_end(redis_port):
    client = redis.Redis(port=redis_port, decode_responses=True)
    client.flushall()
    store = RedisChats(client, "cs:{test}:", LIMITS)
    store.start("chat-t", "web_fr", "bonjour", 1.0)
    assert client.ttl("cs:{test}:tx:chat-t") == int(LIMITS.idle_s + KEEP_ENDED_S)  # refreshed by each message
    store.close("chat-t", "customer", 2.0)
    assert 0 < client.ttl("cs:{test}:tx:chat-t") <= KEEP_ENDED_S
    assert 0 < client.ttl("cs:{test}:tx:chat-t:log") <= KEEP_ENDED_S
    assert client.zcard("cs:{test}:chats:seen") == client.zcard("cs:{test}:chats:active") == 0
    assert client.hget("cs:{test}:tx:chat-t", "digest") != "" and all(  # the secret itself is never stored
        len(value) != 22 for value in client.hgetall("cs:{test}:tx:chat-t").values())


def call(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def next_texts(socket, want: int) -> list[str]:
    """The chat's messages from a socket until ``want`` have come (a safety limit of 20 s each)."""
    got: list[str] = []
    while len(got) < want:
        got += [m.get("ended") or m["text"] for m in json.loads(socket.recv(timeout=20))]
    return got


@pytest.fixture(scope="module")
def nodes(redis_port, tmp_path_factory):
    redis.Redis(port=redis_port).flushall()
    started: list = []

    try:  # the two nodes start side by side (their start is mostly imports), then each is waited for
        for name in ("node-a", "node-b"):
            started.append(launch_node(name, redis_port, tmp_path_factory.mktemp(name), extra=CHAT_QUEUE,
                                       router=CHAT_ROUTER))
        for name, (process, url) in zip(("node-a", "node-b"), started, strict=True):
            wait_node(name, process, url)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(15)


def test_a_chat_started_on_one_node_is_served_by_the_other(nodes):
    url_a, url_b = nodes
    api(f"{url_b}/api/agents/amina/status", AMINA, {"status": "available"})
    status, chat = call(f"{url_a}/api/chats", {"queue": "web_fr", "text": "bonjour"})  # the customer on node A
    assert status == 201 and chat["state"] == "offered"
    secret = {"X-Chat-Secret": chat["secret"]}
    api(f"{url_b}/api/agents/amina/accept/{chat['id']}", AMINA, {})  # the agent on node B
    desk = {"Authorization": f"Bearer {AMINA}"}
    assert call(f"{url_b}/api/chats/{chat['id']}/messages", headers=desk)[1]["messages"][0]["text"] == "bonjour"
    # the customer's widget follows the chat live through node B while the agent writes through node A
    live = f"ws://{url_b.removeprefix('http://')}/api/chats/{chat['id']}/live?secret={chat['secret']}"
    with connect(live) as socket:
        assert next_texts(socket, 1) == ["bonjour"]
        assert call(f"{url_a}/api/chats/{chat['id']}/messages", {"text": "oui ?"}, desk)[0] == 201
        assert next_texts(socket, 1) == ["oui ?"]  # written on A, sent by B
        assert call(f"{url_a}/api/chats/{chat['id']}/messages", {"text": "ma carte"}, secret)[0] == 201
        assert next_texts(socket, 1) == ["ma carte"]
        ended = call(f"{url_a}/api/chats/{chat['id']}/end", {}, secret)[1]  # the customer's end button, on A
        assert ended["outcome"] == "answered"
        assert next_texts(socket, 1) == ["customer"]  # the end's notice, on B
    read = call(f"{url_b}/api/chats/{chat['id']}/messages", headers=secret)[1]
    assert read["ended_by"] == "customer" and read["state"] == "ended"
    assert api(f"{url_a}/api/agents/amina/sessions", AMINA) == []
    assert call(f"{url_b}/api/chats/{chat['id']}/messages", headers={"X-Chat-Secret": "x" * 22})[0] == 403
    assert api(f"{url_a}/api/calls/{chat['id']}", SUPERVISOR)["outcome"] == "answered"


def test_a_logged_off_agents_chat_goes_back_to_the_queue_and_its_customer_is_told_once(nodes):
    """Amina, holding a chat, is logged off by a supervisor through node A while its customer follows it
    through node B: the chat waits again (transcript kept), the customer's socket brings the notice, once though
    both nodes heard the event; back at work, she is offered it again."""
    url_a, url_b = nodes
    api(f"{url_a}/api/agents/amina/status", AMINA, {"status": "available"})
    status, chat = call(f"{url_b}/api/chats", {"queue": "web_fr", "text": "ma carte"})
    assert status == 201 and chat["state"] == "offered"
    secret = {"X-Chat-Secret": chat["secret"]}
    api(f"{url_a}/api/agents/amina/accept/{chat['id']}", AMINA, {})
    live = f"ws://{url_b.removeprefix('http://')}/api/chats/{chat['id']}/live?secret={chat['secret']}"
    with connect(live) as socket:
        assert next_texts(socket, 1) == ["ma carte"]
        api(f"{url_a}/api/agents/amina/status", SUPERVISOR, {"status": "offline", "reason": "sent_home"})
        notice = json.loads(socket.recv(timeout=20))
        assert [m.get("notice") for m in notice] == ["requeued"]
    read = call(f"{url_a}/api/chats/{chat['id']}/messages", headers=secret)[1]
    assert read["state"] == "waiting" and [m.get("notice") or m["text"] for m in read["messages"]] == [
        "ma carte", "requeued"]
    assert api(f"{url_b}/api/agents/amina/sessions", AMINA) == []
    api(f"{url_b}/api/agents/amina/status", AMINA, {"status": "available"})
    assert [s["id"] for s in api(f"{url_a}/api/agents/amina/sessions", AMINA)] == [chat["id"]]
    assert call(f"{url_a}/api/chats/{chat['id']}/end", {}, secret)[1]["outcome"] == "answered"
    assert [m.get("notice") for m in call(f"{url_b}/api/chats/{chat['id']}/messages", headers=secret)[1][
        "messages"]].count("requeued") == 1  # every node heard the event: one notice
