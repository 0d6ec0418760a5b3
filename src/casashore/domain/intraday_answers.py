"""The intraday answers' typed shapes: the reforecast's (`casashore forecast --intraday --json`) and the re-plan's
(`casashore intraday replan --json`), the same models in `casashore serve`'s API and in the router's own
(route/intraday_routes.py), so both OpenAPI documents describe one answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

QueueName = Annotated[str, Field(min_length=1, max_length=64)]
"""The as-of time's shape (ISO 8601 to the minute, an offset or not); the date's own rules are the use case's."""


class IntradayQueue(BaseModel):
    """One queue's update: the day in its client zone, what was seen and expected before the as-of time, the
    day's level (the factor on the rest of the day-ahead forecast) and how far it moved from 1 (weight 0..1)."""
    queue: str
    time_zone: str
    day: str
    as_of: str
    """the as-of time in the queue's client zone, with its offset"""
    model: str
    """the day-ahead forecast's model"""
    seen_intervals: int
    seen_calls: float
    expected_calls: float
    level: float
    weight: float
    prior_shape: float
    half_life_h: float | None
    """hours after which a seen interval's weight is halved; null: no discount"""
    day_ahead_rest: float
    rest_calls: float


class IntradayInterval(BaseModel):
    queue: str
    start: str
    """client time, with its offset"""
    site_start: str
    """the site's wall time"""
    interval_min: int
    day_ahead: float
    calls: float
    calls_lo_80: float
    calls_hi_80: float
    calls_lo_95: float
    calls_hi_95: float


class SkippedQueue(BaseModel):
    """A queue of the records left out of the reforecast (and so of the re-plan) while the others are answered
    (docs/history.md, "Intraday reforecast"); a question naming it is refused instead."""
    queue: str
    reason: Literal["no_history", "short_history", "records_stop"]
    """no_history: no call before the as-of day (e.g. a queue the router began recording today); short_history:
    fewer than 7 days before it; records_stop: its records end more than a day before it"""
    why: str
    """the reason in words, with the dates"""


class IntradayResponse(BaseModel):
    """The keys of `casashore forecast --intraday --json`."""
    as_of: str
    interval_min: int
    site_zone: str
    queues: list[IntradayQueue]
    intervals: list[IntradayInterval]
    skipped: list[SkippedQueue]
    """the queues that could not be reforecast, each with why (empty when every queue was)"""



class ReplanInterval(BaseModel):
    """One queue's interval: the agents Erlang requires, the roster's agents on the queue (fractional: the share
    of the interval each is there), the gap (required - scheduled), the service level by the formula and simulated
    (with its 95 % half-width; null where no call was simulated)."""
    queue: str
    start: str
    """the site's clock, with its offset"""
    calls: float
    aht_s: float
    required: int
    scheduled: float
    gap: float
    service_level: float
    goal: float
    simulated_service_level: float | None
    simulated_service_level_ci95: float | None


class ProposalCell(BaseModel):
    queue: str
    start: str
    scheduled_before: float
    scheduled_after: float
    service_level_before: float
    service_level_after: float


class SimulatedEffect(BaseModel):
    """The proposal simulated (same seed as the day unchanged): the service level over the intervals it changes."""
    service_level_before: float | None
    service_level_before_ci95: float | None
    service_level_after: float | None
    service_level_after_ci95: float | None


class ShiftView(BaseModel):
    start: str
    end: str
    breaks: list[dict[str, str]]
    moves: list[dict[str, str]]


class Proposal(BaseModel):
    rank: int
    kind: str
    """move_break, move_queue, overtime or voluntary_time_off"""
    agent: str
    what: str
    at: str
    shift_before: ShiftView
    shift_after: ShiftView
    paid_min: float
    calls_below_goal_removed: float
    service_level_before: float | None
    service_level_after: float | None
    intervals: list[ProposalCell]
    simulated: SimulatedEffect | None


class NotAtWorkView(BaseModel):
    """An agent not at work at the as-of time: seen so by the router (docs/intraday.md, "Who is at work"), or
    said absent by the question."""
    agent: str
    kind: str
    """absent (for the rest of the day, unless she comes back) or away (off the phones until ``until``)"""
    since: str | None
    """site time with offset: since when (absent: offline, counted from her shift's start; away: on a break)"""
    until: str | None
    """away: when she is counted back; null for absent"""
    why: str
    """in words, e.g. ``offline since 09:12``, ``said absent (absent=)``"""


class NoProposal(BaseModel):
    """Why the re-plan proposes nothing, and the agents the rest of the day lacks (docs/intraday.md, "When nothing
    is proposed")."""
    reason: Literal["no_shortfall", "no_change_allowed", "no_single_change_helps"]
    """no_shortfall: every interval keeps its goal; no_change_allowed: short, but the labour rules allow no
    change; no_single_change_helps: short, and no one change lifts a short interval's service level"""
    words: str
    """the reason in a sentence"""
    agents_short_peak: int
    """the most agents short at once (the largest gap, rounded up)"""
    agent_hours_short: float
    """the gaps summed over the intervals short of agents, in agent-hours"""


class ReplanResponse(BaseModel):
    """The keys of `casashore intraday replan --json`."""
    as_of: str
    site_zone: str
    interval_min: int
    interval_count: int
    agents: int
    absent: list[str]
    """every agent counted absent with a shift in the rest of the day: said absent or seen so by the router"""
    presence_from: str
    """what said who is at work, in words: the router's statuses at an instant (with its grace), or the roster
    alone; and the question's absent agents"""
    not_at_work: list[NotAtWorkView]
    """why each agent absent or away is (the router's view and the question's ``absent``)"""
    calls_below_goal: float
    replications: int
    seed: int
    queues: list[str]
    skipped: list[SkippedQueue]
    """the queues of the records left out of the reforecast, each with why (their agents count nowhere)"""
    intervals: list[ReplanInterval]
    proposals: list[Proposal]
    no_proposal: NoProposal | None
    """null when something is proposed; else why not, and the agents needed"""
