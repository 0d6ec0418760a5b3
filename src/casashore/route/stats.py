"""Live queue statistics over a rolling window and the day, fed by the router's event log.

Definitions (docs/routing.md repeats them for supervisors). For a queue and a period (the last
``window_s`` seconds, or the day since local midnight in the site's time zone), counting each event at the
instant it happens:

- ``offered``: calls that arrived (including those rejected at the door);
- ``rejected``: calls refused at arrival because the queue was full (the SIP front answered 486);
- ``answered``: calls an agent accepted; ``answered_in_target``: of those, the ones that waited at most the
  queue's goal threshold: ``target_s`` for voice and chat, ``deadline_s`` for email (an item's wait is arrival
  to an agent taking it up; ``RoutingQueue.goal``);
- ``abandoned``: callers who hung up before an agent accepted (including during an offer);
- ``cleared``: calls a supervisor ended before an agent accepted them (a stuck or unwanted call): not the
  caller's doing, so counted apart and left out of the service level and the abandon rate;
- ``service_level`` = answered_in_target / (answered + abandoned): the share of calls that reached an outcome in
  the period and were answered in time — abandoned calls count against it whatever their wait, calls still
  waiting are not counted until their outcome (this matches ``casashore staff``'s "answered within the target
  over all offered calls" once the period's calls have all ended);
- ``asa_s``: mean wait of the calls answered in the period;
- ``abandon_rate`` = abandoned / (answered + abandoned);
- ``aht_s``: mean talk time (answer to hang-up) of the answered calls that ended in the period.

Ratios are None when their denominator is zero (no call yet): a supervisor should see "—", not 0 % or 100 %.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from casashore.route.state.core import Call, Router, channel_capacity

COUNTS = ("offered", "rejected", "answered", "answered_in_target", "abandoned", "cleared", "talked")
SUMS = ("wait_answered_s", "talk_s")


@dataclass
class Tally:
    """Counts and sums over one period."""

    values: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COUNTS + SUMS, 0.0))

    def add(self, key: str, amount: float = 1.0) -> None:
        self.values[key] += amount

    def summary(self) -> dict[str, float | int | None]:
        v = self.values
        ended = v["answered"] + v["abandoned"]
        return {
            "offered": int(v["offered"]), "rejected": int(v["rejected"]), "answered": int(v["answered"]),
            "abandoned": int(v["abandoned"]), "cleared": int(v["cleared"]),
            "service_level": v["answered_in_target"] / ended if ended else None,
            "asa_s": v["wait_answered_s"] / v["answered"] if v["answered"] else None,
            "abandon_rate": v["abandoned"] / ended if ended else None,
            "aht_s": v["talk_s"] / v["talked"] if v["talked"] else None,
        }


@dataclass
class QueueStats:
    window_s: float
    rolling: Tally = field(default_factory=Tally)
    day: Tally = field(default_factory=Tally)
    recent: deque = field(default_factory=deque)
    """(time, key, amount) still inside the rolling window, oldest first."""

    def add(self, at: float, key: str, amount: float = 1.0) -> None:
        self.rolling.add(key, amount)
        self.day.add(key, amount)
        self.recent.append((at, key, amount))

    def expire(self, now: float) -> None:
        while self.recent and self.recent[0][0] <= now - self.window_s:
            _, key, amount = self.recent.popleft()
            self.rolling.add(key, -amount)


class LiveStats:
    """Per-queue statistics; ``observe`` reads router events (time in epoch seconds) as they are drained."""

    def __init__(self, router: Router, time_zone: str = "Africa/Casablanca", window_s: float = 900.0) -> None:
        self.router = router
        self.zone = ZoneInfo(time_zone)
        self.window_s = window_s
        self.queues = {name: QueueStats(window_s) for name in router.queues}
        self._day: object = None
        self._answered: set[str] = set()
        """Calls answered and not yet ended: a session requeued when its agent logged off and answered again
        counts one answer, its first (the customer's wait); its record's handle time is every agent's."""

    def observe(self, events: list[tuple[float, str, str, str]],
                calls: Mapping[str, Call | None] | None = None) -> int:
        """``calls``: the calls the events are about, when the caller has read them already (else the
        router's). Returns the contacts answered in ``events`` (a requeued session's second answer not again)."""
        calls = self.router.calls if calls is None else calls
        first_answers = 0
        for at, event, subject, detail in events:
            self._roll_day(at)
            if event == "arrived":
                self.queues[detail].add(at, "offered")
            elif event == "rejected":
                self.queues[detail].add(at, "offered")
                self.queues[detail].add(at, "rejected")
            elif event == "answered" and subject not in self._answered:
                self._answered.add(subject)
                first_answers += 1
                call = calls[subject]
                stats, wait = self.queues[call.queue], at - call.arrived_at
                stats.add(at, "answered")
                stats.add(at, "wait_answered_s", wait)
                if wait <= self.router.queues[call.queue].goal[1]:
                    stats.add(at, "answered_in_target")
            elif event == "ended":
                self._answered.discard(subject)
                if (call := calls.get(subject)) is None:
                    continue
                if call.outcome in ("abandoned", "cleared"):
                    self.queues[call.queue].add(at, call.outcome)
                elif call.outcome == "answered" and call.ended_at is not None and call.handle_s is not None:
                    self.queues[call.queue].add(at, "talked")
                    self.queues[call.queue].add(at, "talk_s", call.handle_s)
        return first_answers

    def _roll_day(self, at: float) -> None:
        day = datetime.fromtimestamp(at, self.zone).date()
        if day != self._day:
            if self._day is not None:
                for stats in self.queues.values():
                    stats.day = Tally()
            self._day = day

    def snapshot(self, now: float) -> list[dict]:
        """Per queue: live state (waiting, longest wait, agents by state) and the two periods' figures.

        ``agents``: the queue's agents not offline by their routing state (``idle``, ``offered``, ``busy``,
        ``wrap_up``, ``not_responding``) or their status (``break``), an available agent with no voice call
        who holds chat sessions counted as ``holding_chats``, one who holds email items as ``holding_emails``
        (working, not free); ``in_hand`` (chat and email queues, null for voice): ``held``, the contacts of the
        queue's channel its available agents hold — chat sessions or email items —, and ``capacity``, what they
        may hold at once; ``oldest_deadline_left_s`` (email queues with items waiting, else null): the time left
        to the oldest waiting item's deadline, negative once past; ``goal``: what ``service_level`` counts
        (``answered_within_target`` or, for email, ``answered_within_deadline``), its ``threshold_s`` (also
        ``target_s``) and the ``share`` aimed at."""
        self._roll_day(now)
        rows = []
        agents = list(self.router.agents.values())  # once: with Redis each read is a round trip
        email_capacity = self.router.email_capacity
        for name, queue in self.router.queues.items():
            stats = self.queues[name]
            stats.expire(now)
            waiting = self.router.waiting[name]
            states: dict[str, int] = {}
            held = capacity = 0
            for agent in agents:
                if queue.skill in agent.skills and agent.status != "offline":
                    key = agent.state if agent.status == "available" else agent.status
                    if key == "idle" and agent.sessions:  # working on chats or emails: not free, maybe room
                        key = "holding_chats" if agent.held("chat") else "holding_emails"
                    states[key] = states.get(key, 0) + 1
                    if queue.channel != "voice" and agent.status == "available":
                        held += agent.held(queue.channel)
                        capacity += channel_capacity(queue, email_capacity)
            measure, threshold_s, share = queue.goal
            longest_wait_s = max((now - self.router.calls[c].arrived_at for c in waiting), default=0.0)
            rows.append({
                "queue": name, "channel": queue.channel, "target_s": threshold_s,
                "goal": {"measure": measure, "threshold_s": threshold_s, "share": share},
                "waiting": len(waiting),
                "longest_wait_s": longest_wait_s,
                "oldest_deadline_left_s": threshold_s - longest_wait_s if queue.channel == "email" and waiting
                else None,
                "agents": states,
                "in_hand": None if queue.channel == "voice" else {"held": held, "capacity": capacity},
                "rolling": stats.rolling.summary(), "day": stats.day.summary(), "window_s": self.window_s,
            })
        return rows

    def recent_aht_s(self, queue: str) -> float | None:
        return self.queues[queue].rolling.summary()["aht_s"]
