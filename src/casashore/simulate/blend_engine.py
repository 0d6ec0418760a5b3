"""The blended engine: one pool of agents shared by a voice, a chat and an email queue, compiled by numba.

It does what the router does (route/state/core.py, docs/routing.md "Channels"), without offers' ringing time:
- who may take what (``Router.load``; simulate/blend_agents.py ``refresh``): nothing new for an agent on a call;
  a call needs no chat held (unless ``voice_with_chats``: the chats go on through the call) and does not wait for
  an email item, which pauses under the call and resumes after it; a chat needs no email held and room under
  ``max_sessions``; an email item needs no chat and no other item held (``email_capacity`` 1);
- in what order (``Router.dispatch``, the channel rank of docs/routing.md "Chat before email"): whenever
  something changes, the call or chat that has waited longest goes to a free agent allowed to take it, again
  until none can; only then an email item, the oldest, to a free agent allowed to take it; the agent is the router's
  ``longest_idle`` choice (the fewest chats held first for a chat; idle since the end of the agent's last call).
Voice: Poisson calls, one FIFO line, a patience law; a caller whose patience ran out is counted abandoned when an
agent reaches them in the line (exact for a FIFO line: the hang-up changes no one else's turn), and so are chats
with a patience. Chat sessions stretch as in simulate/chat_engine.py (f(m) = 1 + c (m - 1) on the agent's
virtual clock). Email items are judged as simulate/email_engine.py judges them: met, missed or open at the
horizon's end T; past T no contact arrives and the callers and chats still waiting are followed until answered or
gone, as the voice and chat engines follow them (nothing of email counted after T). At an interval boundary
joining agents (leaving ones still working first) take waiting work at once; leaving agents go idle ones first
(the most recently idle), then the least held, who take nothing new and log off when they hold nothing (the
router's offline status).

Counts: ``calls`` [3, I, 7], rows VOICE and CHAT in engine.CALL_STATS, EMAIL in email_engine.EMAIL_STATS, per
interval of arrival; ``agent_time`` [4, I, 5] in chat_agents.CHAT_AGENT_STATS: rows VOICE, CHAT, EMAIL their
channel's busy time (an agent on a call, holding a chat, working an email) and items taken up, CHAT its session
time and most sessions held, POOL the time an agent does any of them; staffed time is the pool's in every row.
With ``trace``, one row per contact (warm-up included) when its fate is settled: floats [arrival, start, end]
(a contact still held at the end: end inf; a caller or chat never taken up: start = end = the time they left,
inf if still waiting) and integers [channel, taken (1) or not (0), agent or -1].
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from casashore.simulate import email_engine as em
from casashore.simulate.blend_agents import (
    END,
    HEAPS,
    HOLDING_CHAT,
    ON_EMAIL,
    ON_VOICE,
    SESSIONS,
    WORKING,
    advance_clock,
    pick,
    refresh,
    tally,
)
from casashore.simulate.chat_agents import BUSY_S, HANDLED, MOST_HELD, SESSION_S, STAFFED_S
from casashore.simulate.distributions import EXPONENTIAL, NEVER, draw_s
from casashore.simulate.engine import (
    ABANDONED,
    ANSWERED,
    DELAYED,
    OFFERED,
    WAIT_ABANDONED_S,
    WAIT_ANSWERED_S,
    WITHIN_TARGET,
    interval_of,
    next_arrival,
)

VOICE, CHAT, EMAIL, POOL = 0, 1, 2, 3  # rows of ``calls`` (not POOL) and ``agent_time``; the trace's channel


DONE, NEED_ROOM = 0, 1
SINCE, BOUNDARY_AT, DRAIN_UNTIL = 0, 1, 2  # float clocks kept between calls of _advance
COUNTING, BOUNDARY, PRESENT, SIMULATED, TRACED = range(5)  # integer counters kept between calls of _advance


@numba.njit(cache=True)
def run_blend_replication(c, rng, trace=False):
    """One replication of ``c`` (a BlendCentre): calls [3, I, 7], agent time [4, I, 5], contacts simulated
    (warm-up included) and the trace (see the module's docstring; empty without ``trace``)."""
    intervals = c.agents.size
    interval_s = c.interval_s
    horizon = intervals * interval_s
    k_max = max(c.max_sessions, 1)
    calls = np.zeros((3, intervals, 7))
    agent_time = np.zeros((4, intervals, 5))
    most = int(c.agents.max()) + 1
    key = np.full((HEAPS, most), math.inf)  # the heaps of blend_agents, empty
    who = np.zeros((HEAPS, most), np.int64)
    pos = np.full((HEAPS, most), -1, np.int64)
    size = np.zeros(HEAPS, np.int64)
    alive, active = np.zeros(most, np.bool_), np.zeros(most, np.bool_)
    on_voice, voice_end = np.zeros(most, np.bool_), np.full(most, math.inf)
    load, vclock, last = np.zeros(most, np.int64), np.zeros(most), np.zeros(most)
    finish = np.full((most, k_max), math.inf)
    email_held, email_end, email_left = np.zeros(most, np.bool_), np.full(most, math.inf), np.zeros(most)
    idle_since = np.zeros(most)
    counts = np.zeros(5, np.int64)
    held_f = np.empty((most, k_max + 2, 2) if trace else (0, 0, 2))  # per agent and place: arrival, start
    lines_at = np.empty((3, 256))  # waiting contacts per channel: arrival, and when patience runs out
    lines_gone = np.empty((3, 256))
    head, tail = np.zeros(3, np.int64), np.zeros(3, np.int64)
    trace_f = np.empty((1024 if trace else 0, 3))
    trace_i = np.empty((1024 if trace else 0, 3), np.int64)
    start = -c.warmup_s
    present = int(c.agents[0])
    for a in range(present):  # the centre opens with interval 0's agents, idle
        alive[a], active[a], idle_since[a], last[a] = True, True, start, start
        refresh(a, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last, finish, email_held,
                email_end, idle_since, c.max_sessions, c.concurrency, c.voice_with_chats)
    arrival = np.array([next_arrival(rng, c.rate_per_s, start, interval_s),
                        next_arrival(rng, c.chat_rate_per_s, start, interval_s),
                        next_arrival(rng, c.email_rate_per_s, start, interval_s)])
    clocks = np.array([start, 0.0, horizon])
    counters = np.array([-1, 0, present, 0, 0])
    while _advance(c, rng, calls, agent_time, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock,
                   last, finish, email_held, email_end, email_left, idle_since, counts, held_f, lines_at, lines_gone,
                   head, tail, trace_f, trace_i, arrival, clocks, counters) == NEED_ROOM:
        if tail.max() == lines_at.shape[1]:
            lines_at, lines_gone = _compacted(lines_at, lines_gone, head, tail)
        if trace and counters[TRACED] + (tail - head).sum() + 4 > trace_f.shape[0]:
            trace_f = np.concatenate((trace_f, np.empty_like(trace_f)))
            trace_i = np.concatenate((trace_i, np.empty_like(trace_i)))
    for row in range(POOL):  # staffed time is the pool's in every row (the same sums, added once)
        agent_time[row, :, STAFFED_S] = agent_time[POOL, :, STAFFED_S]
    traced = counters[TRACED]
    if trace:  # room for every row below
        rows = traced + (tail - head).sum() + most * (k_max + 2)
        if rows > trace_f.shape[0]:
            trace_f = np.concatenate((trace_f, np.empty((rows - trace_f.shape[0], 3))))
            trace_i = np.concatenate((trace_i, np.empty((rows - trace_i.shape[0], 3), np.int64)))
    for line in range(3):  # contacts still waiting at the end (email items were judged at the horizon)
        for j in range(head[line], tail[line]):
            arrived, gone = lines_at[line, j], lines_gone[line, j]
            if trace:  # never taken up: found gone when they left, or still waiting (inf)
                traced = _traced(trace_f, trace_i, traced, arrived, gone, gone, line, 0, -1)
            if line != EMAIL and arrived >= 0.0 and gone < math.inf:  # left before an agent reached them
                k = interval_of(arrived, interval_s, intervals)
                calls[line, k, ABANDONED] += 1.0
                calls[line, k, WAIT_ABANDONED_S] += gone - arrived
    if trace:  # contacts still held at the end
        for a in range(most):
            if on_voice[a]:
                traced = _traced(trace_f, trace_i, traced, held_f[a, 0, 0], held_f[a, 0, 1], math.inf, VOICE, 1, a)
            if email_held[a]:
                traced = _traced(trace_f, trace_i, traced, held_f[a, 1, 0], held_f[a, 1, 1], math.inf, EMAIL, 1, a)
            for j in range(k_max):
                if finish[a, j] < math.inf:
                    traced = _traced(trace_f, trace_i, traced, held_f[a, 2 + j, 0], held_f[a, 2 + j, 1], math.inf,
                                     CHAT, 1, a)
    return calls, agent_time, counters[SIMULATED], trace_f[:traced].copy(), trace_i[:traced].copy()


# error_model "numpy": no zero-division test at each division, every divisor being positive by construction (the
# interval, a stretch f(m) >= 1, a rate tested > 0); the results are the same bit for bit, ~4 % faster (issue 21).
@numba.njit(cache=True, _nrt=False, error_model="numpy")
def _advance(c, rng, calls, agent_time, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last,
             finish, email_held, email_end, email_left, idle_since, counts, held_f, lines_at, lines_gone, head, tail,
             trace_f, trace_i, arrival, clocks, counters):
    """Process events until the horizon is drained (DONE) or a line or the trace may overflow (NEED_ROOM): the
    loop allocates nothing, so that numba compiles it without reference counting (engine.py does the same).
    Drained: past the horizon no contact arrives, and the callers and chats still waiting are followed, as the
    voice and chat engines follow them, until each is answered or has left (``DRAIN_UNTIL``, the last of their
    patiences); email is judged as it stood at the horizon and nothing of it is counted after."""
    intervals = c.agents.size
    interval_s = c.interval_s
    horizon = intervals * interval_s
    k_max = finish.shape[1]
    tracing = trace_f.shape[0] > 0
    since, boundary_time, drain_until = clocks[SINCE], clocks[BOUNDARY_AT], clocks[DRAIN_UNTIL]
    counting, boundary, present = counters[COUNTING], counters[BOUNDARY], counters[PRESENT]
    simulated, traced = counters[SIMULATED], counters[TRACED]
    status = DONE
    while True:
        if tail[VOICE] == lines_at.shape[1] or tail[CHAT] == lines_at.shape[1] or tail[EMAIL] == lines_at.shape[1] \
                or (tracing and traced + (tail[VOICE] - head[VOICE]) + (tail[CHAT] - head[CHAT]) + 4
                    > trace_f.shape[0]):
            status = NEED_ROOM  # an event adds one contact to a line and settles at most the lines' and one more
            break
        end_time = key[END, 0]
        now = min(arrival[VOICE], arrival[CHAT], arrival[EMAIL], end_time, boundary_time)
        if now == math.inf or now > drain_until or (now > horizon and head[VOICE] == tail[VOICE]
                                                    and head[CHAT] == tail[CHAT]):
            break
        if 0 <= counting < intervals:
            dt = now - since
            agent_time[VOICE, counting, BUSY_S] += counts[ON_VOICE] * dt
            agent_time[CHAT, counting, BUSY_S] += counts[HOLDING_CHAT] * dt
            agent_time[CHAT, counting, SESSION_S] += counts[SESSIONS] * dt
            agent_time[EMAIL, counting, BUSY_S] += counts[ON_EMAIL] * dt
            agent_time[POOL, counting, BUSY_S] += counts[WORKING] * dt
            agent_time[POOL, counting, STAFFED_S] += present * dt  # copied to the other rows at the end
        since = now
        ch = VOICE
        if arrival[CHAT] < arrival[ch]:
            ch = CHAT
        if arrival[EMAIL] < arrival[ch]:
            ch = EMAIL
        if boundary_time <= arrival[ch] and boundary_time <= end_time:
            counting = boundary
            if 1 <= boundary < intervals:
                present = _staffing_changes(int(c.agents[boundary]), now, present, key, who, pos, size, alive, active,
                                            on_voice, voice_end, load, vclock, last, finish, email_held, email_end,
                                            idle_since, c)
            elif boundary == intervals:  # the horizon: email judged, voice and chat drained (see the docstring)
                drain_until = _judged_at_horizon(c, calls, lines_at, lines_gone, head, tail, horizon)
            boundary += 1
            boundary_time = boundary * interval_s if boundary <= intervals else math.inf
        elif arrival[ch] <= end_time:  # a call, a chat or an email arrives
            k = interval_of(now, interval_s, intervals)
            patience = math.inf
            if ch == VOICE:
                arrival[VOICE] = next_arrival(rng, c.rate_per_s, now, interval_s)
                patience = draw_s(rng, c.patience_kind, c.patience_mean_s, c.patience_cv, c.observed_s, 0, 0)
            elif ch == CHAT:
                arrival[CHAT] = next_arrival(rng, c.chat_rate_per_s, now, interval_s)
                patience = draw_s(rng, c.chat_patience_kind, c.chat_patience_mean_s, c.chat_patience_cv,
                                  c.observed_s, 0, 0)
            else:
                arrival[EMAIL] = next_arrival(rng, c.email_rate_per_s, now, interval_s)
            simulated += 1
            if k >= 0:
                calls[ch, k, OFFERED if ch != EMAIL else em.OFFERED] += 1.0
                if pick(ch, key, who) < 0:  # nobody may take it now (dispatch leaves nothing servable)
                    calls[ch, k, DELAYED if ch != EMAIL else em.DELAYED] += 1.0
            lines_at[ch, tail[ch]] = now
            lines_gone[ch, tail[ch]] = now + patience
            tail[ch] += 1
        else:  # an agent's call, chat session or email item ends
            a = who[END, 0]
            tally(counts, a, -1, on_voice, load, email_held)
            if voice_end[a] == now:
                if tracing:
                    traced = _traced(trace_f, trace_i, traced, held_f[a, 0, 0], held_f[a, 0, 1], now, VOICE, 1, a)
                on_voice[a], voice_end[a], idle_since[a] = False, math.inf, now
                if email_held[a]:
                    email_end[a] = now + email_left[a]  # the paused item resumes
            elif email_held[a] and email_end[a] == now:
                if tracing:
                    traced = _traced(trace_f, trace_i, traced, held_f[a, 1, 0], held_f[a, 1, 1], now, EMAIL, 1, a)
                email_held[a], email_end[a] = False, math.inf
            else:
                advance_clock(a, now, load, vclock, last, c.concurrency)
                j_end = 0
                for j in range(k_max):
                    if finish[a, j] < finish[a, j_end]:
                        j_end = j
                if tracing:
                    traced = _traced(trace_f, trace_i, traced, held_f[a, 2 + j_end, 0], held_f[a, 2 + j_end, 1], now,
                                     CHAT, 1, a)
                finish[a, j_end] = math.inf
                load[a] -= 1
            if not active[a] and not on_voice[a] and load[a] == 0 and not email_held[a]:
                alive[a] = False  # a leaving agent's last contact: it logs off
                present -= 1
            tally(counts, a, 1, on_voice, load, email_held)
            refresh(a, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last, finish, email_held,
                    email_end, idle_since, c.max_sessions, c.concurrency, c.voice_with_chats)

        while True:  # the router's dispatch: interactive first (a call or a chat), the oldest a free agent may
            ch, oldest, a = -1, math.inf, -1  # take; an email only when none of them can be taken; until none
            for line in range(3):
                if head[line] == tail[line] or (line == EMAIL and ch >= 0):
                    continue
                taker = pick(line, key, who)
                if taker < 0:
                    continue
                while line != EMAIL and head[line] < tail[line] and lines_gone[line, head[line]] < now:
                    arrived, gone = lines_at[line, head[line]], lines_gone[line, head[line]]
                    head[line] += 1  # a caller or a chat who left before their turn
                    if arrived >= 0.0:
                        k = interval_of(arrived, interval_s, intervals)
                        calls[line, k, ABANDONED] += 1.0
                        calls[line, k, WAIT_ABANDONED_S] += gone - arrived
                    if tracing:
                        traced = _traced(trace_f, trace_i, traced, arrived, gone, gone, line, 0, -1)
                if head[line] < tail[line] and lines_at[line, head[line]] < oldest:
                    ch, oldest, a = line, lines_at[line, head[line]], taker
            if ch < 0:
                break
            head[ch] += 1
            k = interval_of(oldest, interval_s, intervals)
            wait = now - oldest
            if k >= 0 and ch != EMAIL:
                calls[ch, k, ANSWERED] += 1.0
                calls[ch, k, WAIT_ANSWERED_S] += wait
                if wait <= (c.target_s if ch == VOICE else c.chat_target_s):
                    calls[ch, k, WITHIN_TARGET] += 1.0
            elif k >= 0 and counting < intervals:  # an item taken past the horizon was judged there
                calls[EMAIL, k, em.TAKEN] += 1.0
                calls[EMAIL, k, em.WAIT_TAKEN_S] += wait
                calls[EMAIL, k, em.MET if wait <= c.deadline_s else em.MISSED] += 1.0
            tally(counts, a, -1, on_voice, load, email_held)
            place = ch
            if ch == VOICE:
                if email_held[a]:
                    email_left[a], email_end[a] = email_end[a] - now, math.inf  # paused under the call
                on_voice[a] = True
                voice_end[a] = now + draw_s(rng, c.handle_kind, c.handle_mean_s, c.handle_cv, c.observed_s, 0, 0)
            elif ch == EMAIL:
                email_held[a] = True
                email_end[a] = now + draw_s(rng, c.email_handle_kind, c.email_handle_mean_s, c.email_handle_cv,
                                            c.observed_s, 0, 0)
                place = 1
            else:
                advance_clock(a, now, load, vclock, last, c.concurrency)
                work = draw_s(rng, c.chat_handle_kind, c.chat_handle_mean_s, c.chat_handle_cv, c.observed_s, 0, 0)
                for j in range(k_max):
                    if finish[a, j] == math.inf:
                        finish[a, j] = vclock[a] + work
                        place = 2 + j
                        break
                load[a] += 1
                if 0 <= counting < intervals:
                    agent_time[CHAT, counting, MOST_HELD] = max(agent_time[CHAT, counting, MOST_HELD], load[a])
            if 0 <= counting < intervals:
                agent_time[ch, counting, HANDLED] += 1.0
            if tracing:
                held_f[a, place, 0], held_f[a, place, 1] = oldest, now
            tally(counts, a, 1, on_voice, load, email_held)
            refresh(a, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last, finish, email_held,
                    email_end, idle_since, c.max_sessions, c.concurrency, c.voice_with_chats)
    clocks[SINCE], clocks[BOUNDARY_AT], clocks[DRAIN_UNTIL] = since, boundary_time, drain_until
    counters[COUNTING], counters[BOUNDARY], counters[PRESENT] = counting, boundary, present
    counters[SIMULATED], counters[TRACED] = simulated, traced
    return status


@numba.njit(cache=True, _nrt=False, error_model="numpy")
def _judged_at_horizon(c, calls, lines_at, lines_gone, head, tail, horizon):
    """The horizon T: each email item still waiting counted missed (its deadline passed by T) or open, as the
    email engine judges it; returns the time until which callers and chats still waiting must be followed (the
    last of their patiences, inf when one has none, T when none waits)."""
    intervals = c.agents.size
    for j in range(head[EMAIL], tail[EMAIL]):
        arrived = lines_at[EMAIL, j]
        if arrived >= 0.0:
            k = interval_of(arrived, c.interval_s, intervals)
            calls[EMAIL, k, em.MISSED if arrived + c.deadline_s <= horizon else em.OPEN] += 1.0
    until = horizon
    for line in (VOICE, CHAT):
        for j in range(head[line], tail[line]):
            until = max(until, lines_gone[line, j])
    return until


@numba.njit(cache=True, _nrt=False, error_model="numpy")
def _staffing_changes(target, now, present, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last,
                      finish, email_held, email_end, idle_since, c):
    """An interval boundary: leaving agents still working come back first, then new agents join (idle since
    now); or idle agents leave (the most recently idle first), then the least held, who finish what they hold.
    Returns the agents present (logged in)."""
    most = alive.size
    actives = 0
    for b in range(most):
        actives += 1 if active[b] else 0
    for new in (False, True):
        for b in range(most):
            if actives >= target:
                break
            if (alive[b] and not active[b]) if not new else not alive[b]:
                if new:
                    alive[b], load[b], vclock[b], last[b], idle_since[b] = True, 0, 0.0, now, now
                    present += 1
                active[b] = True
                actives += 1
                refresh(b, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last, finish,
                        email_held, email_end, idle_since, c.max_sessions, c.concurrency, c.voice_with_chats)
    while actives > target:
        b, best = -1, math.inf
        for j in range(most):
            if not active[j]:
                continue
            held = (1 if on_voice[j] else 0) + load[j] + (1 if email_held[j] else 0)
            rank = held * 1e12 - idle_since[j] if held == 0 else held * 1e12
            if rank < best:
                b, best = j, rank
        active[b] = False
        actives -= 1
        if not on_voice[b] and load[b] == 0 and not email_held[b]:
            alive[b] = False
            present -= 1
        refresh(b, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last, finish, email_held,
                email_end, idle_since, c.max_sessions, c.concurrency, c.voice_with_chats)
    return present


@numba.njit(cache=True)
def _compacted(at, gone, head, tail):
    """The three lines' live parts moved to the front, twice as long when one is more than half full."""
    longest = 0
    for line in range(3):
        longest = max(longest, tail[line] - head[line])
    length = at.shape[1] * 2 if 2 * longest > at.shape[1] else at.shape[1]
    at2, gone2 = np.empty((3, length)), np.empty((3, length))
    for line in range(3):
        n = tail[line] - head[line]
        at2[line, :n] = at[line, head[line]:tail[line]]
        gone2[line, :n] = gone[line, head[line]:tail[line]]
        head[line], tail[line] = 0, n
    return at2, gone2


@numba.njit(cache=True, inline="always")
def _traced(trace_f, trace_i, traced, arrived, start, end, channel, taken, agent):
    """Write one contact's trace row (the caller has made room); returns the next row."""
    trace_f[traced, 0], trace_f[traced, 1], trace_f[traced, 2] = arrived, start, end
    trace_i[traced, 0], trace_i[traced, 1], trace_i[traced, 2] = channel, taken, agent
    return traced + 1


class BlendCentre(NamedTuple):
    """A voice, a chat and an email queue served by one pool of agents over intervals i = 0..I-1 (a queue without
    contacts has a rate of 0)."""

    interval_s: float
    warmup_s: float
    rate_per_s: np.ndarray
    """[I] voice calls per second"""
    chat_rate_per_s: np.ndarray
    """[I] chat sessions per second"""
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
    max_sessions: int
    concurrency: float
    chat_target_s: float
    chat_handle_kind: int
    chat_handle_mean_s: float
    """a session's work were it the agent's only one"""
    chat_handle_cv: float
    chat_patience_kind: int
    chat_patience_mean_s: float
    chat_patience_cv: float
    deadline_s: float
    email_handle_kind: int
    email_handle_mean_s: float
    email_handle_cv: float
    voice_with_chats: bool
    """the router's ``voice_with_chats``: a call may be offered to an agent holding chats, which go on"""
    observed_s: np.ndarray

    replicate = run_blend_replication  # the engine replications.run calls for this kind of centre


def blend_centre(calls, aht_s: float, items, email_aht_s: float, agents, interval_s: float, deadline_s: float, *,
                 target_s: float = 20.0, patience_s: float = math.inf, warmup_s: float = 0.0,
                 handle_kind: int = EXPONENTIAL, handle_cv: float = 1.0, email_handle_kind: int = EXPONENTIAL,
                 email_handle_cv: float = 1.0, sessions=0.0, chat_aht_s: float = 300.0, max_sessions: int = 1,
                 concurrency: float = 0.0, chat_target_s: float = 60.0, chat_patience_s: float = math.inf,
                 voice_with_chats: bool = False) -> BlendCentre:
    """A BlendCentre with ``calls``, chat ``sessions``, email ``items`` and ``agents`` per interval (arrays of one
    length, or numbers); patience exponential with mean ``patience_s`` (inf: callers never hang up), likewise
    ``chat_patience_s``; chat handle times exponential."""
    calls, sessions, items, agents = (np.array(x) for x in np.broadcast_arrays(  # copies, writeable
        np.atleast_1d(np.asarray(calls, dtype=float)), np.asarray(sessions, dtype=float),
        np.asarray(items, dtype=float), np.asarray(agents, dtype=np.int64)))

    def law(mean_s: float) -> tuple[int, float]:
        return (NEVER, 0.0) if math.isinf(mean_s) else (EXPONENTIAL, float(mean_s))

    (patience_kind, patience_mean_s), (chat_patience_kind, chat_patience_mean_s) = law(patience_s), \
        law(chat_patience_s)
    return BlendCentre(
        interval_s=float(interval_s), warmup_s=float(warmup_s), rate_per_s=calls / interval_s,
        chat_rate_per_s=sessions / interval_s, email_rate_per_s=items / interval_s, agents=agents,
        target_s=float(target_s), handle_kind=int(handle_kind), handle_mean_s=float(aht_s),
        handle_cv=float(handle_cv), patience_kind=patience_kind, patience_mean_s=patience_mean_s, patience_cv=1.0,
        max_sessions=int(max_sessions), concurrency=float(concurrency), chat_target_s=float(chat_target_s),
        chat_handle_kind=EXPONENTIAL, chat_handle_mean_s=float(chat_aht_s), chat_handle_cv=1.0,
        chat_patience_kind=chat_patience_kind, chat_patience_mean_s=chat_patience_mean_s, chat_patience_cv=1.0,
        deadline_s=float(deadline_s), email_handle_kind=int(email_handle_kind),
        email_handle_mean_s=float(email_aht_s), email_handle_cv=float(email_handle_cv),
        voice_with_chats=bool(voice_with_chats), observed_s=np.zeros(1))
