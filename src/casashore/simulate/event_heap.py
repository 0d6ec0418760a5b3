"""The engine's future-event list: a binary min-heap over two parallel arrays, times and payloads.

A payload packs the event kind and its subject (an agent group or a call slot) into one int64, so that a sift
moves two words. Plain arrays rather than a jitclass keep the compiled engine cacheable on disk; the caller
grows the arrays (``grown``) when ``size`` reaches their length.
"""

from __future__ import annotations

import numba
import numpy as np

KIND_BITS = 2


@numba.njit(cache=True, inline="always")
def payload(kind, subject):
    return (subject << KIND_BITS) | kind


@numba.njit(cache=True, inline="always")
def kind_of(packed):
    return packed & ((1 << KIND_BITS) - 1)


@numba.njit(cache=True, inline="always")
def subject_of(packed):
    return packed >> KIND_BITS


@numba.njit(cache=True)
def grown(times, payloads):
    bigger_times = np.empty(2 * times.size, np.float64)
    bigger_payloads = np.empty(2 * times.size, np.int64)
    bigger_times[:times.size] = times
    bigger_payloads[:times.size] = payloads
    return bigger_times, bigger_payloads


@numba.njit(cache=True, inline="always")
def push(times, payloads, size, time, packed):
    """Add an event to a heap of ``size`` events (the arrays must have room for one more)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if times[parent] <= time:
            break
        times[i] = times[parent]
        payloads[i] = payloads[parent]
        i = parent
    times[i] = time
    payloads[i] = packed


@numba.njit(cache=True, inline="always")
def pop(times, payloads, size):
    """Remove and return the earliest (time, payload) of a heap of ``size`` > 0 events."""
    top_time, top_payload = times[0], payloads[0]
    last = size - 1
    time, packed = times[last], payloads[last]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= last:
            break
        if child + 1 < last and times[child + 1] < times[child]:
            child += 1
        if times[child] >= time:
            break
        times[i] = times[child]
        payloads[i] = payloads[child]
        i = child
    times[i] = time
    payloads[i] = packed
    return top_time, top_payload
