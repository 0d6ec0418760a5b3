"""What the SIP front remembers between datagrams, bounded in time and in number.

Every transaction is remembered for the same time (64·T1, to absorb late retransmissions), so insertion order is
expiry order: an OrderedDict gives both the lookup and the oldest entry, without a heap. Past ``capacity`` the
oldest entries are forgotten early (a retransmission of theirs is then handled as new), so a flood of requests
costs bounded memory whatever its rate; entries still in use (a call in progress) are renewed instead.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Remembered(Generic[V]):
    def __init__(self, lifetime_s: float, capacity: int, *, in_use: Callable[[V], bool] = lambda _: False,
                 on_forget: Callable[[V], None] = lambda _: None) -> None:
        """``in_use(value)``: renew rather than forget; ``on_forget(value)``: called for each entry let go."""
        self.lifetime_s, self.capacity = lifetime_s, capacity
        self.in_use, self.on_forget = in_use, on_forget
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def values(self) -> list[V]:
        return [value for _, value in self._entries.values()]

    def put(self, key: Hashable, value: V, now: float) -> None:
        self._entries.pop(key, None)
        self._entries[key] = (now + self.lifetime_s, value)
        for _ in range(len(self._entries)):  # over capacity: the oldest not in use goes first
            if len(self._entries) <= self.capacity:
                break
            self._let_go_oldest(now)

    def pop(self, key: Hashable) -> V | None:
        entry = self._entries.pop(key, None)
        return None if entry is None else entry[1]

    def expire(self, now: float) -> None:
        for _ in range(len(self._entries)):
            if not self._entries or next(iter(self._entries.values()))[0] > now:
                return
            self._let_go_oldest(now)

    def _let_go_oldest(self, now: float) -> None:
        key, (_, value) = self._entries.popitem(last=False)
        if self.in_use(value):
            self._entries[key] = (now + self.lifetime_s, value)
        else:
            self.on_forget(value)
