"""History per queue and interval, cut in each queue's own time zone, and callers' patience.

Offered calls are answered + abandoned ('other' outcomes such as phantom calls are left out). Service level is
answered within the target over offered, as in the capacity core. Patience is estimated two ways:

* the abandon-rate / mean-wait estimator: with exponential patience, abandonments per unit of waiting time is
  1 / mean patience, so mean patience = total waiting time of all offered calls / abandoned calls (the maximum
  likelihood estimate, answered calls counting as censored);
* Kaplan-Meier on waiting times, where an abandonment is an event and an answer censors the patience (the
  caller would have waited at least that long): the survival curve of patience without assuming a law, its
  median, and its mean restricted to the longest observed wait.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from casashore.domain.units import day_interval_min
from casashore.workspace.store import Workspace


def interval_history(workspace: Workspace, *, interval_min: int = 15, target_s: float = 20.0,
                     queue: str | None = None) -> list[dict]:
    """Per queue per interval (local time of the queue's zone): its channel (voice, chat or email, as the
    workspace records the queue), offered, answered, abandoned, AHT, ASA, SL."""
    day_interval_min("interval", interval_min)
    out = []
    for row in workspace.interval_totals(interval_min, target_s, queue):
        offered = row.offered
        out.append({"queue": row.queue, "channel": row.channel, "time_zone": row.time_zone,
                    "start": row.start.isoformat(),
                    "interval_min": interval_min, "offered": offered, "answered": row.answered,
                    "abandoned": row.abandoned, "aht_s": row.aht_s, "asa_s": row.asa_s,
                    "service_level": row.within_target / offered if offered else None,
                    "p_abandon": row.abandoned / offered if offered else None})
    return out


class Patience(NamedTuple):
    offered: int
    abandoned: int
    mean_s_exponential: float | None
    """Total wait of offered calls over abandoned calls (exponential patience, censored by answers)."""
    median_s_kaplan_meier: float | None
    """None when fewer than half the callers would have hung up within the longest observed wait."""
    restricted_mean_s_kaplan_meier: float | None
    """Mean patience restricted to the longest observed wait (a lower bound of the mean)."""
    survival: tuple[np.ndarray, np.ndarray]
    """Kaplan-Meier curve: event times (s) and P(patience > t) just after each."""


def kaplan_meier(wait_s: np.ndarray, abandoned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival of patience from waits, with abandonment as the event and answering as censoring."""
    order = np.argsort(wait_s, kind="stable")
    wait_s, abandoned = wait_s[order], abandoned[order].astype(bool)
    times, first = np.unique(wait_s, return_index=True)
    events = np.add.reduceat(abandoned.astype(float), first) if wait_s.size else np.zeros(0)
    at_risk = wait_s.size - first
    keep = events > 0
    times, events, at_risk = times[keep], events[keep], at_risk[keep]
    return times, np.cumprod(1.0 - events / at_risk)


def patience(workspace: Workspace, queue: str) -> Patience:
    wait, gone = workspace.waits(queue)
    times, survival = kaplan_meier(wait, gone)
    abandoned = int(gone.sum())
    # fsum: exact whatever order DuckDB returned the rows in (a plain sum's last bits would follow that order)
    mean_exp = math.fsum(wait) / abandoned if abandoned else None
    below = np.flatnonzero(survival <= 0.5)
    median = float(times[below[0]]) if below.size else None
    restricted = None
    if wait.size:
        edges = np.concatenate(([0.0], times, [wait.max()]))
        levels = np.concatenate(([1.0], survival))
        restricted = float(np.sum(levels * np.diff(edges)))
    return Patience(int(wait.size), abandoned, mean_exp, median, restricted, (times, survival))


def queue_summaries(workspace: Workspace, rows: list[dict]) -> list[dict]:
    """Per queue of ``interval_history`` rows: its channel, offered, abandoned and the patience estimates (None
    for an email queue)."""
    summaries = []
    for name in sorted({r["queue"] for r in rows}):
        mine = [r for r in rows if r["queue"] == name]
        offered = sum(r["offered"] for r in mine)
        channel = workspace.queue_channel(name) or "voice"
        p = patience(workspace, name)
        # an email item never abandons: no patience to estimate (its wait is the backlog's, docs/capacity.md)
        kept = channel != "email"
        summaries.append({"queue": name, "channel": channel, "time_zone": mine[0]["time_zone"], "offered": offered,
                          "abandoned": p.abandoned, "p_abandon": p.abandoned / offered if offered else None,
                          "patience_mean_s_exponential": p.mean_s_exponential if kept else None,
                          "patience_median_s_kaplan_meier": p.median_s_kaplan_meier if kept else None,
                          "patience_restricted_mean_s_kaplan_meier":
                              p.restricted_mean_s_kaplan_meier if kept else None})
    return summaries
