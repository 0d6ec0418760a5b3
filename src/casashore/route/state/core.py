"""The router's core: queues of calls, agents with skills, and the decision of who takes which call.

Deterministic and single-threaded (time is passed in, no clock is read), so the asyncio server, the SIP front
and the tests drive the same object. Modelled on the offer/reservation pattern of cloud routers: a call is
*offered* to one agent, who accepts or rejects; an offer not answered within ``offer_timeout_s`` is withdrawn
and the agent marked not-responding (paused after ``max_missed`` in a row).

Two states per agent, kept apart: the *status* the agent chooses (available, break, offline — with a reason
code) and the *routing state* the router sets (idle, offered, busy, wrap_up, not_responding). An agent takes
calls only when available and idle.

Invariants (checked by the hypothesis state machine in tests/test_route_core.py): a call is offered to at most
one agent at a time; an agent holds at most one voice call (offered or connected); a waiting call is in exactly
one queue; every call ends answered, abandoned, cleared or rejected, once.

Chat sessions and email items (issue 21) are ``Call`` records of chat and email queues, queued, prioritised and
relaxed as calls, but held in ``Agent.sessions`` (an agent holds several), never in ``Agent.call_id``, and
offered by the blending rule of ``Router.load`` (docs/routing.md, "Channels"); tests/test_route_channels.py
checks capacity n on both stores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sortedcontainers import SortedList

from casashore.domain.queue import Channel, Queue
from casashore.errors import UserError
from casashore.route.state.call_ids import check_router_id
from casashore.route.state.errors import AgentExists, CallExists

Status = Literal["available", "break", "offline"]
RoutingState = Literal["idle", "offered", "busy", "wrap_up", "not_responding"]
Selection = Literal["longest_idle", "best_proficiency", "round_robin", "fewest_calls"]
Outcome = Literal["", "answered", "abandoned", "cleared", "rejected"]
"""How a call ended: ``answered`` (an agent took it, whoever hung up after), ``abandoned`` (the caller hung up
before an agent took it), ``cleared`` (a supervisor ended it before an agent took it: not the caller's doing,
so never counted as an abandon), ``rejected`` (refused at arrival, the queue full)."""
EndedBy = Literal["caller", "supervisor"]


def check_ended_by(by: str) -> EndedBy:
    """``by`` when it names who may end a call; a UserError naming the value and the expectation otherwise."""
    if by not in ("caller", "supervisor"):
        raise UserError("by", by, "caller or supervisor")
    return by  # type: ignore[return-value]


@dataclass
class Agent:
    agent_id: str
    skills: dict[str, int]
    """skill -> proficiency (1 = best)."""
    status: Status = "offline"
    reason: str = ""
    state: RoutingState = "idle"
    idle_since: float = 0.0
    calls_handled: int = 0
    missed: int = 0
    call_id: str | None = None
    wrap_up_until: float = 0.0
    missed_call: str | None = None
    """The call of the last offer the agent let time out, kept while ``missed`` counts (a not-responding
    agent shows the supervisor which call it missed); cleared when the agent answers or comes back."""
    sessions: dict[str, Channel] = field(default_factory=dict)
    """Chat sessions and email items offered to or held by the agent (id -> channel), in offer order; the
    voice call is ``call_id``. Their number per channel is bounded by the router (``Router.load``)."""

    def held(self, channel: Channel) -> int:
        return sum(1 for held in self.sessions.values() if held == channel)


@dataclass
class Call:
    call_id: str
    """The router's id: the call's address in the API, the events and Redis (safe characters, call_ids.py)."""
    queue: str
    arrived_at: float
    priority: int = 0
    """Higher first."""
    state: Literal["waiting", "offered", "connected", "ended"] = "waiting"
    outcome: Outcome = ""
    agent_id: str | None = None
    offered_at: float = 0.0
    answered_at: float | None = None
    ended_at: float | None = None
    callback_number: str | None = None
    """Set when the caller chose to be called back instead of waiting on the line: the call keeps its place,
    and the agent who accepts it dials this number."""
    trunk_call_id: str = ""
    """The Call-ID the trunk gave (SIP, or ``call_id`` in the API): data for records and views, never an
    address; the router's id when the call came without one."""
    channel: Channel = "voice"
    """Its queue's channel: a chat session or an email item is routed as a call and held in ``Agent.sessions``."""
    recording: str | None = None
    """The file the media engine records the call's audio to (a path on the router's host, as rtpengine named
    it), when the call is recorded; kept in the call's record."""
    first_answered_at: float | None = None
    """A session requeued by an agent logging off (``Router.set_status`` offline): when it was first answered,
    what its wait and the service level count (the customer was answered then, whoever finishes it)."""
    handled_s: float = 0.0
    """A requeued session's handle time by the agents who held it before (answer to requeue, added up), so its
    record counts each agent's time once."""

    @property
    def wait_s(self) -> float:
        """Of an ended call: arrival to its first answer, or to its end when nobody answered."""
        assert self.ended_at is not None
        answered = self.first_answered_at if self.first_answered_at is not None else self.answered_at
        return (answered if answered is not None else self.ended_at) - self.arrived_at

    @property
    def handle_s(self) -> float | None:
        """Of an ended call: answer to end, with a requeued session's earlier agents' time; None when nobody
        answered."""
        assert self.ended_at is not None
        if self.answered_at is not None:
            return self.ended_at - self.answered_at + self.handled_s
        return self.handled_s if self.first_answered_at is not None else None


@dataclass
class RoutingQueue:
    """The router's view of a queue: the domain queue's facts it routes by (name, skill, target, AHT) and its
    routing limits. Built from a domain queue by ``RoutingQueue.of`` (the centre file and the load generator);
    tests build small ones directly."""

    name: str
    skill: str
    relax_after_s: float | None = None
    """Skill relaxation: until a call has waited this long, only agents at proficiency ``best_level`` or
    better may take it; after, any agent with the skill. None: any agent at once."""
    max_waiting: int = 1000
    """Calls beyond this are rejected at arrival (the SIP front answers 486)."""
    target_s: float = 20.0
    """Service-level target: answered within this wait counts as in service level."""
    aht_s: float = 180.0
    """Planned handle time, for the expected wait until calls have ended in the statistics window."""
    best_level: int = 1
    """The proficiencies (1 = best) that take calls before ``relax_after_s``."""
    channel: Channel = "voice"
    max_sessions: int = 1
    """Chat: the sessions an agent holds at once when this queue offers one (the domain queue's)."""
    service_level: float = 0.8
    """Voice and chat: the share of contacts to answer within ``target_s`` (the goal the wallboard judges by)."""
    deadline_s: float | None = None
    """Email: an item answered within this is on time; its service level is counted against it, not
    ``target_s`` (an email queue has no wait target)."""
    deadline_share: float | None = None
    """Email: the share of items to answer within ``deadline_s``."""

    @classmethod
    def of(cls, queue: Queue, *, relax_after_s: float | None = None, max_waiting: int = 1000) -> RoutingQueue:
        """The routing view of a domain queue, with the router's limits."""
        return cls(queue.name, queue.skill, relax_after_s, max_waiting, queue.target_s, queue.aht_s,
                   channel=queue.channel, max_sessions=queue.max_sessions or 1, service_level=queue.service_level,
                   deadline_s=queue.deadline_s, deadline_share=queue.deadline_share)

    @property
    def goal(self) -> tuple[str, float, float]:
        """What the live service level counts and aims at: (measure, threshold in seconds, share): an email queue
        its items answered within ``deadline_s`` (``deadline_share`` of them), voice and chat their contacts
        answered within ``target_s`` (``service_level``)."""
        if self.channel == "email" and self.deadline_s is not None:
            return "answered_within_deadline", self.deadline_s, self.deadline_share or self.service_level
        return "answered_within_target", self.target_s, self.service_level


CHANNEL_RANK: dict[Channel, int] = {"voice": 0, "chat": 0, "email": 1}
"""Chat before email (docs/routing.md, "Chat before email"): the rank of a channel in ``Router.dispatch``, before
priority and age. Calls and chats are interactive (0), served by priority then age across their queues; email is
deferrable work (1), offered only when no call or chat a free agent may take is waiting, or an email backlog
hours old, always the oldest contact, would take every agent coming free. redis_router.lua's ``RANK`` writes
the same table again: change both together."""


def channel_capacity(queue: RoutingQueue, email_capacity: int) -> int:
    """Sessions of the queue's channel an agent may hold when offered one of this queue: one voice call, the chat
    queue's ``max_sessions``, the centre's ``email_capacity``."""
    return {"voice": 1, "chat": queue.max_sessions, "email": email_capacity}[queue.channel]


def agent_capacities(agent: Agent, queues: Iterable[RoutingQueue], email_capacity: int) -> dict[str, int]:
    """Per channel the agent serves (a queue of it asks one of her skills), the most contacts of it she holds at
    once: for chat the largest ``max_sessions`` of her chat queues (each queue's own bounds its offers)."""
    capacity: dict[str, int] = {}
    for queue in queues:
        if queue.skill in agent.skills:
            capacity[queue.channel] = max(capacity.get(queue.channel, 0), channel_capacity(queue, email_capacity))
    return capacity


def expected_wait(queue: RoutingQueue, position: int, agents: Iterable[Agent], handle_s: float | None) -> float | None:
    """``position × AHT / N``, N the agents who can serve the queue and are working (status available; any
    routing state but not-responding); None when there are none. The one rule of the in-memory and the shared
    routers (see ``Router.expected_wait_s``)."""
    serving = sum(1 for agent in agents if queue.skill in agent.skills and agent.status == "available"
                  and agent.state != "not_responding")
    return position * (handle_s or queue.aht_s) / serving if serving else None


@dataclass
class Router:
    queues: dict[str, RoutingQueue]
    selection: Selection = "longest_idle"
    offer_timeout_s: float = 15.0
    wrap_up_s: float = 10.0
    max_missed: int = 2
    voice_with_chats: bool = False
    """Blending: offer a voice call to an agent holding chat sessions (they continue through the call and its
    wrap-up); by default a chat in progress blocks voice offers."""
    email_capacity: int = 1
    """Email items an agent holds at once."""
    agents: dict[str, Agent] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    waiting: dict[str, SortedList] = field(default_factory=dict)
    """queue -> call ids in serving order (priority, then age)."""
    events: list[tuple[float, str, str, str]] = field(default_factory=list)
    """(time, event, call or agent id, detail): the log an independent checker reads."""
    _round_robin: int = 0
    _free: dict[Channel, dict[str, dict[int, SortedList]]] = field(default_factory=dict)
    """channel -> skill -> proficiency -> (sessions held, idle_since, agent id) of the agents who may be offered
    one more of the channel (``load``): the least loaded, then the longest idle first."""
    _free_key: dict[tuple[Channel, str], tuple[int, float, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, queue in self.queues.items():
            self.waiting[name] = SortedList(key=self._call_order)
            self._free.setdefault(queue.channel, {})
        self._free.setdefault("voice", {})

    def load(self, agent: Agent, channel: Channel) -> int | None:
        """The blending rule (docs/routing.md, "Channels"): the sessions of ``channel`` the agent holds when it
        may be offered one more (the queue's capacity is checked on picking), None when it may not. Nothing is
        offered unless the agent is available and idle (no voice call offered, connected or in wrap-up); a voice
        call needs no chat held (unless ``voice_with_chats``): email items are deferred work and wait through a
        call; a chat needs no email item held; an email item needs no chat held and room under
        ``email_capacity``."""
        if agent.status != "available" or agent.state != "idle":
            return None
        if channel == "voice":
            return 0 if self.voice_with_chats or not agent.held("chat") else None
        if channel == "chat":
            return agent.held("chat") if not agent.held("email") else None
        emails = agent.held("email")
        return emails if not agent.held("chat") and emails < self.email_capacity else None

    def capacity(self, queue: RoutingQueue) -> int:
        """Sessions of the queue's channel an agent may hold when offered one of this queue."""
        return channel_capacity(queue, self.email_capacity)

    def _call_order(self, call_id: str) -> tuple[int, float, str]:
        """Serving order: higher priority first, then older. redis_router.lua's ``order_score`` writes the same
        rule again in Lua (Redis runs it, Python cannot): change both together."""
        call = self.calls[call_id]
        return (-call.priority, call.arrived_at, call_id)

    def _dispatch_order(self, call_id: str) -> tuple[int, int, float, str]:
        """Dispatch's order across queues: the channel's rank, then the serving order (within a queue the rank is
        one, so a queue's own order is ``_call_order``)."""
        return (CHANNEL_RANK[self.calls[call_id].channel], *self._call_order(call_id))

    def _refresh(self, agent: Agent) -> None:
        """Keep the indexes of free agents in step with the agent's status, state, idle time and sessions."""
        for channel, free in self._free.items():
            old = self._free_key.pop((channel, agent.agent_id), None)
            if old is not None:
                for skill, level in agent.skills.items():
                    free[skill][level].remove(old)
            load = self.load(agent, channel)
            if load is not None:
                key = (load, agent.idle_since, agent.agent_id)
                self._free_key[channel, agent.agent_id] = key
                for skill, level in agent.skills.items():
                    free.setdefault(skill, {}).setdefault(level, SortedList()).add(key)

    # -- agents -------------------------------------------------------------------------------------------
    def add_agent(self, agent_id: str, skills: dict[str, int], now: float) -> Agent:
        if agent_id in self.agents:
            raise AgentExists(agent_id)
        agent = self.agents[agent_id] = Agent(agent_id, dict(skills), idle_since=now)
        self._refresh(agent)
        self._log(now, "agent_added", agent_id, ",".join(skills))
        return agent

    def set_status(self, agent_id: str, status: Status, now: float, reason: str = "") -> None:
        """The agent's own choice; a busy agent going on break finishes the call first (the status applies,
        routing resumes only when available and idle). Offline (logged off: her desk closed, a supervisor, her
        own "Log off") also hands her accepted chat sessions and email items back to their queues, by id: a voice
        call stays on her phone until it ends."""
        agent = self.agents[agent_id]
        if agent.state == "offered":  # an offer in flight is withdrawn, not lost
            self._withdraw(agent, now, "status_change")
        for session in self._offered_sessions(agent):
            self._withdraw_session(agent, session, now, "status_change")
        if status == "offline":  # her chats and email items go to other agents (docs/routing.md, "Logged off")
            for session in sorted(s for s in agent.sessions if self.calls[s].state == "connected"):
                self._requeue_session(agent, session, now, reason or "offline")
        if agent.state == "not_responding" and status == "available":
            agent.state, agent.missed, agent.missed_call = "idle", 0, None
        agent.status, agent.reason = status, reason
        if status == "available" and agent.state == "idle":
            agent.idle_since = now
        self._refresh(agent)
        self._log(now, "status", agent_id, f"{status}:{reason}")
        self.dispatch(now)

    # -- calls --------------------------------------------------------------------------------------------
    def arrive(self, call_id: str, queue: str, now: float, priority: int = 0, trunk_call_id: str = "") -> bool:
        """A new call, ``call_id`` the router's id (call_ids.router_id of the trunk's Call-ID); False when the
        queue is full (rejected)."""
        check_router_id(call_id)
        if queue not in self.queues:
            raise ValueError(f"queue {queue!r} is unknown")
        if call_id in self.calls:
            raise CallExists(call_id)
        call = self.calls[call_id] = Call(call_id, queue, now, priority, trunk_call_id=trunk_call_id or call_id,
                                          channel=self.queues[queue].channel)
        if len(self.waiting[queue]) >= self.queues[queue].max_waiting:
            call.state, call.outcome, call.ended_at = "ended", "rejected", now
            self._log(now, "rejected", call_id, queue)
            return False
        self.waiting[queue].add(call_id)
        self._log(now, "arrived", call_id, queue)
        self.dispatch(now)
        return True

    def request_callback(self, call_id: str, number: str, now: float) -> bool:
        """The caller leaves the line but keeps the place in the queue; False unless the call is waiting."""
        call = self.calls.get(call_id)
        if call is None or call.state != "waiting":
            return False
        call.callback_number = number
        self._log(now, "callback", call_id, number)
        return True

    def set_recording(self, call_id: str, path: str) -> bool:
        """The file the call's audio is recorded to (the media engine's); False when the call has ended (its
        record is written) or is unknown. No event: a path is for the record and supervisors only."""
        call = self.calls.get(call_id)
        if call is None or call.state == "ended":
            return False
        call.recording = path
        return True

    def accept(self, agent_id: str, call_id: str, now: float) -> bool:
        """The agent answers the offer; False when the offer is no longer theirs (withdrawn, caller gone)."""
        agent, call = self.agents[agent_id], self.calls.get(call_id)
        if call is not None and call.channel != "voice":
            return self._accept_session(agent, call, now)
        if call is None or agent.state != "offered" or agent.call_id != call_id or call.state != "offered":
            return False
        agent.state, agent.missed, agent.missed_call = "busy", 0, None
        call.state, call.outcome, call.answered_at = "connected", "answered", now
        self._log(now, "answered", call_id, agent_id)
        return True

    def reject(self, agent_id: str, call_id: str, now: float) -> None:
        agent = self.agents[agent_id]
        if agent.state == "offered" and agent.call_id == call_id:
            self._withdraw(agent, now, "rejected_by_agent")
            self.dispatch(now)
        elif call_id in self._offered_sessions(agent):
            self._withdraw_session(agent, call_id, now, "rejected_by_agent")
            self.dispatch(now)

    def hang_up(self, call_id: str, now: float, by: EndedBy = "caller") -> None:
        """The call ends: waiting or offered (the offer withdrawn) -> ``abandoned`` when the caller hung up,
        ``cleared`` when a supervisor ended it (``by``); connected -> answered, the agent goes to wrap-up."""
        check_ended_by(by)
        call = self.calls[call_id]
        if call.state == "ended":
            return
        unanswered = "abandoned" if by == "caller" else "cleared"
        if call.first_answered_at is not None:  # requeued when its agent logged off: it was answered
            unanswered = "answered"
        if call.state == "waiting":
            self.waiting[call.queue].remove(call_id)
            call.outcome = unanswered
        elif call.channel != "voice":  # a session offered or held: the agent's other sessions go on
            agent = self.agents[call.agent_id]
            del agent.sessions[call_id]
            if call.state == "offered":
                call.outcome = unanswered
            else:
                agent.calls_handled += 1
            self._refresh(agent)
        elif call.state == "offered":
            agent = self.agents[call.agent_id]
            agent.state, agent.call_id = "idle", None
            agent.idle_since = now
            self._refresh(agent)
            call.outcome = unanswered
        elif call.state == "connected":
            agent = self.agents[call.agent_id]
            agent.state, agent.call_id = "wrap_up", None
            agent.wrap_up_until = now + self.wrap_up_s
            agent.calls_handled += 1
        call.state, call.ended_at = "ended", now
        self._log(now, "ended", call_id, call.outcome)
        self.dispatch(now)

    def miss(self, agent_id: str, call_id: str, now: float, why: str) -> bool:
        """The agent's phone did not take the offer (busy, declined, unreachable: ``why``, the withdrawal's
        detail): withdrawn and counted as a missed offer, as a timeout is; False when the offer is no longer
        theirs."""
        agent = self.agents[agent_id]
        if agent.state != "offered" or agent.call_id != call_id:
            return False
        self._missed(agent, now, why)
        self.dispatch(now)
        return True

    def _missed(self, agent: Agent, now: float, why: str) -> None:
        """The not-responding rule: an offer missed is withdrawn; ``max_missed`` in a row pause the agent."""
        agent.missed, agent.missed_call = agent.missed + 1, agent.call_id
        self._withdraw(agent, now, why)
        if agent.missed >= self.max_missed:
            agent.state = "not_responding"
            self._refresh(agent)
            # detail "missed:call": how many offers in a row, and the router id of the last one
            self._log(now, "not_responding", agent.agent_id, f"{agent.missed}:{agent.missed_call}")

    def tick(self, now: float) -> None:
        """Time passes: offers time out (every agent's, oldest offer first, then by id: the Redis store's order,
        which decides whose miss pauses an agent offered a call and an item at once), then wrap-ups end."""
        due = sorted((call.offered_at, call.call_id) for call in (self.calls[call_id] for agent in self.agents.values()
                                                                  for call_id in self._offers_of(agent))
                     if now - call.offered_at >= self.offer_timeout_s)
        for _, call_id in due:
            call = self.calls[call_id]
            agent = self.agents[call.agent_id]
            if call.channel == "voice":
                self._missed(agent, now, "timeout")
            else:
                self._time_out_session(agent, call_id, now)
        for agent in self.agents.values():
            if agent.state == "wrap_up" and now >= agent.wrap_up_until:
                agent.state, agent.idle_since = "idle", now
                self._refresh(agent)
        self.dispatch(now)

    def _offers_of(self, agent: Agent) -> list[str]:
        """The calls offered to the agent and not yet accepted: her voice offer and her sessions'."""
        return ([agent.call_id] if agent.state == "offered" else []) + self._offered_sessions(agent)

    # -- decisions ----------------------------------------------------------------------------------------
    def dispatch(self, now: float) -> None:
        """Offer waiting calls to free agents: calls by channel rank (``CHANNEL_RANK``: calls and chats before
        email items), then priority, then age, across queues; agents by the selection rule among those allowed to
        take the call (skill relaxation). So an email item goes to a free agent only when no call or chat that
        agent may take is waiting: each turn offers the first servable contact of that order, and an email comes
        first only when no call or chat is servable by any free agent."""
        while True:
            best, best_key = None, None
            heads = sorted((self._dispatch_order(ids[0]), name) for name, ids in self.waiting.items() if ids)
            for head_key, name in heads:
                if best_key is not None and head_key >= best_key:
                    break  # every call of this queue and the next ones comes later
                found = self._first_servable(self.queues[name], self.waiting[name], now)
                if found is not None:
                    key = self._dispatch_order(found[0].call_id)
                    if best_key is None or key < best_key:
                        best, best_key = found, key
                    if key == head_key:
                        break  # a head served: the earliest servable call of all
            if best is None:
                return
            self._offer(*best, now)

    def _first_servable(self, queue: RoutingQueue, ids: SortedList, now: float) -> tuple[Call, Agent] | None:
        """The queue's first call (in serving order) that a free agent may take, with that agent."""
        by_level = self._free[queue.channel].get(queue.skill)
        if not by_level:
            return None
        capacity = self.capacity(queue)  # the least loaded of a level first: below capacity, or nobody is
        levels = {level: free for level, free in by_level.items() if free and free[0][0] < capacity}
        if not levels:
            return None
        if queue.relax_after_s is None:
            return self.calls[ids[0]], self._choose(levels, capacity)
        best = {level: free for level, free in levels.items() if level <= queue.best_level}
        head = self.calls[ids[0]]
        relaxed_before = now - queue.relax_after_s
        if best:  # the head can be served: by the best levels, or by anyone once it has waited long enough
            return head, self._choose(levels if head.arrived_at <= relaxed_before else best, capacity)
        # Only agents below the best level are free: the first call that has waited long enough. Within a
        # priority the oldest comes first, so one look per priority level suffices.
        index = 0
        while index < len(ids):
            call = self.calls[ids[index]]
            if call.arrived_at <= relaxed_before:
                return call, self._choose(levels, capacity)
            index = ids.bisect_key_left((-call.priority + 1, -math.inf, ""))
        return None

    def _choose(self, levels: dict[int, SortedList], capacity: int = 1) -> Agent:
        """The agent the selection rule picks among the free agents of the allowed proficiency levels.

        The one definition of the rules in Python; the Redis router runs longest_idle and best_proficiency in
        Lua (redis_router.lua, ``pick``), which must stay in step with this method."""
        if self.selection == "longest_idle":
            return self.agents[min(free[0] for free in levels.values())[-1]]
        if self.selection == "best_proficiency":
            return self.agents[levels[min(levels)][0][-1]]
        free_agents = [self.agents[agent_id] for free in levels.values() for load, _, agent_id in free
                       if load < capacity]
        if self.selection == "fewest_calls":
            return min(free_agents, key=lambda a: (a.calls_handled, a.idle_since, a.agent_id))
        self._round_robin += 1
        ordered = sorted(free_agents, key=lambda a: a.agent_id)
        return ordered[self._round_robin % len(ordered)]

    def _offer(self, call: Call, agent: Agent, now: float) -> None:
        self.waiting[call.queue].remove(call.call_id)
        call.state, call.agent_id, call.offered_at = "offered", agent.agent_id, now
        if call.channel == "voice":
            agent.state, agent.call_id = "offered", call.call_id
        else:
            agent.sessions[call.call_id] = call.channel
        self._refresh(agent)
        self._log(now, "offered", call.call_id, agent.agent_id)

    def _withdraw(self, agent: Agent, now: float, why: str) -> None:
        call = self.calls[agent.call_id]
        call.state, call.agent_id = "waiting", None
        self.waiting[call.queue].add(call.call_id)
        agent.state, agent.call_id, agent.idle_since = "idle", None, now
        self._refresh(agent)
        self._log(now, "withdrawn", call.call_id, f"{agent.agent_id}:{why}")

    # -- chat sessions and email items (several per agent) --------------------------------------------------
    def _offered_sessions(self, agent: Agent) -> list[str]:
        """The agent's sessions offered and not yet accepted, oldest offer first (then by id, as Redis)."""
        offered = [self.calls[s] for s in agent.sessions if self.calls[s].state == "offered"]
        return [c.call_id for c in sorted(offered, key=lambda c: (c.offered_at, c.call_id))]

    def _accept_session(self, agent: Agent, call: Call, now: float) -> bool:
        if call.state != "offered" or call.agent_id != agent.agent_id or call.call_id not in agent.sessions:
            return False
        agent.missed, agent.missed_call = 0, None
        call.state, call.outcome, call.answered_at = "connected", "answered", now
        self._log(now, "answered", call.call_id, agent.agent_id)
        return True

    def _withdraw_session(self, agent: Agent, call_id: str, now: float, why: str) -> None:
        """Put an offered session back in its queue (its age kept); the agent's state is the voice side's."""
        call = self.calls[call_id]
        call.state, call.agent_id = "waiting", None
        self.waiting[call.queue].add(call_id)
        del agent.sessions[call_id]
        self._refresh(agent)
        self._log(now, "withdrawn", call_id, f"{agent.agent_id}:{why}")

    def _requeue_session(self, agent: Agent, call_id: str, now: float, why: str) -> None:
        """An accepted session back in its queue, at its age's place (its arrival and so an email's deadline
        kept), its first answer and the agent's handle time so far kept on the call; logged ``requeued``."""
        call = self.calls[call_id]
        call.handled_s += now - call.answered_at
        if call.first_answered_at is None:
            call.first_answered_at = call.answered_at
        call.state, call.agent_id, call.answered_at, call.outcome = "waiting", None, None, ""
        self.waiting[call.queue].add(call_id)
        del agent.sessions[call_id]
        self._refresh(agent)
        self._log(now, "requeued", call_id, f"{agent.agent_id}:{why}")

    def _time_out_session(self, agent: Agent, call_id: str, now: float) -> None:
        """A session offer not accepted in time goes back and counts as missed, as a call's; the agent is paused
        when idle (a voice call in progress, with ``voice_with_chats``, is not interrupted)."""
        agent.missed, agent.missed_call = agent.missed + 1, call_id
        self._withdraw_session(agent, call_id, now, "timeout")
        if agent.missed >= self.max_missed and agent.state == "idle":
            agent.state = "not_responding"
            self._refresh(agent)
            self._log(now, "not_responding", agent.agent_id, f"{agent.missed}:{agent.missed_call}")

    # -- statistics ---------------------------------------------------------------------------------------
    def position(self, call_id: str) -> int | None:
        """1-based place of a waiting call among the calls ahead of it in its queue (priority, then age)."""
        call = self.calls[call_id]
        if call.state != "waiting":
            return None
        return self.waiting[call.queue].index(call_id) + 1

    def expected_wait_s(self, call_id: str, handle_s: float | None = None) -> float | None:
        """Expected wait of a waiting call: its position times the mean handle time, shared among the agents
        who can serve the queue and are working (status available; any routing state but not-responding).

        ``position × AHT / N`` is the time for N agents to finish ``position`` calls when each finishes one per
        AHT on average — the usual announcement estimate (exact for an M/M/N queue's mean when every agent is
        busy). ``handle_s`` is the recent mean handle time; the queue's planned ``aht_s`` when not given.
        None when no agent can serve the queue (the wait is unbounded until one logs in)."""
        position = self.position(call_id)
        if position is None:
            return None if self.calls[call_id].state != "offered" else 0.0
        return expected_wait(self.queues[self.calls[call_id].queue], position, self.agents.values(), handle_s)

    def live_calls(self, offset: int, limit: int) -> tuple[int, list[Call]]:
        """The calls not ended (waiting, offered, connected), oldest first (then by id): how many in all, and
        ``limit`` of them from ``offset``."""
        live = sorted((call for call in self.calls.values() if call.state != "ended"),
                      key=lambda call: (call.arrived_at, call.call_id))
        return len(live), live[offset:offset + limit]

    def take_events(self) -> list[tuple[float, str, str, str]]:
        """The events logged since the last call, removed from the log (a long-running server drains them to
        the statistics, the workspace and the event stream)."""
        taken, self.events = self.events, []
        return taken

    def calls_of(self, call_ids: Iterable[str]) -> dict[str, Call | None]:
        """The calls with these ids (None for unknown ones); with the state in Redis, one round trip."""
        return {call_id: self.calls.get(call_id) for call_id in call_ids}

    def log_events(self, events: list[tuple[float, str, str, str]]) -> None:
        """Events the routing did not make (adherence's exceptions and alerts), logged with its own so they reach
        the records and the subscribers the same way."""
        self.events.extend(events)

    def forget(self, call_id: str) -> None:
        """Drop an ended call from memory (after its record is written)."""
        if self.calls[call_id].state == "ended":
            del self.calls[call_id]

    def _log(self, now: float, event: str, subject: str, detail: str) -> None:
        self.events.append((now, event, subject, detail))
