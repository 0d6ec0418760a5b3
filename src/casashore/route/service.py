"""One router at work: the core, its clock, and where its events go.

Every front (HTTP, WebSocket, SIP) changes the router through this object and then calls ``publish_soon``;
``publish`` drains the router's new events once and hands them to the live statistics, the workspace recorder
and every subscriber (WebSocket listeners, the SIP front). On one node in memory all of it runs at once on one
asyncio loop, so a change and its publication never interleave with another change: that, with the core's own
checks, is what makes assignment atomic on one node. With the state in Redis, assignment is atomic in Redis's
scripts, and a node publishes the changes of each 20 ms together.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from casashore.route.records import Recorder
from casashore.route.state.core import Router
from casashore.route.state.registrations import Registrations
from casashore.route.stats import LiveStats

Event = tuple[float, str, str, str]
KEEP_ENDED_S = 60.0
"""Ended calls stay in memory this long (a late hang-up or accept gets a clear answer, not a 404)."""


class RouterService:
    def __init__(self, router: Router, *, time_zone: str = "Africa/Casablanca", window_s: float = 900.0,
                 recorder: Recorder | None = None, clock: Callable[[], float] = time.time,
                 publish_delay_s: float | None = None, registrations: Registrations | None = None) -> None:
        """``publish_delay_s``: None publishes every change at once (the state in memory: publishing costs
        nothing); with the state in Redis, where publishing is a stream read and a read of the calls concerned,
        the changes made within this delay are published together (see ``publish_soon``). ``registrations``:
        where agents' phones are reached (this node's registrar writes them; on its own monotonic clock)."""
        self.router = router
        self.registrations = registrations if registrations is not None else Registrations()
        self.publish_delay_s = publish_delay_s
        self._pending: asyncio.TimerHandle | None = None
        self.clock = clock
        self.stats = LiveStats(router, time_zone, window_s)
        self.recorder = recorder
        self.subscribers: list[Callable[[list[Event]], None]] = []
        self._ended: deque[tuple[float, str]] = deque()
        self.tick_hooks: list[Callable[[float], None]] = []
        """Called with the clock after each tick (adherence's alerts)."""
        self.counts = {"arrived": 0, "rejected": 0, "answered": 0, "abandoned": 0, "cleared": 0, "offered": 0}

    def now(self) -> float:
        return self.clock()

    def publish(self) -> list[Event]:
        """Hand the router's new events to statistics, records and subscribers; forget calls ended long ago."""
        events = self.router.take_events()
        if not events:
            return events
        # Each call an event is about, read once (with the state in Redis, all in one round trip)
        calls = self.router.calls_of(subject for _, event, subject, _ in events
                                     if event in ("answered", "ended", "rejected"))
        self.counts["answered"] += self.stats.observe(events, calls)  # a requeued session's contact once
        ended = []
        for at, event, subject, _ in events:
            if event in ("ended", "rejected") and (call := calls[subject]) is not None:
                ended.append(call)
                self._ended.append((at, subject))
                if call.outcome in ("abandoned", "cleared"):
                    self.counts[call.outcome] += 1
            if event in self.counts and event not in ("abandoned", "cleared", "answered"):
                self.counts[event] += 1
        if self.recorder is not None:
            self.recorder.add(events, ended)
        for subscriber in self.subscribers:
            subscriber(events)
        horizon = events[-1][0] - KEEP_ENDED_S
        while self._ended and self._ended[0][0] < horizon:
            self.router.forget(self._ended.popleft()[1])
        return events

    def publish_soon(self) -> None:
        """What the fronts call after a change: ``publish`` now, or once within ``publish_delay_s`` for every
        change made meanwhile. Under load a node then makes two Redis round trips per batch of SIP messages
        and API requests, not per message."""
        if self.publish_delay_s is None:
            self.publish()
        elif self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(self.publish_delay_s, self._publish_pending)

    def _publish_pending(self) -> None:
        self._pending = None
        self.publish()

    def tick(self) -> None:
        self.router.tick(self.now())
        self.publish()
        for hook in self.tick_hooks:
            hook(self.now())

    def announce(self, events: list[Event]) -> None:
        """Events the routing state did not make (adherence's exceptions and alerts): logged with the router's
        own and published, so they reach the records and every subscriber alike (with the state in Redis,
        through the centre's stream: every node sees them and the PostgreSQL records keep them)."""
        if events:
            self.router.log_events(events)
            self.publish_soon()

    def expected_wait_s(self, call_id: str) -> float | None:
        call = self.router.calls[call_id]
        return self.router.expected_wait_s(call_id, self.stats.recent_aht_s(call.queue))
