"""The router's state in Redis, shared by several router nodes: the same operations as ``core.Router``, each one
Lua script (redis_router.lua) run atomically by the server, so two nodes can never offer one call twice or give
one agent two calls. Events go to a Redis Stream that every node reads.

A node passes its clock (epoch seconds) with every operation; nodes on one site are expected to keep their clocks
in step (NTP): a skew shifts waits, not assignments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import redis

from casashore.errors import Refused, UserError
from casashore.route.state.call_ids import check_router_id
from casashore.route.state.core import EndedBy, RoutingQueue, Selection, check_ended_by
from casashore.route.state.errors import AgentExists, CallExists

SCRIPT_FILE = Path(__file__).with_name("redis_router.lua")
OPERATIONS = ("add_agent", "set_status", "arrive", "accept", "reject", "miss", "hang_up", "callback", "tick", "reap",
              "adopt", "recording")
SELECTIONS = ("longest_idle", "best_proficiency")
Adoption = Literal["waiting", "answered", "owner_alive", "owner_answered", "refused"]
ADOPTIONS: dict[int, Adoption] = {1: "waiting", 2: "answered", -1: "owner_alive", -2: "owner_answered",
                                  0: "refused"}


def _scripts() -> dict[str, str]:
    """The common part of the Lua file followed by each operation's body."""
    text = SCRIPT_FILE.read_text(encoding="utf-8")
    common, *parts = text.split("\n--@@ ")
    scripts = {}
    for part in parts:
        name = part.split()[0]
        scripts[name] = common + "\n" + part.split("\n", 1)[1]
    assert set(scripts) == set(OPERATIONS), sorted(scripts)
    return scripts


def _refused_with(error: redis.ResponseError, reply: str) -> bool:
    """Whether a script refused with ``reply`` (its ``redis.error_reply``): Redis hands a script's refusal back
    as text only, so it is read here, once, and raised as a typed error."""
    return reply in str(error)


class RedisRouter:
    """One node's handle on a centre's routing state in Redis."""

    def __init__(self, client: redis.Redis, centre: str, *, node: str = "node-1") -> None:
        if "{" in centre or "}" in centre:
            raise UserError("centre", centre, "a name without braces")
        self.client, self.node = client, node
        self.centre, self.prefix = centre, f"cs:{{{centre}}}:"
        self._ops = {name: client.register_script(body) for name, body in _scripts().items()}
        self._last_event = "0-0"
        self.last_offers: list[tuple[str, str]] = []
        self.email_capacity, self.offer_timeout_s = 1, 15.0

    # -- set-up (once per centre, by whichever node starts first) -------------------------------------
    def configure(self, queues: dict[str, RoutingQueue], *, selection: Selection = "longest_idle",
                  offer_timeout_s: float = 15.0, wrap_up_s: float = 10.0, max_missed: int = 2,
                  voice_with_chats: bool = False, email_capacity: int = 1, reset: bool = False) -> None:
        if selection not in SELECTIONS:
            raise Refused("selection", selection, f"{selection!r} is not available with Redis; expected one of "
                                                  f"{', '.join(SELECTIONS)}")
        p = self.prefix
        # the centre's (every node configures with the same file), read by the API's views
        self.email_capacity, self.offer_timeout_s = email_capacity, offer_timeout_s
        pipe = self.client.pipeline(transaction=True)
        if reset:
            for key in self.client.scan_iter(match=self.key_pattern("*"), count=1000):
                pipe.delete(key)
        pipe.hset(p + "config", mapping={"selection": selection, "offer_timeout_s": repr(offer_timeout_s),
                                         "wrap_up_s": repr(wrap_up_s), "max_missed": max_missed,
                                         "voice_with_chats": int(voice_with_chats), "email_capacity": email_capacity})
        for name, q in queues.items():
            if q.best_level > 9:
                raise UserError(f"queues.{name}.best_level", q.best_level, "1 to 9")
            pipe.zadd(p + "queues", {name: 0})
            pipe.hset(p + "queue:" + name, mapping={
                "skill": q.skill, "relax_after_s": "" if q.relax_after_s is None else repr(q.relax_after_s),
                "max_waiting": q.max_waiting, "best_level": q.best_level, "channel": q.channel,
                "max_sessions": q.max_sessions})
        pipe.execute()

    def key_pattern(self, glob: str) -> str:
        """A SCAN pattern for this centre's keys (the hash tag's braces escaped)."""
        return self.prefix.replace("{", "\\{").replace("}", "\\}") + glob

    def _run(self, op: str, now: float, *args) -> int:
        """Run one operation; its result, and in ``last_offers`` the (call, agent) offers it made."""
        result, offers = self._ops[op](keys=[self.prefix], args=[self.node, repr(now), *args])
        self.last_offers = [tuple(pair.split(" ", 1)) for pair in offers]
        return result

    # -- the operations (as core.Router) --------------------------------------------------------------
    def add_agent(self, agent_id: str, skills: dict[str, int], now: float) -> None:
        if any(not 1 <= level <= 9 for level in skills.values()):
            raise Refused(f"agent {agent_id}", skills, f"proficiencies must be 1 to 9, not {skills}")
        try:
            self._run("add_agent", now, agent_id, ",".join(f"{s}:{level}" for s, level in skills.items()),
                      ",".join(skills))
        except redis.ResponseError as error:
            if _refused_with(error, "agent exists"):
                raise AgentExists(agent_id) from None
            raise

    def set_status(self, agent_id: str, status: str, now: float, reason: str = "") -> None:
        self._run("set_status", now, agent_id, status, reason)

    def arrive(self, call_id: str, queue: str, now: float, priority: int = 0, trunk_call_id: str = "") -> bool:
        """As ``core.Router.arrive``: ``call_id`` the router's id, ``trunk_call_id`` kept as data."""
        check_router_id(call_id)
        if not 0 <= priority <= 9:
            raise UserError("priority", priority, "0 to 9")
        try:
            return self._run("arrive", now, call_id, queue, priority, trunk_call_id or call_id) == 1
        except redis.ResponseError as error:
            if _refused_with(error, "call exists"):
                raise CallExists(call_id) from None
            raise

    def accept(self, agent_id: str, call_id: str, now: float) -> bool:
        return self._run("accept", now, agent_id, call_id) == 1

    def reject(self, agent_id: str, call_id: str, now: float) -> None:
        self._run("reject", now, agent_id, call_id)

    def miss(self, agent_id: str, call_id: str, now: float, why: str) -> bool:
        """As ``core.Router.miss``: the phone did not take the offer; counted as a missed offer."""
        return self._run("miss", now, agent_id, call_id, why) == 1

    def hang_up(self, call_id: str, now: float, by: EndedBy = "caller") -> None:
        """As ``core.Router.hang_up``: a supervisor's ending of an unanswered call is ``cleared``."""
        check_ended_by(by)
        self._run("hang_up", now, call_id, by)

    def request_callback(self, call_id: str, number: str, now: float) -> bool:
        return self._run("callback", now, call_id, number) == 1

    def set_recording(self, call_id: str, path: str) -> bool:
        """As ``core.Router.set_recording``."""
        return self._run("recording", 0.0, call_id, path) == 1

    def tick(self, now: float) -> None:
        self._run("tick", now)

    def adopt(self, call_id: str, now: float) -> Adoption:
        """Take over a call whose node's heartbeat expired (its INVITE came again through a dispatcher):
        ``waiting`` (or offered: the caller rings on), ``answered`` (an agent took it; the caller must now get
        the 200), ``refused`` (ended); while its node's heartbeat lives: ``owner_alive`` (the call still rings
        there: ask again) or ``owner_answered`` (that node answered it)."""
        return ADOPTIONS[self._run("adopt", now, call_id)]

    def reap(self, dead_node: str, now: float) -> int:
        """End the waiting and offered calls of a node whose heartbeat has expired; returns how many."""
        return self._run("reap", now, dead_node)

    # -- reading --------------------------------------------------------------------------------------
    def agent(self, agent_id: str) -> dict[str, str]:
        return self.client.hgetall(self.prefix + "agent:" + agent_id)

    def sessions(self, agent_id: str) -> dict[str, str]:
        """The agent's chat sessions and email items (id -> channel)."""
        return self.client.hgetall(self.prefix + "sessions:" + agent_id)

    def call(self, call_id: str) -> dict[str, str]:
        return self.client.hgetall(self.prefix + "call:" + call_id)

    def waiting_calls(self, queue: str) -> list[str]:
        return self.client.zrange(self.prefix + "waiting:" + queue, 0, -1)

    def skip_past_events(self) -> None:
        """Start reading events from now on (a node joining a running centre)."""
        last = self.client.xrevrange(self.prefix + "events", count=1)
        self._last_event = last[0][0] if last else "0-0"

    def wait_for_events(self, timeout_ms: int) -> bool:
        """Block until an event newer than the last one read exists (without reading it); False on timeout."""
        return bool(self.client.xread({self.prefix + "events": self._last_event}, count=1, block=timeout_ms))

    def log_events(self, events: list[tuple[float, str, str, str]]) -> None:
        """Events the routing did not make (adherence's exceptions and alerts), added to the centre's stream as
        the scripts add theirs: every node reads them, and the records write them once."""
        with self.client.pipeline(transaction=False) as pipe:
            for at, event, subject, detail in events:
                pipe.xadd(self.prefix + "events", {"t": f"{at:.17g}", "e": event, "s": subject, "d": detail,
                                                   "n": self.node}, maxlen=1_000_000, approximate=True)
            pipe.execute()

    def take_events(self, block_ms: int | None = None) -> list[tuple[float, str, str, str]]:
        """Every node's events since the last call, in the order the server applied them."""
        answer = self.client.xread({self.prefix + "events": self._last_event}, count=100_000, block=block_ms)
        events = []
        for _, entries in answer:
            for entry_id, fields in entries:
                events.append((float(fields["t"]), fields["e"], fields["s"], fields["d"]))
                self._last_event = entry_id
        return events
