"""Chat sessions and email items in the router (issue 21): capacity n under random interleavings, on the in-memory
core (a hypothesis state machine with the invariants after every step) and in a real redis-server (the same
machine run on both stores, their events and states compared, the invariants checked on each)."""

from __future__ import annotations

from collections import Counter

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from casashore.route.state.core import Router, RoutingQueue
from redis_server import needs_redis, redis_server
from route_checker import replay

QUEUES = {"fr": RoutingQueue("fr", "fr", relax_after_s=20.0, max_waiting=6),
          "chat": RoutingQueue("chat", "fr", relax_after_s=20.0, channel="chat", max_sessions=3),
          "chat_es": RoutingQueue("chat_es", "es", channel="chat", max_sessions=2),
          "mail": RoutingQueue("mail", "es", channel="email")}
AGENTS = {"a1": {"fr": 1}, "a2": {"fr": 2, "es": 1}, "a3": {"es": 2}, "a4": {"fr": 1, "es": 1}}
CHANNELS = {name: (q.channel, q.max_sessions) for name, q in QUEUES.items()}


def check_capacity(router: Router, now: float) -> None:
    """No agent over capacity, no session given twice, no free capacity idle while a session it may take waits."""
    holders: dict[str, list[str]] = {}
    for agent in router.agents.values():
        held = Counter(agent.sessions.values())
        assert (agent.call_id is not None) == (agent.state in ("offered", "busy"))
        if agent.call_id is not None:
            holders.setdefault(agent.call_id, []).append(agent.agent_id)
            assert router.voice_with_chats or not held["chat"], agent
        assert not (held["chat"] and held["email"]), agent
        assert held["email"] <= router.email_capacity
        chats = [router.calls[s].queue for s, channel in agent.sessions.items() if channel == "chat"]
        # the chats were offered one by one, each below its queue's limit: at most the largest limit held
        assert held["chat"] <= max((QUEUES[q].max_sessions for q in chats), default=0), agent
        for session in agent.sessions:
            holders.setdefault(session, []).append(agent.agent_id)
    assert all(len(v) == 1 for v in holders.values()), holders
    for call in router.calls.values():
        if call.state in ("offered", "connected"):
            assert holders[call.call_id] == [call.agent_id]
        else:
            assert call.call_id not in holders
    queued = [cid for ids in router.waiting.values() for cid in ids]
    assert len(queued) == len(set(queued))
    assert set(queued) == {c.call_id for c in router.calls.values() if c.state == "waiting"}
    for queue, ids in router.waiting.items():
        rules = QUEUES[queue]
        for call_id in ids:
            relaxed = rules.relax_after_s is None or now - router.calls[call_id].arrived_at >= rules.relax_after_s
            for agent in router.agents.values():
                load = router.load(agent, rules.channel)
                allowed = rules.skill in agent.skills and (relaxed or agent.skills[rules.skill] <= rules.best_level)
                assert not (allowed and load is not None and load < router.capacity(rules)), (call_id, agent, now)


def interactive_waiting_for(router: Router, agent, now: float) -> list[str]:
    """The waiting calls and chats ``agent`` may take now (skill, relaxation, the blending rule and capacity)."""
    found = []
    for queue, ids in router.waiting.items():
        rules = QUEUES[queue]
        load = router.load(agent, rules.channel)
        if rules.channel == "email" or rules.skill not in agent.skills or load is None \
                or load >= router.capacity(rules):
            continue
        for call_id in ids:
            relaxed = rules.relax_after_s is None or now - router.calls[call_id].arrived_at >= rules.relax_after_s
            if relaxed or agent.skills[rules.skill] <= rules.best_level:
                found.append(call_id)
    return found


class ChatBeforeEmail(Router):
    """The core, checking chat before email (docs/routing.md) at the moment of each offer: an email item goes to
    an agent only when no call or chat that agent may take is waiting. The Redis twin below makes the same offers
    (its events are compared with these), so the rule is checked on both stores."""

    def _offer(self, call, agent, now):
        if call.channel == "email":
            assert interactive_waiting_for(self, agent, now) == [], (call.call_id, agent, now)
        super()._offer(call, agent, now)


class ChannelMachine(RuleBasedStateMachine):
    """Random arrivals on voice, chat and email queues, status changes, accepts (stale ones too), rejects,
    endings and time; ``stores`` are the routers driven alike (one, or the core and Redis)."""

    voice_with_chats = False

    def __init__(self):
        super().__init__()
        self.router = ChatBeforeEmail(dict(QUEUES), offer_timeout_s=10.0, wrap_up_s=5.0,
                             voice_with_chats=self.voice_with_chats)
        self.now, self.next_call = 1.0, 0
        for agent_id, skills in AGENTS.items():
            self.router.add_agent(agent_id, skills, self.now)
        self.log = self.router.take_events()

    def act(self, op, *args):
        return getattr(self.router, op)(*args)

    @rule(dt=st.integers(0, 24))
    def time_passes(self, dt):
        self.now += dt / 2  # half seconds: the Redis store orders chat agents by a float score (see the docs)
        self.act("tick", self.now)

    @rule(queue=st.sampled_from(sorted(QUEUES)), priority=st.integers(0, 2))
    def arrival(self, queue, priority):
        self.next_call += 1
        self.act("arrive", f"c{self.next_call}", queue, self.now, priority)

    @rule(agent=st.sampled_from(sorted(AGENTS)),
          status=st.sampled_from(["available", "available", "break", "offline"]))
    def status(self, agent, status):
        """Offline is a closed desk's log-off: her accepted sessions go back to their queues."""
        held = {s for s in self.router.agents[agent].sessions if self.router.calls[s].state == "connected"}
        self.act("set_status", agent, status, self.now, "desk_closed" if status == "offline" else "")
        if status == "offline":
            assert not self.router.agents[agent].sessions
            for session in held:  # back in the queue (or offered to another agent at once), age kept
                call = self.router.calls[session]
                assert call.state in ("waiting", "offered") and call.agent_id != agent, call
                assert call.first_answered_at is not None and call.answered_at is None and call.handled_s >= 0

    @precondition(lambda self: any(c.state == "connected" and c.channel != "voice"
                                   for c in self.router.calls.values()))
    @rule(data=st.data())
    def desk_closes(self, data):
        """An agent holding accepted sessions is logged off (her desk closed): they go back to their queues."""
        holders = sorted({c.agent_id for c in self.router.calls.values()
                          if c.state == "connected" and c.channel != "voice"})
        self.status(data.draw(st.sampled_from(holders)), "offline")

    @precondition(lambda self: any(c.state == "offered" for c in self.router.calls.values()))
    @rule(data=st.data(), accept=st.booleans())
    def answer_offer(self, data, accept):
        offered = sorted(c.call_id for c in self.router.calls.values() if c.state == "offered")
        call = self.router.calls[data.draw(st.sampled_from(offered))]
        if accept:
            assert self.act("accept", call.agent_id, call.call_id, self.now)
        else:
            self.act("reject", call.agent_id, call.call_id, self.now)

    @precondition(lambda self: any(c.state != "ended" for c in self.router.calls.values()))
    @rule(data=st.data())
    def end(self, data):
        live = sorted(c.call_id for c in self.router.calls.values() if c.state != "ended")
        self.act("hang_up", data.draw(st.sampled_from(live)), self.now, "caller")

    @precondition(lambda self: bool(self.router.calls))
    @rule(data=st.data())
    def stale_accept(self, data):
        call = self.router.calls[data.draw(st.sampled_from(sorted(self.router.calls)))]
        agent = data.draw(st.sampled_from(sorted(AGENTS)))
        if not (call.state == "offered" and call.agent_id == agent):
            assert not self.act("accept", agent, call.call_id, self.now)

    @invariant()
    def capacity_holds(self):
        check_capacity(self.router, self.now)
        self.log += self.router.take_events()
        assert replay(self.log, CHANNELS, voice_with_chats=self.voice_with_chats) == []


class BlendingMachine(ChannelMachine):
    voice_with_chats = True


ChannelMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=50, deadline=None)
BlendingMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=50, deadline=None)
TestChannels = ChannelMachine.TestCase
TestBlending = BlendingMachine.TestCase


def test_an_agent_below_capacity_gets_chats_up_to_max_sessions_then_the_least_loaded_agent():
    router = Router({"chat": RoutingQueue("chat", "fr", channel="chat", max_sessions=2)})
    router.add_agent("a", {"fr": 1}, 0.0)
    router.add_agent("b", {"fr": 1}, 1.0)
    router.set_status("a", "available", 0.0)
    for i in range(1, 4):
        router.arrive(f"s{i}", "chat", 2.0 + i)
    assert [router.calls[f"s{i}"].agent_id for i in (1, 2, 3)] == ["a", "a", None]  # two, not three
    router.set_status("b", "available", 6.0)
    assert router.calls["s3"].agent_id == "b"
    router.arrive("s4", "chat", 7.0)
    assert router.calls["s4"].agent_id == "b"  # b holds one, a two: the least loaded
    router.hang_up("s1", 8.0)  # a chat abandoned while offered frees its place at once
    router.arrive("s5", "chat", 9.0)
    assert router.calls["s5"].agent_id == "a"


def test_blending_a_call_blocks_chats_a_chat_blocks_calls_email_waits_for_a_free_agent():
    queues = {"fr": RoutingQueue("fr", "fr"), "chat": RoutingQueue("chat", "fr", channel="chat", max_sessions=3),
              "mail": RoutingQueue("mail", "fr", channel="email")}
    router = Router(queues, wrap_up_s=5.0)
    router.add_agent("a", {"fr": 1}, 0.0)
    router.set_status("a", "available", 0.0)
    router.arrive("call", "fr", 1.0)
    router.accept("a", "call", 1.0)
    router.arrive("chat1", "chat", 2.0)
    router.arrive("mail1", "mail", 2.5)
    assert router.calls["chat1"].state == "waiting" and router.calls["mail1"].state == "waiting"
    router.hang_up("call", 3.0)
    router.tick(7.9)
    assert router.calls["chat1"].state == "waiting"  # wrap-up: no new chat
    router.tick(8.0)
    assert router.calls["chat1"].agent_id == "a" and router.calls["mail1"].state == "waiting"
    router.accept("a", "chat1", 8.0)
    router.arrive("call2", "fr", 9.0)
    assert router.calls["call2"].state == "waiting"  # a chat in progress blocks voice offers
    router.hang_up("chat1", 10.0)
    # free of voice and chat: the call before the older email item (chat before email), which waits for it
    assert router.calls["call2"].agent_id == "a" and router.calls["mail1"].state == "waiting"
    router.accept("a", "call2", 10.0)
    router.hang_up("call2", 11.0)
    router.tick(16.0)  # wrap-up over, nothing interactive waits: the email item
    assert router.calls["mail1"].agent_id == "a"
    router.accept("a", "mail1", 16.0)
    router.arrive("call3", "fr", 17.0)  # an email item in hand does not block a call (deferred work)
    assert router.calls["call3"].agent_id == "a"
    router.arrive("chat2", "chat", 18.0)
    assert router.calls["chat2"].state == "waiting"  # a call (and an email item) in hand: no chat


def chat_before_email(router, now: float = 0.0) -> None:
    """Chat before email on ``router`` (the core or the Redis store, configured with CHAT_MAIL): an email item
    that has waited longer, even at a higher priority, comes after a chat; it is taken when nothing interactive
    waits; items in age order; no free capacity idle while an item it may take waits."""
    t = now
    router.add_agent("a", {"fr": 1}, t)
    router.arrive("m1", "mail", t + 1.0, 2)  # older and of a higher priority than the chat
    router.arrive("m2", "mail", t + 2.0)
    router.arrive("s1", "chat", t + 3.0)
    router.set_status("a", "available", t + 4.0)
    assert router.calls["s1"].agent_id == "a"  # the chat first
    assert router.calls["m1"].state == "waiting" and router.calls["m2"].state == "waiting"
    assert router.accept("a", "s1", t + 4.0)
    router.hang_up("s1", t + 5.0)  # nothing interactive waits: the email item, the oldest first
    assert router.calls["m1"].agent_id == "a" and router.calls["m2"].state == "waiting"
    assert router.accept("a", "m1", t + 5.0)
    router.arrive("s2", "chat", t + 6.0)
    assert router.calls["s2"].state == "waiting"  # an email item in hand: no chat (the blending rule)
    router.hang_up("m1", t + 7.0)
    assert router.calls["s2"].agent_id == "a" and router.calls["m2"].state == "waiting"  # s2 before the older m2
    router.add_agent("b", {"fr": 1}, t + 8.0)
    router.set_status("b", "available", t + 8.0)  # a holds a chat, b is free of everything: b takes the email
    assert router.calls["m2"].agent_id == "b"


CHAT_MAIL = {"chat": RoutingQueue("chat", "fr", channel="chat", max_sessions=2),
             "mail": RoutingQueue("mail", "fr", channel="email")}


def test_a_chat_comes_before_an_email_item_that_waited_longer():
    chat_before_email(Router(dict(CHAT_MAIL)))


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield port


def state_of(agents, calls) -> tuple:
    """What both stores must agree on: each agent's status, state, voice call and sessions; each call's."""
    return ({a.agent_id: (a.status, a.state, a.call_id or "", a.missed, a.missed_call or "", sorted(a.sessions.items()))
             for a in agents},
            {c.call_id: (c.state, c.outcome, c.channel, c.agent_id if c.state in ("offered", "connected") else None,
                         c.answered_at, c.first_answered_at, c.handled_s)
             for c in calls})


@needs_redis
def test_the_redis_store_keeps_capacity_n_like_the_core(redis_port):
    """The machine above run on the core and a real redis-server together: the same events and states after
    every step, so the invariants checked on the core hold in Redis; the Redis log is replayed on its own."""
    import redis

    from casashore.route.state.shared_router import SharedRouter

    client = redis.Redis(port=redis_port, decode_responses=True)

    class Twins(ChannelMachine):
        def __init__(self):
            self.shared = SharedRouter(client, "channels", dict(QUEUES), node="n1")
            self.shared.configure(QUEUES, offer_timeout_s=10.0, wrap_up_s=5.0, reset=True)
            super().__init__()
            for agent_id, skills in AGENTS.items():
                self.shared.add_agent(agent_id, skills, self.now)
            self.shared_log = self.shared.take_events()

        def act(self, op, *args):
            mine = getattr(self.router, op)(*args)
            theirs = getattr(self.shared, op)(*args)
            assert mine == theirs or op not in ("accept", "arrive"), (op, args, mine, theirs)
            return mine

        @invariant()
        def stores_agree(self):
            new = self.shared.take_events()
            self.shared_log += new
            assert Counter(e[1:] for e in self.shared_log) == Counter(e[1:] for e in self.log + self.router.events)
            shared_calls = self.shared.calls_of(self.router.calls)
            assert state_of(self.shared.agents.values(), shared_calls.values()) == \
                state_of(self.router.agents.values(), self.router.calls.values())
            assert replay(self.shared_log, CHANNELS) == []

    Twins.TestCase.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
    Twins.TestCase("runTest").runTest()


def log_off_scenario(router) -> dict:
    """Ana holds two chats (c1, c2) and Eve an email item (m1) when they are logged off (a closed desk): the
    sessions go back to their queues at their age's place (c1, c2 and m1 before the newer c3 and m2) and to the
    next agents. Run on either store (the core, or SharedRouter on Redis): what each call ends with."""
    router.add_agent("ana", {"fr": 1}, 0.0)
    router.add_agent("bob", {"fr": 1}, 0.0)
    router.add_agent("eve", {"es": 1}, 0.0)
    router.add_agent("gus", {"es": 1}, 0.0)
    router.set_status("ana", "available", 0.0)
    router.set_status("eve", "available", 0.0)
    router.arrive("c1", "chat", 1.0)
    router.arrive("c2", "chat", 2.0)
    router.arrive("m1", "mail", 3.0)
    assert router.accept("ana", "c1", 10.0) and router.accept("ana", "c2", 12.0) and router.accept("eve", "m1", 13.0)
    router.arrive("c3", "chat", 20.0)  # offered to ana (2 of 3 held): withdrawn when she is logged off
    router.arrive("m2", "mail", 21.0)  # waits: eve holds her one email item
    router.set_status("ana", "offline", 40.0, "desk_closed")
    router.set_status("eve", "offline", 41.0, "desk_closed")
    router.set_status("bob", "available", 50.0)  # the oldest chats first: c1, c2, then c3 (max_sessions 3)
    router.set_status("gus", "available", 51.0)  # m1 before m2: its arrival (its deadline) kept
    offered = {cid: router.calls[cid].agent_id for cid in ("c1", "c2", "c3", "m1", "m2")}
    assert router.accept("bob", "c1", 55.0) and router.accept("gus", "m1", 56.0)
    router.hang_up("c1", 70.0)  # bob ends it: answered once
    router.hang_up("c2", 71.0)  # its customer leaves before bob took it again: answered (by ana), not abandoned
    router.hang_up("m1", 80.0)
    ended = {cid: router.calls[cid] for cid in ("c1", "c2", "m1")}
    return {"offered": offered,
            "ended": {cid: (c.outcome, c.wait_s, c.handle_s, c.agent_id if c.answered_at is not None else None)
                      for cid, c in ended.items()}}


def test_a_logged_off_agents_chats_and_email_items_go_back_to_their_queues_on_both_stores(redis_port):
    import redis

    from casashore.route.state.shared_router import SharedRouter
    from casashore.route.stats import LiveStats

    queues = {"chat": QUEUES["chat"], "mail": QUEUES["mail"]}
    core = Router(dict(queues))
    expected = {"offered": {"c1": "bob", "c2": "bob", "c3": "bob", "m1": "gus", "m2": None},
                "ended": {"c1": ("answered", 9.0, 15.0 + 30.0, "bob"), "c2": ("answered", 10.0, 28.0, None),
                          "m1": ("answered", 10.0, 24.0 + 28.0, "gus")}}
    assert log_off_scenario(core) == expected
    requeued = [e for e in core.events if e[1] == "requeued"]
    assert requeued == [(40.0, "requeued", "c1", "ana:desk_closed"), (40.0, "requeued", "c2", "ana:desk_closed"),
                        (41.0, "requeued", "m1", "eve:desk_closed")]
    assert replay(core.events, CHANNELS) == []
    stats = LiveStats(core, "UTC", 3600.0)  # one answer per contact (its first), every agent's handle time once
    stats.observe(core.events)
    day = {row["queue"]: row["day"] for row in stats.snapshot(80.0)}
    assert (day["chat"]["answered"], day["chat"]["abandoned"], day["chat"]["asa_s"]) == (2, 0, 9.5)  # c1 9, c2 10
    assert day["mail"]["answered"] == 1 and day["mail"]["aht_s"] == 52.0

    shared = SharedRouter(redis.Redis(port=redis_port, decode_responses=True), "logoff", dict(queues), node="n1")
    shared.configure(queues, reset=True)
    assert log_off_scenario(shared) == expected
    assert [e[1:] for e in shared.take_events()] == [e[1:] for e in core.events]


@needs_redis
def test_the_redis_store_offers_a_chat_before_an_email_item_that_waited_longer(redis_port):
    import redis

    from casashore.route.state.shared_router import SharedRouter

    shared = SharedRouter(redis.Redis(port=redis_port, decode_responses=True), "chatmail", dict(CHAT_MAIL),
                          node="n1")
    shared.configure(CHAT_MAIL, reset=True)
    chat_before_email(shared, 1_800_000_000.0)  # epoch seconds, as a live node's clock
