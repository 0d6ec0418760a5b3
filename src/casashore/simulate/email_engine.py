"""The email engine: one queue of deferrable items with a deadline and one pool of agents, compiled by numba.

Items arrive as a Poisson stream (constant rate within an interval) and wait in one FIFO line; none is ever
abandoned. An agent works one item at a time, its handle time drawn from the queue's law. At an interval boundary
joining agents take waiting items at once, and leaving agents go idle ones first, busy ones after the item in
hand. The run stops at the horizon's end T: an item is judged as queueing/email_backlog.py judges the fluid, met
(taken up within its deadline), missed (its deadline passed first, before T) or open (still waiting at T, its
deadline beyond T), each counted in its interval of arrival (EMAIL_STATS).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from casashore.simulate.distributions import EXPONENTIAL, draw_s
from casashore.simulate.engine import BUSY_S, HANDLED, STAFFED_S, interval_of, next_arrival
from casashore.simulate.event_heap import grown, pop, push

OFFERED, TAKEN, MET, MISSED, OPEN, DELAYED, WAIT_TAKEN_S = range(7)
EMAIL_STATS = ("offered", "taken", "met", "missed", "open", "delayed", "wait_taken_s")
"""Per interval of arrival: items arrived, taken up before the end, taken up within the deadline, missed (taken
late or still waiting past the deadline at the end), open at the end, found no idle agent, total wait of those
taken up (seconds)."""


@numba.njit(cache=True)
def run_email_replication(c, rng, trace=False):
    """One replication of ``c`` (an EmailCentre): counts [1, I, 7] (EMAIL_STATS), agent time [1, I, 3]
    (engine.AGENT_STATS), items simulated (warm-up included) and two empty trace arrays (no --trace for email)."""
    intervals = c.agents.size
    interval_s, deadline_s = c.interval_s, c.deadline_s
    horizon = intervals * interval_s
    items = np.zeros((1, intervals, 7))
    agent_time = np.zeros((1, intervals, 3))
    times, payloads = np.empty(64), np.empty(64, np.int64)  # agents' ends of work
    size = 0
    line = np.empty(1024)  # arrival times of waiting items, FIFO from ``head``
    head, tail = 0, 0
    start = -c.warmup_s
    present = int(c.agents[0])
    target, busy = present, 0
    since, counting, boundary, boundary_time = start, -1, 0, 0.0
    arrival = next_arrival(rng, c.rate_per_s, start, interval_s)
    simulated = 0
    while True:
        end_time = times[0] if size > 0 else math.inf
        now = min(arrival, end_time, boundary_time)
        if now > horizon:
            break
        if 0 <= counting < intervals:
            agent_time[0, counting, BUSY_S] += busy * (now - since)
            agent_time[0, counting, STAFFED_S] += present * (now - since)
        since = now
        free_agents = 0  # agents who may take a waiting item after this event
        if boundary_time <= arrival and boundary_time <= end_time:
            counting = boundary
            if 1 <= boundary < intervals:
                target = int(c.agents[boundary])
                while present > target and present > busy:
                    present -= 1  # idle agents leave first
                if present < target:
                    free_agents = target - present
                    present = target
            boundary += 1
            boundary_time = boundary * interval_s if boundary <= intervals else math.inf
        elif arrival <= end_time:
            k = interval_of(now, interval_s, intervals)
            arrival = next_arrival(rng, c.rate_per_s, now, interval_s)
            simulated += 1
            if k >= 0:
                items[0, k, OFFERED] += 1.0
            if tail == line.size:
                line, tail = _compacted(line, head, tail)
                head = 0
            line[tail] = now
            tail += 1
            if busy < present:
                free_agents = 1
            elif k >= 0:
                items[0, k, DELAYED] += 1.0
        else:
            now, _ = pop(times, payloads, size)
            size -= 1
            busy -= 1
            if present > target:
                present -= 1  # end of shift after the item in hand
            else:
                free_agents = 1
        while free_agents > 0 and head < tail:
            arrived = line[head]
            head += 1
            free_agents -= 1
            busy += 1
            if arrived >= 0.0:
                k = interval_of(arrived, interval_s, intervals)
                wait = now - arrived
                items[0, k, TAKEN] += 1.0
                items[0, k, WAIT_TAKEN_S] += wait
                items[0, k, MET if wait <= deadline_s else MISSED] += 1.0
            if 0 <= counting < intervals:
                agent_time[0, counting, HANDLED] += 1.0
            if size + 1 >= times.size:
                times, payloads = grown(times, payloads)
            push(times, payloads, size, now + draw_s(rng, c.handle_kind, c.handle_mean_s, c.handle_cv,
                                                     c.observed_s, 0, 0), 0)
            size += 1
    for j in range(head, tail):  # still waiting at the end
        arrived = line[j]
        if arrived >= 0.0:
            k = interval_of(arrived, interval_s, intervals)
            items[0, k, MISSED if arrived + deadline_s <= horizon else OPEN] += 1.0
    return items, agent_time, simulated, np.empty((0, 3)), np.empty((0, 3), np.int64)


@numba.njit(cache=True)
def _compacted(line, head, tail):
    """The waiting items moved to the front, in an array twice as long when more than half of it is in use."""
    n = tail - head
    bigger = np.empty(line.size * 2 if 2 * n > line.size else line.size)
    bigger[:n] = line[head:tail]
    return bigger, n


class EmailCentre(NamedTuple):
    """One email queue and its agents over intervals i = 0..I-1 of ``interval_s`` seconds."""

    interval_s: float
    warmup_s: float
    rate_per_s: np.ndarray
    """[I] items per second, constant within an interval"""
    agents: np.ndarray
    """[I] agents working items"""
    deadline_s: float
    handle_kind: int
    handle_mean_s: float
    handle_cv: float
    observed_s: np.ndarray

    replicate = run_email_replication  # the engine replications.run calls for this kind of centre


def email_centre(items, interval_s: float, aht_s: float, agents, deadline_s: float, *, warmup_s: float = 0.0,
                 handle_kind: int = EXPONENTIAL, handle_cv: float = 1.0) -> EmailCentre:
    """An EmailCentre with ``items`` and ``agents`` per interval (arrays of one length, or numbers); the centre
    opens with an empty backlog unless a warm-up runs interval 0 first."""
    items = np.atleast_1d(np.asarray(items, dtype=float))
    agents = np.broadcast_to(np.asarray(agents, dtype=np.int64), items.shape)
    return EmailCentre(interval_s=float(interval_s), warmup_s=float(warmup_s), rate_per_s=items / interval_s,
                       agents=np.ascontiguousarray(agents), deadline_s=float(deadline_s), handle_kind=int(handle_kind),
                       handle_mean_s=float(aht_s), handle_cv=float(handle_cv), observed_s=np.zeros(1))
