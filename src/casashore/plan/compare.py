"""Kept plans side by side: each key figure of two or more plans (plan/key_figures.py), its difference from the
first plan (absolute and relative) and, per queue and per queue and day, the service level with its status.
Plans of different queues or days are compared on what they share; what a plan lacks is a null value, and the
row names the plans that lack it."""

from __future__ import annotations

from dataclasses import dataclass

from casashore.domain.json_record import JsonRecord
from casashore.plan.key_figures import KeyFigures

COMPARED = (("fte", "FTE"), ("jobs", "jobs"), ("paid_hours", "h"), ("labour_cost", "currency"),
            ("seats_at_peak", "seats"), ("phone_lines", "lines"), ("busy_bandwidth_bps", "bit/s"),
            ("link_share", "share"), ("coverage", "share"))
"""The plan-wide figures compared, with their unit ("currency": each plan's own, named in its column)."""


@dataclass(frozen=True)
class ComparedPlan(JsonRecord):
    id: str
    scenario: str
    created_at: str
    verdict: str
    currency: str


@dataclass(frozen=True)
class ComparedValue(JsonRecord):
    """One row: a value per plan (null where a plan lacks it), its difference from the first plan's value
    (absolute, and relative to it: null when the first is 0 or either is missing)."""
    name: str
    unit: str
    values: list[float | None]
    differences: list[float | None]
    relative: list[float | None]
    statuses: list[str | None] | None
    """per plan, for service levels: met, at_risk or not_met"""
    missing_in: list[str]
    """ids of the plans that lack this row"""


@dataclass(frozen=True)
class Comparison(JsonRecord):
    plans: list[ComparedPlan]
    figures: list[ComparedValue]
    queues: list[ComparedValue]
    """service level per queue over the plan (name: the queue)"""
    queue_days: list[ComparedValue]
    """service level per queue and site day (name: "queue day")"""


def compare(plans: list[tuple[ComparedPlan, KeyFigures]]) -> Comparison:
    """``plans`` (at least two) side by side, differences against the first."""
    ids = [p.id for p, _ in plans]
    figures = [_row(name, unit, [getattr(f, name) for _, f in plans], None, ids) for name, unit in COMPARED]
    queue_rows: dict[str, list] = {}
    for i, (_, f) in enumerate(plans):
        for q in f.queues:
            queue_rows.setdefault(q.queue, [(None, None)] * len(plans))[i] = (q.service_level, _status(f, q.queue))
    day_rows: dict[str, list] = {}
    for i, (_, f) in enumerate(plans):
        for d in f.queue_days:
            day_rows.setdefault(f"{d.queue} {d.day}", [(None, None)] * len(plans))[i] = (d.service_level, d.status)
    return Comparison(
        plans=[p for p, _ in plans], figures=figures,
        queues=[_row(name, "share", [v for v, _ in row], [s for _, s in row], ids) for name, row in queue_rows.items()],
        queue_days=[_row(name, "share", [v for v, _ in row], [s for _, s in row], ids)
                    for name, row in sorted(day_rows.items())])


def _status(figures: KeyFigures, queue: str) -> str:
    """A queue's status over the plan: its worst day's."""
    order = ("not_met", "at_risk", "met")
    days = [d.status for d in figures.queue_days if d.queue == queue]
    return min(days, key=order.index) if days else "met"


def _row(name: str, unit: str, values: list, statuses: list | None, ids: list[str]) -> ComparedValue:
    first = values[0]
    differences, relative = [], []
    for value in values:
        known = value is not None and first is not None
        differences.append(value - first if known else None)
        relative.append((value - first) / abs(first) if known and first != 0 else None)
    return ComparedValue(name=name, unit=unit, values=values, differences=differences, relative=relative,
                         statuses=statuses, missing_in=[i for i, v in zip(ids, values, strict=True) if v is None])
