"""The next-event loop: one replication of a contact centre, compiled by numba.

Five events drive everything: a call arrives (one merged Poisson clock for all queues), an agent finishes a call,
a waiting caller hangs up, a waiting call becomes eligible for another group (overflow), and an interval boundary
(staffing changes). Routing decisions are
delegated to ``routing``; lines of waiting calls and idle agents to ``waiting``; durations to ``distributions``.
Statistics are counted per queue and per interval of arrival; agent time per group and per interval of time.

The loop (``_advance``) never reallocates: when an array might overflow it saves its clocks and returns, and
``run_replication`` grows the arrays and calls it again. Arrays that never change identity inside the loop cost
no reference counting, which is what makes the loop fast (about half its time went to refcounts before).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from casashore.simulate.distributions import draw_s
from casashore.simulate.event_heap import grown, kind_of, payload, pop, push, subject_of
from casashore.simulate.routing import group_for_call, queue_for_agent
from casashore.simulate.waiting import add_idle, enqueue, grown_lines, live_head, pop_head

DEPARTURE, ABANDON, OVERFLOW = 0, 1, 2  # heap events; arrivals and interval boundaries have their own clocks

# Per queue and interval of arrival (the last axis of ``calls``).
OFFERED, ANSWERED, ABANDONED, WITHIN_TARGET, DELAYED, WAIT_ANSWERED_S, WAIT_ABANDONED_S = range(7)
CALL_STATS = ("offered", "answered", "abandoned", "within_target", "delayed", "wait_answered_s",
              "wait_abandoned_s")
# Per group and interval of time (the last axis of ``agent_time``).
BUSY_S, STAFFED_S, HANDLED = range(3)
AGENT_STATS = ("busy_s", "staffed_s", "handled")


@numba.njit(cache=True, inline="always")
def next_arrival(rng, total_rate, now, interval_s):
    """The next arrival after ``now`` of the merged Poisson process of all queues; inf past the horizon.

    The rate is constant within an interval; the exponential gap is memoryless, so when it crosses a boundary
    the draw restarts there with the next interval's rate: exact for a piecewise-constant rate.
    """
    k = int(now / interval_s) if now > 0.0 else 0  # truncation is floor here: cheaper than //
    while k < total_rate.size:
        end = (k + 1) * interval_s
        if total_rate[k] > 0.0:
            t = now + rng.exponential(1.0 / total_rate[k])
            if t < end:
                return t
        now = end
        k += 1
    return math.inf


@numba.njit(cache=True, inline="always")
def interval_of(t, interval_s, intervals):
    """The counted interval holding time ``t``: -1 in the warm-up, the last one for the horizon's end itself."""
    return min(int(t / interval_s), intervals - 1) if t >= 0.0 else -1


@numba.njit(cache=True)
def _rates(c, rng):
    """Per-replication rates: each queue's forecast times its gamma mixing factor; their cumulative sums."""
    queues, intervals = c.rate_per_s.shape
    cumulative = np.empty((intervals, queues))
    mix = np.ones(queues)
    for q in range(queues):
        if c.rate_shape[q] > 0.0:
            mix[q] = rng.gamma(c.rate_shape[q], 1.0 / c.rate_shape[q])
    for k in range(intervals):
        running = 0.0
        for q in range(queues):
            running += c.rate_per_s[q, k] * mix[q]
            cumulative[k, q] = running
    return cumulative, cumulative[:, queues - 1].copy()


# Scalar state saved between calls of _advance.
ARRIVAL_AT, BOUNDARY_AT = 0, 1  # float clocks
SIZE, FREE, SERIAL, SIMULATED, COUNTING, BOUNDARY, IN_LINES, TRACED = range(8)  # int counters
# Per-call trace columns (when asked): floats and integers.
TRACE_ARRIVAL_S, TRACE_WAIT_S, TRACE_HANDLE_S = range(3)
TRACE_QUEUE, TRACE_GROUP, TRACE_ANSWERED = range(3)
DONE, NEED_ROOM = 0, 1


@numba.njit(cache=True)
def run_replication(c, rng, trace=False):
    """Simulate one replication of centre ``c`` (a ``Centre``) with numpy Generator ``rng``.

    Returns ``calls`` [Q, I, 7] (see CALL_STATS), ``agent_time`` [G, I, 3] (see AGENT_STATS), the number of
    calls simulated (warm-up included) and, with ``trace``, one row per counted call in the order their fate
    was settled: floats [n, 3] (TRACE_ARRIVAL_S, TRACE_WAIT_S, TRACE_HANDLE_S: NaN if abandoned) and integers
    [n, 3] (TRACE_QUEUE, TRACE_GROUP: -1 if abandoned, TRACE_ANSWERED: 1 or 0); empty without ``trace``.
    """
    queues, intervals = c.rate_per_s.shape
    groups = c.agents.shape[0]
    calls = np.zeros((queues, intervals, 7))
    agent_time = np.zeros((groups, intervals, 3))
    cumulative, total_rate = _rates(c, rng)
    start = -c.warmup_s

    most_agents = c.agents.max()
    idle_since = np.empty((groups, most_agents + 1))
    idle_head = np.zeros(groups, np.int64)
    idle_count = np.zeros(groups, np.int64)
    target = c.agents[:, 0].copy()
    present = target.copy()
    busy = np.zeros(groups, np.int64)
    since = np.full(groups, start)
    for g in range(groups):
        for _ in range(present[g]):
            add_idle(idle_since, idle_head, idle_count, g, start)

    # Room the loop needs for one event: an arrival's abandonment and overflows, or a boundary's new agents.
    margin = 2 + groups + int(c.agents.sum(axis=0).max())
    times, payloads = np.empty(max(256, 2 * margin)), np.empty(max(256, 2 * margin), np.int64)
    capacity = 1024
    call_queue = np.empty(capacity, np.int64)
    call_arrival = np.empty(capacity)
    call_deadline = np.empty(capacity)
    call_serial = np.full(capacity, -1, np.int64)
    free = np.arange(capacity - 1, -1, -1)
    line_slots, line_serials = np.empty((queues, 64), np.int64), np.empty((queues, 64), np.int64)
    line_head, line_count = np.zeros(queues, np.int64), np.zeros(queues, np.int64)

    clocks = np.array([next_arrival(rng, total_rate, start, c.interval_s), 0.0])
    trace_rows = 4096 if trace else 0
    trace_f, trace_i = np.empty((trace_rows, 3)), np.empty((trace_rows, 3), np.int64)
    counters = np.zeros(8, np.int64)
    counters[FREE] = capacity
    counters[COUNTING] = -1  # interval whose agent time is being counted; -1 in warm-up, I after the horizon
    while _advance(c, rng, cumulative, total_rate, calls, agent_time, times, payloads, margin,
                   idle_since, idle_head, idle_count, target, present, busy, since,
                   call_queue, call_arrival, call_deadline, call_serial, free,
                   line_slots, line_serials, line_head, line_count, trace_f, trace_i, clocks,
                   counters) == NEED_ROOM:
        if counters[SIZE] + margin > times.size:
            times, payloads = grown(times, payloads)
        if counters[FREE] == 0:
            old = capacity
            capacity *= 2
            call_queue = np.concatenate((call_queue, np.empty(old, np.int64)))
            call_arrival = np.concatenate((call_arrival, np.empty(old)))
            call_deadline = np.concatenate((call_deadline, np.empty(old)))
            call_serial = np.concatenate((call_serial, np.full(old, -1, np.int64)))
            free = np.concatenate((np.arange(capacity - 1, old - 1, -1), np.empty(old, np.int64)))
            counters[FREE] = old
        if counters[IN_LINES] >= line_slots.shape[1]:
            line_slots, line_serials = grown_lines(line_slots, line_serials, line_head, line_count)
        if trace and counters[TRACED] + margin > trace_f.shape[0]:
            trace_f = np.concatenate((trace_f, np.empty_like(trace_f)))
            trace_i = np.concatenate((trace_i, np.empty_like(trace_i)))
    traced = counters[TRACED]
    return calls, agent_time, counters[SIMULATED], trace_f[:traced].copy(), trace_i[:traced].copy()


@numba.njit(cache=True, _nrt=False)
def _advance(c, rng, cumulative, total_rate, calls, agent_time, times, payloads, margin,
             idle_since, idle_head, idle_count, target, present, busy, since,
             call_queue, call_arrival, call_deadline, call_serial, free,
             line_slots, line_serials, line_head, line_count, trace_f, trace_i, clocks, counters):
    """Process events until the horizon is drained (DONE) or an array may overflow (NEED_ROOM)."""
    queues, intervals = c.rate_per_s.shape
    groups = c.agents.shape[0]
    interval_s = c.interval_s
    target_s, agents, priority, delay_s = c.target_s, c.agents, c.priority, c.delay_s
    served_queues, serving_groups = c.served_queues, c.serving_groups
    handle_kind, handle_mean_s, handle_cv = c.handle_kind, c.handle_mean_s, c.handle_cv
    handle_offset, handle_length, observed_s = c.handle_offset, c.handle_length, c.observed_s
    patience_kind, patience_mean_s, patience_cv = c.patience_kind, c.patience_mean_s, c.patience_cv
    patience_offset, patience_length = c.patience_offset, c.patience_length
    arrival, boundary_time = clocks[ARRIVAL_AT], clocks[BOUNDARY_AT]
    size, free_count, serial, simulated = counters[SIZE], counters[FREE], counters[SERIAL], counters[SIMULATED]
    counting, boundary, in_lines = counters[COUNTING], counters[BOUNDARY], counters[IN_LINES]
    traced, tracing = counters[TRACED], trace_f.shape[0] > 0
    status = DONE

    while True:
        if (size + margin > times.size or free_count == 0 or in_lines >= line_slots.shape[1]
                or (tracing and traced + margin > trace_f.shape[0])):
            status = NEED_ROOM
            break
        heap_time = times[0] if size > 0 else math.inf
        answer_slot = -1
        answer_group = -1
        q = -1
        now = 0.0

        if boundary_time <= arrival and boundary_time <= heap_time:
            if boundary_time == math.inf:
                break
            now = boundary_time
            for g in range(groups):
                _count_agent_time(agent_time, counting, g, now, busy, present, since)
            counting = boundary
            if 1 <= boundary < intervals:
                for g in range(groups):
                    target[g] = agents[g, boundary]
                    while present[g] > target[g] and idle_count[g] > 0:
                        idle_count[g] -= 1  # the most recently idle agent logs off
                        present[g] -= 1
                    while present[g] < target[g]:
                        # A joining agent enters as one who finishes a call of no length: the departure
                        # handler gives it the best waiting call or makes it idle.
                        present[g] += 1
                        busy[g] += 1
                        push(times, payloads, size, now, payload(DEPARTURE, g))
                        size += 1
            boundary += 1
            boundary_time = boundary * interval_s if boundary <= intervals else math.inf
            continue

        if arrival <= heap_time:
            now = arrival
            k = min(int(now / interval_s), intervals - 1) if now >= 0.0 else -1
            kk = max(k, 0)
            q = _pick_queue(cumulative, kk, rng.random() * total_rate[kk])
            arrival = next_arrival(rng, total_rate, now, interval_s)
            simulated += 1
            if k >= 0:
                calls[q, k, OFFERED] += 1.0
            g = group_for_call(q, now, now, serving_groups, delay_s, idle_since, idle_head, idle_count)
            if g >= 0:
                pop_head(idle_since, idle_head, idle_count, g)  # the longest idle
                if k >= 0:
                    calls[q, k, ANSWERED] += 1.0
                    calls[q, k, WITHIN_TARGET] += 1.0
                answer_group = g
            else:
                if k >= 0:
                    calls[q, k, DELAYED] += 1.0
                free_count -= 1
                slot = free[free_count]
                call_queue[slot] = q
                call_arrival[slot] = now
                call_serial[slot] = serial
                enqueue(line_slots, line_serials, line_head, line_count, q, slot, serial)
                in_lines += 1
                serial += 1
                patience = draw_s(rng, patience_kind[q], patience_mean_s[q], patience_cv[q], observed_s,
                                  patience_offset[q], patience_length[q])
                call_deadline[slot] = now + patience
                if patience < math.inf:
                    push(times, payloads, size, now + patience, payload(ABANDON, slot))
                    size += 1
                for j in range(serving_groups.shape[1]):
                    g = serving_groups[q, j]
                    if g < 0:
                        break
                    if 0.0 < delay_s[g, q] < math.inf:
                        push(times, payloads, size, now + delay_s[g, q], payload(OVERFLOW, slot))
                        size += 1
        else:
            now, packed = pop(times, payloads, size)
            size -= 1
            kind, subject = kind_of(packed), subject_of(packed)
            if kind == DEPARTURE:
                g = subject
                _count_agent_time(agent_time, counting, g, now, busy, present, since)
                busy[g] -= 1
                if present[g] > target[g]:
                    present[g] -= 1  # end of shift: the agent logs off after the call in hand
                else:
                    q, stale = queue_for_agent(g, now, served_queues, priority, delay_s, line_slots, line_serials,
                                               line_head, line_count, call_arrival, call_serial)
                    in_lines -= stale
                    if q >= 0:
                        answer_slot, _ = live_head(line_slots, line_serials, line_head, line_count, q, call_serial)
                        pop_head(line_slots, line_head, line_count, q)
                        in_lines -= 1
                        answer_group = g
                    else:
                        add_idle(idle_since, idle_head, idle_count, g, now)
            elif kind == ABANDON:
                # The slot may hold a newer call by now; only the call whose deadline this is hangs up.
                slot = subject
                if call_serial[slot] >= 0 and call_deadline[slot] == now:
                    if call_arrival[slot] >= 0.0:
                        k = min(int(call_arrival[slot] / interval_s), intervals - 1)
                        calls[call_queue[slot], k, ABANDONED] += 1.0
                        calls[call_queue[slot], k, WAIT_ABANDONED_S] += now - call_arrival[slot]
                        if tracing:
                            traced = _trace(trace_f, trace_i, traced, call_arrival[slot], now - call_arrival[slot],
                                            math.nan, call_queue[slot], -1, 0)
                    call_serial[slot] = -1
                    free[free_count] = slot
                    free_count += 1
            else:  # OVERFLOW: retry routing; harmless for a newer call in the slot, which no idle agent may take
                slot = subject
                if call_serial[slot] >= 0:
                    g = group_for_call(call_queue[slot], now, call_arrival[slot], serving_groups, delay_s,
                                       idle_since, idle_head, idle_count)
                    if g >= 0:
                        pop_head(idle_since, idle_head, idle_count, g)  # the longest idle
                        answer_slot = slot  # its entry in the line turns stale when the slot is freed
                        answer_group = g

        if answer_group >= 0:
            g = answer_group
            arrived = now  # answered on arrival, unless it came from a line
            if answer_slot >= 0:
                q = call_queue[answer_slot]
                arrived = call_arrival[answer_slot]
                _count_answered(calls, target_s, answer_slot, now, call_queue, call_arrival, interval_s)
                call_serial[answer_slot] = -1
                free[free_count] = answer_slot
                free_count += 1
            _count_agent_time(agent_time, counting, g, now, busy, present, since)
            busy[g] += 1
            if 0 <= counting < intervals:
                agent_time[g, counting, HANDLED] += 1.0
            handle = draw_s(rng, handle_kind[q], handle_mean_s[q], handle_cv[q], observed_s, handle_offset[q],
                            handle_length[q])
            if tracing and arrived >= 0.0:
                traced = _trace(trace_f, trace_i, traced, arrived, now - arrived, handle, q, g, 1)
            push(times, payloads, size, now + handle, payload(DEPARTURE, g))
            size += 1

    clocks[ARRIVAL_AT], clocks[BOUNDARY_AT] = arrival, boundary_time
    counters[SIZE], counters[FREE], counters[SERIAL], counters[SIMULATED] = size, free_count, serial, simulated
    counters[COUNTING], counters[BOUNDARY], counters[IN_LINES], counters[TRACED] = counting, boundary, in_lines, traced
    return status


@numba.njit(cache=True, inline="always")
def _trace(trace_f, trace_i, row, arrived, wait, handle, q, g, answered):
    """Write one call's row of the per-call trace; returns the next row."""
    trace_f[row, TRACE_ARRIVAL_S] = arrived
    trace_f[row, TRACE_WAIT_S] = wait
    trace_f[row, TRACE_HANDLE_S] = handle
    trace_i[row, TRACE_QUEUE] = q
    trace_i[row, TRACE_GROUP] = g
    trace_i[row, TRACE_ANSWERED] = answered
    return row + 1


@numba.njit(cache=True, inline="always")
def _pick_queue(cumulative, k, u):
    """The queue of an arrival: the first whose cumulative rate in interval k exceeds u (a bisection)."""
    low, high = 0, cumulative.shape[1] - 1
    while low < high:
        middle = (low + high) >> 1
        if cumulative[k, middle] > u:
            high = middle
        else:
            low = middle + 1
    return low


@numba.njit(cache=True, inline="always")
def _count_agent_time(agent_time, counting, g, now, busy, present, since):
    """Add group g's busy and staffed agent-seconds since its last change to the interval being counted."""
    if 0 <= counting < agent_time.shape[1]:
        agent_time[g, counting, BUSY_S] += busy[g] * (now - since[g])
        agent_time[g, counting, STAFFED_S] += present[g] * (now - since[g])
    since[g] = now


@numba.njit(cache=True, inline="always")
def _count_answered(calls, target_s, slot, now, call_queue, call_arrival, interval_s):
    arrived = call_arrival[slot]
    if arrived >= 0.0:
        q = call_queue[slot]
        k = min(int(arrived / interval_s), calls.shape[1] - 1)
        wait = now - arrived
        calls[q, k, ANSWERED] += 1.0
        calls[q, k, WAIT_ANSWERED_S] += wait
        if wait <= target_s[q]:
            calls[q, k, WITHIN_TARGET] += 1.0
