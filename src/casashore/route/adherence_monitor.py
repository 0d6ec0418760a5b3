"""Adherence kept live from the router's event log: each rostered agent's statuses and calls, the supervisors'
approved exceptions, and the out-of-adherence alerts after a grace.

One path for the live router and for the records: ``observe`` takes the events as the router logs them (the
service's subscribers get them; ``casashore route adherence`` reads them back from the workspace), exceptions
included — an exception is an event (``adherence_exception``, its detail JSON with the range, the reason and who
approved it), so the log is its audit trail. The figures are adherence.py's, on the clock the caller gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from casashore.route.adherence import Excused, Figures, Timeline, done_timeline, figures, out_since, team_figures
from casashore.route.planned import DayPlan, RosterPlan

Event = tuple[float, str, str, str]
EXCEPTION, ALERT, BACK = "adherence_exception", "adherence_alert", "adherence_ok"
KEEP_DAYS = 7
"""Days of statuses kept in memory (older days: the workspace's daily record)."""


def iso(at: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, zone).isoformat(timespec="seconds")


@dataclass
class AgentLog:
    statuses: list[tuple[float, str, str]] = field(default_factory=list)
    calls: list[tuple[float, float]] = field(default_factory=list)
    """Answer to end; a call in progress ends at +inf."""
    excused: list[Excused] = field(default_factory=list)


class AdherenceMonitor:
    def __init__(self, roster: RosterPlan, grace_s: float = 300.0) -> None:
        self.roster = roster
        self.zone = ZoneInfo(roster.time_zone)
        self.grace_s = grace_s
        self.logs: dict[str, AgentLog] = {agent: AgentLog() for agent in roster.agents()}
        self._call_agent: dict[str, str] = {}
        self.alerted: dict[str, str] = {}
        """agent -> the start (site clock, to the second) of the out-of-adherence spell an alert was sent for: set
        by the alert's event too, so a router restarted from its records, or another node of the centre, does not
        send it again."""
        self.first_day: date | None = None
        """Set by a replay of the records (a router restarted): the first day whose events it holds all of."""
        self._plans: dict[date, DayPlan] = {}
        self._done: dict[str, Timeline] = {}
        """Each agent's timeline of what she did, rebuilt only after her events (alerts look often)."""

    # -- the log ------------------------------------------------------------------------------------------
    def observe(self, events: list[Event]) -> None:
        """The router's events (other agents' and the routing's own are ignored)."""
        for at, event, subject, detail in events:
            for agent in (subject, detail):
                self._done.pop(agent, None)
            if event == "status" and subject in self.logs:
                status, _, reason = detail.partition(":")
                self.logs[subject].statuses.append((at, status, reason))
            elif event == "agent_added" and subject in self.logs:  # a router (re)start: offline, no call
                self._end_call(subject, at)
                self.logs[subject].statuses.append((at, "offline", ""))
            elif event == "answered" and detail in self.logs:
                self._end_call(detail, at)
                self._call_agent[subject] = detail
                self.logs[detail].calls.append((at, float("inf")))
            elif event == "ended" and subject in self._call_agent:
                self._end_call(self._call_agent.pop(subject), at)
            elif event == "requeued" and subject in self._call_agent:  # her session handed back: done with it
                self._end_call(self._call_agent.pop(subject), at)
            elif event == EXCEPTION and subject in self.logs:
                self.logs[subject].excused.append(excused_of(detail))
            elif event == ALERT and subject in self.logs:
                self.alerted[subject] = detail.split(":", 2)[-1]
            elif event == BACK:
                self.alerted.pop(subject, None)

    def _end_call(self, agent: str, at: float) -> None:
        self._done.pop(agent, None)
        calls = self.logs[agent].calls
        if calls and calls[-1][1] == float("inf"):
            calls[-1] = (calls[-1][0], at)

    def seed(self, agents: Iterable, now: float) -> None:
        """What a node joining a running centre finds (the router's agents, with the state in Redis): statuses
        and calls in progress it has seen no event of, taken as beginning ``now``; an agent whose status differs
        from the last one replayed from the records (changed while this node was away) has it from ``now``."""
        for agent in agents:
            log = self.logs.get(agent.agent_id)
            if log is None:
                continue
            if log.statuses:
                if log.statuses[-1][1:] != (agent.status, agent.reason):
                    log.statuses.append((now, agent.status, agent.reason))
                    self._done.pop(agent.agent_id, None)
                continue
            if agent.status != "offline":
                log.statuses.append((now, agent.status, agent.reason))
            if agent.state == "busy" and agent.call_id:
                self._call_agent[agent.call_id] = agent.agent_id
                log.calls.append((now, float("inf")))
            self._done.pop(agent.agent_id, None)

    def exception_event(self, agent: str, start: float, end: float, reason: str, approved_by: str,
                        now: float) -> Event:
        """The event that records a supervisor's approved exception (``observe`` it, or publish it)."""
        detail = json.dumps({"start": iso(start, self.zone), "end": iso(end, self.zone), "reason": reason,
                             "approved_by": approved_by, "approved_at": iso(now, self.zone)}, ensure_ascii=False)
        return (now, EXCEPTION, agent, detail)

    def done(self, agent: str) -> Timeline:
        if agent not in self._done:
            log = self.logs[agent]
            self._done[agent] = done_timeline(log.statuses, log.calls)
        return self._done[agent]

    def forget_before(self, at: float) -> None:
        """Drop what ended before ``at``, keeping each agent's last status before it."""
        self._done.clear()
        for log in self.logs.values():
            before = [s for s in log.statuses if s[0] < at]
            log.statuses = before[-1:] + [s for s in log.statuses if s[0] >= at]
            log.calls = [c for c in log.calls if c[1] >= at]
            log.excused = [e for e in log.excused if e.end >= at]
        self._plans = {day: plan for day, plan in self._plans.items() if plan.end >= at}

    # -- figures ------------------------------------------------------------------------------------------
    def site_day(self, at: float) -> date:
        return datetime.fromtimestamp(at, self.zone).date()

    def plan(self, day: date) -> DayPlan:
        if day not in self._plans:
            self._plans[day] = self.roster.day(day)
        return self._plans[day]

    def agent_figures(self, day: date, now: float) -> tuple[DayPlan, dict[str, Figures]]:
        plan = self.plan(day)
        until = min(now, plan.end)
        found = {}
        for agent, log in self.logs.items():
            if agent in plan.plans or log.statuses:
                found[agent] = figures(self._planned(plan, agent), self.done(agent), log.excused, plan.start, until)
        return plan, found

    def _planned(self, plan: DayPlan, agent: str) -> Timeline:
        return plan.plans.get(agent) or Timeline(())

    def report(self, day: date, now: float, only: str | None = None) -> dict:
        """The day's figures per agent and per team, up to ``now`` (the whole day once it is over); ``only``: one
        agent's (an agent's own view: no team)."""
        plan, per_agent = self.agent_figures(day, now)
        until = min(now, plan.end)
        agents = []
        for agent in sorted(per_agent):
            if only is not None and agent != only:
                continue
            log = self.logs[agent]
            out = out_since(self._planned(plan, agent), self.done(agent), log.excused, plan.start, until)
            agents.append({"agent": agent, "team": plan.teams.get(agent), **per_agent[agent].to_json(),
                           "out_of_adherence_since": None if out is None else iso(out[0], self.zone),
                           "planned": None if out is None else out[1], "doing": None if out is None else out[2]})
        teams = [] if only is not None else [
            {"team": team, "agents": sum(1 for a in per_agent if plan.teams.get(a) == team), **f.to_json()}
            for team, f in sorted(team_figures(per_agent, plan.teams).items())]
        return {"date": day.isoformat(), "time_zone": self.roster.time_zone, "from": iso(plan.start, self.zone),
                "until": iso(max(until, plan.start), self.zone), "grace_s": self.grace_s, "agents": agents,
                "teams": teams}

    def exceptions(self, day: date, only: str | None = None) -> list[dict]:
        plan = self.plan(day)
        return [{"agent": agent, "start": iso(e.start, self.zone), "end": iso(e.end, self.zone), "reason": e.reason,
                 "approved_by": e.approved_by}
                for agent, log in sorted(self.logs.items()) if only in (None, agent)
                for e in log.excused if e.start < plan.end and e.end > plan.start]

    def out_now(self, now: float, only: str | None = None) -> list[dict]:
        """The agents out of adherence for at least the grace at ``now``, longest first (cheap: what the
        wallboard asks every few seconds)."""
        plan = self.plan(self.site_day(now))
        found = []
        for agent in sorted(self.logs):
            if only is not None and agent != only:
                continue
            out = out_since(self._planned(plan, agent), self.done(agent), self.logs[agent].excused, plan.start, now)
            if out is not None and now - out[0] >= self.grace_s:
                found.append({"agent": agent, "team": plan.teams.get(agent), "planned": out[1], "doing": out[2],
                              "since": iso(out[0], self.zone), "minutes": int((now - out[0]) // 60)})
        return sorted(found, key=lambda row: (row["since"], row["agent"]))

    # -- alerts -------------------------------------------------------------------------------------------
    def check(self, now: float) -> list[Event]:
        """Alerts for agents out of adherence for at least the grace (once per spell), and the end of each
        alerted spell (``adherence_ok``)."""
        plan = self.plan(self.site_day(now))
        events: list[Event] = []
        for agent, log in sorted(self.logs.items()):
            out = out_since(self._planned(plan, agent), self.done(agent), log.excused, plan.start, now)
            if out is not None and now - out[0] >= self.grace_s:
                since = iso(out[0], self.zone)
                if self.alerted.get(agent) != since:
                    self.alerted[agent] = since
                    events.append((now, ALERT, agent, f"{out[1]}:{out[2]}:{since}"))
            elif agent in self.alerted and out is None:
                del self.alerted[agent]
                events.append((now, BACK, agent, ""))
        return events


def excused_of(detail: str) -> Excused:
    """An exception event's detail back as the range it excuses."""
    data = json.loads(detail)
    return Excused(datetime.fromisoformat(data["start"]).timestamp(), datetime.fromisoformat(data["end"]).timestamp(),
                   data.get("reason", ""), data.get("approved_by", ""))


def daily_rows(report: dict) -> list[dict]:
    """A day's report as the workspace's daily adherence rows (one per agent, one per team)."""
    rows = []
    for level, items, name in (("agent", report["agents"], "agent"), ("team", report["teams"], "team")):
        for item in items:
            rows.append({"day": report["date"], "level": level, "name": item[name],
                         "team": item.get("team") if level == "agent" else item["team"],
                         "adherence": item["adherence"], "conformance": item["conformance"],
                         "scheduled_min": item["scheduled_min"], "worked_min": item["worked_min"],
                         "out_of_adherence_min": item["out_of_adherence_min"], "activities": item["activities"],
                         "time_zone": report["time_zone"]})
    return rows
