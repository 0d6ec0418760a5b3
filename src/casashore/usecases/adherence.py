"""What `casashore route adherence` and `route serve --roster` do with a roster: read it against the centre's
agents, and compute a day's adherence from the router's records into their daily record (the workspace's, or
a centre's PostgreSQL records)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from casashore.errors import Refused, UserError
from casashore.route.adherence_monitor import AdherenceMonitor, daily_rows
from casashore.route.centre_records import without_password
from casashore.route.config import CenterConfig, load_center
from casashore.route.planned import RosterPlan, day_window, read_roster, roster_of_rows
from casashore.usecases.call_records import check_records_url
from casashore.workspace.store import Workspace


def centre_roster(center: CenterConfig, roster: Path) -> RosterPlan:
    """The roster file on the centre's site clock (``[router] time_zone``), every agent one of the centre's."""
    return read_roster(roster, center.router.time_zone, {agent.id for agent in center.agents})


def record_adherence_day(config: Path, workspace: Path, day: str, roster: Path | None, now: float,
                         records: str | None = None) -> dict:
    """The day's adherence from the router's records (statuses, calls, approved exceptions) against the roster
    (the file given, else the one `route serve --roster` stored in the workspace), up to ``now`` or the day's
    end; written as the day's record, replacing any earlier one (idempotent for a day). ``records``: a centre's
    PostgreSQL records (`route serve --records`, the centre file's ``[router] centre``) read and written instead
    of the workspace; the roster file is then needed."""
    center = load_center(config)
    try:
        site_day = date.fromisoformat(day)
    except ValueError:
        raise UserError("date", day, "a site day such as 2026-03-02") from None
    zone = center.router.time_zone
    start, end = day_window(site_day, zone)
    if records is not None:
        if roster is None:
            raise UserError("roster", "(none)", "--roster ROSTER.csv with --records (PostgreSQL keeps no roster)")
        from casashore.route.centre_reads import CentreReads  # psycopg: only with --records

        plan = centre_roster(center, roster)
        with CentreReads(check_records_url(records), center.router.centre) as store:
            return _recorded(store, plan, center, site_day, (start, end), now) | {
                "recorded_in": f"{without_password(records)} (centre {center.router.centre})"}
    with Workspace.open(workspace, create=False) as store:
        if roster is not None:
            plan = centre_roster(center, roster)
        else:
            rows = store.roster_shifts(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))
            if not rows:
                raise UserError("roster", str(workspace), f"a roster with shifts on {day}: give --roster ROSTER.csv "
                                                          "(or start `route serve --roster` with this workspace)")
            plan = roster_of_rows(rows, zone)
        return _recorded(store, plan, center, site_day, (start, end), now) | {"recorded_in": str(workspace)}


def _recorded(store, plan: RosterPlan, center: CenterConfig, site_day: date, window: tuple[float, float],
              now: float) -> dict:
    """The day recounted from ``store``'s events (Workspace or CentreReads) and stored there as its record."""
    monitor = AdherenceMonitor(plan, center.router.adherence_grace_s)
    start, end = (datetime.fromtimestamp(t, UTC) for t in window)
    events = [(at.timestamp(), event, subject, detail) for at, event, subject, detail in
              store.adherence_events(start, end)]
    until, counted = up_to(events, now, window, site_day)
    monitor.observe(events)
    report = monitor.report(site_day, until)
    rows = daily_rows(report)
    store.store_adherence_day(site_day, rows)
    return report | {"complete": until >= window[1], "counted_up_to": counted, "records_written": len(rows)}


def up_to(events: list[tuple], now: float, window: tuple[float, float], site_day: date) -> tuple[float, str]:
    """Where the day is counted up to, and why in words: this machine's now, or the last event recorded when the
    records reach past it — a router on a site clock ahead of this machine's (`route serve --clock-start` in the
    future, docs/routing.md "A site clock") replayed the day, and its clock is known only by what it recorded. A
    day ahead of both is refused: its record would be empty, not a day's adherence."""
    last = max((at for at, *_ in events if at >= window[0]), default=None)  # not the statuses carried from before
    if last is not None and last > now:
        return min(last, window[1]), "the last event recorded (a router's site clock ahead of this machine's)"
    if now < window[0]:
        raise Refused("date", str(site_day), f"{site_day} is ahead of this machine's clock and no router recorded "
                                             "any of it (a day replayed with `route serve --clock-start` is counted "
                                             "from its records): nothing to count yet")
    return now, "now on this machine's clock"
