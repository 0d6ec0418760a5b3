"""What `casashore intraday replan` and GET /api/intraday/replan do: the rest of the day's reforecast from the
workspace (and, with ``records``, a centre's PostgreSQL records), the roster file's shifts around it, and the
re-plan (intraday/inputs.py, intraday/replan.py). Nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from casashore.domain.units import duration_s
from casashore.errors import MISSING, UserError
from casashore.intraday.inputs import replan_document, week_of
from casashore.intraday.question import MAX_ABSENT, MAX_REPLICATIONS, asked
from casashore.route.adherence_monitor import AdherenceMonitor
from casashore.route.planned import RosterPlan, day_window, read_roster, roster_of_rows
from casashore.route.presence import RouterPresence
from casashore.usecases.call_records import opened_records
from casashore.usecases.history import chosen_queues, interval_min
from casashore.workspace.store import Workspace

__all__ = ["MAX_ABSENT", "MAX_REPLICATIONS", "intraday_replan"]
MAX_GRACE_S = 86_400


def intraday_replan(workspace: Path, *, roster: Path | None, as_of: str, interval: str = "30m",
                    site_zone: str = "Africa/Casablanca", target: str = "20s", service_level: str = "80%",
                    patience: str | None = None, rules: Path | None = None, absent: list[str] | None = None,
                    replications: str | int = 200, seed: str | int = 0, simulate_top: str | int = 3,
                    queues: list[str] | None = None, records: str | None = None, centre: str = "centre",
                    statuses: bool = False, grace: str = "5m", roster_file: bool = True) -> dict:
    """The re-plan of the rest of the day at ``as_of`` (a naive time is the site's clock, as the roster's):
    every queue of the workspace (or ``queues``), each with the same answer-time ``target``, ``service_level``
    goal and (Erlang A) ``patience``; ``absent``: agents of the roster not at work today. ``roster`` None: the
    roster the router follows, stored in the workspace by `route serve --roster`. ``records``: a centre's
    PostgreSQL records (`route serve --records`), its calls added to the workspace's. ``statuses``: who is at work
    at ``as_of`` as the router's recorded statuses show it (route/presence.py, with the adherence ``grace``), read
    from the records that hold its events (PostgreSQL's with ``records``, else the workspace's). ``roster_file``
    False: the caller takes no roster file (`casashore serve`'s API), so a missing stored roster is said in its
    own field, the as-of time's week."""
    ask = asked(as_of=as_of, interval_min=interval_min(interval), site_zone=site_zone, target=target,
                service_level=service_level, patience=patience, rules=rules, absent=absent,
                replications=replications, seed=seed, simulate_top=simulate_top)
    grace_s = duration_s("grace", grace, allow_zero=True)
    if grace_s > MAX_GRACE_S:  # the centre file's adherence_grace_s domain
        raise UserError("grace", grace, "at most 24h")
    with opened_records(workspace, records, centre) as (calls, opened, read, events):
        if roster is not None:
            plan = read_roster(roster, site_zone, None)
        elif opened is not None:
            plan = _stored_roster(opened, ask.at, site_zone, roster_file)
        else:
            raise UserError("roster", MISSING, "--roster ROSTER.csv (no workspace here holds a stored one)")
        names = chosen_queues(calls, queues) if queues else None
        seen, source = (), "the roster alone"
        if statuses:
            seen, source = recorded_presence(events, plan, ask.at.timestamp(), grace_s, " and ".join(read))
        return replan_document(calls, plan, ask, queues=names, roster_name=str(roster or workspace), seen=seen,
                               presence_from=source) | {"read": read}


def recorded_presence(events, plan: RosterPlan, at: float, grace_s: float, shown: str):
    """Who is at work at ``at`` from the router's events of that site day up to ``at``: the live router's rule
    (route/presence.py) on a monitor replaying its records, as a router restarted at ``at`` would."""
    monitor = AdherenceMonitor(plan, grace_s)
    monitor.first_day = monitor.site_day(at)
    start, _ = day_window(monitor.first_day, plan.time_zone)
    stored = events.adherence_events(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(at, UTC))
    if not stored:  # no router ran that day here: every rostered agent would look absent
        raise UserError("statuses", f"{monitor.first_day} up to {datetime.fromtimestamp(at, UTC).isoformat()}",
                        f"a day the router recorded in {shown} (route serve with this workspace, or --records); "
                        "nothing was recorded then: leave out --statuses to judge from the roster alone")
    monitor.observe([(t.timestamp(), event, subject, detail) for t, event, subject, detail in stored])
    return RouterPresence(monitor, f"the router's statuses recorded in {shown}").judged(at, at)


def _stored_roster(opened: Workspace, at: datetime, site_zone: str, roster_file: bool) -> RosterPlan:
    """The stored roster's shifts of the as-of time's week (and a day either side: the rest between shifts)."""
    monday = week_of(at.astimezone(ZoneInfo(site_zone)).date())
    start = datetime.combine(monday - timedelta(days=1), datetime.min.time(), ZoneInfo(site_zone))
    rows = opened.roster_shifts(start.astimezone(UTC), (start + timedelta(days=9)).astimezone(UTC))
    if not rows and roster_file:
        raise UserError("roster", MISSING, "a roster: --roster ROSTER.csv, or one stored by `route serve --roster` "
                                           "in this workspace")
    if not rows:
        raise UserError("as_of", at.isoformat(), f"a time in a week whose roster is stored in the workspace (none "
                                                 f"for the week of {monday}): `casashore route serve --roster "
                                                 "ROSTER.csv` with this workspace stores it")
    return roster_of_rows(rows, site_zone)
