"""Where each agent's phone can be reached: the contacts its phone registered (RFC 3261 §10) or a fixed contact
from the centre file. The SIP registrar (sip/registrar.py) writes the bindings; the API shows them to supervisors;
the back-to-back agent that rings the agent's phone (sip/b2bua.py) reads ``target_of``.

The clock is a monotonic one (``time.monotonic``, the asyncio loop's), passed in or read from ``clock`` so that
tests drive it: a binding lives until ``expires_at`` and is gone from every answer from then on (expired bindings
are dropped when their agent is next read or written; agents are a fixed set, each with at most a few contacts,
so memory is bounded without a sweeper). These are one node's bindings, in its memory; with several nodes on
Redis they are the centre's, shared (shared_registrations.py, the same interface: docs/routing.md, "Agents'
phones")."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Binding:
    contact: str
    """The URI the phone asked to be reached at (compared as text)."""
    expires_at: float
    """On the monotonic clock."""
    call_id: str
    cseq: int
    """The REGISTER that set it (RFC 3261 §10.3 step 7: an older or repeated one does not change it)."""
    source: str
    """The address the REGISTER came from (host:port)."""
    registered_at: float


class Registrations:
    def __init__(self, fixed: dict[str, str] | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        """``fixed``: agent -> a contact URI from the centre file (used when the agent has no registration)."""
        self.fixed = dict(fixed or {})
        self.clock = clock
        self._bindings: dict[str, tuple[Binding, ...]] = {}

    def current(self, agent_id: str, now: float | None = None) -> tuple[Binding, ...]:
        """The agent's live bindings, the most recently registered first."""
        now = self.clock() if now is None else now
        bindings = self._bindings.get(agent_id, ())
        live = tuple(b for b in bindings if b.expires_at > now)
        if len(live) != len(bindings):
            self._store(agent_id, live)
        return live

    def replace(self, agent_id: str, bindings: tuple[Binding, ...] | list[Binding]) -> None:
        """The agent's bindings, all at once (the registrar computes them whole: a refused REGISTER changes
        nothing)."""
        self._store(agent_id, tuple(sorted(bindings, key=lambda b: -b.registered_at)))

    def _store(self, agent_id: str, bindings: tuple[Binding, ...]) -> None:
        if bindings:
            self._bindings[agent_id] = bindings
        else:
            self._bindings.pop(agent_id, None)

    def contact_of(self, agent_id: str, now: float | None = None) -> str | None:
        """Where an offer to the agent rings: the newest registered contact, else the fixed one, else None."""
        live = self.current(agent_id, now)
        return live[0].contact if live else self.fixed.get(agent_id)

    def target_of(self, agent_id: str, now: float | None = None) -> tuple[str, str | None] | None:
        """Where an offer's INVITE goes: (the Request-URI, the ``host:port`` to send it to, or None to take it
        from the URI). A registered phone is reached where its REGISTER came from (behind a NAT its contact
        names an address nobody can send to); a fixed contact at its URI's host and port. None: no phone."""
        live = self.current(agent_id, now)
        if live:
            return live[0].contact, live[0].source
        fixed = self.fixed.get(agent_id)
        return (fixed, None) if fixed else None

    def view(self, agent_id: str, now: float | None = None) -> dict:
        """What a supervisor sees (durations relative to now: the monotonic clock means nothing outside)."""
        now = self.clock() if now is None else now
        return {"agent": agent_id, "contact": self.contact_of(agent_id, now),
                "fixed_contact": self.fixed.get(agent_id),
                "bindings": [{"contact": b.contact, "expires_in_s": round(b.expires_at - now, 3),
                              "registered_s_ago": round(now - b.registered_at, 3), "source": b.source}
                             for b in self.current(agent_id, now)]}
