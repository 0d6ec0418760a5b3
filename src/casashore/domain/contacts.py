"""What each channel's contacts are called in what a planner reads: a voice queue's calls, a chat queue's chats, an
email queue's items (the data's columns say ``calls`` for all three; the words shown do not)."""

from __future__ import annotations

from collections.abc import Iterable

CONTACT_WORDS = {"voice": "calls", "chat": "chats", "email": "items"}


def contacts_word(channels: Iterable[str | None]) -> str:
    """The word for the contacts of queues of these channels (None: voice): calls, chats or items; contacts when
    they are of several channels, or of none."""
    words = {CONTACT_WORDS.get(channel or "voice", "contacts") for channel in channels}
    return words.pop() if len(words) == 1 else "contacts"


def counted(count: int | float, word: str) -> str:
    """``count`` of ``word`` (a plural: calls, chats, items, contacts) as a sentence says it: ``1 item``,
    ``0 items``, ``1,072 contacts``."""
    return f"{count:,} {word[:-1] if count == 1 and word.endswith('s') else word}"
