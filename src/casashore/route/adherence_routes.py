"""The router's adherence API: the day's figures per agent and team, supervisors' exceptions, and the alerts
on the event stream (docs/routing.md, "Adherence").

``attach`` joins an AdherenceMonitor to a RouterService: the monitor first replays the day's stored events (a
router restarted mid-day), then reads every event the service publishes, and after each tick (at most every
``CHECK_EVERY_S``) the service announces its alerts; at a site day's close the day's record goes with the
router's other records (the workspace, or the centre's PostgreSQL records).
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Protocol

from fastapi import Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from casashore.domain.base import Strict
from casashore.route.adherence_monitor import KEEP_DAYS, AdherenceMonitor, daily_rows, iso
from casashore.route.auth import Principal
from casashore.route.planned import RosterPlan, day_window
from casashore.route.service import RouterService

CHECK_EVERY_S = 5.0
"""Alerts are looked for this often: an alert comes at most this long after the grace ends."""
MAX_EXCEPTION_H = 24
DAYS_AHEAD = 31
MAX_EXCEPTIONS = 500
"""Exceptions kept per agent (over the days kept): a bound on what requests can make the router remember."""
DAY = "The site day, YYYY-MM-DD [default: today on the site's clock]"


class EventReads(Protocol):
    def adherence_events(self, start: datetime, end: datetime) -> list[tuple[datetime, str, str, str]]: ...


StoredEvents = AbstractContextManager[EventReads]
"""The router's records opened for one read (Workspace.duplicate, CentreReads), closed after it."""


class DayKeeper(Protocol):
    def add_adherence_day(self, day: date, rows: list[dict]) -> None: ...


def attach(service: RouterService, monitor: AdherenceMonitor, *, records: Callable[[], StoredEvents] | None = None,
           keep: DayKeeper | None = None) -> None:
    """The monitor fed by the service's events; its alerts announced after ticks; each closed day recorded.

    ``records`` opens the records this router holds (its workspace, or the centre's PostgreSQL records): a router
    (re)started mid-day first replays the day's stored events, so its figures are those of a router that ran
    through. ``keep``: where each closed day's record goes [default: the service's workspace recorder]."""
    if records is not None:
        replay_day(monitor, records, service.now())
    monitor.seed(service.router.agents.values(), service.now())  # a node joining a centre on Redis
    service.subscribers.append(monitor.observe)
    keeper = keep if keep is not None else service.recorder
    last = {"check": float("-inf"), "day": monitor.site_day(service.now())}

    def after_tick(now: float) -> None:
        day = monitor.site_day(now)
        if day != last["day"]:  # the day closed: its record, with the router's records (written off the loop)
            closed = last["day"]
            last["day"] = day
            if keeper is not None:
                keeper.add_adherence_day(closed, daily_rows(monitor.report(closed, now)))
            monitor.forget_before(monitor.plan(day).start - KEEP_DAYS * 86_400)
        if now - last["check"] >= CHECK_EVERY_S:
            last["check"] = now
            service.announce(monitor.check(now))

    service.tick_hooks.append(after_tick)


def replay_day(monitor: AdherenceMonitor, records: Callable[[], StoredEvents], now: float) -> int:
    """The site day's stored events up to ``now`` (each agent's last status before it, the calls running into
    it, the approved exceptions and alerts) observed in the log's order; returns how many."""
    monitor.first_day = monitor.site_day(now)
    start, _ = day_window(monitor.first_day, monitor.roster.time_zone)
    with records() as stored:
        events = stored.adherence_events(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(now, UTC))
    monitor.observe([(at.timestamp(), event, subject, detail) for at, event, subject, detail in events])
    return len(events)


class AdherenceException(Strict):
    agent: Annotated[str, Field(min_length=1, max_length=63)]
    start: Annotated[str, Field(min_length=10, max_length=40)]
    """ISO date-time: with an offset, that instant; without, on the site's clock."""
    end: Annotated[str, Field(min_length=10, max_length=40)]
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class ActivityMinutes(BaseModel):
    scheduled_min: float
    in_adherence_min: float
    by_exception_min: float
    """Of the minutes in adherence, those counted so only through an approved exception."""
    out_of_adherence_min: float


class Figures(BaseModel):
    adherence: float | None
    """Time in adherence while scheduled / scheduled time; null with nothing scheduled."""
    conformance: float | None
    """Time working / time planned at work; null with no work planned."""
    scheduled_min: float
    worked_min: float
    out_of_adherence_min: float
    activities: dict[str, ActivityMinutes]
    """work, break, lunch, off"""


class AgentAdherence(Figures):
    agent: str
    team: str | None
    out_of_adherence_since: str | None
    """The start of the current spell out of adherence (site clock), or null."""
    planned: str | None
    doing: str | None


class TeamAdherence(Figures):
    team: str
    agents: int


class AdherenceReport(BaseModel):
    date: str
    time_zone: str
    from_: str = Field(alias="from")
    until: str
    """The figures cover the day from ``from`` to ``until`` (now, for today)."""
    grace_s: float
    roster: bool
    """False when the router follows no roster (``route serve`` without ``--roster``)."""
    agents: list[AgentAdherence]
    teams: list[TeamAdherence]


class OutLine(BaseModel):
    agent: str
    team: str | None
    planned: str
    doing: str
    since: str
    minutes: int


class OutOfAdherence(BaseModel):
    roster: bool
    grace_s: float
    at: str
    agents: list[OutLine]


class ExceptionView(BaseModel):
    agent: str
    start: str
    end: str
    reason: str
    approved_by: str


def add_adherence_routes(app: FastAPI, service: RouterService, followed: AdherenceMonitor | None,
                         principal: Callable[..., Principal], responses: Callable[..., dict]) -> None:
    """The routes; ``followed`` None: the router follows no roster (every figure empty, ``roster`` false)."""
    Caller = Annotated[Principal, Depends(principal)]
    now = service.now
    monitor = followed or AdherenceMonitor(RosterPlan(service.stats.zone.key, ()))

    def day_of(value: date | None) -> date:
        today = monitor.site_day(now())
        day = value or today
        if monitor.first_day is not None and day < monitor.first_day:
            raise HTTPException(404, f"date: {day.isoformat()} is before the router's restart, on "
                                     f"{monitor.first_day.isoformat()}; expected that day or later (older days: "
                                     "`casashore route adherence`, the records' daily record)")
        if day < today - timedelta(days=KEEP_DAYS - 1):
            raise HTTPException(404, f"date: {day.isoformat()} is not kept by the router; expected one of the last "
                                     f"{KEEP_DAYS} days (older days: `casashore route adherence`, the workspace's "
                                     "daily record)")
        if day > today + timedelta(days=DAYS_AHEAD):
            raise HTTPException(404, f"date: {day.isoformat()} is too far ahead; expected at most {DAYS_AHEAD} days "
                                     "after today (a day not begun has only its plan)")
        return day

    def readers(who: Caller) -> str | None:
        """None for a supervisor (everyone), the agent's own id for an agent; a trunk: 403."""
        if who.role == "supervisor":
            return None
        if who.role == "agent":
            return who.agent_id
        raise HTTPException(403, "only a supervisor or an agent (for herself) reads adherence")

    @app.get("/api/adherence", **responses(403, 404, 422))
    async def adherence(who: Caller, day: Annotated[date | None, Query(alias="date", description=DAY)] = None
                        ) -> AdherenceReport:
        """The day's adherence, conformance and minutes out of adherence per agent (and per team for a
        supervisor), up to now; who is out of adherence and since when. An agent sees only herself."""
        only = readers(who)
        return AdherenceReport.model_validate(monitor.report(day_of(day), now(), only=only)
                                              | {"roster": followed is not None})

    @app.get("/api/adherence/out", **responses(403))
    async def out_of_adherence(who: Caller) -> OutOfAdherence:
        """Who is out of adherence now for at least the grace, since when (site clock) and for how many whole
        minutes, longest first: the wallboard's lines (an agent: herself only)."""
        only = readers(who)
        return OutOfAdherence(roster=followed is not None, grace_s=monitor.grace_s, at=iso(now(), monitor.zone),
                              agents=[OutLine(**line) for line in monitor.out_now(now(), only=only)])

    @app.get("/api/adherence/exceptions", **responses(403, 404, 422))
    async def exceptions(who: Caller, day: Annotated[date | None, Query(alias="date", description=DAY)] = None
                         ) -> list[ExceptionView]:
        """The approved exceptions overlapping the day, with who approved each (an agent: her own)."""
        only = readers(who)
        return [ExceptionView(**e) for e in monitor.exceptions(day_of(day), only=only)]

    @app.post("/api/adherence/exceptions", status_code=201, **responses(400, 403, 404, 409, 422))
    async def approve(request: AdherenceException, who: Caller) -> ExceptionView:
        """A supervisor's approved exception: the agent counts as in adherence from ``start`` to ``end``
        (a meeting, a training, a system outage); recorded in the event log with who approved it."""
        if who.role != "supervisor":
            raise HTTPException(403, f"only a supervisor approves exceptions ({who.role} may not)")
        if request.agent not in monitor.logs:
            raise HTTPException(404, f"agent {request.agent!r}: not an agent of the roster" + (
                "" if followed is not None else " (this router follows none: route serve --roster)"))
        if len(monitor.logs[request.agent].excused) >= MAX_EXCEPTIONS:
            raise HTTPException(409, f"agent {request.agent!r}: {MAX_EXCEPTIONS} exceptions kept already (the "
                                     f"router keeps {KEEP_DAYS} days)")
        start, end = instant("start", request.start, monitor), instant("end", request.end, monitor)
        earliest = monitor.plan(monitor.site_day(now())).start - KEEP_DAYS * 86_400
        if not earliest <= start <= now() + DAYS_AHEAD * 86_400:
            raise HTTPException(422, f"start: {request.start!r} is not valid; expected a time within the last "
                                     f"{KEEP_DAYS} days or the next {DAYS_AHEAD}")
        if not start < end <= start + MAX_EXCEPTION_H * 3600:
            raise HTTPException(422, f"end: {request.end!r} is not valid; expected after start by at most "
                                     f"{MAX_EXCEPTION_H} hours")
        event = monitor.exception_event(request.agent, start, end, request.reason, who.name or who.role, now())
        service.announce([event])
        return ExceptionView(agent=request.agent, start=iso(start, monitor.zone), end=iso(end, monitor.zone),
                             reason=request.reason, approved_by=who.name or who.role)


def instant(field: str, text: str, monitor: AdherenceMonitor) -> float:
    """An ISO date-time of a request: with an offset, that instant; without, on the site's clock."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(422, f"{field}: {text[:40]!r} is not valid; expected a date-time such as "
                                 "2026-03-02T14:00 (the site's clock) or 2026-03-02T14:00+01:00") from None
    return (at if at.tzinfo is not None else at.replace(tzinfo=monitor.zone)).timestamp()
