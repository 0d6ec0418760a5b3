"""What `casashore schedule` does: read the requirement, the shift templates and the labour rules; staff the
hours the site is open (a requirement while closed is reported, not staffed: schedule.rules.staffed_while_open,
which the plan follows too); solve the covering problem; and, given agents, name who works each shift over the
roster's weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from casashore.domain.units import duration_s, number
from casashore.errors import UserError
from casashore.schedule.covering import ShiftSchedule, solve
from casashore.schedule.inputs import Requirement, ShiftTemplate, read_requirement, read_shifts
from casashore.schedule.roster import Agent, Roster, read_agents, solve_roster
from casashore.schedule.roster_breaks import agents_breaks
from casashore.schedule.rules import LabourRules, open_intervals, read_rules, staffed_while_open


@dataclass(frozen=True)
class ScheduleRequest:
    """The schedule command's inputs, as the user gave them (files and text)."""
    requirements: Path
    shifts: Path
    cyclic: bool = False
    hard: bool = False
    under_penalty: str | None = None
    over_penalty: str = "0"
    time_limit: str = "600s"
    gap: str = "0"
    nodes: int = 2_000
    site_zone: str = "Africa/Casablanca"
    rules: Path | None = None
    open_hours: str | None = None
    roster: Path | None = None
    weeks: int | None = None
    roster_start: str | None = None
    plot: Path | None = None


@dataclass(frozen=True)
class NamedRoster:
    """The roster, typed, with who was rostered and over which days (for its workbook)."""
    result: Roster
    agents: list[Agent]
    first_day: date
    days: int


@dataclass(frozen=True)
class Schedule:
    doc: dict
    """The JSON document of `casashore schedule --json`."""
    coverage: list[dict]
    """Per group and interval: required, scheduled, unmet, over (empty when infeasible)."""
    horizon_days: int
    roster: NamedRoster | None = None
    site_zone: str = "Africa/Casablanca"


def make_schedule(request: ScheduleRequest) -> Schedule:
    """Shifts (and breaks) covering the open hours' requirement at least cost; with agents, the roster."""
    labour = read_rules(request.rules)
    requirement = read_requirement(request.requirements, request.site_zone)
    is_open = open_intervals(request.open_hours or labour.opening_hours, requirement.starts,
                             requirement.interval_min, requirement.one_day)
    requirement, closed = staffed_while_open(requirement, is_open)
    templates = read_shifts(request.shifts, requirement, max_paid_h=labour.max_daily_hours)
    agents = read_agents(request.roster, requirement.groups, labour) if request.roster is not None else None
    result = solve(requirement, templates, cyclic=request.cyclic, hard=request.hard,
                   under_penalty=None if request.under_penalty is None else number("under_penalty",
                                                                                   request.under_penalty),
                   over_penalty=number("over_penalty", request.over_penalty),
                   time_limit_s=duration_s("time_limit", request.time_limit), open_mask=is_open,
                   gap=number("gap", request.gap, low=0.0, high=0.99), node_limit=request.nodes)
    coverage = _coverage(requirement, result)
    doc = _document(requirement, templates, result, coverage, closed)
    named = None
    if agents is not None and result.status != "infeasible":
        named = _roster(agents, requirement, templates, result, labour, request.weeks, request.roster_start,
                        request.time_limit)
        doc["roster"] = roster_document(named.result, _agents_breaks(named, requirement, templates, result))
    if request.plot is not None and coverage:
        from casashore.report.figures import coverage_figure, write_figure  # plotly: only for --plot

        write_figure(coverage_figure(coverage), request.plot)
    return Schedule(doc, coverage, len(requirement.starts) * requirement.interval_min // 1440, named,
                    request.site_zone)


def _when(requirement: Requirement, interval: int) -> str:
    """An interval's start as the requirement gave it: HH:MM for one day, an ISO date-time otherwise."""
    start = requirement.starts[interval]
    return start.strftime("%H:%M") if requirement.one_day else start.isoformat()


def _coverage(requirement: Requirement, result: ShiftSchedule) -> list[dict]:
    coverage = []
    if result.status != "infeasible":
        for group in requirement.groups:
            for i in range(len(requirement.starts)):
                need, have = requirement.required[group][i], float(result.scheduled[group][i])
                row = {"start": _when(requirement, i), "required": need, "scheduled": have,
                       "unmet": max(0.0, need - have), "over": max(0.0, have - need)}
                coverage.append({"group": group, **row} if group else row)
    return coverage


def _document(requirement: Requirement, templates: list[ShiftTemplate], result: ShiftSchedule, coverage: list[dict],
              closed: list[tuple[str, int]]) -> dict:
    solved = result.status != "infeasible"
    doc = {"status": result.status, "cost": result.cost if solved else None,
           "objective": result.objective if solved else None, "gap": result.gap,
           "bound": result.bound if solved else None, "stopped_by": result.stopped_by,
           "solver": result.solver,
           "shifts": {t.name: sum(n for (name, _), n in result.counts.items() if name == t.name) for t in templates},
           "coverage": coverage,
           "uncoverable": [{"group": g, "start": _when(requirement, i)} for g, i in result.uncoverable],
           "required_while_closed": [{"group": g, "start": _when(requirement, i)} for g, i in closed]}
    if not requirement.one_day:
        doc["shifts_by_day"] = [{"shift": name, "day": day, "agents": n}
                                for (name, day), n in sorted(result.counts.items(), key=lambda kv: kv[0][::-1])]
    doc["breaks"] = [{"shift": name, **({} if requirement.one_day else {"day": day}), "break": j + 1,
                      "start": None if t < 0 else _when(requirement, t), "agents": n}
                     for (name, day, j, t), n in sorted(result.breaks.items(), key=lambda kv: (kv[0][1], kv[0]))]
    doc["model"] = result.size
    return doc


def roster_days(requirement: Requirement, weeks: int | None, roster_start: str | None,
                today: date | None = None) -> tuple[date, int, int]:
    """(first day, days to roster, days in the plan): a one-day plan is rostered from ``roster_start`` or the
    next Monday, for a week unless ``weeks`` says more; a longer plan from its own first day, repeated over
    ``weeks`` when given."""
    plan_days = 1 if requirement.one_day else len(requirement.starts) * requirement.interval_min // 1440
    if requirement.one_day:
        try:
            first = date.fromisoformat(roster_start) if roster_start else None
        except ValueError:
            raise UserError("roster_start", roster_start, "a date such as 2026-03-02") from None
        today = today or date.today()
        first = first or today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    else:
        first = requirement.starts[0].date()
    days = 7 * weeks if weeks else (7 if requirement.one_day else plan_days)
    return first, days, plan_days


def _roster(agents: list[Agent], requirement: Requirement, templates: list[ShiftTemplate], plan: ShiftSchedule,
            labour: LabourRules, weeks: int | None, roster_start: str | None, time_limit: str) -> NamedRoster:
    """Name the agents for the plan, repeated over ``weeks``."""
    first, days, plan_days = roster_days(requirement, weeks, roster_start)
    counts = {(name, d): n for d in range(days) for (name, day), n in plan.counts.items() if day == d % plan_days}
    result = solve_roster(agents, templates, counts, first, days, labour,
                          time_limit_s=duration_s("time_limit", time_limit))
    return NamedRoster(result, agents, first, days)


def _agents_breaks(named: NamedRoster, requirement: Requirement, templates: list[ShiftTemplate],
                   plan: ShiftSchedule) -> dict:
    """(agent, day) -> when the agent takes each break of her shift (schedule/roster_breaks.py)."""
    plan_days = 1 if requirement.one_day else len(requirement.starts) * requirement.interval_min // 1440
    return agents_breaks(named.result.assignments, {t.name: t for t in templates}, plan.breaks, named.first_day,
                         plan_days, len(requirement.starts), requirement.interval_min)


def roster_document(result: Roster, breaks: dict | None = None) -> dict:
    """The JSON part of ``schedule --roster``; ``breaks``: (agent, day) -> the agent's breaks that day."""
    breaks = breaks or {}
    return {"status": result.status, "gap": result.gap,
            "objective": None if result.status == "infeasible" else result.objective,
            "assignments": [{"agent": a.agent, "day": a.day.isoformat(), "shift": a.shift, "group": a.group,
                             "start": a.start.isoformat(), "end": a.end.isoformat(), "paid_hours": a.paid_hours,
                             "breaks": breaks.get((a.agent, a.day), "")}
                            for a in result.assignments],
            "open_shifts": [{"day": d.isoformat(), "shift": name, "agents": n} for d, name, n in result.open_shifts],
            "short_hours": [{"agent": agent, "week": w + 1, "hours": h}
                            for (agent, w), h in result.short_hours.items()],
            "diagnosis": [{"day": x["day"].isoformat(), "shift": x["shift"], "agents": x["agents"],
                           "blocked": x["blocked"], "text": x["text"]} for x in result.diagnosis],
            "stopped_by": result.stopped_by, "deterministic_time": result.deterministic_time,
            "greedy_open": result.greedy_open, "model": result.size}
