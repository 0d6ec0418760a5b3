"""A plan's key figures: what a kept plan is listed and compared by (agents, hours, cost, seats, link, service
level per queue and per queue and day, the verdict), read from its PlanResult. Kept beside the whole plan's JSON
in the workspace (table plan_runs), so that listing plans reads a few numbers, not every interval."""

from __future__ import annotations

from dataclasses import dataclass

from casashore.domain.json_record import JsonRecord
from casashore.plan.result import PlanResult


@dataclass(frozen=True)
class QueueLevel(JsonRecord):
    """A queue's simulated service over the whole plan."""
    queue: str
    service_level: float | None
    service_level_ci95: float | None
    goal: float
    p_abandon: float | None


@dataclass(frozen=True)
class DayService(JsonRecord):
    """A queue's service on one site day, as the verdict judged it."""
    queue: str
    day: str
    service_level: float
    goal: float
    status: str
    """met, at_risk or not_met"""


@dataclass(frozen=True)
class KeyFigures(JsonRecord):
    site: str
    verdict: str
    """met, at_risk or not_met"""
    days: list[str]
    """the site days planned"""
    fte: float
    jobs: int
    paid_hours: float
    labour_cost: float
    currency: str
    seats_at_peak: int
    seats_available: int
    phone_lines: int
    busy_bandwidth_bps: float
    link_share: float
    coverage: float
    """share of the requirement the schedule covers"""
    queues: list[QueueLevel]
    queue_days: list[DayService]


def key_figures(plan: PlanResult) -> KeyFigures:
    sizing, verdict = plan.sizing, plan.verdict
    return KeyFigures(
        site=plan.site.name, verdict=verdict.status, days=sorted({d.day for d in verdict.days}),
        fte=sizing.fte, jobs=sizing.jobs, paid_hours=sizing.paid_hours, labour_cost=sizing.labour_cost,
        currency=sizing.currency, seats_at_peak=sizing.seats_at_peak, seats_available=sizing.seats_available,
        phone_lines=sizing.phone_lines, busy_bandwidth_bps=sizing.busy_bandwidth_bps, link_share=sizing.link_share,
        coverage=verdict.coverage,
        queues=[QueueLevel(queue=q.queue, service_level=q.measures.service_level,
                           service_level_ci95=q.measures.service_level_ci95, goal=q.service_level_goal,
                           p_abandon=q.measures.p_abandon) for q in plan.simulation.queues],
        queue_days=[DayService(queue=d.queue, day=d.day, service_level=d.service_level, goal=d.goal, status=d.status)
                    for d in verdict.days])
