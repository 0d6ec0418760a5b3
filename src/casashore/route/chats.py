"""Chat transcripts on a router node: who may read and write a chat, and the limits a customer meets.

A customer has no token: starting a chat hands back a per-chat secret (128 random bits), the only key to that
chat's messages; a chat id alone (it appears in events and the wallboard) opens nothing. Each message is plain
text, bounded in size, at most one per ``min_interval_s`` from the customer and ``max_messages`` per chat; pages
render it as text (never as HTML). Transcripts live in this node's memory for the chat's life (the routing state
may be in Redis; the transcript is not shared between nodes: docs/routing.md, "Channels")."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass, field

from casashore.errors import UserError

CONTROL = {c: None for c in range(32) if c not in (9, 10)}
"""Control characters removed from a message (tabs and new lines kept)."""


class ChatRefused(Exception):
    """A message or a chat refused by a limit: ``status`` is the HTTP answer (429, 503), ``message`` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class ChatLimits:
    max_messages: int = 200
    message_chars: int = 1000
    min_interval_s: float = 1.0
    open_max: int = 1000


@dataclass
class Transcript:
    secret: str
    messages: list[dict] = field(default_factory=list)
    last_customer_at: float | None = None
    listeners: set[asyncio.Queue] = field(default_factory=set)
    closed: bool = False


class Chats:
    def __init__(self, limits: ChatLimits) -> None:
        self.limits = limits
        self.open: dict[str, Transcript] = {}

    def start(self, chat_id: str) -> str:
        """A new chat's transcript; its secret (refused with 503 beyond ``open_max`` chats open)."""
        if len(self.open) >= self.limits.open_max:
            raise ChatRefused(503, f"too many chats open ({self.limits.open_max}): try again later")
        secret = secrets.token_urlsafe(16)
        self.open[chat_id] = Transcript(secret)
        return secret

    def customer(self, chat_id: str, secret: str) -> Transcript | None:
        """The chat when ``secret`` is its own (compared in constant time), else None."""
        chat = self.open.get(chat_id)
        if chat is None or not hmac.compare_digest(chat.secret.encode(), secret.encode()):
            return None
        return chat

    def post(self, chat_id: str, author: str, text: str, now: float) -> dict:
        """Add a message from ``author`` (``customer`` or an agent id); the message as stored."""
        chat = self.open[chat_id]
        if chat.closed:
            raise ChatRefused(409, f"chat {chat_id} has ended")
        clean = text.translate(CONTROL).strip()
        if not clean or len(clean) > self.limits.message_chars:
            raise UserError("text", text[:40], f"1 to {self.limits.message_chars} characters of text")
        if len(chat.messages) >= self.limits.max_messages:
            raise ChatRefused(429, f"chat {chat_id} holds its {self.limits.max_messages} messages: no more")
        if author == "customer":
            if chat.last_customer_at is not None and now - chat.last_customer_at < self.limits.min_interval_s:
                raise ChatRefused(429, f"one message per {self.limits.min_interval_s:g} s")
            chat.last_customer_at = now
        message = {"seq": len(chat.messages) + 1, "t": now, "from": author, "text": clean}
        chat.messages.append(message)
        self._tell(chat, [message])
        return message

    def close(self, chat_id: str) -> None:
        chat = self.open.get(chat_id)
        if chat is not None and not chat.closed:
            chat.closed = True
            self._tell(chat, [{"seq": len(chat.messages) + 1, "from": "system", "text": "", "ended": True}])

    def forget(self, chat_id: str) -> None:
        self.open.pop(chat_id, None)

    @staticmethod
    def _tell(chat: Transcript, batch: list[dict]) -> None:
        for queue in list(chat.listeners):
            if queue.qsize() < 1000:
                queue.put_nowait(batch)
