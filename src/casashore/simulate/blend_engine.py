"""The blended engine: one pool of agents shared by a voice queue and an email queue, compiled by numba.

The router's rule (docs/routing.md "Channels"), for one pool: an agent who comes free takes the voice call that
has waited longest; only when no call waits does it take the oldest email item; an email in hand is finished
before the agent takes a call (no preemption), and an email never waits while an agent is idle. Voice calls arrive
as a Poisson stream, wait in one FIFO line and may hang up (exponential or other patience law); a caller whose
patience ran out is found, and counted abandoned, when an agent reaches them in the line (exact for a FIFO line:
the hang-up changes no one else's turn). Email items arrive as a second Poisson stream and are judged as
simulate/email_engine.py judges them: met, missed or open at the horizon's end T. Staffing changes at interval
boundaries as in the email engine (joining agents take waiting work at once; leaving agents go idle ones first,
busy ones after the item in hand).

Counts: ``calls`` [2, I, 7], row VOICE in engine.CALL_STATS, row EMAIL in email_engine.EMAIL_STATS, per interval of
arrival; ``agent_time`` [2, I, 3] in engine.AGENT_STATS: each row's busy time and items handled are that channel's,
its staffed time the whole pool's (the same in both rows). With ``trace``, one row per item (warm-up included) at
the moment an agent takes it up or a caller is found gone (callers still in line at the end last, their start
the time they hung up or inf): floats [arrival, start, end] and integers [channel, taken (1) or not (0), 0].
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from casashore.simulate import email_engine as em
from casashore.simulate.distributions import EXPONENTIAL, NEVER, draw_s
from casashore.simulate.engine import (
    ABANDONED,
    ANSWERED,
    BUSY_S,
    DELAYED,
    HANDLED,
    OFFERED,
    STAFFED_S,
    WAIT_ABANDONED_S,
    WAIT_ANSWERED_S,
    WITHIN_TARGET,
    next_arrival,
)
from casashore.simulate.event_heap import grown, pop, push

VOICE, EMAIL = 0, 1  # rows of ``calls`` and ``agent_time``; the channel in a departure's payload and the trace


@numba.njit(cache=True)
def run_blend_replication(c, rng, trace=False):
    """One replication of ``c`` (a BlendCentre): calls [2, I, 7], agent time [2, I, 3], items simulated (warm-up
    included) and the trace (see the module's docstring; empty without ``trace``)."""
    intervals = c.agents.size
    interval_s = c.interval_s
    horizon = intervals * interval_s
    calls = np.zeros((2, intervals, 7))
    agent_time = np.zeros((2, intervals, 3))
    times, payloads = np.empty(64), np.empty(64, np.int64)  # agents' ends of work, payload = channel
    size = 0
    voice_at, voice_gone = np.empty(256), np.empty(256)  # waiting callers: arrival, time patience runs out
    v_head, v_tail = 0, 0
    line = np.empty(256)  # waiting email items' arrival times
    e_head, e_tail = 0, 0
    trace_f = np.empty((1024 if trace else 0, 3))
    trace_i = np.empty((1024 if trace else 0, 3), np.int64)
    traced = 0
    start = -c.warmup_s
    present = int(c.agents[0])
    target = present
    busy = np.zeros(2, np.int64)
    since, counting, boundary, boundary_time = start, -1, 0, 0.0
    voice_arrival = next_arrival(rng, c.rate_per_s, start, interval_s)
    email_arrival = next_arrival(rng, c.email_rate_per_s, start, interval_s)
    simulated = 0
    while True:
        end_time = times[0] if size > 0 else math.inf
        now = min(voice_arrival, email_arrival, end_time, boundary_time)
        if now > horizon:
            break
        if 0 <= counting < intervals:
            for ch in range(2):
                agent_time[ch, counting, BUSY_S] += busy[ch] * (now - since)
                agent_time[ch, counting, STAFFED_S] += present * (now - since)
        since = now
        free_agents = 0  # agents who may take waiting work after this event
        if boundary_time <= voice_arrival and boundary_time <= email_arrival and boundary_time <= end_time:
            counting = boundary
            if 1 <= boundary < intervals:
                target = int(c.agents[boundary])
                while present > target and present > busy[0] + busy[1]:
                    present -= 1  # idle agents leave first
                if present < target:
                    free_agents = target - present
                    present = target
            boundary += 1
            boundary_time = boundary * interval_s if boundary <= intervals else math.inf
        elif voice_arrival <= email_arrival and voice_arrival <= end_time:
            k = _interval(now, interval_s, intervals)
            voice_arrival = next_arrival(rng, c.rate_per_s, now, interval_s)
            simulated += 1
            if k >= 0:
                calls[VOICE, k, OFFERED] += 1.0
            patience = draw_s(rng, c.patience_kind, c.patience_mean_s, c.patience_cv, c.observed_s, 0, 0)
            if v_tail == voice_at.size:
                voice_at, voice_gone, v_tail = _compacted2(voice_at, voice_gone, v_head, v_tail)
                v_head = 0
            voice_at[v_tail] = now
            voice_gone[v_tail] = now + patience
            v_tail += 1
            if busy[0] + busy[1] < present:
                free_agents = 1
            elif k >= 0:
                calls[VOICE, k, DELAYED] += 1.0
        elif email_arrival <= end_time:
            k = _interval(now, interval_s, intervals)
            email_arrival = next_arrival(rng, c.email_rate_per_s, now, interval_s)
            simulated += 1
            if k >= 0:
                calls[EMAIL, k, em.OFFERED] += 1.0
            if e_tail == line.size:
                line, e_tail = em._compacted(line, e_head, e_tail)
                e_head = 0
            line[e_tail] = now
            e_tail += 1
            if busy[0] + busy[1] < present:
                free_agents = 1
            elif k >= 0:
                calls[EMAIL, k, em.DELAYED] += 1.0
        else:
            now, ch = pop(times, payloads, size)
            size -= 1
            busy[ch] -= 1
            if present > target:
                present -= 1  # end of shift after the item in hand
            else:
                free_agents = 1
        while free_agents > 0:
            while v_head < v_tail and voice_gone[v_head] < now:  # callers who hung up before their turn
                arrived, gone = voice_at[v_head], voice_gone[v_head]
                v_head += 1
                if arrived >= 0.0:
                    k = _interval(arrived, interval_s, intervals)
                    calls[VOICE, k, ABANDONED] += 1.0
                    calls[VOICE, k, WAIT_ABANDONED_S] += gone - arrived
                if trace:
                    trace_f, trace_i, traced = _traced(trace_f, trace_i, traced, arrived, gone, gone, VOICE, 0)
            if v_head < v_tail:
                ch = VOICE
                arrived = voice_at[v_head]
                v_head += 1
                handle = draw_s(rng, c.handle_kind, c.handle_mean_s, c.handle_cv, c.observed_s, 0, 0)
                if arrived >= 0.0:
                    k = _interval(arrived, interval_s, intervals)
                    wait = now - arrived
                    calls[VOICE, k, ANSWERED] += 1.0
                    calls[VOICE, k, WAIT_ANSWERED_S] += wait
                    if wait <= c.target_s:
                        calls[VOICE, k, WITHIN_TARGET] += 1.0
            elif e_head < e_tail:
                ch = EMAIL
                arrived = line[e_head]
                e_head += 1
                handle = draw_s(rng, c.email_handle_kind, c.email_handle_mean_s, c.email_handle_cv,
                                c.observed_s, 0, 0)
                if arrived >= 0.0:
                    k = _interval(arrived, interval_s, intervals)
                    wait = now - arrived
                    calls[EMAIL, k, em.TAKEN] += 1.0
                    calls[EMAIL, k, em.WAIT_TAKEN_S] += wait
                    calls[EMAIL, k, em.MET if wait <= c.deadline_s else em.MISSED] += 1.0
            else:
                break
            free_agents -= 1
            busy[ch] += 1
            if 0 <= counting < intervals:
                agent_time[ch, counting, HANDLED] += 1.0
            if trace:
                trace_f, trace_i, traced = _traced(trace_f, trace_i, traced, arrived, now, now + handle, ch, 1)
            if size + 1 >= times.size:
                times, payloads = grown(times, payloads)
            push(times, payloads, size, now + handle, ch)
            size += 1
    for j in range(v_head, v_tail):  # callers still waiting at the end: abandoned if their patience ran out
        arrived, gone = voice_at[j], voice_gone[j]
        if trace:  # never taken up: found gone when they hung up, or still waiting (inf)
            left = gone if gone <= horizon else math.inf
            trace_f, trace_i, traced = _traced(trace_f, trace_i, traced, arrived, left, left, VOICE, 0)
        if arrived >= 0.0 and gone <= horizon:
            k = _interval(arrived, interval_s, intervals)
            calls[VOICE, k, ABANDONED] += 1.0
            calls[VOICE, k, WAIT_ABANDONED_S] += gone - arrived
    for j in range(e_head, e_tail):  # email items still waiting at the end
        arrived = line[j]
        if arrived >= 0.0:
            k = _interval(arrived, interval_s, intervals)
            calls[EMAIL, k, em.MISSED if arrived + c.deadline_s <= horizon else em.OPEN] += 1.0
    return calls, agent_time, simulated, trace_f[:traced].copy(), trace_i[:traced].copy()


@numba.njit(cache=True, inline="always")
def _interval(t, interval_s, intervals):
    """The counted interval holding time ``t``; -1 in the warm-up."""
    return min(int(t / interval_s), intervals - 1) if t >= 0.0 else -1


@numba.njit(cache=True)
def _compacted2(a, b, head, tail):
    """Two parallel FIFO arrays' live part moved to the front, twice as long when more than half is in use."""
    n = tail - head
    length = a.size * 2 if 2 * n > a.size else a.size
    a2, b2 = np.empty(length), np.empty(length)
    a2[:n] = a[head:tail]
    b2[:n] = b[head:tail]
    return a2, b2, n


@numba.njit(cache=True)
def _traced(trace_f, trace_i, traced, arrived, start, end, channel, taken):
    if traced == trace_f.shape[0]:
        trace_f = np.concatenate((trace_f, np.empty_like(trace_f)))
        trace_i = np.concatenate((trace_i, np.empty_like(trace_i)))
    trace_f[traced, 0], trace_f[traced, 1], trace_f[traced, 2] = arrived, start, end
    trace_i[traced, 0], trace_i[traced, 1], trace_i[traced, 2] = channel, taken, 0
    return trace_f, trace_i, traced + 1


class BlendCentre(NamedTuple):
    """A voice queue and an email queue served by one pool of agents over intervals i = 0..I-1."""

    interval_s: float
    warmup_s: float
    rate_per_s: np.ndarray
    """[I] voice calls per second"""
    email_rate_per_s: np.ndarray
    """[I] email items per second"""
    agents: np.ndarray
    """[I] agents in the pool"""
    target_s: float
    """voice service level's answer time"""
    handle_kind: int
    handle_mean_s: float
    handle_cv: float
    patience_kind: int
    patience_mean_s: float
    patience_cv: float
    deadline_s: float
    email_handle_kind: int
    email_handle_mean_s: float
    email_handle_cv: float
    observed_s: np.ndarray

    replicate = run_blend_replication  # the engine replications.run calls for this kind of centre


def blend_centre(calls, aht_s: float, items, email_aht_s: float, agents, interval_s: float, deadline_s: float, *,
                 target_s: float = 20.0, patience_s: float = math.inf, warmup_s: float = 0.0,
                 handle_kind: int = EXPONENTIAL, handle_cv: float = 1.0, email_handle_kind: int = EXPONENTIAL,
                 email_handle_cv: float = 1.0) -> BlendCentre:
    """A BlendCentre with ``calls``, ``items`` and ``agents`` per interval (arrays of one length, or numbers);
    patience exponential with mean ``patience_s`` (inf: callers never hang up)."""
    calls, items, agents = np.broadcast_arrays(np.atleast_1d(np.asarray(calls, dtype=float)),
                                               np.asarray(items, dtype=float), np.asarray(agents, dtype=np.int64))
    never = math.isinf(patience_s)
    return BlendCentre(
        interval_s=float(interval_s), warmup_s=float(warmup_s), rate_per_s=np.ascontiguousarray(calls / interval_s),
        email_rate_per_s=np.ascontiguousarray(items / interval_s), agents=np.ascontiguousarray(agents),
        target_s=float(target_s), handle_kind=int(handle_kind), handle_mean_s=float(aht_s),
        handle_cv=float(handle_cv), patience_kind=NEVER if never else EXPONENTIAL,
        patience_mean_s=0.0 if never else float(patience_s), patience_cv=1.0, deadline_s=float(deadline_s),
        email_handle_kind=int(email_handle_kind), email_handle_mean_s=float(email_aht_s),
        email_handle_cv=float(email_handle_cv), observed_s=np.zeros(1))
