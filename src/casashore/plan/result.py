"""The plan's results, typed: one record per step (history, forecast, staffing, schedule, simulation, the goal
loop, sizing, verdict) and the PlanResult that holds them; the simulation step is the simulator's own
SimulatedCentre (simulate/results.py). Each record's fields are its JSON keys in the order
``casashore plan --json`` prints them (docs/architecture.md): ``to_json()`` is that JSON exactly (and
json_record.json_chunks writes it in pieces), and a step stored in the workspace comes back with ``from_json()``.
Times stay ISO strings, as in the JSON. What grows with queues x intervals is held as columns (domain/columns.py):
the forecast's intervals, and the simulation's (simulate/results.py), read as records one row at a time; the
staffing's and the schedule's numbers per interval as Series (one array each, read as the list it stands for)."""

from __future__ import annotations

from dataclasses import dataclass

from casashore.domain.columns import Series
from casashore.domain.json_record import JsonRecord, optional_key
from casashore.domain.site import Site
from casashore.forecast.intervals import ForecastInterval, ForecastIntervals  # noqa: F401 (the rows, re-exported)
from casashore.simulate.results import SimulatedCentre


@dataclass(frozen=True)
class Assumption(JsonRecord):
    """What the plan takes for a queue that its history cannot give (plan/reported.py): a queue whose history is
    interval reports only has no waits to measure callers' patience from, and maybe no handle time."""
    queue: str
    field: str
    """the scenario's field the plan uses in its place: patience_s or aht_s"""
    value: float | None
    """what is used (patience_s null: callers never hang up)"""
    source: str
    """scenario (the queue's own setting), default (patience_s absent: none) or reports (their handle time where
    given, the scenario's elsewhere)"""
    why: str


@dataclass(frozen=True)
class History(JsonRecord):
    calls: dict[str, int]
    """queue -> calls in the workspace"""
    reported: dict[str, float] | None = optional_key()
    """queue -> contacts offered in its interval reports, for the queues that have any (absent when none has)"""
    assumptions: list[Assumption] | None = optional_key()
    """what the plan assumes where the history cannot say (absent when nothing is assumed)"""
    regenerated: list[str] | None = optional_key()
    """the synthetic queues whose history in the workspace was another one's (another scenario's spec, start or
    seed for a queue of the same name) and was replaced by this scenario's (absent when none was)"""


@dataclass(frozen=True)
class Forecast(JsonRecord):
    models: dict[str, str]
    """queue -> the model its backtest chose"""
    intervals: ForecastIntervals
    """the planned days' intervals, queue by queue in the scenario's order (a list of ForecastInterval given is
    turned into these columns)"""

    def __post_init__(self) -> None:
        object.__setattr__(self, "intervals", ForecastIntervals.of_rows(self.intervals))


@dataclass(frozen=True)
class SkillRequirement(JsonRecord):
    """One skill's pooled queues, per site interval (lists or arrays given are held as Series: domain/columns.py)."""
    on_phone: Series
    with_shrinkage: Series
    calls: Series
    aht_s: Series
    channel: str | None = optional_key()
    """chat or email (absent for voice): on_phone is then the agents working the skill's one chat or email queue
    (queueing/chat.py, queueing/email_backlog.py), calls its sessions or items; a blended pool's channels joined by
    + (voice+email, voice+chat, voice+chat+email): on_phone the pool's agents, calls and aht_s its voice queue's"""
    by_channel: dict[str, list[float]] | None = optional_key()
    """a blended pool's staffed on_phone in parts, per channel (they add up to the staffing step's on_phone; the
    goal loop raises on_phone alone): voice its queue's Erlang
    requirement, chat the agents added for its chats, email those added for its emails (plan/channels.py
    ``pool_requirement``); absent elsewhere"""
    apart: list[float] | None = optional_key()
    """a blended pool's queues each staffed alone, added up (before shrinkage): what blending is compared with"""

    def __post_init__(self) -> None:
        for name in ("on_phone", "with_shrinkage", "calls", "aht_s"):
            object.__setattr__(self, name, Series(getattr(self, name)))


@dataclass(frozen=True)
class QueueVolume(JsonRecord):
    calls: Series
    """per site interval"""
    aht_s: float
    """mean over the plan"""

    def __post_init__(self) -> None:
        object.__setattr__(self, "calls", Series(self.calls))


@dataclass(frozen=True)
class Staffing(JsonRecord):
    starts: list[str]
    """site interval starts (wall clock)"""
    required: dict[str, SkillRequirement]
    """skill -> agents required"""
    queues: dict[str, QueueVolume]
    """each queue's own volume, for the simulation"""


@dataclass(frozen=True)
class UncoverableInterval(JsonRecord):
    skill: str
    start: str


@dataclass(frozen=True)
class ShiftCount(JsonRecord):
    shift: str
    day: int
    agents: int


@dataclass(frozen=True)
class Schedule(JsonRecord):
    """The plan's view of the solver's ShiftSchedule (schedule/covering.py), with the paid hours."""
    status: str
    gap: float | None
    cost: float
    objective: float
    bound: float
    stopped_by: str
    solver: str
    uncoverable: list[UncoverableInterval]
    counts: list[ShiftCount]
    """agents starting each shift template on each plan day"""
    scheduled: dict[str, Series]
    """skill -> agents on shift and not on break"""
    at_work: dict[str, Series]
    """skill set -> agents on shift and not on break"""
    on_shift_total: Series
    paid_hours: float

    def __post_init__(self) -> None:
        for name in ("scheduled", "at_work"):
            object.__setattr__(self, name, {key: Series(v) for key, v in getattr(self, name).items()})
        object.__setattr__(self, "on_shift_total", Series(self.on_shift_total))


@dataclass(frozen=True)
class GoalRound(JsonRecord):
    cost: float
    gap: float | None
    missed_intervals: dict[str, int]
    """skill -> intervals that missed their goal beyond the noise"""


@dataclass(frozen=True)
class GoalLoop(JsonRecord):
    """The goal loop's last round (plan/pipeline.py): stored as one step."""
    required: dict[str, SkillRequirement]
    """the requirement after the rounds' raises"""
    schedule: Schedule
    simulation: SimulatedCentre
    rounds: list[GoalRound]


@dataclass(frozen=True, kw_only=True)  # keyword-only: a field with a default (people_at_least) sits mid-way
class Sizing(JsonRecord):
    seats_at_peak: int
    seats_available: int
    seats_ok: bool
    floor_m2: float
    fte: float
    jobs: int
    people_at_least: int | None = optional_key()  # absent from sizings stored before it was added
    paid_hours: float
    labour_cost: float
    currency: str
    busy_interval: str
    busy_line_erlangs: float
    phone_lines: int
    bps_per_call: float
    busy_bandwidth_bps: float
    link_capacity_bps: float
    link_usable_bps: float
    link_share: float
    bandwidth_bps: list[float]
    """per site interval"""


@dataclass(frozen=True)
class DayLevel(JsonRecord):
    """A queue's service on one site day, as judged by the verdict (plan/goals.py)."""
    queue: str
    day: str
    calls: float
    """simulated: the day's arrivals in the simulation (calls, chat sessions or email items offered), the
    replications' mean; not the forecast (``staffing.queues[].calls``, the report's daily contacts), from which it
    differs by the simulation's random arrivals"""
    service_level: float
    service_level_ci95: float
    goal: float
    p_abandon: float
    status: str
    """met, at_risk or not_met"""
    intervals_below_goal: int
    channel: str | None = optional_key()
    """chat or email (absent for voice); email: calls are items, service_level the share within the deadline"""
    judged: float | None = optional_key()
    """email only: the day's arrivals in intervals whose level is measured (calls less those whose items are all
    still open at the horizon's end); the service level is over these"""


@dataclass(frozen=True)
class VerdictReason(JsonRecord):
    reason: str
    """goal_not_met, goal_at_risk, safety_limit, uncoverable"""
    days: list[str] | None = optional_key()
    """"queue day" of the days behind a goal reason"""
    intervals: list[UncoverableInterval] | None = optional_key()
    """the intervals behind the uncoverable note"""


@dataclass(frozen=True)
class Verdict(JsonRecord):
    status: str
    """met, at_risk or not_met"""
    reasons: list[VerdictReason]
    coverage: float
    cost: float
    bound: float | None
    gap: float | None
    stopped_by: str | None
    rounds: int
    days: list[DayLevel]


@dataclass(frozen=True)
class PlanResult(JsonRecord):
    """What ``casashore plan --json`` prints (after ``report``), the report shows and the API summarises."""
    site: Site
    history: History
    forecast: Forecast
    staffing: Staffing
    required_after_rounds: dict[str, SkillRequirement]
    rounds: list[GoalRound]
    schedule: Schedule
    simulation: SimulatedCentre
    sizing: Sizing
    verdict: Verdict
    reused_steps: list[str]
    """steps read back from the workspace"""
