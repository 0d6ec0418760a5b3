"""A plan queue whose history is interval reports (docs/plan.md, "History from interval reports"): what such a
history is checked for, and what the plan must assume because a report cannot say it.

A report gives contacts offered per interval, and their handle time where its mapping has an AHT column: the
forecast reads both (workspace/queries.py COUNTS_PER_INTERVAL). It gives no individual waits, so callers' patience
(Erlang A in the staffing, abandonment in the simulation) cannot be measured from it: the scenario's
``patience_s`` is used, and without one callers are taken never to hang up (Erlang C, the larger requirement).
Either way the plan names it among its ``history.assumptions``, as it names the scenario's ``aht_s`` taken where
the reports have no handle time. An email item never abandons: no patience is assumed for it."""

from __future__ import annotations

from casashore.errors import UserError
from casashore.plan.result import Assumption
from casashore.plan.scenario import PlanQueue
from casashore.workspace.store import QueueRecords


def check_lengths(queue: PlanQueue, where: str, lengths: list[int], interval_min: int) -> None:
    """Refuse a plan whose interval cannot hold the queue's reports (an hourly report in a 15-minute plan would
    be left out of the forecast, not cut: its share of each quarter is not known)."""
    longer = [m for m in lengths if interval_min % m]
    if longer:
        raise UserError("plan.interval_min", interval_min, f"a multiple of {max(longer)}: the interval reports of "
                        f"queue {queue.name!r} ({where}) are {max(longer)} minutes long, which a "
                        f"{interval_min}-minute plan cannot cut")


def assumptions(queue: PlanQueue, records: QueueRecords) -> list[Assumption]:
    """What the plan assumes for ``queue`` because its history is interval reports: its patience when it has no
    call records (not for email), its handle time where the reports give none. None for a queue of call records."""
    if not records.reported_rows:
        return []
    out = []
    if not records.calls and queue.channel != "email":
        if queue.patience_s is not None:
            out.append(Assumption(queue.name, "patience_s", float(queue.patience_s), "scenario",
                                  "interval reports give no waits to measure callers' patience from: the "
                                  "scenario's patience_s"))
        else:
            out.append(Assumption(queue.name, "patience_s", None, "default",
                                  "interval reports give no waits to measure callers' patience from, and the "
                                  "scenario sets no patience_s: callers are taken never to hang up (Erlang C, "
                                  "no abandonment simulated); set patience_s to plan with Erlang A"))
    if records.rows_without_aht == records.reported_rows and not records.calls:
        out.append(Assumption(queue.name, "aht_s", float(queue.aht_s), "scenario",
                              "the interval reports give no handle time: the scenario's aht_s"))
    elif records.rows_without_aht:
        out.append(Assumption(queue.name, "aht_s", float(queue.aht_s), "reports",
                              f"{records.rows_without_aht:,} of {records.reported_rows:,} interval report rows give "
                              "no handle time: the AHT is the other records' (the scenario's aht_s where none is "
                              "known)"))
    return out
