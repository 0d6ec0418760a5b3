"""Routing policies, as small compiled functions the engine calls; change routing here, not in the engine.

* A new (or newly overflowing) call goes to the longest-idle agent among the groups allowed to take it now.
* A freed agent takes, among the queues its group serves, the highest-priority one whose longest-waiting call it
  may take (that call has waited at least the group's delay for the queue); ties between queues of equal priority
  go to the call that has waited longest.
"""

from __future__ import annotations

import math

import numba

from casashore.simulate.waiting import live_head


@numba.njit(cache=True, inline="always")
def group_for_call(q, now, arrived, serving_groups, delay_s, idle_since, idle_head, idle_count):
    """The group whose longest-idle agent takes a call of queue q that arrived at ``arrived``; -1 if none."""
    best, best_since = -1, math.inf
    for j in range(serving_groups.shape[1]):
        g = serving_groups[q, j]
        if g < 0:
            break
        if idle_count[g] > 0 and now >= arrived + delay_s[g, q]:
            since = idle_since[g, idle_head[g]]
            if since < best_since:
                best, best_since = g, since
    return best


@numba.njit(cache=True, inline="always")
def queue_for_agent(g, now, served_queues, priority, delay_s, slots, serials, head, count, call_arrival,
                    call_serial):
    """The queue whose head call a freed agent of group g takes, or -1; and the stale line entries dropped."""
    best, best_priority, best_arrival = -1, 1 << 62, math.inf
    dropped = 0
    for j in range(served_queues.shape[1]):
        q = served_queues[g, j]
        if q < 0 or priority[g, q] > best_priority:
            break
        slot, stale = live_head(slots, serials, head, count, q, call_serial)
        dropped += stale
        if slot < 0:
            continue
        arrived = call_arrival[slot]
        if now >= arrived + delay_s[g, q] and (priority[g, q] < best_priority or arrived < best_arrival):
            best, best_priority, best_arrival = q, priority[g, q], arrived
    return best, dropped
