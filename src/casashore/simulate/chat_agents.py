"""A chat agent's state in the chat engine: its load and the buckets of agents by load (least-loaded routing in
O(k)), its virtual clock (sessions stretched by f(m) = 1 + c (m - 1)), and the indexed heap of agents by their next
session end. Compiled helpers inlined into simulate/chat_engine.py's loop; they allocate nothing."""

from __future__ import annotations

import math

import numba

from casashore.simulate.distributions import draw_s

BUSY_S, STAFFED_S, HANDLED, SESSION_S, MOST_HELD = range(5)
CHAT_AGENT_STATS = ("busy_s", "staffed_s", "handled", "session_s", "most_held")
"""Per interval of time: agent-seconds holding at least one session, agent-seconds logged in, sessions started,
session-seconds in service (their sum over time: sessions held), the most sessions one agent held at once
(read at each start, the only moment a load rises)."""


@numba.njit(cache=True, inline="always")
def stretch(load, concurrency):
    return 1.0 + concurrency * (load - 1) if load > 1 else 1.0


@numba.njit(cache=True, inline="always")
def unbucket(b, m, bucket, bucket_n, place):
    """Take agent b out of load m's bucket (the last one moves into its place)."""
    last_agent = bucket[m, bucket_n[m] - 1]
    bucket[m, place[b]] = last_agent
    place[last_agent] = place[b]
    bucket_n[m] -= 1


@numba.njit(cache=True, inline="always")
def start_session(b, now, rng, c, load, vclock, last, finish, bucket, bucket_n, place, end_at, end_agent, end_place,
                  busy, sessions, counting, agent_time):
    """Agent b (active, below k) starts a session now."""
    k_max = c.max_sessions
    vclock[b] += (now - last[b]) / stretch(load[b], c.concurrency) if load[b] > 0 else 0.0
    last[b] = now
    unbucket(b, load[b], bucket, bucket_n, place)
    work = draw_s(rng, c.handle_kind, c.handle_mean_s, c.handle_cv, c.observed_s, 0, 0)
    for j in range(k_max):
        if finish[b, j] == math.inf:
            finish[b, j] = vclock[b] + work
            break
    if load[b] == 0:
        busy += 1
    load[b] += 1
    sessions += 1
    if load[b] < k_max:
        place[b] = bucket_n[load[b]]
        bucket[load[b], bucket_n[load[b]]] = b
        bucket_n[load[b]] += 1
    if 0 <= counting < agent_time.shape[1]:
        agent_time[0, counting, HANDLED] += 1.0
        agent_time[0, counting, MOST_HELD] = max(agent_time[0, counting, MOST_HELD], load[b])
    reschedule(b, now, load, vclock, finish, end_at, end_agent, end_place, c.concurrency)
    return busy, sessions


@numba.njit(cache=True, inline="always")
def reschedule(b, now, load, vclock, finish, end_at, end_agent, end_place, concurrency):
    """Agent b's next session end at its current load, moved to its place in the agents' heap."""
    t = math.inf
    if load[b] > 0:
        first = math.inf
        for j in range(finish.shape[1]):
            first = min(first, finish[b, j])
        t = now + (first - vclock[b]) * stretch(load[b], concurrency)
    i = end_place[b]
    if t < end_at[i]:
        while i > 0:  # up
            parent = (i - 1) >> 1
            if end_at[parent] <= t:
                break
            end_at[i], end_agent[i] = end_at[parent], end_agent[parent]
            end_place[end_agent[i]] = i
            i = parent
    else:
        n = end_at.size
        while True:  # down
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and end_at[child + 1] < end_at[child]:
                child += 1
            if end_at[child] >= t:
                break
            end_at[i], end_agent[i] = end_at[child], end_agent[child]
            end_place[end_agent[i]] = i
            i = child
    end_at[i], end_agent[i] = t, b
    end_place[b] = i
