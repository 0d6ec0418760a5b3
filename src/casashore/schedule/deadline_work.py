"""Work with a deadline in the covering model: an email (back-office) group is not given agents per interval but
items to take up by their deadlines, and the model chooses when its agents work them (docs/scheduling.md, "Work
with a deadline").

Per interval t of the group: w_t items taken up (continuous) and b_t the backlog at the interval's end
(continuous), the horizon a repeating cycle (the backlog at its end is the one at its start, as the email
staffing takes the planned days, queueing/email_backlog.py):

- balance: b_t - b_(t-1) + w_t = a_t (the items arriving in t);
- capacity: the group's coverage row becomes assignments + under - over - w_t / k = floor_t, k the items one
  scheduled agent takes up in an interval, ``interval_s x (1 - shrinkage) / aht_s`` (so the agents at work,
  net of shrinkage, cover the items worked, and ``floor_t`` agents beyond them: the plan's goal loop raises it);
- deadline: 0 <= b_t <= R_t, R_t the items not yet due at t's end: an interval's items are due one deadline
  after its start, when the first of them is (whole intervals: a deadline is taken down to the interval grid).
  An item whose deadline passes with the site closed all the way from its arrival cannot be on time whoever
  works; it is due at the end of the first open interval after it arrives instead (so a night's items with a
  short deadline are the morning's first work).

Every item is then taken up by its due time (the FIFO fluid of queueing/email_backlog.py takes them up no later
than this schedule does at every interval boundary: its taken-up curve is the least over earlier boundaries s of
A(s) + capacity(s, t), linear within an interval), so the share within the deadline is at least the share of
items whose deadline the open hours reach; ``deadline_share`` below 1 does not let the schedule leave items late
on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class DeadlineWork:
    """A group's items per interval of the horizon, their handle time and deadline."""

    items: np.ndarray
    """[I] items arriving per interval"""
    aht_s: float
    deadline_s: float
    shrinkage: float
    """the share of scheduled agents' time not spent at work (a scheduled agent takes up (1 - shrinkage) x
    interval / aht_s items an interval)"""
    floor: np.ndarray | None = None
    """[I] agents on the group beyond the work's (None: none)"""


def due_boundaries(deadline_intervals: int, is_open: np.ndarray) -> np.ndarray:
    """Per interval i of a horizon, the boundary (an interval's end, index i + 1 for interval i) by which its items
    are due: one deadline after the interval's start (when the first of them is due: never later than any), or the
    end of the first open interval from i when no interval from i to that deadline is open. The horizon
    repeats: boundaries beyond it count on into the next cycle."""
    n = is_open.size
    cycle = np.tile(is_open, 2 + deadline_intervals // n + 1)
    open_at = np.flatnonzero(cycle)
    due = np.empty(n, np.int64)
    for i in range(n):
        nominal = i + max(deadline_intervals, 1)  # the first of its items is due then (a deadline under an interval:
        # at its end)
        first = open_at[np.searchsorted(open_at, i)] if open_at.size else i
        due[i] = nominal if first < nominal else first + 1
    return due


def backlog_limits(items: np.ndarray, interval_s: float, deadline_s: float, is_open: np.ndarray) -> np.ndarray:
    """R_t: the items that may still wait at the end of each interval, those not yet due then (the cycle's earlier
    copies counted for items arrived before its start)."""
    n = items.size
    deadline_intervals = int(deadline_s // interval_s)  # an item due within a whole interval: never later
    due = due_boundaries(deadline_intervals, np.asarray(is_open, bool))
    limits = np.zeros(n)
    copies = 2 + deadline_intervals // n + 1
    for ago in range(copies):  # arrivals in this cycle (ago 0) and in the cycles before it
        for i in range(n):
            arrived_end = i + 1 - ago * n  # the boundary where interval i's items (``ago`` cycles back) are in
            due_at = due[i] - ago * n
            # Boundaries u = 1..n at which they are in and not yet due: arrived_end <= u < due_at.
            lo, hi = max(arrived_end, 1), min(due_at - 1, n)
            if lo <= hi:
                limits[lo - 1:hi] += items[i]
    return limits


def extend(matrix: sparse.csc_matrix, costs: np.ndarray, upper: np.ndarray, row_bounds: np.ndarray,
           cover_rows: dict[int, DeadlineWork], n: int, interval_s: float, is_open: np.ndarray
           ) -> tuple[sparse.csc_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """The covering model with each work group's columns (w, b) and balance rows appended, its coverage rows'
    right-hand side set to the floor: ``cover_rows`` maps the first coverage row of a group (its n intervals
    follow) to its work. Appended columns are continuous and after every integer one."""
    rows, cols, vals = [], [], []
    extra_rows, extra_bounds, extra_upper = 0, [], []
    row_bounds = row_bounds.copy()
    first_col = matrix.shape[1]
    base_rows = matrix.shape[0]
    for k, (first_row, work) in enumerate(sorted(cover_rows.items())):
        per_agent = interval_s * (1.0 - work.shrinkage) / work.aht_s  # items one scheduled agent takes up
        w0 = first_col + 2 * n * k  # w_t, then b_t
        b0 = w0 + n
        balance0 = base_rows + extra_rows
        for t in range(n):
            rows += [first_row + t, balance0 + t, balance0 + t, balance0 + t]
            cols += [w0 + t, w0 + t, b0 + t, b0 + (t - 1) % n]
            vals += [-1.0 / per_agent, 1.0, 1.0, -1.0]
        row_bounds[first_row:first_row + n] = 0.0 if work.floor is None else work.floor
        extra_rows += n
        extra_bounds.append(np.asarray(work.items, float))
        extra_upper += [np.full(n, np.inf), backlog_limits(np.asarray(work.items, float), interval_s,
                                                           work.deadline_s, is_open)]
    added = 2 * n * len(cover_rows)
    if not added:
        return matrix, costs, upper, row_bounds
    block = sparse.csc_matrix((vals, (rows, cols)), shape=(base_rows + extra_rows, first_col + added))
    grown = sparse.vstack([matrix, sparse.csc_matrix((extra_rows, first_col))], format="csc")
    grown = sparse.hstack([grown, sparse.csc_matrix((base_rows + extra_rows, added))], format="csc") + block
    return (grown.tocsc(), np.concatenate([costs, np.zeros(added)]), np.concatenate([upper, *extra_upper]),
            np.concatenate([row_bounds, *extra_bounds]))
