"""A centre's routing configuration (``center.toml``): router settings, queues with the numbers that reach them,
agents with skills and proficiency, and the API tokens with their roles. Validated by pydantic; a wrong field is
named by its path, as in every casashore TOML file. examples/center.toml shows every field.

Keep this file private: it holds the API tokens.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Annotated, Literal

import redis
from pydantic import Field, model_validator

from casashore.domain.agents import Agent
from casashore.domain.base import (
    SKILL_EXPECTED,
    SKILL_PATTERN,
    HandleSeconds,
    RouteName,
    ScenarioError,
    Strict,
    TimeZoneName,
    matching,
)
from casashore.domain.loading import read_toml, validated
from casashore.domain.queue import Queue
from casashore.errors import UserError
from casashore.request_guard import LOOPBACK_HOSTS
from casashore.route.auth import Principal
from casashore.route.state.core import Router, RoutingQueue, Selection
from casashore.route.state.errors import AgentExists
from casashore.route.state.shared_router import SharedRouter

Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Number = Annotated[str, matching(r"\+?[A-Za-z0-9_.*-]{1,40}",
                                 "a dialled number: an optional '+' then 1 to 40 letters, digits, '_', '.', '*' "
                                 "or '-'")]
"""A dialled user part (``+33170000001``, ``3001``)."""
MAX_CALLS_HELD = 100_000
"""Bound of max_sip_calls and of a queue's max_waiting: each call held costs a few KiB."""
DEMO_TOKEN_MARKS = ("demo", "change-me", "example")
MIN_TOKEN_OFF_LOOPBACK = 32
Token = Annotated[str, Field(min_length=16), matching(r"[\x21-\x7e]+", "a token of printable ASCII characters "
                                                                         "without spaces")]


class RouterSettings(Strict):
    centre: Annotated[str, matching(r"[\w.-]{1,60}", "1 to 60 letters, digits, '_', '.' or '-'")] = "centre"
    """The centre's name: nodes sharing one Redis with the same name share queues, agents and calls."""
    time_zone: TimeZoneName = "Africa/Casablanca"
    """The site's zone: the day of the daily statistics starts at its midnight."""
    selection: Selection = "longest_idle"
    offer_timeout_s: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 15.0
    wrap_up_s: Seconds = 10.0
    max_missed: Annotated[int, Field(ge=1)] = 2
    """Offers missed in a row before the agent is set not-responding (paused)."""
    window_s: Annotated[float, Field(gt=0, le=86_400)] = 900.0
    """The rolling window of the live statistics."""
    max_sip_calls: Annotated[int, Field(ge=1, le=MAX_CALLS_HELD)] = 10_000
    """Calls the SIP front holds at once; more get 503 Service Unavailable."""
    ring_refresh_s: Annotated[float, Field(ge=0, le=60)] = 0.0
    """Several nodes behind a SIP proxy: repeat 180 Ringing this often while a call waits, so the proxy tells
    a dead node (which stops ringing) from a long wait and re-sends the call elsewhere; 0 = off."""
    overload_delay_s: Annotated[float, Field(ge=0, le=30, allow_inf_nan=False)] = 0.5
    """Overload: while datagrams wait this long in the SIP socket's queue before the node reads them, new calls
    are refused at once (503 with Retry-After: 5, or the queue's ``overload_answer``) instead of being answered
    after the caller's proxy gave up; 0 = never. 0.5 s is SIP's T1, when an unanswered INVITE is sent again
    (each retransmission feeds the queue), a quarter of the 2 s a proxy such as the shipped Kamailio waits for a
    first answer; an idle-to-busy 2-core machine stays far below it (docs/routing.md, "Overload")."""
    orphan_grace_s: Annotated[float, Field(ge=0, le=3600)] = 15.0
    """Several nodes: how long a dead node's waiting callers may be re-sent to live nodes (and adopted) before
    they are ended."""


class RoutedQueue(Queue):
    """The domain's queue as the router takes it: its names narrower (they appear in URLs and Redis keys), the
    numbers that reach it, skill relaxation and a bound of calls waiting. Its facts are the domain queue's, with
    their rules (a target in [0, 86,400] s, a handle time in [1 ms, 86,400] s); ``patience_s`` and
    ``service_level`` are accepted as facts of the queue but the router does not use them."""

    name: RouteName
    numbers: Annotated[list[Number], Field(max_length=1000)] = []
    """Dialled user parts that reach this queue (``sip:+33170000000@…``); the queue's name always does."""
    aht_s: HandleSeconds = 180.0
    relax_after_s: Seconds | None = None
    max_waiting: Annotated[int, Field(ge=0, le=MAX_CALLS_HELD)] = 1000
    overload_answer: Literal[503, 486] = 503
    """What this queue's callers get while the node is overloaded: 503 Service Unavailable with Retry-After (a
    proxy tries another node) or 486 Busy Here (the caller hears busy at once)."""
    client_time_zone: TimeZoneName = "Europe/Paris"
    country: str | None = None

    def routing(self) -> RoutingQueue:
        return RoutingQueue.of(self, relax_after_s=self.relax_after_s, max_waiting=self.max_waiting)


class RoutedAgent(Agent):
    token: Token | None = None


class Tokens(Strict):
    supervisor: list[Token] = []
    trunk: list[Token] = []


class CenterConfig(Strict):
    router: RouterSettings = RouterSettings()
    queues: Annotated[list[RoutedQueue], Field(min_length=1, max_length=1000)]
    agents: Annotated[list[RoutedAgent], Field(max_length=100_000)] = []
    tokens: Tokens = Tokens()

    @model_validator(mode="after")
    def _consistent(self) -> CenterConfig:
        seen: dict[str, str] = {}
        for i, queue in enumerate(self.queues):
            for number in [queue.name, *queue.numbers]:
                if number in seen and seen[number] != queue.name:
                    raise ScenarioError(f"queues[{i}].numbers", number, f"a number not already {seen[number]}'s")
                seen[number] = queue.name
        tokens: set[str] = set()
        ids: set[str] = set()
        for i, agent in enumerate(self.agents):
            for skill in agent.skills:
                if not re.fullmatch(SKILL_PATTERN, skill):
                    raise ScenarioError(f"agents[{i}].skills", skill, SKILL_EXPECTED)
            if agent.id in ids:
                raise ScenarioError(f"agents[{i}].id", agent.id, "an id not used twice")
            ids.add(agent.id)
            if agent.token in tokens:
                raise ScenarioError(f"agents[{i}].token", "…", "a token not used twice")
            if agent.token:
                tokens.add(agent.token)
        for role in ("supervisor", "trunk"):
            for j, token in enumerate(getattr(self.tokens, role)):
                if token in tokens:
                    raise ScenarioError(f"tokens.{role}[{j}]", "…", "a token not used twice")
                tokens.add(token)
        return self

    def check_exposure(self, http_host: str) -> None:
        """Off loopback the API is reachable from other machines: refuse the example's demo tokens and short
        ones (a UserError naming the field)."""
        if http_host in LOOPBACK_HOSTS:
            return
        named = [(f"tokens.{role}[{j}]", token) for role in ("supervisor", "trunk")
                 for j, token in enumerate(getattr(self.tokens, role))]
        named += [(f"agents[{i}].token", agent.token) for i, agent in enumerate(self.agents) if agent.token]
        for field, token in named:
            if len(token) < MIN_TOKEN_OFF_LOOPBACK or any(mark in token.lower() for mark in DEMO_TOKEN_MARKS):
                raise UserError(field, token[:4] + "…", f"a secret token of your own, at least "
                                f"{MIN_TOKEN_OFF_LOOPBACK} characters and not a demo one, when --http "
                                f"{http_host} is not loopback")

    def overload_answers(self) -> dict[str, int]:
        return {q.name: q.overload_answer for q in self.queues}

    def numbers(self) -> dict[str, str]:
        return {number: q.name for q in self.queues for number in [q.name, *q.numbers]}

    def principals(self) -> dict[str, Principal]:
        found = {token: Principal("supervisor") for token in self.tokens.supervisor}
        found |= {token: Principal("trunk") for token in self.tokens.trunk}
        found |= {agent.token: Principal("agent", agent.id) for agent in self.agents if agent.token}
        return found

    def router_queues(self) -> dict[str, RoutingQueue]:
        return {q.name: q.routing() for q in self.queues}

    def build_router(self, now: float) -> Router:
        r = self.router
        router = Router(self.router_queues(), selection=r.selection, offer_timeout_s=r.offer_timeout_s,
                        wrap_up_s=r.wrap_up_s, max_missed=r.max_missed)
        for agent in self.agents:
            router.add_agent(agent.id, agent.skills, now)
        return router

    def join_shared_router(self, client: redis.Redis, node: str, now: float) -> SharedRouter:
        """This centre's state in Redis (created by the first node, joined by the next ones)."""
        r = self.router
        shared = SharedRouter(client, r.centre, self.router_queues(), node=node, orphan_grace_s=r.orphan_grace_s)
        shared.configure(shared.queues, selection=r.selection, offer_timeout_s=r.offer_timeout_s,
                         wrap_up_s=r.wrap_up_s, max_missed=r.max_missed)
        for agent in self.agents:
            if agent.id not in shared.agents:
                with contextlib.suppress(AgentExists):  # another node starting at the same time added it first
                    shared.add_agent(agent.id, agent.skills, now)
        shared.skip_past_events()
        return shared


def load_center(path: Path) -> CenterConfig:
    return validated(CenterConfig, read_toml(path, "config"), where=str(path))
