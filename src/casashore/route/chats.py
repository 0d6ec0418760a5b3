"""Chat transcripts: who may read and write a chat, the limits a customer meets, and when a chat ends by itself.

A customer has no token: a chat starts with the customer's first message, and starting it hands back a per-chat
secret (128 random bits), the only key to that chat's messages; a chat id alone (it appears in events and the
wallboard) opens nothing. Each message is plain text, bounded in size, at most one per ``min_interval_s`` from the
customer and ``max_messages`` per chat; pages render it as text (never as HTML).

A chat ends by itself (``due``) when its customer has left — not seen (no open widget, no request) for
``leave_grace_s`` — or when nobody wrote for ``idle_s``. Two stores keep the same transcripts: ``MemoryChats`` (one
node) and ``RedisChats`` (chats_redis.py: every node of a centre serves every chat). Both take the router's clock
as an argument, never their own."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from casashore.errors import UserError

CONTROL = {c: None for c in range(32) if c not in (9, 10)}
"""Control characters removed from a message (tabs and new lines kept)."""
KEEP_ENDED_S = 3600.0
"""An ended chat's transcript is kept this long (the customer's last look, the agent's notes), then forgotten."""
ENDED_BY = ("customer", "agent", "left", "idle", "supervisor", "ended")
"""Why a chat ended: the customer's or the agent's end button, the customer gone past the grace, nobody writing
for the idle time, a supervisor clearing it, or an end the router saw without a reason (a node that stopped)."""


class ChatRefused(Exception):
    """A message or a chat refused by a limit: ``status`` is the HTTP answer (409, 429, 503), ``message`` says
    why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class ChatLimits:
    max_messages: int = 200
    message_chars: int = 1000
    min_interval_s: float = 1.0
    open_max: int = 1000
    leave_grace_s: float = 60.0
    idle_s: float = 900.0


def clean_text(text: str, limits: ChatLimits) -> str:
    """The message as stored: control characters out, trimmed; 422 (a UserError naming ``text``) when empty or
    too long."""
    clean = text.translate(CONTROL).strip()
    if not clean or len(clean) > limits.message_chars:
        raise UserError("text", text[:40], f"1 to {limits.message_chars} characters of text")
    return clean


def new_secret() -> tuple[str, str]:
    """A chat's secret and the digest a store keeps (a store read by others never holds the secret itself)."""
    secret = secrets.token_urlsafe(16)
    return secret, digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(stored_digest: str, given: str) -> bool:
    return hmac.compare_digest(stored_digest.encode(), digest(given).encode())


@dataclass
class Transcript:
    secret_digest: str
    queue: str
    messages: list[dict] = field(default_factory=list)
    last_customer_at: float | None = None
    seen_at: float = 0.0
    active_at: float = 0.0
    ended: str | None = None
    ended_at: float | None = None


class MemoryChats:
    """The transcripts in this node's memory (a router without Redis)."""

    def __init__(self, limits: ChatLimits) -> None:
        self.limits = limits
        self.chats: dict[str, Transcript] = {}

    def start(self, chat_id: str, queue: str, text: str, now: float) -> str:
        """A new chat opened by the customer's first message (already cleaned); its secret. 503 beyond
        ``open_max`` chats open."""
        if sum(chat.ended is None for chat in self.chats.values()) >= self.limits.open_max:
            raise ChatRefused(503, f"too many chats open ({self.limits.open_max}): try again later")
        secret, stored = new_secret()
        self.chats[chat_id] = Transcript(stored, queue, seen_at=now, active_at=now, last_customer_at=now,
                                         messages=[{"seq": 1, "t": now, "from": "customer", "text": text}])
        return secret

    def exists(self, chat_id: str) -> bool:
        return chat_id in self.chats

    def is_customer(self, chat_id: str, secret: str) -> bool:
        chat = self.chats.get(chat_id)
        return chat is not None and same_secret(chat.secret_digest, secret)

    def post(self, chat_id: str, author: str, text: str, now: float) -> dict:
        """Add a message (already cleaned) from ``author`` (``customer`` or an agent id); the message as stored."""
        chat = self.chats[chat_id]
        if chat.ended is not None:
            raise ChatRefused(409, f"chat {chat_id} has ended")
        if len(chat.messages) >= self.limits.max_messages:
            raise ChatRefused(429, f"chat {chat_id} holds its {self.limits.max_messages} messages: no more")
        if author == "customer":
            if chat.last_customer_at is not None and now - chat.last_customer_at < self.limits.min_interval_s:
                raise ChatRefused(429, f"one message per {self.limits.min_interval_s:g} s")
            chat.last_customer_at = chat.seen_at = now
        chat.active_at = now
        message = {"seq": len(chat.messages) + 1, "t": now, "from": author, "text": text}
        chat.messages.append(message)
        return message

    def read(self, chat_id: str, after: int) -> tuple[list[dict], str | None]:
        """The messages after ``after`` (by seq), the end's notice last when it has ended; why it ended, or None."""
        chat = self.chats[chat_id]
        return [m for m in chat.messages if m["seq"] > after], chat.ended

    def seen(self, chat_ids, now: float) -> None:
        """The customer of each chat is still here (an open widget, a request)."""
        for chat_id in chat_ids:
            if (chat := self.chats.get(chat_id)) is not None and chat.ended is None:
                chat.seen_at = max(chat.seen_at, now)

    def close(self, chat_id: str, why: str, now: float) -> bool:
        """End the transcript (no more messages), with a last notice saying why; False when it had ended."""
        chat = self.chats.get(chat_id)
        if chat is None or chat.ended is not None:
            return False
        chat.ended, chat.ended_at = why, now
        chat.messages.append({"seq": len(chat.messages) + 1, "t": now, "from": "system", "text": "", "ended": why})
        return True

    def notice(self, chat_id: str, notice: str, now: float) -> bool:
        """A notice to the customer (``requeued``: her agent logged off, another will answer), as a system message
        ``{"from": "system", "text": "", "notice": ...}``; False when the chat has ended, is full, or already has
        this notice at this time (every node hears the event)."""
        chat = self.chats.get(chat_id)
        if chat is None or chat.ended is not None or len(chat.messages) >= self.limits.max_messages:
            return False
        last = chat.messages[-1]
        if last.get("notice") == notice and last["t"] == now:
            return False
        chat.messages.append({"seq": len(chat.messages) + 1, "t": now, "from": "system", "text": "",
                              "notice": notice})
        return True

    def forget(self, chat_id: str) -> None:
        self.chats.pop(chat_id, None)

    def due(self, now: float) -> list[tuple[str, str]]:
        """The open chats to end now, each with why (``left`` or ``idle``); ended chats past their keeping are
        forgotten."""
        found = []
        for chat_id, chat in list(self.chats.items()):
            if chat.ended is not None:
                if now - chat.ended_at >= KEEP_ENDED_S:
                    del self.chats[chat_id]
            elif now - chat.seen_at >= self.limits.leave_grace_s:
                found.append((chat_id, "left"))
            elif now - chat.active_at >= self.limits.idle_s:
                found.append((chat_id, "idle"))
        return found
