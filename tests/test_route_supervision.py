"""A supervisor's view (issue 19, item 6), on both stores — in memory and in a real redis-server: the list of
calls (``GET /api/calls``: state, queue, waiting time, agent; paginated, bounded, supervisors only) and the call a
not-responding agent missed (kept in its state and in the ``not_responding`` event)."""

from __future__ import annotations

import itertools
import warnings

import pytest

from casashore.route.auth import Principal
from casashore.route.http import create_router_app
from casashore.route.service import RouterService
from casashore.route.state.call_ids import router_id
from casashore.route.state.core import Router, RoutingQueue
from redis_server import REDIS, redis_server

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

QUEUES = {"fr": RoutingQueue("fr", "fr"), "es": RoutingQueue("es", "es")}
TOKENS = {"t-ana": Principal("agent", "ana"), "t-sup": Principal("supervisor"), "t-trunk": Principal("trunk")}
_centres = itertools.count()


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    if REDIS is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield port


@pytest.fixture(params=["memory", "redis"])
def make_router(request):
    """A function making an empty centre (queues fr and es; agents ana, fr, and bob, fr) in the store."""
    def memory(offer_timeout_s: float = 10.0):
        router = Router(dict(QUEUES), offer_timeout_s=offer_timeout_s, max_missed=2)
        for agent in ("ana", "bob"):
            router.add_agent(agent, {"fr": 1}, 0.0)
        return router

    def shared(offer_timeout_s: float = 10.0):
        import redis

        from casashore.route.state.shared_router import SharedRouter

        port = request.getfixturevalue("redis_port")
        router = SharedRouter(redis.Redis(port=port, decode_responses=True), f"sup{next(_centres)}", dict(QUEUES),
                              node="n1")
        router.configure(QUEUES, offer_timeout_s=offer_timeout_s, max_missed=2, reset=True)
        for agent in ("ana", "bob"):
            router.add_agent(agent, {"fr": 1}, 0.0)
        router.skip_past_events()
        return router

    return memory if request.param == "memory" else shared


def test_a_not_responding_agent_keeps_the_call_it_missed(make_router):
    router = make_router()
    first, second = router_id("first"), router_id("second")
    router.set_status("ana", "available", 1.0)
    router.arrive(first, "fr", 2.0)
    assert router.agents["ana"].call_id == first
    router.tick(12.0)  # missed once: the call offered again (ana is the only free agent)
    assert router.agents["ana"].missed_call == first and router.agents["ana"].state == "offered"
    router.hang_up(first, 13.0)  # the caller leaves; the next call is offered to ana
    router.arrive(second, "fr", 14.0)
    router.tick(24.5)  # missed twice in a row: not responding, and the supervisor sees which call
    agent = router.agents["ana"]
    assert agent.state == "not_responding" and agent.missed_call == second and agent.call_id is None
    assert ("not_responding", "ana", f"2:{second}") in [e[1:] for e in router.take_events()]
    router.set_status("ana", "available", 30.0)  # back: the count and the missed call start again
    assert router.agents["ana"].missed_call is None and router.agents["ana"].missed == 0


def test_an_answered_offer_clears_the_missed_call(make_router):
    router = make_router()
    call = router_id("c1")
    router.set_status("ana", "available", 1.0)
    router.arrive(call, "fr", 2.0)
    router.tick(12.0)
    assert router.agents["ana"].missed_call == call
    assert router.accept("ana", call, 13.0)
    assert router.agents["ana"].missed_call is None


def test_a_supervisor_lists_the_calls_page_by_page(make_router):
    router = make_router()
    clock = [100.0]
    service = RouterService(router, clock=lambda: clock[0])
    with TestClient(create_router_app(service, TOKENS, tick_s=60)) as client:
        sup, trunk = {"Authorization": "Bearer t-sup"}, {"Authorization": "Bearer t-trunk"}
        for k, queue in enumerate(["fr", "es", "fr", "es"]):
            clock[0] = 100.0 + k
            added = client.post("/api/calls", json={"call_id": f"c{k}/x", "queue": queue}, headers=trunk)
            assert added.status_code == 201
        client.post("/api/agents/ana/status", json={"status": "available"}, headers={"Authorization": "Bearer t-ana"})
        clock[0] = 110.0
        client.post(f"/api/agents/ana/accept/{router_id('c0/x')}", headers={"Authorization": "Bearer t-ana"})
        client.post(f"/api/calls/{router_id('c3/x')}/hangup", headers=trunk)  # ended: not listed
        clock[0] = 120.0
        page = client.get("/api/calls", headers=sup)
        assert page.status_code == 200
        listed = page.json()
        assert listed["total"] == 3 and [c["call_id"] for c in listed["calls"]] == ["c0/x", "c1/x", "c2/x"]
        first, second, third = listed["calls"]
        assert first["state"] == "connected" and first["agent"] == "ana" and first["waiting_s"] == 10.0
        assert second == {"id": router_id("c1/x"), "call_id": "c1/x", "message_id": None, "queue": "es",
                          "state": "waiting", "priority": 0, "agent": None, "waiting_s": 19.0, "callback_number": None,
                          "recording": None}  # (media recorded by rtpengine only)
        assert third["state"] == "waiting" and third["waiting_s"] == 18.0  # bob is offline: nobody took it
        second_page = client.get("/api/calls?offset=2&limit=2", headers=sup).json()
        assert second_page["total"] == 3 and [c["call_id"] for c in second_page["calls"]] == ["c2/x"]
        for token in ("t-ana", "t-trunk"):
            refused = client.get("/api/calls", headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 403 and "only a supervisor" in refused.json()["error"]
        assert client.get("/api/calls").status_code == 401
        for query in ("limit=0", "limit=501", "offset=-1", "limit=x"):
            bad = client.get(f"/api/calls?{query}", headers=sup)
            assert bad.status_code == 422 and bad.json()["field"] == query.split("=")[0], query
        agents = {a["agent"]: a for a in client.get("/api/agents", headers=sup).json()}
        assert agents["ana"]["missed_call"] is None
