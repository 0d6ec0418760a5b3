"""A centre's routing configuration (``center.toml``): router settings, queues with the numbers that reach them,
agents with skills and proficiency, and the API tokens with their roles. Validated by pydantic; a wrong field is
named by its path, as in every casashore TOML file. examples/center.toml shows every field.

Keep this file private: it holds the API tokens. Agents' SIP credentials are HA1 digests, never passwords, in this
file or in a secrets file of its own (``[router] sip_secrets``, readable by its owner only: chmod 600).
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
from casashore.errors import MISSING, UserError
from casashore.request_guard import LOOPBACK_HOSTS
from casashore.route.auth import Principal
from casashore.route.sip.owner_only import check_owner_only
from casashore.route.sip.registrar import Account, Limits
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
SipUser = Annotated[str, matching(r"[A-Za-z0-9_.+-]{1,64}", "a SIP user name: 1 to 64 letters, digits, '_', '.', "
                                                            "'+' or '-'")]
Ha1Md5 = Annotated[str, matching(r"[0-9a-f]{32}", "MD5 of 'user:realm:password' as 32 lower-case hexadecimal digits "
                                                  "(docs/routing.md, Agents' phones)")]
Ha1Sha256 = Annotated[str, matching(r"[0-9a-f]{64}", "SHA-256 of 'user:realm:password' as 64 lower-case "
                                                     "hexadecimal digits (docs/routing.md, Agents' phones)")]
ContactUri = Annotated[str, matching(r"sips?:[\x21\x23-\x3b=\x3f-\x7e]{1,250}", "a SIP URI such as "
                                     "sip:amina@10.0.0.5:5060 (printable, no spaces, '<', '>' or '\"')")]
MAX_SECRETS_BYTES = 1024 * 1024
HostPort = Annotated[str, matching(r"[A-Za-z0-9_.:\[\]-]{1,253}:[0-9]{1,5}", "HOST:PORT such as 127.0.0.1:5061")]
FilePath = Annotated[str, Field(min_length=1, max_length=4096)]


class MediaSettings(Strict):
    """``[router.media]``: where the calls' audio flows (docs/routing.md, "Media")."""

    engine: Literal["direct", "rtpengine"] = "direct"
    """``direct``: RTP between the trunk and the agent's phone, the SDP untouched; ``rtpengine``: anchored
    through rtpengine (NAT, recording, SRTP termination)."""
    ng_address: HostPort = "127.0.0.1:2223"
    """rtpengine's ng control socket (its ``--listen-ng``)."""
    record: bool = False
    """Record every call through rtpengine (``--recording-method=pcap``), a file per call."""
    recording_dir: FilePath | None = None
    """rtpengine's ``--recording-dir`` as this host sees it: a call's file is looked up there for its record."""
    srtp: Literal["pass", "terminate"] = "terminate"
    """SDES-SRTP offered by the trunk: ``terminate`` (plain RTP to the agents on the LAN) or ``pass`` (SRTP on
    to the phone)."""

    @model_validator(mode="after")
    def _engine_for_recording(self) -> MediaSettings:
        if self.record and self.engine != "rtpengine":
            raise ScenarioError("router.media.record", True, 'engine = "rtpengine" (recording is rtpengine\'s)')
        if self.record and self.recording_dir is None:
            raise ScenarioError("router.media.recording_dir", MISSING, "rtpengine's --recording-dir, where the "
                                "calls' files are found for their records")
        port = int(self.ng_address.rpartition(":")[2])
        if not 1 <= port <= 65535:
            raise ScenarioError("router.media.ng_address", self.ng_address, "a port between 1 and 65535")
        return self

    def ng_host_port(self) -> tuple[str, int]:
        host, _, port = self.ng_address.rpartition(":")
        return host.strip("[]"), int(port)


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
    voice_with_chats: bool = False
    """Blending: offer a voice call to an agent holding chat sessions (they go on through the call and its
    wrap-up); by default a chat in progress blocks voice offers (docs/routing.md, "Channels")."""
    email_capacity: Annotated[int, Field(ge=1, le=10)] = 1
    """Email items an agent holds at once (offered only when free of voice and chat)."""
    chat_max_messages: Annotated[int, Field(ge=1, le=10_000)] = 200
    """Messages one chat may carry (customer's and agent's together); more are refused (429)."""
    chat_message_chars: Annotated[int, Field(ge=1, le=4000)] = 1000
    """Characters one chat message may hold; a longer one is refused (422)."""
    chat_min_interval_s: Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)] = 1.0
    """A customer's messages at least this far apart; a faster one is refused (429)."""
    chats_open_max: Annotated[int, Field(ge=1, le=100_000)] = 1000
    """Chats open at once (waiting or held), on the node, or in the centre with Redis; a new one beyond is refused
    (503)."""
    chat_leave_grace_s: Annotated[float, Field(ge=5, le=3600, allow_inf_nan=False)] = 60.0
    """A chat whose customer has left (no widget open, no request) this long ends: abandoned if never answered."""
    chat_idle_s: Annotated[float, Field(ge=60, le=86_400, allow_inf_nan=False)] = 900.0
    """A chat in which nobody wrote for this long ends."""
    desk_leave_grace_s: Annotated[float, Field(ge=5, le=3600, allow_inf_nan=False)] = 60.0
    """An agent whose desk (``/desk``) closed, with none open again for this long, is logged off (offline,
    reason ``desk_closed``): a closed tab does not leave her available."""
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
    sip_realm: Annotated[str, matching(r"[A-Za-z0-9_.-]{1,64}", "1 to 64 letters, digits, '_', '.' or '-'")] = (
        "casashore")
    """The digest realm agents' phones authenticate in; every HA1 is computed with it."""
    sip_digest_algorithms: Annotated[list[Literal["SHA-256", "MD5"]], Field(min_length=1, max_length=2)] = [
        "SHA-256", "MD5"]
    """Offered to phones, the preferred first; every agent with credentials needs the HA1 of each."""
    sip_secrets: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    """A TOML file of agents' HA1s (relative to the centre file), instead of HA1s in the centre file; it must be
    readable by its owner only (chmod 600)."""
    register_min_expires_s: Annotated[int, Field(ge=1, le=86_400)] = 60
    """A phone asking a shorter registration gets 423 Interval Too Brief."""
    register_max_expires_s: Annotated[int, Field(ge=1, le=86_400)] = 3600
    """A longer registration asked is shortened to this."""
    register_default_expires_s: Annotated[int, Field(ge=1, le=86_400)] = 3600
    """A REGISTER without Expires lasts this (within the minimum and the maximum)."""
    max_contacts: Annotated[int, Field(ge=1, le=10)] = 3
    """Phones (contacts) one agent may have registered at once; more: 403."""
    adherence_grace_s: Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)] = 300.0
    """With a roster (``route serve --roster``): an agent out of adherence this long raises an alert on the
    event stream and the wallboard (docs/routing.md, "Adherence")."""
    tls_listen: HostPort | None = None
    """SIP over TLS for the trunk (RFC 3261 §26.2, TLS 1.2 at least) on this HOST:PORT, beside UDP's --sip."""
    tls_cert: FilePath | None = None
    """The TLS listener's certificate chain (PEM), relative to the centre file."""
    tls_key: FilePath | None = None
    """Its private key (PEM), relative to the centre file; keep it readable by the router's user only."""
    tls_max_connections: Annotated[int, Field(ge=1, le=10_000)] = 100
    """TLS connections held at once (a trunk or an SBC keeps one or a few); more are closed at once."""
    tls_idle_s: Annotated[float, Field(ge=1, le=86_400, allow_inf_nan=False)] = 300.0
    """A TLS connection silent this long is closed (a trunk keeps it alive with CRLF pings, RFC 5626)."""
    media: MediaSettings = MediaSettings()

    @model_validator(mode="after")
    def _expiry_order(self) -> RouterSettings:
        if self.register_max_expires_s < self.register_min_expires_s:
            raise ScenarioError("router.register_max_expires_s", self.register_max_expires_s,
                                f"at least register_min_expires_s ({self.register_min_expires_s})")
        if not self.register_min_expires_s <= self.register_default_expires_s <= self.register_max_expires_s:
            raise ScenarioError("router.register_default_expires_s", self.register_default_expires_s,
                                f"between {self.register_min_expires_s} and {self.register_max_expires_s}")
        if self.tls_listen is not None:
            for name in ("tls_cert", "tls_key"):
                if getattr(self, name) is None:
                    raise ScenarioError(f"router.{name}", MISSING, "a PEM file: tls_listen is set")
            if not 1 <= int(self.tls_listen.rpartition(":")[2]) <= 65535:
                raise ScenarioError("router.tls_listen", self.tls_listen, "a port between 1 and 65535")
        return self

    def tls_host_port(self) -> tuple[str, int] | None:
        if self.tls_listen is None:
            return None
        host, _, port = self.tls_listen.rpartition(":")
        return host.strip("[]"), int(port)


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

    @model_validator(mode="after")
    def _dialled_for_voice(self) -> RoutedQueue:
        """Chat sessions and email items arrive through the API (the chat widget, ``POST /api/calls``), never a
        dialled number."""
        if self.channel != "voice" and self.numbers:
            raise ScenarioError("numbers", self.numbers, f"no dialled numbers on a {self.channel} queue (its "
                                "contacts arrive through the API)", relative=True)
        return self

    def routing(self) -> RoutingQueue:
        return RoutingQueue.of(self, relax_after_s=self.relax_after_s, max_waiting=self.max_waiting)


class SipSecret(Strict):
    """An agent's digest credentials: HA1 per algorithm (what a phone's password becomes), never the password."""

    sip_user: SipUser | None = None
    """The digest user name the phone sends (and the user of its To); the agent's id when not given."""
    ha1_md5: Ha1Md5 | None = None
    ha1_sha256: Ha1Sha256 | None = None


class RoutedAgent(Agent, SipSecret):
    token: Token | None = None
    contact: ContactUri | None = None
    """A fixed contact where the agent's phone rings, when it does not register."""


class SipSecrets(Strict):
    """The secrets file: ``[agents.ID]`` with ``sip_user``, ``ha1_md5`` and/or ``ha1_sha256``."""

    agents: Annotated[dict[str, SipSecret], Field(max_length=100_000)] = {}


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

    def sip_accounts(self) -> dict[str, Account]:
        """Digest user -> the agent's account, for every agent with an HA1; each must have the HA1 of every
        algorithm offered, and no two agents one user (ScenarioError naming the field otherwise)."""
        accounts: dict[str, Account] = {}
        for i, agent in enumerate(self.agents):
            ha1 = {"MD5": agent.ha1_md5, "SHA-256": agent.ha1_sha256}
            if not any(ha1.values()):
                continue
            for algorithm in self.router.sip_digest_algorithms:
                if not ha1[algorithm]:
                    raise ScenarioError(f"agents[{i}].ha1_{algorithm.lower().replace('-', '')}", MISSING,
                                        f"an HA1: {algorithm} is in router.sip_digest_algorithms")
            user = agent.sip_user or agent.id
            if user in accounts:
                raise ScenarioError(f"agents[{i}].sip_user", user, "a SIP user not already another agent's")
            accounts[user] = Account(agent.id, {a: h for a, h in ha1.items() if h})
        return accounts

    def registrar_limits(self) -> Limits:
        r = self.router
        return Limits(r.register_min_expires_s, r.register_max_expires_s, r.register_default_expires_s,
                      r.max_contacts)

    def fixed_contacts(self) -> dict[str, str]:
        return {agent.id: agent.contact for agent in self.agents if agent.contact}

    def overload_answers(self) -> dict[str, int]:
        return {q.name: q.overload_answer for q in self.queues}

    def numbers(self) -> dict[str, str]:
        """Dialled user part -> voice queue (a chat or email queue is not reached over SIP)."""
        return {number: q.name for q in self.queues if q.channel == "voice" for number in [q.name, *q.numbers]}

    def principals(self) -> dict[str, Principal]:
        found = {token: Principal("supervisor", name=f"supervisor#{j + 1}")
                 for j, token in enumerate(self.tokens.supervisor)}
        found |= {token: Principal("trunk") for token in self.tokens.trunk}
        found |= {agent.token: Principal("agent", agent.id) for agent in self.agents if agent.token}
        return found

    def router_queues(self) -> dict[str, RoutingQueue]:
        return {q.name: q.routing() for q in self.queues}

    def build_router(self, now: float) -> Router:
        r = self.router
        router = Router(self.router_queues(), selection=r.selection, offer_timeout_s=r.offer_timeout_s,
                        wrap_up_s=r.wrap_up_s, max_missed=r.max_missed, voice_with_chats=r.voice_with_chats,
                        email_capacity=r.email_capacity)
        for agent in self.agents:
            router.add_agent(agent.id, agent.skills, now)
        return router

    def join_shared_router(self, client: redis.Redis, node: str, now: float) -> SharedRouter:
        """This centre's state in Redis (created by the first node, joined by the next ones)."""
        r = self.router
        shared = SharedRouter(client, r.centre, self.router_queues(), node=node, orphan_grace_s=r.orphan_grace_s)
        shared.configure(shared.queues, selection=r.selection, offer_timeout_s=r.offer_timeout_s,
                         wrap_up_s=r.wrap_up_s, max_missed=r.max_missed, voice_with_chats=r.voice_with_chats,
                         email_capacity=r.email_capacity)
        for agent in self.agents:
            if agent.id not in shared.agents:
                with contextlib.suppress(AgentExists):  # another node starting at the same time added it first
                    shared.add_agent(agent.id, agent.skills, now)
        shared.skip_past_events()
        return shared


def load_center(path: Path) -> CenterConfig:
    config = validated(CenterConfig, read_toml(path, "config"), where=str(path))
    if config.router.sip_secrets is not None:
        config = _with_secrets(config, path.parent / config.router.sip_secrets)
    if config.router.tls_listen is not None:  # the certificate's paths, relative to the centre file, made whole
        paths = {name: str(path.parent / getattr(config.router, name)) for name in ("tls_cert", "tls_key")}
        config = config.model_copy(update={"router": config.router.model_copy(update=paths)})
    validated_accounts(config, str(path))
    return config


def validated_accounts(config: CenterConfig, where: str) -> None:
    try:
        config.sip_accounts()
    except ScenarioError as exc:
        raise UserError(exc.path, exc.value, exc.expected, where=where) from None


def _with_secrets(config: CenterConfig, path: Path) -> CenterConfig:
    """The centre with its agents' credentials read from the secrets file, which must be the owner's only; an
    agent given credentials in both files, or unknown to the centre, is refused (UserError naming it)."""
    check_owner_only("router.sip_secrets", path)
    if path.stat().st_size > MAX_SECRETS_BYTES:
        raise UserError("router.sip_secrets", str(path), f"a file of at most {MAX_SECRETS_BYTES:,} bytes")
    secrets = validated(SipSecrets, read_toml(path, "router.sip_secrets"), where=str(path))
    agents = {agent.id: agent for agent in config.agents}
    updated = []
    for agent_id, secret in secrets.agents.items():
        agent = agents.get(agent_id)
        if agent is None:
            raise UserError(f"agents.{agent_id[:64]}", agent_id[:64], "an agent of the centre file", where=str(path))
        if agent.sip_user or agent.ha1_md5 or agent.ha1_sha256:
            raise UserError(f"agents.{agent_id}", agent_id, "credentials in one file only (the centre file has "
                            "this agent's)", where=str(path))
        updated.append(agent.model_copy(update=secret.model_dump(exclude_none=True)))
    by_id = {agent.id: agent for agent in updated}
    return config.model_copy(update={"agents": [by_id.get(agent.id, agent) for agent in config.agents]})
