"""Agents' phones' bindings shared by every node of a centre in Redis (``route serve --redis``): a phone that
registered through any node is rung by whichever node holds the caller (docs/routing.md, "Several nodes").

The same interface and expiry rule as ``Registrations`` (registrations.py) — a binding is gone from every
answer from the instant it expires, filtered on every read — with the bindings in one Redis hash per agent under
the centre's hash tag, ``cs:{centre}:reg:AGENT``: field = the contact, value = the binding as JSON. Expiries
are on the nodes' wall clock (``time.time``), the clock the shared routing state already runs on (nodes in step
by NTP): the monotonic clock of one node means nothing to another. Redis forgets an agent's hash a minute after
its last binding expires (a relative TTL, so Redis's own clock need not agree); reads drop expired fields before.

A REGISTER's bindings are computed by the registrar from ``current`` and written whole by ``replace`` (one
MULTI): two REGISTERs of one agent handled at the same instant by two nodes — two phones of the agent, each on
its own node — leave the last one written (a limit, docs/routing.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import redis

from casashore.route.state.registrations import Binding, Registrations

KEEP_AFTER_EXPIRY_S = 60
"""Redis keeps an agent's hash this long after its last binding expires (reads filter it before)."""
MAX_BINDING_BYTES = 4_096
"""A stored binding longer than this is not one of ours: ignored (and dropped) rather than parsed."""


class SharedRegistrations(Registrations):
    def __init__(self, client: redis.Redis, prefix: str, fixed: dict[str, str] | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        """``prefix``: the centre's key prefix (``cs:{centre}:``, the shared router's)."""
        super().__init__(fixed, clock=clock)
        self.client, self.prefix = client, prefix

    def _key(self, agent_id: str) -> str:
        return f"{self.prefix}reg:{agent_id}"

    def current(self, agent_id: str, now: float | None = None) -> tuple[Binding, ...]:
        """The agent's live bindings, the most recently registered first (one round trip; expired fields are
        deleted as they are read)."""
        now = self.clock() if now is None else now
        stored = self.client.hgetall(self._key(agent_id))
        live, dead = [], []
        for contact, value in stored.items():
            binding = _binding(contact, value)
            if binding is not None and binding.expires_at > now:
                live.append(binding)
            else:
                dead.append(contact)
        if dead:
            self.client.hdel(self._key(agent_id), *dead)
        return tuple(sorted(live, key=lambda b: -b.registered_at))

    def replace(self, agent_id: str, bindings: tuple[Binding, ...] | list[Binding]) -> None:
        """The agent's bindings, all at once (DEL, HSET and the hash's TTL in one MULTI)."""
        key = self._key(agent_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(key)
        if bindings:
            pipe.hset(key, mapping={b.contact: _value(b) for b in bindings})
            last = max(b.expires_at for b in bindings)
            pipe.pexpire(key, int((max(0.0, last - self.clock()) + KEEP_AFTER_EXPIRY_S) * 1000))
        pipe.execute()


def _value(binding: Binding) -> str:
    return json.dumps([binding.expires_at, binding.call_id, binding.cseq, binding.source, binding.registered_at])


def _binding(contact: str, value: str) -> Binding | None:
    """A stored binding, or None when the value is not one (written by something else: never trusted)."""
    if len(value) > MAX_BINDING_BYTES:
        return None
    try:
        expires_at, call_id, cseq, source, registered_at = json.loads(value)
        return Binding(contact, float(expires_at), str(call_id), int(cseq), str(source), float(registered_at))
    except (ValueError, TypeError):
        return None
