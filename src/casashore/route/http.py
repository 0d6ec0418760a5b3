"""The router's HTTP face: REST for agents, calls and live statistics, and a WebSocket event stream for agent
desktops and wallboards, and the wallboard page. One RouterService on one event loop (no locks needed: every
change runs between two awaits); a ticker moves the router's clock so offers time out and wrap-ups end, and
flushes the records to the workspace.

Every request needs a bearer token; tokens map to a role: ``agent`` (only its own status, offers made to it,
and the data of its own calls), ``supervisor`` (any agent, any call), ``trunk`` (calls arriving and hanging up;
the SIP front uses it).

Calls are addressed by the router's id (``id`` in every view and event, state/call_ids.py), never by the trunk's
Call-ID, which may hold characters a URL path cannot carry; the Call-ID is shown as ``call_id`` (a chat's or an
email item's router id, which no trunk brought in; an email's reference is ``message_id``: ``contact_refs``).
"""


import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Security, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline  # Swagger UI at /docs from local files, not a CDN
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from casashore.domain.base import Strict
from casashore.domain.validation_words import expected_words
from casashore.query_guard import only_declared_query
from casashore.request_guard import RequestGuard
from casashore.route.adherence_monitor import AdherenceMonitor
from casashore.route.adherence_routes import add_adherence_routes
from casashore.route.auth import Principal
from casashore.route.chat_routes import add_chat_routes
from casashore.route.chats import ChatLimits, MemoryChats
from casashore.route.clock import SiteClock
from casashore.route.desk_presence import DeskPresence
from casashore.route.intraday_desk import IntradayDesk
from casashore.route.intraday_routes import add_router_intraday_routes
from casashore.route.service import RouterService
from casashore.route.state.call_ids import MAX_TRUNK_CALL_ID, ROUTER_ID, router_id
from casashore.route.state.core import agent_capacities
from casashore.route.state.errors import CallExists

MAX_BODY_BYTES = 32_768
"""The router's requests are small JSON objects (a status, a call, a number); the largest is a chat message of
4,000 characters (chat_routes.py MAX_TEXT), which JSON may carry as 6-byte escapes: 24,000 bytes and its key."""

MAX_BEHIND = 10_000
MAX_PAGE = 500
"""Calls listed at most per page of ``GET /api/calls`` (each a few hundred bytes of JSON)."""
WALLBOARD = Path(__file__).parent / "static" / "wallboard.html"
MIN_TICK_S = 0.02
"""The ticker's shortest real period: with a fast site clock (route/clock.py) it ticks every ``tick_s`` of site
time, but at most 50 times a real second."""


class StatusChange(Strict):
    status: Literal["available", "break", "offline"]
    reason: Annotated[str, Field(max_length=40)] = ""


class NewCall(Strict):
    call_id: Annotated[str, Field(min_length=1, max_length=MAX_TRUNK_CALL_ID, pattern=r"^[\x21-\x7e]+$")]
    """The trunk's name for the call (printable ASCII, as a SIP Call-ID): data; the call's address is the
    ``id`` the router answers with."""
    queue: Annotated[str, Field(min_length=1, max_length=80)]
    priority: Annotated[int, Field(ge=0, le=9)] = 0


class Callback(Strict):
    number: Annotated[str, Field(min_length=3, max_length=32, pattern=r"^\+?[0-9]+$")]


class BindingView(BaseModel):
    contact: str
    expires_in_s: float
    registered_s_ago: float
    source: str
    """The address (host:port) the REGISTER came from."""


class RegistrationView(BaseModel):
    agent: str
    contact: str | None
    """Where an offer would ring the agent: the newest binding, else the fixed contact, else null."""
    fixed_contact: str | None
    bindings: list[BindingView]


class CallView(BaseModel):
    """One call as the router holds it (live, or ended less than a minute ago on one node, an hour with Redis)."""

    id: str
    """The router's id: the call's address in the API."""
    call_id: str
    """A call's trunk Call-ID (data); a chat's or an email item's router id, as ``id`` (no trunk brought it in)."""
    message_id: str | None = None
    """An email item's reference in the mail system (its ``message_id``, else its id); null for calls and chats."""
    queue: str
    state: Literal["waiting", "offered", "connected", "ended"]
    outcome: Literal["answered", "abandoned", "cleared", "rejected"] | None
    agent: str | None
    position: int | None
    """Its place in the queue while it waits (1 = next)."""
    expected_wait_s: float | None
    callback_number: str | None
    recording: str | None
    """The file the media engine records the call's audio to (rtpengine's pcap, a path on the router's host);
    shown to supervisors only (null for others, and for a call not recorded)."""


class CallSummary(BaseModel):
    id: str
    call_id: str
    """As CallView's."""
    message_id: str | None = None
    queue: str
    state: Literal["waiting", "offered", "connected"]
    priority: int
    agent: str | None
    waiting_s: float
    """Since arrival: until the answer once answered."""
    callback_number: str | None
    recording: str | None
    """As CallView's (the list is a supervisor's)."""


class CallPage(BaseModel):
    total: int
    offset: int
    limit: int
    calls: list[CallSummary]


class ClockView(BaseModel):
    """The router's clock: every time in its answers, events and records is on it."""

    now: str
    """The site's time, ISO 8601 with its offset."""
    epoch_s: float
    time_zone: str
    speed: float
    """Site seconds per real second (1: real time)."""
    replay: bool
    """True when the clock is a site clock (`route serve --clock-start/--clock-speed`), not the wall clock."""


class ErrorResponse(BaseModel):
    """Every refusal: a message naming what was wrong (and, for a request that does not match the schema, the
    field)."""

    error: str
    field: str | None = None


ERRORS = {400: "a body that is not JSON text (UTF-8), or an intraday question the records cannot answer",
          401: "no valid bearer token",
          403: "the token's role may not do this (an agent acts only for herself)",
          404: "no such agent, call or queue", 409: "the call is not in a state that allows it",
          413: f"request body above {MAX_BODY_BYTES} bytes", 422: "a request that does not match the schema",
          429: "a chat's limit reached (messages too frequent, or too many in the chat)",
          503: "too many chats open, the queue full, or another intraday answer being computed: try again later "
               "(Retry-After)"}


def responses(*codes: int) -> dict:
    """The error answers an operation may give, each a JSON ErrorResponse (OpenAPI ``responses``)."""
    return {"responses": {code: {"description": ERRORS[code], "model": ErrorResponse}
                          for code in sorted({401, 413, *codes})}}


def contact_refs(call) -> dict[str, str | None]:
    """A contact's references in every view: ``call_id`` the trunk's Call-ID of a voice call, the router's id of a
    chat or an email item (a chat's trunk id is its router id; an email's message id is not a Call-ID and has its
    own field), ``message_id`` an email item's reference in the mail system (null otherwise)."""
    email = call.channel == "email"
    return {"call_id": call.call_id if email else call.trunk_call_id,
            "message_id": call.trunk_call_id if email else None}


def create_router_app(service: RouterService, tokens: dict[str, Principal], *, tick_s: float = 0.5,
                      fronts: Callable[[], contextlib.AbstractAsyncContextManager] | None = None,
                      adherence: AdherenceMonitor | None = None, chat_limits: ChatLimits | None = None,
                      chats=None, intraday: IntradayDesk | None = None, desk_leave_grace_s: float = 60.0) -> FastAPI:
    """``fronts``: an async context manager started with the app (the SIP front), on the same loop;
    ``adherence``: the roster's monitor, whose routes (adherence_routes.py) the app then serves;
    ``intraday``: the reforecast and re-plan from the router's records (intraday_routes.py; None: 404);
    ``chat_limits``: the customers' limits on the chat routes (chat_routes.py); ``chats``: the transcripts'
    store (chats_redis.py's with the state in Redis; by default this node's memory, with ``chat_limits``);
    ``desk_leave_grace_s``: an agent whose desk closed this long ago is logged off (desk_presence.py)."""
    router = service.router
    now = service.now
    listeners: dict[asyncio.Queue, Principal] = {}

    def to_listeners(events) -> None:
        batch = [{"t": at, "event": event, "id": subject, "detail": detail} for at, event, subject, detail in events]
        # agents see no caller's number: a callback's number reaches only the agent who accepts the call
        for_agents = [e | {"detail": ""} if e["event"] == "callback" else e for e in batch]
        for queue, who in list(listeners.items()):
            if queue.qsize() < MAX_BEHIND:
                # an agent's adherence (alerts, exceptions) reaches her and the supervisors, not other agents
                shown = batch if who.role != "agent" else [
                    e for e in for_agents if not e["event"].startswith("adherence_") or e["id"] == who.agent_id]
                if shown:
                    queue.put_nowait(shown)
            else:  # a listener that cannot keep up is let go rather than allowed to fill the memory
                queue.put_nowait(None)
                listeners.pop(queue, None)

    service.subscribers.append(to_listeners)
    publish = service.publish_soon

    clock = service.clock if isinstance(service.clock, SiteClock) else SiteClock()
    every_s = max(tick_s / clock.speed, min(tick_s, MIN_TICK_S))  # tick_s of site time, at most 50 a second

    flush_every = max(1, round(tick_s / every_s))  # the records: every tick_s of real time, whatever the speed

    async def ticker() -> None:
        flushing: asyncio.Future | None = None
        ticks = 0
        while True:
            await asyncio.sleep(every_s)
            service.tick()
            ticks += 1
            if service.recorder is not None and ticks % flush_every == 0 and (flushing is None or flushing.done()):
                flushing = asyncio.ensure_future(asyncio.to_thread(service.recorder.flush))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        service.publish()  # the agents added before the start
        task = asyncio.create_task(ticker())
        async with fronts() if fronts is not None else contextlib.nullcontext():
            yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        service.publish()
        if intraday is not None:
            intraday.close()
        if service.recorder is not None:
            await asyncio.to_thread(service.recorder.close)

    app = FastAPIOffline(title="casashore router", version="0.1.0", lifespan=lifespan,
                         dependencies=[Depends(only_declared_query)])
    # The planner's guard: the body counted as it arrives, before any token is checked. Its Host and Origin
    # checks stay off here: the router's callers are trunks and desktops, not pages in a browser.
    app.add_middleware(RequestGuard, loopback=False, token=None, protected=lambda method, path: False,
                       max_body_bytes=MAX_BODY_BYTES)

    # Every operation needs a bearer token; the OpenAPI document declares the scheme (components.securitySchemes)
    bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                        description="A token of the centre file: an agent's, a supervisor's or a trunk's")

    def principal(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> Principal:
        given = credentials.credentials if credentials is not None else ""
        if given not in tokens:
            raise HTTPException(401, "Authorization: a valid bearer token is required (Authorization: Bearer "
                                     "TOKEN)", headers={"WWW-Authenticate": "Bearer"})
        return tokens[given]

    Caller = Annotated[Principal, Depends(principal)]

    def may_act_for(who: Principal, agent_id: str) -> None:
        if who.role == "supervisor" or (who.role == "agent" and who.agent_id == agent_id):
            return
        raise HTTPException(403, f"{who.role} {who.agent_id or ''} may not act for agent {agent_id}")

    def known_agent(agent_id: str) -> None:
        if agent_id not in router.agents:  # (agents are never removed: a node keeps the answer, no round trip)
            raise HTTPException(404, f"agent {agent_id!r}: no such agent")

    def router_id_of(call_id: str) -> str:
        """``call_id`` when it has the form of a router id (no round trip); 404 otherwise."""
        if not ROUTER_ID.match(call_id):
            raise HTTPException(404, f"call {call_id[:80]!r}: no such call; expected the router's id of a "
                                     "call (its \"id\" in the API's answers and events, not the SIP Call-ID)")
        return call_id

    def call_of(call_id: str):
        router_id_of(call_id)
        try:
            return router.calls[call_id]
        except KeyError:
            raise HTTPException(404, f"call {call_id!r}: no such call") from None

    def may_see(who: Principal, call) -> None:
        """An agent sees only the calls offered to her or hers (a caller's number is personal data)."""
        if who.role == "agent" and call.agent_id != who.agent_id:
            raise HTTPException(403, f"agent {who.agent_id} may see only the calls offered to her or hers")

    def trunk_or_supervisor(who: Principal, action: str) -> None:
        if who.role not in ("trunk", "supervisor"):
            raise HTTPException(403, f"only a trunk or a supervisor {action}")

    def call_view(call_id: str, who: Principal) -> dict:
        """The call's CallView; the recording's path only for a supervisor (where audio of a caller lies)."""
        call = router.calls[call_id]
        return {"id": call_id, **contact_refs(call), "queue": call.queue, "state": call.state,
                "outcome": call.outcome or None,
                "agent": call.agent_id, "position": router.position(call_id),
                "expected_wait_s": service.expected_wait_s(call_id) if call.state == "waiting" else None,
                "callback_number": call.callback_number,
                "recording": call.recording if who.role == "supervisor" else None}

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if exc.status_code == 400 and detail == "There was an error parsing the body":  # FastAPI's words
            detail = "body: is not valid; expected a JSON object (UTF-8 text)"
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        """A request that does not match the schema: 422 naming the field, the value and what was expected."""
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":  # loc is ("body", character): the body, not a field
            at = first.get("loc", ("body", "?"))[-1]
            why = first.get("ctx", {}).get("error", "JSON decode error")
            return JSONResponse({"error": f"body: is not valid; expected a JSON object ({why} at character {at})",
                                 "field": "body"}, status_code=422)
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query")) or "body"
        value = first.get("input")
        shown = "" if first.get("type") == "missing" or isinstance(value, dict | list) else f" {str(value)[:80]!r}"
        # what the field needs in words, as `casashore serve` and the CLI say it (never pydantic's sentence or
        # a regular expression: domain/validation_words.py)
        expected = expected_words(first) if first else "a valid request"
        return JSONResponse({"error": f"{where}:{shown} is not valid; expected {expected}", "field": where},
                            status_code=422)

    @app.get("/api/agents", **responses())
    async def agents(who: Caller) -> list[dict]:
        """Every agent's status (chosen by the agent) and routing state (set by the router); ``missed_call``:
        the router id of the last offer the agent let time out (a not-responding agent's missed call);
        ``held``: the chat sessions and email items she holds (offered or accepted) per channel (``chat``,
        ``email``; her voice call is ``call``), against ``capacity``, the most of each channel she may hold
        (voice 1, chat her chat queues' largest ``max_sessions``, email ``email_capacity``); ``occupied``: she
        holds a call, a chat or an email item (an ``idle`` routing state with chats or items held is work in
        progress, not a free agent)."""
        queues = list(router.queues.values())
        return [{"agent": a.agent_id, "skills": a.skills, "status": a.status, "reason": a.reason,
                 "state": a.state, "call": a.call_id, "calls_handled": a.calls_handled,
                 "missed_call": a.missed_call,
                 "held": {channel: a.held(channel) for channel in ("chat", "email") if a.held(channel)},
                 "capacity": agent_capacities(a, queues, router.email_capacity),
                 "occupied": a.call_id is not None or bool(a.sessions)}
                for a in router.agents.values()]

    @app.get("/api/agents/{agent_id}/registration", **responses(403, 404, 422))
    async def registration(agent_id: str, who: Caller) -> RegistrationView:
        """Where the agent's phone rings: the contacts it registered over SIP (each with the seconds left and
        the address it registered from; the centre's with Redis, else this node's), the fixed contact of the
        centre file, and ``contact``, the one an offer would use (the newest registration, else the fixed
        contact, else null)."""
        known_agent(agent_id)
        may_act_for(who, agent_id)
        return RegistrationView.model_validate(service.registrations.view(agent_id))

    @app.post("/api/agents/{agent_id}/status", **responses(400, 403, 404, 422))
    async def set_status(agent_id: str, change: StatusChange, who: Caller) -> dict:
        known_agent(agent_id)
        may_act_for(who, agent_id)
        router.set_status(agent_id, change.status, now(), change.reason)
        agent = router.agents[agent_id]
        publish()
        return {"agent": agent_id, "status": agent.status, "state": agent.state, "call": agent.call_id}

    @app.post("/api/agents/{agent_id}/accept/{call_id}", **responses(403, 404, 409, 422))
    async def accept(agent_id: str, call_id: str, who: Caller) -> dict:
        known_agent(agent_id)
        may_act_for(who, agent_id)
        # The accept itself says whether the call is offered to her: the call is looked up only when it is not
        # (404 for no such call, else 409). One Redis round trip fewer per answered call with a shared centre.
        if not router.accept(agent_id, router_id_of(call_id), now()):
            call_of(call_id)
            raise HTTPException(409, f"call {call_id!r} is not offered to agent {agent_id}")
        call = router.calls[call_id]
        publish()
        return {"agent": agent_id, "id": call_id, **contact_refs(call), "state": "busy",
                "callback_number": call.callback_number}

    @app.post("/api/agents/{agent_id}/reject/{call_id}", **responses(403, 404, 422))
    async def reject(agent_id: str, call_id: str, who: Caller) -> dict:
        known_agent(agent_id)
        may_act_for(who, agent_id)
        call_of(call_id)
        router.reject(agent_id, call_id, now())
        publish()
        return {"agent": agent_id, "state": router.agents[agent_id].state}

    @app.post("/api/calls", status_code=201, **responses(400, 403, 404, 409, 422))
    async def new_call(call: NewCall, who: Caller) -> dict:
        trunk_or_supervisor(who, "brings calls in")
        if call.queue not in router.queues:
            raise HTTPException(404, f"queue {call.queue!r}: no such queue ({', '.join(router.queues)})")
        call_id = router_id(call.call_id)
        try:
            queued = router.arrive(call_id, call.queue, now(), call.priority, trunk_call_id=call.call_id)
        except CallExists:
            raise HTTPException(409, f"call {call.call_id!r} exists (id {call_id})") from None
        view = call_view(call_id, who) | {"accepted": queued}
        publish()
        return view

    @app.get("/api/calls", **responses(403, 422))
    async def list_calls(who: Caller, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                         limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> CallPage:
        """A supervisor's list of the calls not ended (waiting, offered, connected), oldest first: each one's
        state, queue, time since arrival (``waiting_s``: until the answer once answered), agent. ``total`` counts
        them all; ``limit`` (at most 500) from ``offset``; ``recording``: the file its audio is recorded to, or
        null. Agents and trunks: 403 (callers' data)."""
        if who.role != "supervisor":
            raise HTTPException(403, f"only a supervisor lists the calls ({who.role} may read a call by its id)")
        at = now()
        total, page = router.live_calls(offset, limit)
        return CallPage(total=total, offset=offset, limit=limit, calls=[
            CallSummary(id=call.call_id, **contact_refs(call), queue=call.queue, state=call.state,
                        priority=call.priority, agent=call.agent_id,
                        waiting_s=round((call.answered_at if call.answered_at is not None else at)
                                        - call.arrived_at, 3),
                        callback_number=call.callback_number, recording=call.recording) for call in page])

    @app.get("/api/calls/{call_id}", **responses(403, 404, 422))
    async def get_call(call_id: str, who: Caller) -> CallView:
        """A call's state; while it waits, its place in the queue and its expected wait (docs/routing.md); for a
        supervisor, the file its audio is recorded to (``recording``, null when not recorded)."""
        may_see(who, call_of(call_id))
        return CallView.model_validate(call_view(call_id, who))

    @app.post("/api/calls/{call_id}/callback", **responses(400, 403, 404, 409, 422))
    async def callback(call_id: str, request: Callback, who: Caller) -> dict:
        """The caller leaves the line and keeps the place; the agent who accepts the call dials the number."""
        trunk_or_supervisor(who, "turns a call into a callback")
        call_of(call_id)
        if not router.request_callback(call_id, request.number, now()):
            raise HTTPException(409, f"call {call_id!r} is not waiting (callbacks are for waiting calls)")
        view = call_view(call_id, who)
        publish()
        return view

    @app.post("/api/calls/{call_id}/hangup", **responses(403, 404, 422))
    async def hang_up(call_id: str, who: Caller) -> dict:
        call = call_of(call_id)
        if who.role == "agent" and call.agent_id != who.agent_id:
            raise HTTPException(403, "an agent may end only its own call")
        if who.role == "agent" and call.state == "offered":  # ending it would count the caller as abandoning
            raise HTTPException(403, f"call {call_id} is only offered to agent {who.agent_id}: reject it "
                                     f"(POST /api/agents/{who.agent_id}/reject/{call_id}) or accept it first")
        # a supervisor ending a call nobody answered clears it: not the caller's abandon (docs/routing.md)
        router.hang_up(call_id, now(), by="supervisor" if who.role == "supervisor" else "caller")
        outcome = router.calls[call_id].outcome
        publish()
        return {"id": call_id, **contact_refs(router.calls[call_id]), "outcome": outcome}  # as CallView

    @app.get("/api/queues", **responses())
    async def queues(who: Caller) -> list[dict]:
        """Per queue: waiting, longest wait, agents by state, and offered / rejected / answered / abandoned /
        service level / ASA / abandon rate / AHT over the rolling window and the day (defined in
        docs/routing.md)."""
        return service.stats.snapshot(now())

    @app.get("/api/stats", **responses())
    async def totals(who: Caller) -> dict:
        """Counts since the router started: arrived (queued), rejected at the door, offers made, answered,
        abandoned (by the caller), cleared (by a supervisor)."""
        return dict(service.counts)

    @app.get("/api/clock", **responses())
    async def router_clock(who: Caller) -> ClockView:
        """The router's clock: the site's time now, its zone and speed (a site clock runs faster than real time
        for training and replay: `route serve --clock-start --clock-speed`, docs/routing.md)."""
        at = now()
        return ClockView(now=datetime.fromtimestamp(at, service.stats.zone).isoformat(timespec="milliseconds"),
                         epoch_s=at, time_zone=service.stats.zone.key, speed=clock.speed, replay=clock.replay)

    @app.get("/api/nodes", **responses())
    async def nodes(who: Caller) -> list[str]:
        """The router nodes serving this centre (one, unless the state is shared in Redis)."""
        return router.nodes() if hasattr(router, "nodes") else ["local"]

    # without a roster the routes answer that none is followed (the wallboard asks without knowing)
    add_adherence_routes(app, service, adherence, principal, responses)
    add_chat_routes(app, service, chats if chats is not None else MemoryChats(chat_limits or ChatLimits()), principal,
                    responses, bearer)
    add_router_intraday_routes(app, intraday, adherence, service.stats.zone.key, now, principal, responses)

    @app.get("/wallboard", response_class=HTMLResponse, include_in_schema=False)
    async def wallboard() -> HTMLResponse:
        """The wallboard page; it asks for a token and reads everything through the API."""
        return HTMLResponse(WALLBOARD.read_text(encoding="utf-8"))

    desks = DeskPresence(desk_leave_grace_s)

    def log_off_gone_desks(at: float) -> None:
        for agent_id in desks.due(at):
            if agent_id in router.agents and router.agents[agent_id].status != "offline":
                router.set_status(agent_id, "offline", at, "desk_closed")
                publish()

    service.tick_hooks.append(log_off_gone_desks)

    @app.websocket("/api/events")
    async def events(socket: WebSocket, token: str = "", desk: bool = False) -> None:
        """Router events as JSON lists (one list per change), live. The token goes in the query string
        (browsers cannot set headers on a WebSocket). ``desk=1`` with an agent's token: her desk is open; once
        its last socket has closed for ``desk_leave_grace_s``, she is logged off (desk_presence.py)."""
        await socket.accept()  # then close with 4401: a browser sees a close before accept only as 1006
        if token not in tokens:
            await socket.close(code=4401, reason="a valid token is required")
            return
        mine: asyncio.Queue = asyncio.Queue()
        listeners[mine] = tokens[token]
        desk_of = tokens[token].agent_id if desk and tokens[token].role == "agent" else None
        if desk_of:
            desks.opened(desk_of)

        async def pump() -> None:
            while (batch := await mine.get()) is not None:
                await socket.send_json(batch)
            await socket.close(code=1013, reason="too slow: more than 10,000 batches behind")

        sender = asyncio.create_task(pump())
        try:  # reading is how a closed connection is noticed when no event is being sent
            while (await socket.receive())["type"] != "websocket.disconnect":
                pass
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            listeners.pop(mine, None)
            if desk_of:
                desks.closed(desk_of, now())
            sender.cancel()

    return app
