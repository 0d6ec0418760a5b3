"""The chat engine: one chat queue and one pool of agents, each holding up to k sessions at once, compiled by numba.

A session's work is drawn from the queue's handle-time law (its length were it the agent's only one); an agent
holding m sessions works each at 1 / f(m) of that speed, f(m) = 1 + c (m - 1) (domain/queue.py), so its sessions
stretch and shrink as others start and end. Each agent keeps a virtual clock V that runs at 1 / f(m): a session
started at V0 with work w ends when V reaches V0 + w, and the agent's next end is rescheduled whenever m changes
(the agents sit in an indexed heap by their next end, moved up or down when it changes; waiting sessions'
patience is a second heap).

Routing: a new session goes to the least-loaded agent below k (least loaded first, which spreads sessions as the
formula in queueing/chat.py assumes); with every agent at k it waits in one FIFO line and, with a patience, may
leave. An agent whose session ends takes the longest-waiting session. At an interval boundary leaving agents are
the least loaded; they take no new session and log off when their last one ends; joining agents fill up from the
line at once. Counts are the voice engine's (engine.CALL_STATS per interval of arrival) so that
estimates.call_measures reads them, and per interval of time CHAT_AGENT_STATS.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from casashore.simulate.chat_agents import (
    BUSY_S,
    CHAT_AGENT_STATS,
    MOST_HELD,
    SESSION_S,
    STAFFED_S,
    reschedule,
    start_session,
    stretch,
    unbucket,
)
from casashore.simulate.distributions import EXPONENTIAL, NEVER, draw_s
from casashore.simulate.engine import (
    ABANDONED,
    ANSWERED,
    DELAYED,
    OFFERED,
    WAIT_ABANDONED_S,
    WAIT_ANSWERED_S,
    WITHIN_TARGET,
    next_arrival,
)
from casashore.simulate.event_heap import grown, pop, push

__all__ = ["CHAT_AGENT_STATS", "MOST_HELD", "SESSION_S", "STAFFED_S", "BUSY_S", "ChatCentre", "chat_centre",
           "run_chat_replication"]
DONE, NEED_ROOM = 0, 1
SIZE, FREE_N, RING_HEAD, RING_N, WAITING, PRESENT, BUSY, SESSIONS, COUNTING, BOUNDARY, SIMULATED, TARGET = range(12)
"""The loop's integer state between calls of _advance."""


@numba.njit(cache=True)
def run_chat_replication(c, rng, trace=False):
    """One replication of ``c`` (a ChatCentre): counts [1, I, 7] (engine.CALL_STATS), agent time [1, I, 5]
    (CHAT_AGENT_STATS), sessions simulated (warm-up included) and two empty trace arrays (no --trace for chat)."""
    intervals = c.agents.size
    k_max, interval_s = c.max_sessions, c.interval_s
    calls = np.zeros((1, intervals, 7))
    agent_time = np.zeros((1, intervals, 5))
    most = int(c.agents.max()) + 1
    load = np.zeros(most, np.int64)
    active = np.zeros(most, np.bool_)
    alive = np.zeros(most, np.bool_)
    vclock = np.zeros(most)
    last = np.zeros(most)
    end_at, end_agent, end_place = np.full(most, np.inf), np.arange(most), np.arange(most)  # agents by next end
    finish = np.full((most, k_max), np.inf)
    bucket = np.empty((k_max, most), np.int64)  # active agents below k, by load
    bucket_n = np.zeros(k_max, np.int64)
    place = np.zeros(most, np.int64)
    times, payloads = np.empty(64), np.empty(64, np.int64)  # waiting sessions' patience running out
    size = 0
    capacity = 1024  # waiting sessions: slots reused through a free list, a FIFO ring of slots
    arrived_at, deadline = np.empty(capacity), np.empty(capacity)
    live = np.zeros(capacity, np.bool_)
    free = np.arange(capacity - 1, -1, -1)
    free_n = capacity
    ring = np.empty(capacity, np.int64)
    ring_head, ring_n, waiting = 0, 0, 0

    start = -c.warmup_s
    present, busy, sessions = 0, 0, 0
    since = start
    counting, boundary = -1, 0
    boundary_time = 0.0
    arrival = next_arrival(rng, c.rate_per_s, start, interval_s)
    simulated = 0
    target = int(c.agents[0])
    for a in range(target):  # the centre opens with interval 0's agents, idle
        alive[a], active[a] = True, True
        place[a] = bucket_n[0]
        bucket[0, bucket_n[0]] = a
        bucket_n[0] += 1
        last[a] = start
    present = target
    joined = np.empty(most, np.int64)
    clocks = np.array([arrival, boundary_time, since])
    counters = np.array([size, free_n, ring_head, ring_n, waiting, present, busy, sessions, counting, boundary,
                         simulated, target])
    while _advance(c, rng, calls, agent_time, load, active, alive, vclock, last, end_at, end_agent, end_place, finish,
                   bucket, bucket_n, place, times, payloads, arrived_at, deadline, live, free, ring, joined, clocks,
                   counters) == NEED_ROOM:
        if counters[SIZE] + 1 >= times.size:
            times, payloads = grown(times, payloads)
        if counters[FREE_N] == 0:  # every slot is in the line (live or left), so the ring is full too
            arrived_at, deadline, live, free, counters[FREE_N], ring, counters[RING_HEAD] = _grown_line(
                arrived_at, deadline, live, free, ring, counters[RING_HEAD], counters[RING_N])
    return calls, agent_time, counters[SIMULATED], np.empty((0, 3)), np.empty((0, 3), np.int64)


@numba.njit(cache=True, _nrt=False)
def _advance(c, rng, calls, agent_time, load, active, alive, vclock, last, end_at, end_agent, end_place, finish,
             bucket, bucket_n, place, times, payloads, arrived_at, deadline, live, free, ring, joined, clocks,
             counters):
    """Process events until the run is over (DONE) or an array may overflow (NEED_ROOM): the loop allocates
    nothing, so that numba compiles it without reference counting (engine.py does the same, for the same 2x)."""
    intervals = c.agents.size
    k_max, conc, interval_s = c.max_sessions, c.concurrency, c.interval_s
    most = load.size
    arrival, boundary_time, since = clocks[0], clocks[1], clocks[2]
    size, free_n, ring_head, ring_n, waiting = counters[SIZE], counters[FREE_N], counters[RING_HEAD], \
        counters[RING_N], counters[WAITING]
    present, busy, sessions, counting, boundary = counters[PRESENT], counters[BUSY], counters[SESSIONS], \
        counters[COUNTING], counters[BOUNDARY]
    simulated, target = counters[SIMULATED], counters[TARGET]
    status = DONE

    while True:
        if size + 1 >= times.size or free_n == 0:  # an arrival may wait and push its patience: room for one
            status = NEED_ROOM
            break
        leave_time = times[0] if size > 0 else math.inf
        heap_time = min(end_at[0], leave_time)
        now = min(arrival, heap_time, boundary_time)
        if now == math.inf:
            break
        if 0 <= counting < intervals:  # agent time since the last event, at constant counts
            dt = now - since
            agent_time[0, counting, BUSY_S] += busy * dt
            agent_time[0, counting, STAFFED_S] += present * dt
            agent_time[0, counting, SESSION_S] += sessions * dt
        since = now
        a = -1  # an agent to fill from the line after the event
        n_joined = 0

        if boundary_time <= arrival and boundary_time <= heap_time:
            counting = boundary
            if 1 <= boundary < intervals:
                target = int(c.agents[boundary])
                actives = 0
                for b in range(most):
                    actives += 1 if active[b] else 0
                for b in range(most):  # leaving agents who still hold sessions come back first
                    if actives >= target:
                        break
                    if alive[b] and not active[b]:
                        active[b] = True
                        actives += 1
                        if load[b] < k_max:
                            place[b] = bucket_n[load[b]]
                            bucket[load[b], bucket_n[load[b]]] = b
                            bucket_n[load[b]] += 1
                        joined[n_joined] = b
                        n_joined += 1
                for b in range(most):  # then new agents
                    if actives >= target:
                        break
                    if not alive[b]:
                        alive[b], active[b] = True, True
                        load[b], vclock[b], last[b] = 0, 0.0, now
                        place[b] = bucket_n[0]
                        bucket[0, bucket_n[0]] = b
                        bucket_n[0] += 1
                        present += 1
                        actives += 1
                        joined[n_joined] = b
                        n_joined += 1
                m = 0
                while actives > target:  # the least loaded leave
                    b = -1
                    while m < k_max and bucket_n[m] == 0:
                        m += 1
                    if m < k_max:
                        b = bucket[m, bucket_n[m] - 1]
                        bucket_n[m] -= 1
                    else:
                        for j in range(most):
                            if active[j]:
                                b = j
                                break
                    active[b] = False
                    actives -= 1
                    if load[b] == 0:
                        alive[b] = False
                        present -= 1
            boundary += 1
            boundary_time = boundary * interval_s if boundary <= intervals else math.inf
        elif arrival <= heap_time:
            k = min(int(now / interval_s), intervals - 1) if now >= 0.0 else -1
            arrival = next_arrival(rng, c.rate_per_s, now, interval_s)
            simulated += 1
            if k >= 0:
                calls[0, k, OFFERED] += 1.0
            m = 0
            while m < k_max and bucket_n[m] == 0:
                m += 1
            if m < k_max:  # the least-loaded agent below k takes it at once
                b = bucket[m, bucket_n[m] - 1]
                if k >= 0:
                    calls[0, k, ANSWERED] += 1.0
                    calls[0, k, WITHIN_TARGET] += 1.0
                busy, sessions = start_session(b, now, rng, c, load, vclock, last, finish, bucket, bucket_n, place,
                                               end_at, end_agent, end_place, busy, sessions, counting, agent_time)
            else:
                if k >= 0:
                    calls[0, k, DELAYED] += 1.0
                free_n -= 1
                slot = free[free_n]
                arrived_at[slot] = now
                live[slot] = True
                patience = draw_s(rng, c.patience_kind, c.patience_mean_s, c.patience_cv, c.observed_s, 0, 0)
                deadline[slot] = now + patience
                ring[(ring_head + ring_n) % ring.size] = slot
                ring_n += 1
                waiting += 1
                if patience < math.inf:
                    push(times, payloads, size, now + patience, slot)
                    size += 1
        elif end_at[0] <= leave_time:  # an agent's session ends
            b = end_agent[0]
            vclock[b] += (now - last[b]) / stretch(load[b], conc)
            last[b] = now
            j_end = 0
            for j in range(k_max):
                if finish[b, j] < finish[b, j_end]:
                    j_end = j
            finish[b, j_end] = math.inf
            if active[b]:
                if load[b] < k_max:  # out of its bucket, below k again
                    unbucket(b, load[b], bucket, bucket_n, place)
                place[b] = bucket_n[load[b] - 1]
                bucket[load[b] - 1, bucket_n[load[b] - 1]] = b
                bucket_n[load[b] - 1] += 1
            load[b] -= 1
            sessions -= 1
            if load[b] == 0:
                busy -= 1
                if not active[b]:  # a leaving agent's last session: it logs off
                    alive[b] = False
                    present -= 1
            reschedule(b, now, load, vclock, finish, end_at, end_agent, end_place, conc)
            if active[b]:
                a = b
        else:  # a waiting session's patience ran out, unless it was answered
            now, slot = pop(times, payloads, size)
            size -= 1
            if live[slot] and deadline[slot] == now:
                live[slot] = False
                waiting -= 1
                if arrived_at[slot] >= 0.0:
                    k = min(int(arrived_at[slot] / interval_s), intervals - 1)
                    calls[0, k, ABANDONED] += 1.0
                    calls[0, k, WAIT_ABANDONED_S] += now - arrived_at[slot]
                # its slot stays in the line until it reaches the head, where it is freed (taken once)

        # Agents with room take the longest-waiting sessions: the one whose session ended, or those who joined.
        for j in range(-1, n_joined):
            b = a if j < 0 else joined[j]
            if b < 0:
                continue
            while waiting > 0 and active[b] and load[b] < k_max:
                slot = ring[ring_head]
                ring_head = (ring_head + 1) % ring.size
                ring_n -= 1
                if not live[slot]:
                    free[free_n] = slot
                    free_n += 1
                    continue
                live[slot] = False
                waiting -= 1
                free[free_n] = slot
                free_n += 1
                if arrived_at[slot] >= 0.0:
                    k = min(int(arrived_at[slot] / interval_s), intervals - 1)
                    wait = now - arrived_at[slot]
                    calls[0, k, ANSWERED] += 1.0
                    calls[0, k, WAIT_ANSWERED_S] += wait
                    if wait <= c.target_s:
                        calls[0, k, WITHIN_TARGET] += 1.0
                busy, sessions = start_session(b, now, rng, c, load, vclock, last, finish, bucket, bucket_n, place,
                                               end_at, end_agent, end_place, busy, sessions, counting, agent_time)
    clocks[0], clocks[1], clocks[2] = arrival, boundary_time, since
    counters[SIZE], counters[FREE_N], counters[RING_HEAD], counters[RING_N], counters[WAITING] = \
        size, free_n, ring_head, ring_n, waiting
    counters[PRESENT], counters[BUSY], counters[SESSIONS], counters[COUNTING], counters[BOUNDARY] = \
        present, busy, sessions, counting, boundary
    counters[SIMULATED], counters[TARGET] = simulated, target
    return status


@numba.njit(cache=True)
def _grown_line(arrived_at, deadline, live, free, ring, ring_head, ring_n):
    """The waiting sessions' arrays twice as long, the ring starting at 0."""
    old = arrived_at.size
    bigger_ring = np.empty(2 * old, np.int64)
    for j in range(ring_n):
        bigger_ring[j] = ring[(ring_head + j) % ring.size]
    free_n_new = old  # the new half's slots are free; the old ones were all taken or in the old free list
    bigger_free = np.empty(2 * old, np.int64)
    n = 0
    for s in range(2 * old - 1, old - 1, -1):
        bigger_free[n] = s
        n += 1
    return (np.concatenate((arrived_at, np.empty(old))), np.concatenate((deadline, np.empty(old))),
            np.concatenate((live, np.zeros(old, np.bool_))), bigger_free, free_n_new, bigger_ring, 0)


class ChatCentre(NamedTuple):
    """One chat queue and its agents over intervals i = 0..I-1 of ``interval_s`` seconds."""

    interval_s: float
    warmup_s: float
    rate_per_s: np.ndarray
    """[I] sessions per second, constant within an interval"""
    agents: np.ndarray
    """[I] agents logged in"""
    max_sessions: int
    concurrency: float
    target_s: float
    handle_kind: int
    handle_mean_s: float
    handle_cv: float
    patience_kind: int
    patience_mean_s: float
    patience_cv: float
    observed_s: np.ndarray

    replicate = run_chat_replication  # the engine replications.run calls for this kind of centre


def chat_centre(calls: float, interval_s: float, aht_s: float, agents: int, max_sessions: int, concurrency: float,
                *, target_s: float = 20.0, patience_s: float = math.inf, intervals: int = 1,
                warmup_s: float | None = None, handle_kind: int = EXPONENTIAL, handle_cv: float = 1.0) -> ChatCentre:
    """A ChatCentre with ``calls`` sessions and ``agents`` in each of ``intervals`` (warm-up: one interval)."""
    never = math.isinf(patience_s)
    return ChatCentre(
        interval_s=float(interval_s), warmup_s=float(interval_s if warmup_s is None else warmup_s),
        rate_per_s=np.full(intervals, calls / interval_s), agents=np.full(intervals, agents, np.int64),
        max_sessions=int(max_sessions), concurrency=float(concurrency), target_s=float(target_s),
        handle_kind=int(handle_kind), handle_mean_s=float(aht_s), handle_cv=float(handle_cv),
        patience_kind=NEVER if never else EXPONENTIAL, patience_mean_s=0.0 if never else float(patience_s),
        patience_cv=1.0, observed_s=np.zeros(1))
