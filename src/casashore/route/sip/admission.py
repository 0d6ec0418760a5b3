"""Admission of new calls under overload: how long a datagram waits before the front reads it.

A node that cannot keep up lets datagrams pile up in its socket's receive queue; every INVITE then waits there,
unanswered, until the caller's proxy gives up (Kamailio's fr_timer: 408 Request Timeout, issue 19). What that
wait is cannot be read from the event loop's lag (asyncio reads one datagram per turn, so a turn stays short
while a long queue waits behind it), nor from the count of transactions in progress (the front answers each
INVITE in the step that reads it). So the front measures it directly: every ``PROBE_EVERY_S`` it sends a small
datagram to its own socket, behind whatever is queued, and notes when it comes back. The queueing delay is the
shortest trip of the last ``TRIPS_KEPT`` probes back (a queue, not one pause of the loop: a single stall delays
one probe, a backlog delays them all), or the age of the oldest probe not back yet when that is longer (a probe
stuck behind a growing queue, or dropped by a full buffer, raises the measure without waiting for it).

While the delay is at least ``max_delay_s`` a new INVITE is refused at once (503 with Retry-After, or 486 when
its queue says so) without touching the routing state: a refusal costs a parse and a send, so the node drains
its queue faster instead of queueing callers it will answer too late. Calls already admitted go on.

The measure is a plain value the front reads: tests set it through ``measured`` (with probing off) rather than
rely on a slow machine.
"""

from __future__ import annotations

import os
from collections import OrderedDict, deque

PROBE_EVERY_S = 0.1
"""How often the front sends itself a probe: 10 datagrams a second, next to thousands at 300 calls/s."""
PROBE_MARK = b"casashore-probe "
TRIPS_KEPT = 3
"""Probes back whose shortest trip is the measure: 0.3 s of queueing, not one pause (a collection, a burst)."""
MAX_OUTSTANDING = 100
"""Probes remembered while not back (10 s of them): past it the oldest is let go (counted lost)."""


class Admission:
    def __init__(self, max_delay_s: float) -> None:
        """``max_delay_s``: the queueing delay from which new calls are refused; 0 admits every call."""
        self.max_delay_s = max_delay_s
        self.trips: deque[float] = deque([0.0], maxlen=TRIPS_KEPT)
        """The trips of the last probes that came back."""
        self.outstanding: OrderedDict[int, float] = OrderedDict()
        """Probes sent and not back: sequence number -> when sent (the loop's clock)."""
        self.lost = 0
        self._sequence = 0
        self._secret = os.urandom(8).hex().encode()  # a peer cannot forge a probe to move the measure

    def probe(self, now: float) -> bytes:
        """The next probe to send to our own socket."""
        self._sequence += 1
        self.outstanding[self._sequence] = now
        if len(self.outstanding) > MAX_OUTSTANDING:
            self.outstanding.popitem(last=False)
            self.lost += 1
        return PROBE_MARK + self._secret + b" " + str(self._sequence).encode()

    def returned(self, data: bytes, now: float) -> bool:
        """Whether ``data`` is one of our probes (then measured); anything else is the front's to handle."""
        if not data.startswith(PROBE_MARK):
            return False
        secret, _, sequence = data[len(PROBE_MARK):].partition(b" ")
        if secret != self._secret or not sequence.isdigit():
            return False
        number = int(sequence)
        sent = self.outstanding.pop(number, None)
        if sent is not None:
            self.trips.append(now - sent)
            while self.outstanding and next(iter(self.outstanding)) < number:  # older ones were dropped
                self.outstanding.popitem(last=False)
                self.lost += 1
        return True

    def measured(self, delay_s: float) -> None:
        """Set the measure (tests, with probing off: the front then sends no probe that would reset it)."""
        self.trips.clear()
        self.trips.append(delay_s)
        self.outstanding.clear()

    def delay_s(self, now: float) -> float:
        """The current queueing delay: the shortest of the last trips, or the oldest probe's age if longer."""
        oldest = now - next(iter(self.outstanding.values())) if self.outstanding else 0.0
        return max(min(self.trips), oldest)

    def overloaded(self, now: float) -> bool:
        return self.max_delay_s > 0 and self.delay_s(now) >= self.max_delay_s
