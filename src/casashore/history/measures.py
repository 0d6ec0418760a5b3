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
from casashore.errors import UserError
from casashore.workspace.store import Workspace

NEEDS_CALL_RECORDS = ("interval reports only: service level and callers' patience need call records (each call's "
                      "wait), which a report does not give")
"""Why a queue whose history is interval reports only has no service level and no patience estimates."""


EMAIL_NEEDS_DEADLINE = ("service level null: an email item is on time when answered within the queue's deadline "
                        "(the scenario's deadline_s), not within --target; give --deadline (such as --deadline 4h) "
                        "to measure it")
"""Why an email queue's call records have no service level without --deadline."""


def interval_history(workspace: Workspace, *, interval_min: int = 15, target_s: float = 20.0,
                     queue: str | None = None, deadline_s: float | None = None) -> list[dict]:
    """Per queue per interval (local time of the queue's zone): its channel (voice, chat or email, as the
    workspace records the queue), offered, answered, abandoned, AHT, ASA, SL and ``source``, what the figures come
    from: ``calls`` (call records), ``intervals`` (interval reports) or ``calls+intervals``. An interval's call
    records and reports are added up; what a report lacks is None (answered, abandoned, AHT, ASA where its
    columns were not mapped; the service level whenever a report is part of the interval: it has no waits).
    Service level is answered within ``target_s`` for voice and chat; for email (whose goal is a share answered
    within a deadline, not a wait) within ``deadline_s``, None without it. Interval reports longer than
    ``interval_min`` (which it cannot cut) are refused, naming the queue."""
    day_interval_min("interval", interval_min)
    too_long = {name: [m for m in lengths if interval_min % m] for name, lengths in workspace.report_lengths().items()
                if queue is None or name == queue}
    for name, lengths in sorted(too_long.items()):
        if lengths:
            longest = max(lengths)
            raise UserError("interval", f"{interval_min}m", f"a multiple of {longest} minutes: the interval reports "
                            f"of queue {name!r} are {longest} minutes long, which {interval_min}-minute intervals "
                            f"cannot cut (such as --interval {_finest(longest)})")
    rows: dict[tuple[str, str], dict] = {}
    # email measured against its deadline: the same totals counted within deadline_s (only when asked)
    on_time = ({(r.queue, r.start): r.within_target for r in workspace.interval_totals(interval_min, deadline_s, queue)
                if r.channel == "email"} if deadline_s is not None else {})
    for row in workspace.interval_totals(interval_min, target_s, queue):
        offered = row.offered
        within = row.within_target if row.channel != "email" else on_time.get((row.queue, row.start))
        rows[row.queue, row.start.isoformat()] = {
            "queue": row.queue, "channel": row.channel, "time_zone": row.time_zone, "start": row.start.isoformat(),
            "interval_min": interval_min, "offered": offered, "answered": row.answered, "abandoned": row.abandoned,
            "aht_s": row.aht_s, "asa_s": row.asa_s,
            "service_level": within / offered if offered and within is not None else None,
            "p_abandon": row.abandoned / offered if offered else None, "source": "calls"}
    for rep in workspace.reported_totals(interval_min, queue):
        key = (rep.queue, rep.start.isoformat())
        calls = rows.get(key)
        if calls is None:
            rows[key] = {"queue": rep.queue, "channel": rep.channel, "time_zone": rep.time_zone, "start": key[1],
                         "interval_min": interval_min, "offered": _count(rep.offered),
                         "answered": _count(rep.answered), "abandoned": _count(rep.abandoned), "aht_s": rep.aht_s,
                         "asa_s": rep.asa_s, "service_level": None,
                         "p_abandon": rep.abandoned / rep.offered if rep.offered and rep.abandoned is not None
                         else None, "source": "intervals"}
            continue
        offered = calls["offered"] + rep.offered
        answered = None if rep.answered is None else calls["answered"] + rep.answered
        abandoned = None if rep.abandoned is None else calls["abandoned"] + rep.abandoned
        calls.update(offered=_count(offered), answered=_count(answered), abandoned=_count(abandoned),
                     aht_s=_mean(calls["aht_s"], calls["answered"], rep.aht_s, rep.answered, rep.offered),
                     asa_s=_mean(calls["asa_s"], calls["answered"], rep.asa_s, rep.answered, rep.offered),
                     service_level=None, source="calls+intervals",
                     p_abandon=abandoned / offered if offered and abandoned is not None else None)
    return [rows[key] for key in sorted(rows)]


def _finest(minutes: int) -> str:
    """The --interval word for ``minutes`` (15m, 30m or 1h)."""
    return "1h" if minutes == 60 else f"{minutes}m"


def _count(value: float | None) -> float | int | None:
    """A count as a report gives it: whole numbers as int (as the call records' counts), a fraction kept."""
    return int(value) if value is not None and float(value).is_integer() else value


def _mean(calls_mean: float | None, calls_answered: int, reported_mean: float | None, reported_answered: float | None,
          reported_offered: float) -> float | None:
    """A mean over the call records' answered calls and a report's (weighted by its answered, else offered); the
    one side's mean when the other has none."""
    weight = reported_offered if reported_answered is None else reported_answered
    if reported_mean is None or not weight:
        return calls_mean
    if calls_mean is None or not calls_answered:
        return reported_mean
    return (calls_mean * calls_answered + reported_mean * weight) / (calls_answered + weight)


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


def queue_summaries(workspace: Workspace, rows: list[dict], deadline_s: float | None = None) -> list[dict]:
    """Per queue of ``interval_history`` rows: its channel, offered, abandoned, the patience estimates (None for an
    email queue, and for one without call records) and ``records`` (``calls``, ``intervals`` or
    ``calls+intervals``); ``note`` says what interval reports cannot give, and for an email queue measured without
    ``deadline_s`` why it has no service level (None when there is nothing to say).
    ``abandoned`` is None when a report lacks the column."""
    summaries = []
    for name in sorted({r["queue"] for r in rows}):
        mine = [r for r in rows if r["queue"] == name]
        offered = _count(sum(r["offered"] for r in mine))
        channel = workspace.queue_channel(name) or "voice"
        p = patience(workspace, name)
        sources = {part for r in mine for part in r["source"].split("+")}
        records = "+".join(s for s in ("calls", "intervals") if s in sources)
        abandoned = None if any(r["abandoned"] is None for r in mine) else _count(sum(r["abandoned"] for r in mine))
        # an email item never abandons: no patience to estimate (its wait is the backlog's, docs/capacity.md); a
        # report has no waits: the patience comes from call records alone, none without them
        kept = channel != "email" and p.offered > 0
        note = None
        if records == "intervals":
            note = NEEDS_CALL_RECORDS if channel != "email" else ("interval reports only: the share answered within "
                                                                  "the target needs call records (each item's wait), "
                                                                  "which a report does not give")
        elif records == "calls+intervals":
            note = ("call records and interval reports: service level only in intervals of call records alone, "
                    "patience from the call records (a report has no waits)")
        if channel == "email" and deadline_s is None and records != "intervals":
            note = EMAIL_NEEDS_DEADLINE + (f"; {note}" if note else "")
        summaries.append({"queue": name, "channel": channel, "time_zone": mine[0]["time_zone"], "offered": offered,
                          "abandoned": abandoned,
                          "p_abandon": abandoned / offered if offered and abandoned is not None else None,
                          "patience_mean_s_exponential": p.mean_s_exponential if kept else None,
                          "patience_median_s_kaplan_meier": p.median_s_kaplan_meier if kept else None,
                          "patience_restricted_mean_s_kaplan_meier":
                              p.restricted_mean_s_kaplan_meier if kept else None,
                          "records": records, "note": note})
    return summaries
