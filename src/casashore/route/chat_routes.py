"""The chat and email routes of the router's API (docs/routing.md, "Channels"): a customer starts a chat on a
chat queue without a token and gets the chat's secret; customer and agent exchange messages over REST and a
WebSocket per chat; the agent's desktop lists its sessions and items. Routing itself is the core's (the chat is a
``Call`` of a chat queue, offered and accepted as calls are, through ``/api/agents/{id}/accept/{id}``)."""


import asyncio
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Security, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field

from casashore.domain.base import Strict
from casashore.errors import UserError
from casashore.route.chats import ChatRefused, Chats
from casashore.route.service import RouterService
from casashore.route.state.call_ids import ROUTER_ID, router_id

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 4000
"""The schema's bound of a message; the centre's ``chat_message_chars`` (at most this) is checked after."""


class NewChat(Strict):
    queue: Annotated[str, Field(min_length=1, max_length=80)]


class NewEmail(Strict):
    queue: Annotated[str, Field(min_length=1, max_length=80)]
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    priority: Annotated[int, Field(ge=0, le=9)] = 0


class Message(Strict):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


MAX_SECRET = 64
"""A chat's secret is 22 characters; a longer header is no secret of ours (not compared)."""
SECRET_HEADER = APIKeyHeader(name="X-Chat-Secret", auto_error=False, scheme_name="chat_secret",
                             description="The secret POST /api/chats handed to the customer who started the chat")


def add_chat_routes(app: FastAPI, service: RouterService, chats: Chats, principal, responses,
                    bearer: HTTPBearer) -> None:
    """``principal``: the bearer token's Principal (401 otherwise); ``bearer``: the app's bearer scheme, so the
    chat routes declare either scheme in the OpenAPI document (the customer's secret or a token)."""
    router, now = service.router, service.now
    Secret = Annotated[str | None, Security(SECRET_HEADER)]
    Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]

    def on_events(events) -> None:  # a chat that ends (either side, or its agent's supervisor) is closed for both
        for _, event, subject, _ in events:
            if event == "ended" and subject in chats.open:
                chats.close(subject)
                asyncio.get_running_loop().call_later(60.0, chats.forget, subject)

    service.subscribers.append(on_events)

    def chat_of(chat_id: str):
        call = router.calls.get(chat_id) if ROUTER_ID.match(chat_id) else None
        if call is None or call.channel != "chat" or chat_id not in chats.open:
            raise HTTPException(404, f"chat {chat_id[:80]!r}: no such chat")
        return call

    def author(chat_id: str, secret: str | None, credentials: HTTPAuthorizationCredentials | None) -> str:
        """``customer`` for the chat's secret; the agent holding the chat (accepted) for her token; else 403."""
        call = chat_of(chat_id)
        if secret and len(secret) <= MAX_SECRET and chats.customer(chat_id, secret) is not None:
            return "customer"
        if credentials is not None:
            who = principal(credentials)
            if who.role == "agent" and call.agent_id == who.agent_id and call.state == "connected":
                return who.agent_id
            if who.role == "supervisor":
                return "supervisor"
        raise HTTPException(403, f"chat {chat_id}: its secret (X-Chat-Secret) or the token of the agent holding it "
                                 "is required")

    def refused(error: ChatRefused) -> HTTPException:
        return HTTPException(error.status, error.message)

    @app.post("/api/chats", status_code=201, **responses(400, 404, 422, 503))
    async def start_chat(request: NewChat) -> dict:
        """A customer starts a chat on a chat queue (no token): the chat's ``id`` and ``secret``, the only key to
        its messages (send it as ``X-Chat-Secret``); 503 when too many chats are open."""
        queue = router.queues.get(request.queue)
        if queue is None or queue.channel != "chat":
            raise HTTPException(404, f"queue {request.queue!r}: no such chat queue")
        chat_id = router_id("chat-" + secrets.token_hex(8))
        try:
            secret = chats.start(chat_id)
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
        the agent holding it or a supervisor."""
        author(chat_id, secret, credentials)
        transcript = chats.open[chat_id]
        call = router.calls[chat_id]
        return {"id": chat_id, "state": call.state, "agent": call.agent_id, "ended": transcript.closed,
                "messages": transcript.messages[after:]}

    @app.post("/api/chats/{chat_id}/messages", status_code=201, **responses(400, 403, 404, 409, 422, 429))
    async def write_chat(chat_id: str, message: Message, secret: Secret, credentials: Bearer) -> dict:
        """A message from the customer or the agent holding the chat: plain text up to the centre's
        ``chat_message_chars`` (422), one per ``chat_min_interval_s`` from the customer and
        ``chat_max_messages`` per chat (429)."""
        who = author(chat_id, secret, credentials)
        if who == "supervisor":
            raise HTTPException(403, "a supervisor reads chats, the agent holding it writes")
        try:
            return chats.post(chat_id, who, message.text, now())
        except ChatRefused as error:
            raise refused(error) from None
        except UserError as error:
            raise HTTPException(422, str(error)) from None

    @app.post("/api/chats/{chat_id}/end", **responses(403, 404, 422))
    async def end_chat(chat_id: str, secret: Secret, credentials: Bearer) -> dict:
        """The customer or the agent holding it ends the chat (the agent's place is free at once)."""
        if author(chat_id, secret, credentials) == "supervisor":
            raise HTTPException(403, "the chat's customer or its agent ends it (a supervisor: POST "
                                     f"/api/calls/{chat_id}/hangup)")
        router.hang_up(chat_id, now(), by="caller")
        service.publish_soon()
        return {"id": chat_id, "outcome": router.calls[chat_id].outcome}

    @app.post("/api/emails", status_code=201, **responses(400, 403, 404, 422, 503))
    async def new_email(item: NewEmail, credentials: Bearer) -> dict:
        """An email item arrives (a trunk's or a supervisor's token: the mail gateway); it waits, never abandons,
        and is offered to an agent free of voice and chat."""
        who = principal(credentials)
        if who.role not in ("trunk", "supervisor"):
            raise HTTPException(403, "only a trunk or a supervisor brings email items in")
        queue = router.queues.get(item.queue)
        if queue is None or queue.channel != "email":
            raise HTTPException(404, f"queue {item.queue!r}: no such email queue")
        item_id = router_id("mail-" + secrets.token_hex(8))
        if not router.arrive(item_id, item.queue, now(), item.priority, trunk_call_id=item.subject):
            raise HTTPException(503, f"queue {item.queue!r} is full")
        service.publish_soon()
        return {"id": item_id, "queue": item.queue, "subject": item.subject, "state": router.calls[item_id].state}

    @app.get("/api/agents/{agent_id}/sessions", **responses(403, 404, 422))
    async def sessions(agent_id: str, credentials: Bearer) -> list[dict]:
        """The chats and email items offered to or held by the agent (her token or a supervisor's)."""
        who = principal(credentials)
        if agent_id not in router.agents:
            raise HTTPException(404, f"agent {agent_id!r}: no such agent")
        if not (who.role == "supervisor" or who.agent_id == agent_id):
            raise HTTPException(403, f"{who.role} may not read agent {agent_id}'s sessions")
        held = router.calls_of(router.agents[agent_id].sessions)
        return [{"id": c.call_id, "channel": c.channel, "queue": c.queue, "state": c.state,
                 "subject": c.trunk_call_id if c.channel == "email" else None}
                for c in held.values() if c is not None]

    @app.websocket("/api/chats/{chat_id}/live")
    async def live(socket: WebSocket, chat_id: str, secret: str = "", token: str = "") -> None:
        """The chat's new messages as JSON lists, for its customer (``secret``) or the agent holding it
        (``token``); closed with 4403 otherwise."""
        await socket.accept()
        try:
            author(chat_id, secret, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token) if token
                   else None)
        except HTTPException:
            await socket.close(code=4403, reason="the chat's secret or its agent's token is required")
            return
        mine: asyncio.Queue = asyncio.Queue()
        transcript = chats.open[chat_id]
        transcript.listeners.add(mine)

        async def pump() -> None:
            while True:
                await socket.send_json(await mine.get())

        sender = asyncio.create_task(pump())
        try:
            while (await socket.receive())["type"] != "websocket.disconnect":
                pass
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            transcript.listeners.discard(mine)
            sender.cancel()

    @app.get("/chat", response_class=HTMLResponse, include_in_schema=False)
    async def chat_page(queue: Annotated[str, Query(max_length=80)] = "") -> HTMLResponse:
        """The customer's chat widget; it speaks to the API only."""
        return HTMLResponse((STATIC / "chat.html").read_text(encoding="utf-8"))

    @app.get("/desk", response_class=HTMLResponse, include_in_schema=False)
    async def desk_page() -> HTMLResponse:
        """The agent's desktop: calls, chats and email items offered to her; it asks for her token."""
        return HTMLResponse((STATIC / "desk.html").read_text(encoding="utf-8"))

