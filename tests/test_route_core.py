"""The router's core under random interleavings (hypothesis state machine): the invariants hold after every
step, and an independent replay of the event log finds no double offer, no double assignment, one outcome per
call."""

from collections import defaultdict

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from casashore.route.state.core import Router, RoutingQueue
from route_checker import replay

QUEUES = {"fr": RoutingQueue("fr", "fr", relax_after_s=20.0, max_waiting=6), "es": RoutingQueue("es", "es")}
AGENTS = {"a1": {"fr": 1}, "a2": {"fr": 2, "es": 1}, "a3": {"es": 2}, "a4": {"fr": 1, "es": 1}}


class RouterMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.router = Router(dict(QUEUES), offer_timeout_s=10.0, wrap_up_s=5.0)
        self.now = 0.0
        self.next_call = 0
        for agent_id, skills in AGENTS.items():
            self.router.add_agent(agent_id, skills, self.now)

    @rule(dt=st.floats(0, 12))
    def time_passes(self, dt):
        self.now += dt
        self.router.tick(self.now)

    @rule(queue=st.sampled_from(sorted(QUEUES)), priority=st.integers(0, 2))
    def arrival(self, queue, priority):
        self.next_call += 1
        self.router.arrive(f"c{self.next_call}", queue, self.now, priority)

    @rule(agent=st.sampled_from(sorted(AGENTS)), status=st.sampled_from(["available", "break", "offline"]))
    def status(self, agent, status):
        self.router.set_status(agent, status, self.now, reason="lunch" if status == "break" else "")

    @precondition(lambda self: any(a.state == "offered" for a in self.router.agents.values()))
    @rule(data=st.data(), accept=st.booleans())
    def answer_offer(self, data, accept):
        offered = sorted(a.agent_id for a in self.router.agents.values() if a.state == "offered")
        agent = self.router.agents[data.draw(st.sampled_from(offered))]
        if accept:
            assert self.router.accept(agent.agent_id, agent.call_id, self.now)
        else:
            self.router.reject(agent.agent_id, agent.call_id, self.now)

    @precondition(lambda self: any(a.state == "offered" for a in self.router.agents.values()))
    @rule(data=st.data())
    def phone_misses(self, data):  # the agent's phone answered busy or was unreachable
        offered = sorted(a.agent_id for a in self.router.agents.values() if a.state == "offered")
        agent = self.router.agents[data.draw(st.sampled_from(offered))]
        call, missed = agent.call_id, agent.missed
        assert self.router.miss(agent.agent_id, call, self.now, "busy")
        assert agent.missed == missed + 1 and agent.missed_call == call
        offered_again = agent.state == "offered" and agent.call_id == call  # re-offered: the only free agent
        assert self.router.miss(agent.agent_id, call, self.now, "busy") == offered_again

    @precondition(lambda self: any(c.state != "ended" for c in self.router.calls.values()))
    @rule(data=st.data(), by=st.sampled_from(["caller", "supervisor"]))
    def hang_up(self, data, by):
        live = sorted(c.call_id for c in self.router.calls.values() if c.state != "ended")
        call = self.router.calls[data.draw(st.sampled_from(live))]
        before = call.state
        self.router.hang_up(call.call_id, self.now, by=by)
        unanswered = "abandoned" if by == "caller" else "cleared"
        assert call.state == "ended" and call.outcome == ("answered" if before == "connected" else unanswered)

    @rule(data=st.data())
    def stale_accept(self, data):
        """An agent's desktop answers an offer that is no longer theirs: refused, nothing changes."""
        if not self.router.calls:
            return
        call = data.draw(st.sampled_from(sorted(self.router.calls)))
        agent = data.draw(st.sampled_from(sorted(AGENTS)))
        mine = self.router.agents[agent].call_id == call and self.router.agents[agent].state == "offered"
        if not mine:
            assert not self.router.accept(agent, call, self.now)

    @invariant()
    def one_call_per_agent_and_one_agent_per_call(self):
        holders = defaultdict(list)
        for agent in self.router.agents.values():
            if agent.state in ("offered", "busy"):
                assert agent.call_id is not None
                holders[agent.call_id].append(agent.agent_id)
            else:
                assert agent.call_id is None
        assert all(len(v) == 1 for v in holders.values())
        for call in self.router.calls.values():
            if call.state in ("offered", "connected"):
                assert holders[call.call_id] == [call.agent_id]

    @invariant()
    def waiting_calls_are_queued_once(self):
        queued = [cid for ids in self.router.waiting.values() for cid in ids]
        assert len(queued) == len(set(queued))
        assert set(queued) == {c.call_id for c in self.router.calls.values() if c.state == "waiting"}

    @invariant()
    def no_free_agent_while_a_call_it_can_take_waits(self):
        for queue, ids in self.router.waiting.items():
            if ids:
                rules = QUEUES[queue]
                for call_id in ids:
                    relaxed = self.now - self.router.calls[call_id].arrived_at >= rules.relax_after_s \
                        if rules.relax_after_s is not None else True
                    assert not any(a.status == "available" and a.state == "idle" and rules.skill in a.skills
                                   and (relaxed or a.skills[rules.skill] <= rules.best_level)
                                   for a in self.router.agents.values()), (call_id, self.now)

    @invariant()
    def the_log_replays_cleanly(self):
        assert replay(self.router.events) == []


RouterMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
TestRouter = RouterMachine.TestCase


def test_longest_idle_agent_takes_the_call():
    router = Router({"fr": RoutingQueue("fr", "fr")})
    for i, at in enumerate((5.0, 1.0, 3.0)):
        router.add_agent(f"a{i}", {"fr": 1}, at)
        router.set_status(f"a{i}", "available", at)
    router.arrive("c1", "fr", 10.0)
    assert router.calls["c1"].agent_id == "a1"


def test_only_the_best_level_until_the_relax_delay():
    router = Router({"fr": RoutingQueue("fr", "fr", relax_after_s=30.0)})
    router.add_agent("expert", {"fr": 1}, 0.0)
    router.add_agent("novice", {"fr": 3}, 0.0)
    router.set_status("novice", "available", 0.0)
    router.set_status("expert", "available", 0.0)
    router.arrive("c1", "fr", 1.0)
    assert router.calls["c1"].agent_id == "expert"
    router.accept("expert", "c1", 2.0)
    router.set_status("novice", "break", 2.0)
    router.set_status("novice", "available", 3.0)
    router.arrive("c2", "fr", 4.0)
    assert router.calls["c2"].state == "waiting"  # the novice is free but not allowed yet
    router.tick(33.9)
    assert router.calls["c2"].state == "waiting"
    router.tick(34.0)
    assert router.calls["c2"].agent_id == "novice"  # waited 30 s: any French speaker


def test_a_relaxed_older_call_is_served_past_an_unrelaxed_urgent_one():
    router = Router({"fr": RoutingQueue("fr", "fr", relax_after_s=30.0)})
    router.add_agent("novice", {"fr": 2}, 0.0)
    router.arrive("old", "fr", 0.0)
    router.arrive("urgent", "fr", 35.0, priority=5)
    router.set_status("novice", "available", 36.0)
    assert router.calls["old"].agent_id == "novice" and router.calls["urgent"].state == "waiting"


def test_missed_offers_pause_the_agent_and_the_call_goes_on():
    router = Router({"fr": RoutingQueue("fr", "fr")}, offer_timeout_s=10.0, max_missed=2)
    router.add_agent("sleepy", {"fr": 1}, 0.0)
    router.add_agent("awake", {"fr": 1}, 5.0)
    router.set_status("sleepy", "available", 0.0)
    router.arrive("c1", "fr", 6.0)
    assert router.calls["c1"].agent_id == "sleepy"
    router.tick(16.0)
    router.arrive("c2", "fr", 16.5)
    router.tick(27.0)
    assert router.agents["sleepy"].state == "not_responding"
    router.set_status("awake", "available", 27.0)
    assert {router.calls["c1"].agent_id, router.calls["c2"].agent_id} & {"awake"}
    assert router.position("c2") in (None, 1)


def test_a_phone_that_does_not_take_the_offer_counts_as_a_missed_offer():
    """Router.miss (the phone answered 486, 603, or never answered): the offer is withdrawn with the reason,
    the call goes to the next agent, and max_missed of them in a row pause the agent, as timeouts do."""
    router = Router({"fr": RoutingQueue("fr", "fr")}, offer_timeout_s=10.0, max_missed=2)
    router.add_agent("busy_phone", {"fr": 1}, 0.0)
    router.add_agent("other", {"fr": 1}, 1.0)
    router.set_status("busy_phone", "available", 0.0)
    router.set_status("other", "available", 1.0)
    router.arrive("c1", "fr", 2.0)
    assert router.calls["c1"].agent_id == "busy_phone"
    assert router.miss("busy_phone", "c1", 3.0, "busy")
    assert router.calls["c1"].agent_id == "other" and router.agents["busy_phone"].missed == 1
    assert not router.miss("busy_phone", "c1", 3.0, "busy")  # no longer theirs
    assert (3.0, "withdrawn", "c1", "busy_phone:busy") in router.events
    router.arrive("c2", "fr", 4.0)
    assert router.miss("busy_phone", "c2", 5.0, "unreachable")
    assert router.agents["busy_phone"].state == "not_responding"
    assert router.agents["busy_phone"].missed_call == "c2"
    assert router.events[-1][1:] != ("offered", "c2", "busy_phone")
