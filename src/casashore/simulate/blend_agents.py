"""A blended agent's state in simulate/blend_engine.py, and the indexed heaps that order the agents.

Each agent holds at most one voice call, up to k chat sessions (stretched by f(m) = 1 + c (m - 1) through a virtual
clock, as in simulate/chat_engine.py) and at most one email item, under the router's blending rule
(route/state/core.py ``Router.load``). Indexed min-heaps hold only the agents they concern: END the working agents
by their next end of work; the free agents (logged in, staying, not on a call) by what they hold, each in one heap:
IDLE (nothing: may take a call, a chat or an email), EMAILING (an email item: may take a call, the item pausing
under it), CHATTING (fewer than ``max_sessions`` chats and no email: may take a chat), and with
``voice_with_chats`` CHATS_VOICE (any chats: may take a call). The router's ``longest_idle`` choice is then the
smallest key among the heads of the heaps a channel may draw from (``pick``): keyed by idle_since (the time the
agent last came free of voice), for chat ``sessions × 1e10 + idle_since`` (the fewest sessions first, as the
Redis router scores them; IDLE's agents hold none). Ties go to the lowest agent index, in every heap: the order is
(key, agent), never a heap's shape (the router's own rule, core.Router._refresh's key (sessions, idle_since,
agent id), with the index for the id). A call taken or ended moves its agent in one free heap, not three, and a
newly idle agent (the largest idle_since) joins IDLE at its bottom in one comparison. The heaps are 4-ary (a
node's children at 4i+1..4i+4): half the levels of a binary heap, and a node's smallest child found without a
branch. Compiled helpers inlined into the engine's loop; they allocate nothing."""

from __future__ import annotations

import math

import numba

END, IDLE, EMAILING, CHATTING, CHATS_VOICE = range(5)
HEAPS = 5
LOAD_KEY = 1e10
"""Chat's key: sessions held × LOAD_KEY + idle_since, the least loaded first, then the longest idle."""
ON_VOICE, HOLDING_CHAT, ON_EMAIL, WORKING, SESSIONS = range(5)
"""Counts kept at every event (``tally``): agents on a call, holding a chat, working an email (not paused under
a call), doing any of them, and chat sessions held."""


@numba.njit(cache=True, inline="always")
def _before(key_a, a, key_b, b):
    """Heap order: the smaller key, then the lower agent index."""
    return key_a < key_b or (key_a == key_b and a < b)


@numba.njit(cache=True, inline="always")
def _first(key, who, h, i, j):
    """Of places i and j of heap h, the one first in heap order, chosen without a branch: which one it is cannot be
    predicted, and a mispredicted branch a level cost more than the comparison (issue 21, the sixth pass)."""
    later = (key[h, j] < key[h, i]) | ((key[h, j] == key[h, i]) & (who[h, j] < who[h, i]))
    return i + (j - i) * later


@numba.njit(cache=True, inline="always")
def _sift(key, who, pos, size, h, i, agent, value):
    """Put ``agent`` with key ``value`` in the hole at place i of heap h and move it up or down to its place."""
    moved = False
    while i > 0:
        parent = (i - 1) >> 2
        if not _before(value, agent, key[h, parent], who[h, parent]):
            break
        key[h, i], who[h, i] = key[h, parent], who[h, parent]
        pos[h, who[h, i]] = i
        i = parent
        moved = True
    if not moved:
        n = size[h]
        while True:
            child = 4 * i + 1
            if child >= n:
                break
            if child + 3 < n:  # four children: the first of them in two rounds, as a tournament
                child = _first(key, who, h, _first(key, who, h, child, child + 1),
                                _first(key, who, h, child + 2, child + 3))
            else:
                for other in range(child + 1, n):
                    child = _first(key, who, h, child, other)
            if not _before(key[h, child], who[h, child], value, agent):
                break
            key[h, i], who[h, i] = key[h, child], who[h, child]
            pos[h, who[h, i]] = i
            i = child
    key[h, i], who[h, i] = value, agent
    pos[h, agent] = i


@numba.njit(cache=True, inline="always")
def heap_set(key, who, pos, size, h, agent, value):
    """Give ``agent`` the key ``value`` in heap h: in at the bottom, moved, or out of the heap for inf (the last
    agent takes its place). ``pos[h, agent]`` is -1 when the agent is not in the heap; slots past the heap's
    size hold inf, so that ``key[h, 0]`` is inf when it is empty. One sift, inlined once (numba's compile time
    grows with every inlined copy)."""
    i = pos[h, agent]
    if value == math.inf:
        if i < 0:
            return
        pos[h, agent] = -1
        size[h] -= 1
        n = size[h]
        agent, value = who[h, n], key[h, n]  # the last agent fills the hole
        key[h, n] = math.inf
        if i == n:
            return
    elif i < 0:
        size[h] += 1
        i = size[h] - 1
    elif key[h, i] == value:
        return
    _sift(key, who, pos, size, h, i, agent, value)


@numba.njit(cache=True, inline="always")
def stretch(load, concurrency):
    return 1.0 + concurrency * (load - 1) if load > 1 else 1.0


@numba.njit(cache=True, inline="always")
def tally(counts, a, sign, on_voice, load, email_held):
    """Add (sign 1) or remove (-1) agent a's part of ``counts`` (ON_VOICE ... SESSIONS)."""
    voice = 1 if on_voice[a] else 0
    chat = 1 if load[a] > 0 else 0
    email = 1 if email_held[a] and not on_voice[a] else 0
    counts[ON_VOICE] += sign * voice
    counts[HOLDING_CHAT] += sign * chat
    counts[ON_EMAIL] += sign * email
    counts[WORKING] += sign * max(voice, chat, email)
    counts[SESSIONS] += sign * load[a]


@numba.njit(cache=True, inline="always")
def advance_clock(a, now, load, vclock, last, concurrency):
    """Agent a's chat clock brought to ``now`` (its sessions ran at 1 / f(load) since ``last``)."""
    if load[a] > 0:
        vclock[a] += (now - last[a]) / stretch(load[a], concurrency)
    last[a] = now


@numba.njit(cache=True, inline="always")
def refresh(a, key, who, pos, size, alive, active, on_voice, voice_end, load, vclock, last, finish, email_held,
            email_end, idle_since, max_sessions, concurrency, voice_with_chats):
    """Agent a's places in the heaps after any change of its state (the router's ``Router.load``): nothing new for
    a leaving agent or one on a call (or in its wrap-up); a call needs no chat held (unless ``voice_with_chats``)
    and waits for no email (the item in hand pauses); a chat needs no email held and room under
    ``max_sessions``; an email needs no chat and no other email held. The next chat end is counted from
    ``last[a]``, where the virtual clock ``vclock[a]`` stands: the load has not changed since, and a call or an
    email that starts or ends, or a staffing change, does not bring the clock forward."""
    t = voice_end[a]
    if load[a] > 0:
        first = math.inf
        for j in range(finish.shape[1]):
            first = min(first, finish[a, j])
        t = min(t, last[a] + (first - vclock[a]) * stretch(load[a], concurrency))
    if email_held[a] and not on_voice[a]:
        t = min(t, email_end[a])
    heap_set(key, who, pos, size, END, a, t)  # no move when unchanged (a call taken by an agent without chats...)
    free = alive[a] and active[a] and not on_voice[a]
    idle = free and load[a] == 0
    heap_set(key, who, pos, size, IDLE, a, idle_since[a] if idle and not email_held[a] else math.inf)
    heap_set(key, who, pos, size, EMAILING, a, idle_since[a] if idle and email_held[a] else math.inf)
    heap_set(key, who, pos, size, CHATTING, a, load[a] * LOAD_KEY + idle_since[a]
             if free and 0 < load[a] < max_sessions and not email_held[a] else math.inf)
    if voice_with_chats:
        heap_set(key, who, pos, size, CHATS_VOICE, a, idle_since[a] if free and load[a] > 0 else math.inf)


@numba.njit(cache=True, inline="always")
def pick(channel, key, who):
    """The agent the router offers a contact of ``channel`` (0 voice, 1 chat, 2 email), -1 when none may take
    it: the smallest (key, agent) among the heads of the heaps the channel draws from (an empty heap's head is
    keyed inf)."""
    best, best_key = who[IDLE, 0], key[IDLE, 0]  # an IDLE agent's chat key is its idle_since: no sessions
    if channel == 0:
        if _before(key[EMAILING, 0], who[EMAILING, 0], best_key, best):
            best, best_key = who[EMAILING, 0], key[EMAILING, 0]
        if _before(key[CHATS_VOICE, 0], who[CHATS_VOICE, 0], best_key, best):
            best, best_key = who[CHATS_VOICE, 0], key[CHATS_VOICE, 0]
    elif channel == 1:
        if _before(key[CHATTING, 0], who[CHATTING, 0], best_key, best):
            best, best_key = who[CHATTING, 0], key[CHATTING, 0]
    return best if best_key < math.inf else -1
