"""The chat and email routes of the router's API (docs/routing.md, "Channels"): a customer starts a chat on a
chat queue with a first message, without a token, and gets the chat's secret; customer and agent exchange messages
over REST and a WebSocket per chat; the agent's desktop lists its sessions and items. Routing itself is the core's
(the chat is a ``Call`` of a chat queue, offered and accepted as calls are, through
``/api/agents/{id}/accept/{id}``). A chat ends when either side ends it, when its customer has left (no widget
open, no request, for ``chat_leave_grace_s``) or when nobody wrote for ``chat_idle_s`` (chats.py ``due``, looked at
on every tick of the router's clock)."""


import asyncio
import contextlib
import math
import secrets
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Query, Security, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from casashore.domain.base import Strict
from casashore.errors import UserError
from casashore.route.chats import ChatRefused, clean_text
from casashore.route.page_words import no_chat_page, translated_page
from casashore.route.service import KEEP_ENDED_S, RouterService
from casashore.route.state.call_ids import MAX_TRUNK_CALL_ID, ROUTER_ID, router_id
from casashore.route.state.errors import CallExists

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 4000
"""The schema's bound of a message; the centre's ``chat_message_chars`` (at most this) is checked after."""
CHAT_PREFIX = "chat-"
"""A chat's id: this and 20 random hex digits (never a router id of a trunk's call, which has no ``-``), so
that an ended call is known as a chat without a look at the store."""
LIVE_POLL_S = 1.0
"""A chat's socket looks at the store this often besides the wake-ups of its own node: a message written
through another node reaches it within this."""


class NewChat(Strict):
    queue: Annotated[str, Field(min_length=1, max_length=80)]
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    """The customer's first message: a chat starts with it (nothing is routed before)."""


MessageId = Annotated[str, Field(min_length=1, max_length=MAX_TRUNK_CALL_ID, pattern=r"^[\x21-\x7e]+$")]


SUBJECT_REFUSED = ("no subject: it is refused on purpose, as it may carry customer data (names, account numbers) "
                   "that the router does not need to route the item and would copy to its records; send the "
                   "message_id, and keep the message in the mail system")


class NewEmail(Strict):
    queue: Annotated[str, Field(min_length=1, max_length=80)]
    message_id: MessageId | None = None
    """The mail system's reference of the message (an RFC 5322 Message-ID, a ticket number: printable ASCII, no
    space): the item's key in the records, and what the agent opens in the mail system; the item's router id
    without it. A message sent again while its item lives is refused (409). The subject is not taken: it may carry
    customer data, and nothing the router does needs it (the message stays in the mail system)."""
    priority: Annotated[int, Field(ge=0, le=9)] = 0
    subject: SkipJsonSchema[object] = None
    """Refused whatever its value (``refuse_subject``): named here so that the refusal says why, not "no such
    field" (docs/routing.md, "An email item's key"); left out of the API's schema."""

    @field_validator("subject", mode="before")
    @classmethod
    def refuse_subject(cls, value: object) -> None:
        raise ValueError(SUBJECT_REFUSED)


class Message(Strict):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


MAX_SECRET = 64
"""A chat's secret is 22 characters; a longer header is no secret of ours (not compared)."""
SECRET_HEADER = APIKeyHeader(name="X-Chat-Secret", auto_error=False, scheme_name="chat_secret",
                             description="The secret POST /api/chats handed to the customer who started the chat")
END_REASONS = {"cleared": "supervisor"}
"""Why a chat ended, from its ``ended`` event's outcome, when the chat routes did not end it themselves."""


def add_chat_routes(app: FastAPI, service: RouterService, chats, principal, responses,
                    bearer: HTTPBearer) -> None:
    """``chats``: the transcripts' store (chats.py MemoryChats, or chats_redis.py RedisChats with the state in
    Redis); ``principal``: the bearer token's Principal (401 otherwise); ``bearer``: the app's bearer scheme, so
    the chat routes declare either scheme in the OpenAPI document (the customer's secret or a token)."""
    router, now = service.router, service.now
    Secret = Annotated[str | None, Security(SECRET_HEADER)]
    Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
    wakers: dict[str, set[asyncio.Event]] = {}
    """The chat sockets open on this node, by chat: woken when this node adds a message."""
    present: Counter[str] = Counter()
    """Customers' sockets open on this node, by chat: their customers are seen on every tick."""

    def wake(chat_id: str) -> None:
        for event in wakers.get(chat_id, ()):
            event.set()

    def end(chat_id: str, why: str, by: str = "caller") -> None:
        """The transcript closed with ``why``, then the chat's call ended (an agent's place freed at once)."""
        at = now()
        if chats.close(chat_id, why, at):
            wake(chat_id)
        call = router.calls.get(chat_id)
        if call is not None and call.state != "ended":
            router.hang_up(chat_id, at, by=by)
            service.publish_soon()

    def on_events(events) -> None:
        for at, event, subject, detail in events:
            if not subject.startswith(CHAT_PREFIX):
                continue
            # a chat ended elsewhere (a supervisor, a node stopping) is closed for both
            if event == "ended" and chats.close(subject, END_REASONS.get(detail, "ended"), at):
                wake(subject)
            # its agent logged off: the customer is told another agent will answer (once, whichever node)
            elif event == "requeued" and chats.notice(subject, "requeued", at):
                wake(subject)

    def on_tick(at: float) -> None:  # customers still here, then the chats whose customer left or went quiet
        chats.seen([chat_id for chat_id, n in present.items() if n > 0], at)
        for chat_id, why in chats.due(at):
            end(chat_id, why)

    service.subscribers.append(on_events)
    service.tick_hooks.append(on_tick)

    def chat_of(chat_id: str):
        """The chat's call (None once the router has forgotten an ended one); 404 when there is no such chat."""
        if not (chat_id.startswith(CHAT_PREFIX) and ROUTER_ID.match(chat_id) and chats.exists(chat_id)):
            raise HTTPException(404, f"chat {chat_id[:80]!r}: no such chat")
        return router.calls.get(chat_id)

    def author(chat_id: str, secret: str | None, credentials: HTTPAuthorizationCredentials | None) -> str:
        """``customer`` for the chat's secret (the customer is then seen); the agent holding the chat (accepted,
        or answered and ended) for her token; ``supervisor``; else 403."""
        call = chat_of(chat_id)
        if secret and len(secret) <= MAX_SECRET and chats.is_customer(chat_id, secret):
            chats.seen([chat_id], now())
            return "customer"
        if credentials is not None:
            who = principal(credentials)
            if who.role == "agent" and call is not None and call.agent_id == who.agent_id and (
                    call.state == "connected" or call.outcome == "answered"):
                return who.agent_id
            if who.role == "supervisor":
                return "supervisor"
        raise HTTPException(403, f"chat {chat_id}: its secret (X-Chat-Secret) or the token of the agent holding it "
                                 "is required")

    def refused(error: ChatRefused) -> HTTPException:
        return HTTPException(error.status, error.message)

    def cleaned(text: str) -> str:
        try:
            return clean_text(text, chats.limits)
        except UserError as error:
            raise HTTPException(422, str(error)) from None

    @app.post("/api/chats", status_code=201, **responses(400, 404, 422, 503))
    async def start_chat(request: NewChat) -> dict:
        """A customer starts a chat on a chat queue with its first message (no token): the chat's ``id`` and
        ``secret``, the only key to its messages (send it as ``X-Chat-Secret``); 503 when too many chats are open
        or the queue is full. Nothing is routed or recorded before this message."""
        queue = router.queues.get(request.queue)
        if queue is None or queue.channel != "chat":
            raise HTTPException(404, f"queue {request.queue!r}: no such chat queue")
        text = cleaned(request.text)
        chat_id = CHAT_PREFIX + secrets.token_hex(10)
        try:
            secret = chats.start(chat_id, request.queue, text, now())
        except ChatRefused as error:
            raise refused(error) from None
        if not router.arrive(chat_id, request.queue, now(), trunk_call_id=chat_id):
            chats.forget(chat_id)
            raise HTTPException(503, f"queue {request.queue!r} is full: try again later")
        service.publish_soon()
        return {"id": chat_id, "secret": secret, "queue": request.queue, "state": router.calls[chat_id].state}

    @app.get("/api/chats/{chat_id}/messages", **responses(403, 404, 422))
    async def read_chat(chat_id: str, secret: Secret, credentials: Bearer,
                        after: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict:
        """The chat's messages after ``after`` (by ``seq``) and its state, for its customer (``X-Chat-Secret``),
        the agent holding it or a supervisor. ``ended_by`` says why an ended chat ended: ``customer`` or
        ``agent`` (their end button), ``left`` (the customer gone past the grace), ``idle`` (nobody wrote),
        ``supervisor``, ``ended``; the last message of an ended chat is its notice (``ended``: the same word)."""
        author(chat_id, secret, credentials)
        messages, ended = chats.read(chat_id, after)
        call = router.calls.get(chat_id)
        return {"id": chat_id, "state": call.state if call is not None else "ended",
                "agent": call.agent_id if call is not None else None, "ended": ended is not None,
                "ended_by": ended, "messages": messages}

    @app.post("/api/chats/{chat_id}/messages", status_code=201, **responses(400, 403, 404, 409, 422, 429))
    async def write_chat(chat_id: str, message: Message, secret: Secret, credentials: Bearer) -> dict:
        """A message from the customer or the agent holding the chat: plain text up to the centre's
        ``chat_message_chars`` (422), one per ``chat_min_interval_s`` from the customer and
        ``chat_max_messages`` per chat (429); 409 once the chat has ended."""
        who = author(chat_id, secret, credentials)
        if who == "supervisor":
            raise HTTPException(403, "a supervisor reads chats, the agent holding it writes")
        try:
            stored = chats.post(chat_id, who, cleaned(message.text), now())
        except ChatRefused as error:
            raise refused(error) from None
        wake(chat_id)
        return stored

    @app.post("/api/chats/{chat_id}/end", **responses(403, 404, 422))
    async def end_chat(chat_id: str, secret: Secret, credentials: Bearer) -> dict:
        """The customer or the agent holding it ends the chat (the agent's place is free at once); a chat never
        answered is recorded as abandoned."""
        who = author(chat_id, secret, credentials)
        if who == "supervisor":
            raise HTTPException(403, "the chat's customer or its agent ends it (a supervisor: POST "
                                     f"/api/calls/{chat_id}/hangup)")
        end(chat_id, "customer" if who == "customer" else "agent")
        call = router.calls.get(chat_id)
        return {"id": chat_id, "outcome": call.outcome if call is not None else None}

    @app.post("/api/emails", status_code=201, **responses(400, 403, 404, 409, 422, 503))
    async def new_email(item: NewEmail, credentials: Bearer) -> dict:
        """An email item arrives (a trunk's or a supervisor's token: the mail gateway); it waits, never abandons,
        and is offered to an agent free of voice and chat."""
        who = principal(credentials)
        if who.role not in ("trunk", "supervisor"):
            raise HTTPException(403, "only a trunk or a supervisor brings email items in")
        queue = router.queues.get(item.queue)
        if queue is None or queue.channel != "email":
            raise HTTPException(404, f"queue {item.queue!r}: no such email queue")
        # the same message gives the same id on every node (a gateway's retry is refused), else a random one
        item_id = router_id("mail:" + (item.message_id or secrets.token_hex(16)))
        try:
            queued = router.arrive(item_id, item.queue, now(), item.priority, trunk_call_id=item.message_id or item_id)
        except CallExists:
            earlier = router.calls.get(item_id)
            if earlier is not None and earlier.outcome == "rejected" and earlier.ended_at is not None:
                # Refused while the queue was full, the message is remembered KEEP_ENDED_S: its retry is not a
                # duplicate, it is told when it can come again.
                retry_s = max(1, math.ceil(KEEP_ENDED_S - (now() - earlier.ended_at)))
                raise HTTPException(503, f"queue {item.queue!r} was full for message {item.message_id!r}: retry in "
                                         f"{retry_s} s", headers={"Retry-After": str(retry_s)}) from None
            raise HTTPException(409, f"message {item.message_id!r} is an item already (id {item_id})") from None
        if not queued:
            raise HTTPException(503, f"queue {item.queue!r} is full", headers={"Retry-After": str(math.ceil(
                KEEP_ENDED_S))})
        service.publish_soon()
        return {"id": item_id, "queue": item.queue, "message_id": item.message_id or item_id,
                "state": router.calls[item_id].state}

    @app.get("/api/agents/{agent_id}/sessions", **responses(403, 404, 422))
    async def sessions(agent_id: str, credentials: Bearer) -> list[dict]:
        """The chats and email items offered to or held by the agent (her token or a supervisor's): an email's
        ``message_id`` (the mail system's reference); while offered, ``offer_left_s`` (the seconds left to accept
        before the offer is withdrawn) and a chat's ``first_message`` (the customer's, to decide on); an email's
        ``arrived_at`` (on the site's clock, ISO 8601 with its offset: kept when an item goes back to the queue)
        and ``deadline_left_s`` (seconds to its queue's ``deadline_s``, negative once past; null without one)."""
        who = principal(credentials)
        if agent_id not in router.agents:
            raise HTTPException(404, f"agent {agent_id!r}: no such agent")
        if not (who.role == "supervisor" or who.agent_id == agent_id):
            raise HTTPException(403, f"{who.role} may not read agent {agent_id}'s chats and email items")
        held, at = router.calls_of(router.agents[agent_id].sessions), now()

        def first_message(chat_id: str) -> str | None:
            if not chats.exists(chat_id):
                return None
            messages, _ = chats.read(chat_id, 0)
            return messages[0]["text"] if messages else None

        def deadline_left_s(call) -> float | None:
            queue = router.queues.get(call.queue)
            deadline = None if queue is None else queue.deadline_s
            return None if deadline is None else round(call.arrived_at + deadline - at, 1)

        def email_times(call) -> dict:
            if call.channel != "email":
                return {}
            arrived = datetime.fromtimestamp(call.arrived_at, service.stats.zone).isoformat(timespec="seconds")
            return {"arrived_at": arrived, "deadline_left_s": deadline_left_s(call)}

        return [{"id": c.call_id, "channel": c.channel, "queue": c.queue, "state": c.state, **email_times(c),
                 "message_id": c.trunk_call_id if c.channel == "email" else None,
                 "offer_left_s": (max(0.0, round(c.offered_at + router.offer_timeout_s - at, 1))
                                  if c.state == "offered" else None),
                 "first_message": first_message(c.call_id) if c.channel == "chat" and c.state == "offered" else None}
                for c in held.values() if c is not None]

    @app.websocket("/api/chats/{chat_id}/live")
    async def live(socket: WebSocket, chat_id: str, secret: str = "", token: str = "") -> None:
        """The chat's new messages as JSON lists, for its customer (``secret``) or the agent holding it
        (``token``); closed with 4403 otherwise. While a customer's socket is open the customer is here; once
        every one is closed, the chat ends after ``chat_leave_grace_s`` unless the customer comes back."""
        await socket.accept()
        try:
            who = author(chat_id, secret, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
                         if token else None)
        except HTTPException:
            await socket.close(code=4403, reason="the chat's secret or its agent's token is required")
            return
        woken = asyncio.Event()
        wakers.setdefault(chat_id, set()).add(woken)
        if who == "customer":
            present[chat_id] += 1

        async def pump() -> None:  # from the store: the same messages whichever node wrote them
            seen = 0
            while True:
                woken.clear()  # before the read: a wake-up during the send is not lost
                messages, _ = chats.read(chat_id, seen)
                if messages:
                    seen = messages[-1]["seq"]
                    await socket.send_json(messages)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), LIVE_POLL_S)

        sender = asyncio.create_task(pump())
        try:
            while (await socket.receive())["type"] != "websocket.disconnect":
                pass
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            wakers[chat_id].discard(woken)
            if not wakers[chat_id]:
                del wakers[chat_id]
            if who == "customer":
                present[chat_id] -= 1
                if present[chat_id] <= 0:
                    del present[chat_id]
                chats.seen([chat_id], now())  # the grace runs from the moment the last widget went
            sender.cancel()

    @app.get("/chat", response_class=HTMLResponse, include_in_schema=False)
    async def chat_page(accept_language: Annotated[str | None, Header()] = None,
                        queue: Annotated[str, Query(max_length=80)] = "") -> HTMLResponse:
        """The customer's chat widget, in English or French by Accept-Language; it speaks to the API only. A queue
        that is not a chat queue (unknown, voice or email, or none given): 404 and a page saying so, rather than a
        widget whose first message would fail."""
        known = router.queues.get(queue)
        if known is None or known.channel != "chat":
            return HTMLResponse(no_chat_page(queue, accept_language), status_code=404)
        return HTMLResponse(translated_page("chat", accept_language))

    @app.get("/desk", response_class=HTMLResponse, include_in_schema=False)
    async def desk_page(accept_language: Annotated[str | None, Header()] = None) -> HTMLResponse:
        """The agent's desktop: calls, chats and email items offered to her; it asks for her token."""
        return HTMLResponse(translated_page("desk", accept_language))
