"""Waiting calls and idle agents: the engine's two kinds of line, as ring buffers over flat arrays.

Waiting calls are per-queue FIFOs of (slot, serial). A call that leaves the line early (it hung up, or an
overflow group took it) is not searched for: its slot's serial changes, and the stale entry is skipped when it
reaches the head. Idle agents are per-group FIFOs of the time each became idle, so the head is the longest idle.
Functions take the arrays one by one (not as a tuple) so that the compiled loop does no reference counting.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def grown_lines(slots, serials, head, count):
    """The lines copied into rings twice as long, each starting at 0."""
    queues, capacity = slots.shape
    new_slots = np.empty((queues, 2 * capacity), np.int64)
    new_serials = np.empty((queues, 2 * capacity), np.int64)
    for q in range(queues):
        for j in range(count[q]):
            new_slots[q, j] = slots[q, (head[q] + j) % capacity]
            new_serials[q, j] = serials[q, (head[q] + j) % capacity]
        head[q] = 0
    return new_slots, new_serials


@numba.njit(cache=True, inline="always")
def tail(ring, head, count, row):
    """The free place after the last entry of ring ``row`` (the caller ensures there is one)."""
    j = head[row] + count[row]
    return j - ring.shape[1] if j >= ring.shape[1] else j


@numba.njit(cache=True, inline="always")
def pop_head(ring, head, count, row):
    """Drop the first entry of ring ``row``: a call leaving its line, or the longest-idle agent taking a call."""
    head[row] += 1
    if head[row] == ring.shape[1]:
        head[row] = 0
    count[row] -= 1


@numba.njit(cache=True, inline="always")
def enqueue(slots, serials, head, count, q, slot, serial):
    """Append a call to queue q's line (the caller ensures room)."""
    j = tail(slots, head, count, q)
    slots[q, j] = slot
    serials[q, j] = serial
    count[q] += 1


@numba.njit(cache=True, inline="always")
def live_head(slots, serials, head, count, q, call_serial):
    """The slot of the longest-waiting call still in queue q's line, or -1; drops stale entries on the way.

    Returns (slot, entries dropped).
    """
    dropped = 0
    while count[q] > 0:
        slot = slots[q, head[q]]
        if call_serial[slot] == serials[q, head[q]]:
            return slot, dropped
        pop_head(slots, head, count, q)
        dropped += 1
    return -1, dropped


@numba.njit(cache=True, inline="always")
def add_idle(idle_since, idle_head, idle_count, g, since):
    """An agent of group g becomes idle at ``since`` (newest at the tail)."""
    idle_since[g, tail(idle_since, idle_head, idle_count, g)] = since
    idle_count[g] += 1
