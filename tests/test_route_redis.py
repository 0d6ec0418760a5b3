"""The routing state in a real redis-server, operated by Lua scripts: the same decisions and events as the
in-memory core under random interleavings (a differential state machine), and no double assignment when
several processes act on one centre at once."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from casashore.route.state.core import Router, RoutingQueue
from redis_server import needs_redis, redis_server
from route_checker import replay

pytestmark = needs_redis
redis = pytest.importorskip("redis")

QUEUES = {"fr": RoutingQueue("fr", "fr", relax_after_s=20.0, max_waiting=6), "es": RoutingQueue("es", "es")}
AGENTS = {"a1": {"fr": 1}, "a2": {"fr": 2, "es": 1}, "a3": {"es": 2}, "a4": {"fr": 1, "es": 1}}


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield port


def snapshot_memory(router: Router) -> tuple:
    agents = {a.agent_id: (a.status, a.state, a.call_id or "", a.missed, a.missed_call or "")
              for a in router.agents.values()}
    calls = {c.call_id: (c.state, c.outcome, c.agent_id or "" if c.state in ("offered", "connected")
                         or c.outcome == "answered" else "") for c in router.calls.values()}
    return agents, calls


def snapshot_redis(shared, call_ids) -> tuple:
    agents = {}
    for agent_id in AGENTS:
        a = shared.agent(agent_id)
        agents[agent_id] = (a["status"], a["state"], a["call_id"], int(a["missed"]), a.get("missed_call", ""))
    calls = {}
    for call_id in call_ids:
        c = shared.call(call_id)
        agent = c["agent_id"] if c["state"] in ("offered", "connected") or c["outcome"] == "answered" else ""
        calls[call_id] = (c["state"], c["outcome"], agent)
    return agents, calls


def test_the_redis_router_decides_like_the_core(redis_port):
    from casashore.route.state.redis_router import RedisRouter

    client = redis.Redis(port=redis_port, decode_responses=True)

    class Twins(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.memory = Router(dict(QUEUES), offer_timeout_s=10.0, wrap_up_s=5.0)
            self.shared = RedisRouter(client, "twins", node="n1")
            self.shared.last_offers = []
            self.shared.configure(QUEUES, offer_timeout_s=10.0, wrap_up_s=5.0, reset=True)
            self.now, self.next_call = 1.0, 0
            for agent_id, skills in AGENTS.items():
                self.memory.add_agent(agent_id, skills, self.now)
                self.shared.add_agent(agent_id, skills, self.now)
            self.compare()

        def compare(self):
            mine = [e[1:] for e in self.memory.take_events()]
            theirs = [e[1:] for e in self.shared.take_events()]
            assert Counter(theirs) == Counter(mine)  # a tick may list simultaneous timeouts in another order
            assert self.shared.last_offers == [(call, agent) for event, call, agent in theirs if event == "offered"]
            assert snapshot_redis(self.shared, self.memory.calls) == snapshot_memory(self.memory)

        def both(self, op, *args):
            getattr(self.memory, op)(*args)
            getattr(self.shared, op)(*args)
            self.compare()

        @rule(dt=st.sampled_from([0.5, 1.0, 3.0, 5.0, 10.0, 12.0, 25.0]))
        def time_passes(self, dt):
            self.now += dt
            self.both("tick", self.now)

        @rule(queue=st.sampled_from(["fr", "es"]), priority=st.integers(0, 2))
        def call_arrives(self, queue, priority):
            self.next_call += 1
            self.both("arrive", f"c{self.next_call}", queue, self.now, priority)

        @rule(agent=st.sampled_from(sorted(AGENTS)), status=st.sampled_from(["available", "break", "offline"]))
        def status_changes(self, agent, status):
            self.both("set_status", agent, status, self.now, "r")

        @precondition(lambda self: any(a.state == "offered" for a in self.memory.agents.values()))
        @rule(data=st.data(), answer=st.booleans())
        def offer_answered(self, data, answer):
            agent = data.draw(st.sampled_from(sorted(a.agent_id for a in self.memory.agents.values()
                                                     if a.state == "offered")))
            call = self.memory.agents[agent].call_id
            self.both("accept" if answer else "reject", agent, call, self.now)

        @precondition(lambda self: any(a.state == "offered" for a in self.memory.agents.values()))
        @rule(data=st.data(), why=st.sampled_from(["busy", "unreachable"]))
        def phone_misses(self, data, why):  # the agent's phone answered 486 / never answered: a missed offer
            agent = data.draw(st.sampled_from(sorted(a.agent_id for a in self.memory.agents.values()
                                                     if a.state == "offered")))
            call = self.memory.agents[agent].call_id
            self.both("miss", agent, call, self.now, why)
            self.both("miss", agent, call, self.now, why)  # a second time: no longer theirs, nothing changes

        @precondition(lambda self: any(c.state != "ended" for c in self.memory.calls.values()))
        @rule(data=st.data(), by=st.sampled_from(["caller", "supervisor"]))
        def hang_up(self, data, by):
            live = sorted(c.call_id for c in self.memory.calls.values() if c.state != "ended")
            self.both("hang_up", data.draw(st.sampled_from(live)), self.now, by)  # cleared by a supervisor

    Twins.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
    Twins.TestCase().runTest()


def _hammer(port: int, node: str, seed: int, calls: int) -> None:
    """One node: calls arrive, its agents log in and accept whatever is offered to them, calls end."""
    import random

    from casashore.route.state.redis_router import RedisRouter

    rng = random.Random(seed)
    router = RedisRouter(redis.Redis(port=port, decode_responses=True), "race", node=node)
    mine = [f"{node}-a{i}" for i in range(5)]
    for agent in mine:
        router.set_status(agent, "available", 1.0)
    for n in range(calls):
        now = 1.0 + n * 0.01
        router.arrive(f"{node}-c{n}", rng.choice(["fr", "es"]), now)
        for agent in mine + [f"n{(int(node[1]) % 3) + 1}-a0"]:  # and one of another node's agents: races
            state = router.agent(agent)
            if state["state"] == "offered" and rng.random() < 0.7:
                router.accept(agent, state["call_id"], now)
            elif state["state"] == "not_responding" and agent in mine:
                router.set_status(agent, "available", now)
            elif state["state"] == "busy" and rng.random() < 0.5:
                router.hang_up(state["call_id"], now)
        if rng.random() < 0.2:  # a caller gives up, whatever the state of the call
            router.hang_up(f"{node}-c{rng.randrange(n + 1)}", now)
        router.tick(now)


def test_three_processes_never_assign_twice(redis_port):
    from casashore.route.state.redis_router import RedisRouter

    client = redis.Redis(port=redis_port, decode_responses=True)
    setup = RedisRouter(client, "race", node="setup")
    setup.configure({"fr": RoutingQueue("fr", "fr", max_waiting=50), "es": RoutingQueue("es", "es", max_waiting=50)},
                    offer_timeout_s=0.05, wrap_up_s=0.0, reset=True)
    for node in ("n1", "n2", "n3"):
        for i in range(5):
            setup.add_agent(f"{node}-a{i}", {"fr": 1 + i % 2, "es": 1} if i % 2 else {"fr": 1}, 0.0)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hammer, args=(redis_port, f"n{k}", k, 400)) for k in (1, 2, 3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    events = setup.take_events()
    kinds = Counter(e[1] for e in events)
    assert kinds["offered"] > 500 and kinds["answered"] > 300 and kinds["withdrawn"] > 0, kinds
    assert kinds["offered"] > 500 and kinds["answered"] > 300 and kinds["withdrawn"] > 0
    assert replay(events) == []


@pytest.mark.parametrize("crash", [False, True])
def test_routing_state_survives_a_redis_restart(tmp_path, crash):
    """AOF everysec: after a clean stop, or a SIGKILL once the last second has been written, the restarted
    server holds the offer, and the node's next operation reconnects and reloads its scripts by itself."""
    import time

    from casashore.route.state.redis_router import RedisRouter

    with redis_server(tmp_path, kill=crash) as port:
        router = RedisRouter(redis.Redis(port=port, decode_responses=True), "restart", node="n1")
        router.configure({"fr": RoutingQueue("fr", "fr")}, reset=True)
        router.add_agent("ana", {"fr": 1}, 1.0)
        router.set_status("ana", "available", 1.0)
        router.arrive("c1", "fr", 2.0)
        assert router.last_offers == [("c1", "ana")]
        time.sleep(1.5)  # past the everysec fsync
    with redis_server(tmp_path, port=port):
        assert router.accept("ana", "c1", 3.0)
        assert router.call("c1")["state"] == "connected"
        assert [e[1] for e in router.take_events()][-2:] == ["offered", "answered"]
