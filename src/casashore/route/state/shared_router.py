"""A RedisRouter that reads like ``core.Router``, so the HTTP, WebSocket and SIP fronts and the live statistics
run unchanged on a node that shares its centre with other nodes (``casashore route serve --redis URL``).

``agents``, ``calls`` and ``waiting`` are read-only views over the Redis hashes and sorted sets, turned into the
core's ``Agent`` and ``Call`` records on access (one round trip per call; every agent in one pipelined round
trip). ``take_events`` returns every node's events from the stream, so each node's statistics, wallboard and
SIP front see the whole centre. Nodes announce themselves with a heartbeat key that expires when they stop.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Mapping

import redis

from casashore.route.state.core import Agent, Call, RoutingQueue, expected_wait
from casashore.route.state.redis_router import RedisRouter

HEARTBEAT_S = 3.0
"""A node whose heartbeat is this old is taken for dead."""


def default_node_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def _agent(agent_id: str, h: dict[str, str], sessions: dict[str, str] | None = None) -> Agent:
    skills = {skill: int(level) for skill, level in (pair.split(":") for pair in h["skills"].split(",") if pair)}
    return Agent(agent_id, skills, status=h["status"], reason=h["reason"], state=h["state"],  # type: ignore[arg-type]
                 idle_since=float(h["idle_since"]), calls_handled=int(h["calls_handled"]), missed=int(h["missed"]),
                 call_id=h["call_id"] or None, wrap_up_until=float(h["wrap_up_until"]),
                 missed_call=h.get("missed_call") or None, sessions=dict(sessions or {}))  # type: ignore[arg-type]


def _call(call_id: str, h: dict[str, str]) -> Call:
    state = h["state"]
    keeps_agent = state in ("offered", "connected") or h.get("outcome") == "answered"
    return Call(call_id, h["queue"], float(h["arrived_at"]), int(h["priority"]), state=state,  # type: ignore[arg-type]
                outcome=h.get("outcome", ""), agent_id=(h.get("agent_id") or None) if keeps_agent else None,  # type: ignore[arg-type]
                offered_at=float(h.get("offered_at") or 0.0), answered_at=_float(h.get("answered_at")),
                ended_at=_float(h.get("ended_at")), callback_number=h.get("callback_number") or None,
                trunk_call_id=h.get("trunk_call_id") or call_id, channel=h.get("channel") or "voice",  # type: ignore[arg-type]
                recording=h.get("recording") or None, first_answered_at=_float(h.get("first_answered_at")),
                handled_s=float(h.get("handled_s") or 0.0))


class _Hashes(Mapping):
    """Records kept in Redis hashes ``<kind>:<id>``, built into the core's records on access."""

    kind = ""

    def __init__(self, shared: SharedRouter) -> None:
        self.shared = shared

    def _build(self, key: str, fields: dict[str, str]):
        raise NotImplementedError

    def __getitem__(self, key: str):
        fields = self.shared.client.hgetall(f"{self.shared.prefix}{self.kind}:{key}")
        if not fields:
            raise KeyError(key)
        return self._build(key, fields)

    def __contains__(self, key: object) -> bool:
        return bool(self.shared.client.exists(f"{self.shared.prefix}{self.kind}:{key}"))

    def many(self, keys: list[str]) -> list:
        """The records of these keys (None for missing ones), in one pipelined round trip."""
        pipe = self.shared.client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(f"{self.shared.prefix}{self.kind}:{key}")
        return [self._build(key, h) if h else None for key, h in zip(keys, pipe.execute(), strict=True)]


class _Agents(_Hashes):
    """Agents with their chat sessions and email items (a second hash each, read in the same round trip)."""

    kind = "agent"
    _build = staticmethod(_agent)

    def __getitem__(self, key: str) -> Agent:
        return self.many([key])[0] or self._missing(key)

    @staticmethod
    def _missing(key: str) -> Agent:
        raise KeyError(key)

    def many(self, keys: list[str]) -> list:
        pipe = self.shared.client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(f"{self.shared.prefix}agent:{key}")
            pipe.hgetall(f"{self.shared.prefix}sessions:{key}")
        answers = pipe.execute()
        return [_agent(key, h, sessions) if h else None
                for key, h, sessions in zip(keys, answers[::2], answers[1::2], strict=True)]

    def __init__(self, shared: SharedRouter) -> None:
        super().__init__(shared)
        self._known: set[str] = set()

    def __contains__(self, key: object) -> bool:
        """Agents are never removed: once seen, an agent is known without asking Redis again."""
        if key not in self._known and super().__contains__(key):
            self._known.add(key)  # type: ignore[arg-type]
        return key in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self.shared.client.zrange(self.shared.prefix + "agents", 0, -1))

    def __len__(self) -> int:
        return self.shared.client.zcard(self.shared.prefix + "agents")

    def values(self) -> list[Agent]:  # type: ignore[override]
        """Every agent in one pipelined round trip."""
        return [agent for agent in self.many(list(self)) if agent is not None]


class _Calls(_Hashes):
    kind = "call"
    _build = staticmethod(_call)

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the calls of a shared centre are not listed (ended calls expire from Redis)")

    def __len__(self) -> int:
        raise TypeError("the calls of a shared centre are not counted")


class _Waiting(Mapping[str, list[str]]):
    def __init__(self, shared: SharedRouter) -> None:
        self.shared = shared

    def __getitem__(self, queue: str) -> list[str]:
        return self.shared.waiting_calls(queue)

    def __iter__(self) -> Iterator[str]:
        return iter(self.shared.queues)

    def __len__(self) -> int:
        return len(self.shared.queues)


class SharedRouter(RedisRouter):
    """The centre's router as one node sees it, state in Redis."""

    def __init__(self, client: redis.Redis, centre: str, queues: dict[str, RoutingQueue], *, node: str,
                 orphan_grace_s: float = 15.0) -> None:
        """``orphan_grace_s``: a dead node's waiting callers are ended only after this; meanwhile a dispatcher
        in front (giving up on a node that stopped refreshing its 180s) re-sends their INVITEs to live nodes,
        which adopt the calls."""
        super().__init__(client, centre, node=node)
        self.orphan_grace_s = orphan_grace_s
        self.queues = queues
        self.agents = _Agents(self)
        self.calls = _Calls(self)
        self.waiting = _Waiting(self)
        self._dead_since: dict[str, float] = {}

    def position(self, call_id: str) -> int | None:
        call = self.calls[call_id]
        if call.state != "waiting":
            return None
        rank = self.client.zrank(self.prefix + "waiting:" + call.queue, call_id)
        return None if rank is None else rank + 1

    def expected_wait_s(self, call_id: str, handle_s: float | None = None) -> float | None:
        """As ``core.Router.expected_wait_s``: position × AHT / agents serving the queue."""
        call = self.calls[call_id]
        position = self.position(call_id)
        if position is None:
            return 0.0 if call.state == "offered" else None
        return expected_wait(self.queues[call.queue], position, self.agents.values(), handle_s)

    def calls_of(self, call_ids: Iterable[str]) -> dict[str, Call | None]:
        """The calls with these ids (None for unknown ones), in one pipelined round trip."""
        ids = list(dict.fromkeys(call_ids))
        return dict(zip(ids, self.calls.many(ids), strict=True))

    def live_calls(self, offset: int, limit: int) -> tuple[int, list[Call]]:
        """As ``core.Router.live_calls``: the calls every node brought in that have not ended (the ``live:``
        sets), oldest first; three round trips (the ids, their arrivals, the page's calls)."""
        members = self.client.smembers(self.prefix + "members") | {self.node}
        ids = list(self.client.sunion([self.prefix + "live:" + member for member in members]))
        pipe = self.client.pipeline(transaction=False)
        for call_id in ids:
            pipe.hget(self.prefix + "call:" + call_id, "arrived_at")
        arrivals = pipe.execute()
        ordered = sorted((float(at), call_id) for at, call_id in zip(arrivals, ids, strict=True) if at is not None)
        page = [call for call in self.calls.many([call_id for _, call_id in ordered[offset:offset + limit]])
                if call is not None and call.state != "ended"]
        return len(ordered), page

    def forget(self, call_id: str) -> None:
        """Ended calls expire from Redis by themselves (an hour after their end)."""

    # -- membership -----------------------------------------------------------------------------------
    def heartbeat(self) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.prefix + "node:" + self.node, "alive", px=int(HEARTBEAT_S * 1000))
        pipe.sadd(self.prefix + "members", self.node)
        pipe.execute()

    def reap_dead_nodes(self, now: float) -> dict[str, int]:
        """End the unanswered calls of every member whose heartbeat expired (any node may do it; it is
        idempotent); returns calls ended per dead node."""
        reaped = {}
        for member in self.client.smembers(self.prefix + "members"):
            if member == self.node or self.client.exists(self.prefix + "node:" + member):
                self._dead_since.pop(member, None)
                continue
            if now - self._dead_since.setdefault(member, now) >= self.orphan_grace_s:
                reaped[member] = self.reap(member, now)
        return reaped

    def nodes(self) -> list[str]:
        prefix = self.prefix + "node:"
        return sorted(key.removeprefix(prefix)
                      for key in self.client.scan_iter(match=self.key_pattern("node:*"), count=1000))

    def leave(self, now: float) -> None:
        """A clean stop: the heartbeat goes at once, and the calls this node was signalling are ended."""
        self.client.delete(self.prefix + "node:" + self.node)
        self.reap(self.node, now)
