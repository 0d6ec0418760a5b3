"""The roster as the router takes it: who is planned to work, take a break or lunch, on which site day.

Read from the CSV (or .xlsx) that ``casashore schedule --roster ... --roster-output roster.csv`` writes: columns
``agent, day, start, end`` and optionally ``shift, group, paid_hours, breaks``. ``start`` and ``end`` are ISO
date-times on the site's clock (the router's ``[router] time_zone``, said explicitly by the caller) unless they
carry an offset (``2026-03-02T08:00+01:00``); ``breaks`` lists ``break 10:00-10:15; lunch 12:30-13:30``, times of
day on the site's clock within the shift (a time before the shift's start is on the next day: night shifts).
``group`` is the agent's team for the day. Every agent must be an agent id of the centre file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from casashore.errors import UserError
from casashore.route.adherence import BREAKS, Span, Timeline
from casashore.schedule.tables import Table, read_table

COLUMNS, OPTIONAL = ("agent", "day", "start", "end"), ("shift", "group", "paid_hours", "breaks")
MAX_ROSTER_BYTES = 20 * 1024 * 1024
"""A roster of 2,000 agents over a year is about 40 MB of CSV; a router takes a few weeks at a time."""
MAX_ROWS = 200_000
MAX_SHIFT_H = 24


@dataclass(frozen=True)
class PlannedShift:
    agent: str
    day: date
    """The site day the shift starts."""
    team: str
    spans: tuple[Span, ...]
    """The shift (``work``) and its breaks, epoch seconds."""


@dataclass(frozen=True)
class DayPlan:
    """What a site day's window holds: per agent, the planned timeline and the team."""

    start: float
    end: float
    plans: dict[str, Timeline]
    teams: dict[str, str]


@dataclass(frozen=True)
class RosterPlan:
    time_zone: str
    shifts: tuple[PlannedShift, ...]

    def day(self, day: date) -> DayPlan:
        """The plan of the site day ``day`` (midnight to midnight in the site's zone): every agent with a shift
        overlapping it (a night shift from the day before included), the team of the shift that day."""
        start, end = day_window(day, self.time_zone)
        spans: dict[str, list[Span]] = {}
        teams: dict[str, str] = {}
        for shift in self.shifts:
            if shift.spans[0].start < end and shift.spans[0].end > start:
                spans.setdefault(shift.agent, []).extend(shift.spans)
                if shift.team and (shift.day == day or shift.agent not in teams):
                    teams[shift.agent] = shift.team
        return DayPlan(start, end, {agent: Timeline.of_spans(s) for agent, s in spans.items()}, teams)

    def agents(self) -> set[str]:
        return {shift.agent for shift in self.shifts}

    def rows(self) -> list[tuple]:
        """The shifts as rows of the workspace's ``roster_shifts``."""
        return [(s.agent, s.day, s.team, self.time_zone, datetime.fromtimestamp(s.spans[0].start, UTC),
                 datetime.fromtimestamp(s.spans[0].end, UTC), [[x.activity, x.start, x.end] for x in s.spans])
                for s in self.shifts]


def roster_of_rows(rows: list[tuple], time_zone: str) -> RosterPlan:
    """The shifts stored in the workspace (``Workspace.roster_shifts``) back as a plan; the site's zone is the
    one the roster was read in when they all agree, else ``time_zone``'s (the centre's)."""
    zones = {zone for _, _, _, zone, _ in rows}
    shifts = tuple(PlannedShift(agent, day, team, tuple(Span(start, end, activity) for activity, start, end in spans))
                   for agent, day, team, _, spans in rows)
    return RosterPlan(zones.pop() if len(zones) == 1 else time_zone, shifts)


def day_window(day: date, time_zone: str) -> tuple[float, float]:
    """[midnight, next midnight) of ``day`` in ``time_zone`` as epoch seconds (23 or 25 hours on a clock change)."""
    zone = ZoneInfo(time_zone)
    return (datetime.combine(day, time(), zone).timestamp(),
            datetime.combine(day + timedelta(days=1), time(), zone).timestamp())


def read_roster(path: Path, time_zone: str, agent_ids: set[str] | None) -> RosterPlan:
    """The roster file's planned shifts; ``agent_ids``: the centre's agents (None: any)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError("roster", str(path), f"a readable roster file ({exc.strerror})") from None
    if size > MAX_ROSTER_BYTES:
        raise UserError("roster", str(path), f"a roster file of at most {MAX_ROSTER_BYTES:,} bytes")
    return roster_of_table(read_table(path, "roster", "roster"), time_zone, agent_ids)


def roster_of_table(table: Table, time_zone: str, agent_ids: set[str] | None) -> RosterPlan:
    with table.cells_named():
        rows = table.checked(COLUMNS, OPTIONAL)
        if len(rows) > MAX_ROWS:
            raise UserError("roster", table.source, f"at most {MAX_ROWS:,} rows")
        zone = ZoneInfo(time_zone)
        shifts = []
        seen: dict[tuple[str, date], str] = {}
        for line, row in rows:
            where = table.where(line)
            agent = row["agent"]
            if agent_ids is not None and agent not in agent_ids:
                shown = ", ".join(sorted(agent_ids)[:5]) + (", …" if len(agent_ids) > 5 else "")
                raise UserError("agent", agent, f"an agent id of the centre file ({shown}): the roster and the "
                                                f"router name agents alike", where=where)
            day = _date(row["day"], where)
            start, end = _instant("start", row["start"], zone, where), _instant("end", row["end"], zone, where)
            if not start < end <= start + MAX_SHIFT_H * 3600:
                raise UserError("end", row["end"], f"after start ({row['start']}) by at most {MAX_SHIFT_H} hours",
                                where=where)
            if (agent, day) in seen:
                raise UserError("day", row["day"], f"one shift a day per agent ({agent} has one on {seen[agent, day]})",
                                where=where)
            seen[agent, day] = row["day"]
            breaks = _breaks(row.get("breaks", ""), start, end, zone, where)
            shifts.append(PlannedShift(agent, day, row.get("group", ""), (Span(start, end, "work"), *breaks)))
    shifts.sort(key=lambda s: (s.spans[0].start, s.agent))
    return RosterPlan(time_zone, tuple(shifts))


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError("day", text, "a date such as 2026-03-02", where=where) from None


def _instant(field: str, text: str, zone: ZoneInfo, where: str) -> float:
    """An ISO date-time: with an offset, that instant; without, on the site's clock (a time a clock change
    skips is refused; a repeated one is its first)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(field, text, "a date-time such as 2026-03-02T08:00 (site's clock) or with an offset, "
                                     "2026-03-02T08:00+01:00", where=where) from None
    if at.tzinfo is not None:
        return at.timestamp()
    local = at.replace(tzinfo=zone)
    if local.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != at:
        raise UserError(field, text, f"a time that exists in {zone.key} (a clock change skips it)", where=where)
    return local.timestamp()


def _breaks(text: str, start: float, end: float, zone: ZoneInfo, where: str) -> list[Span]:
    """``break 10:00-10:15; lunch 12:30-13:30`` within the shift [start, end)."""
    spans = []
    first = datetime.fromtimestamp(start, zone)
    for item in filter(None, (part.strip() for part in text.split(";"))):
        kind, _, times = item.partition(" ")
        begin_text, _, end_text = times.strip().partition("-")
        if kind not in BREAKS or not begin_text or not end_text:
            raise UserError("breaks", item, "'break HH:MM-HH:MM' or 'lunch HH:MM-HH:MM', separated by ;",
                            where=where)
        begin = _time_in_shift(begin_text, first, zone, item, where)
        finish = _time_in_shift(end_text, first, zone, item, where)
        if finish <= begin:
            finish += 86_400
        if not start <= begin < finish <= end:
            raise UserError("breaks", item, "a break inside its shift", where=where)
        spans.append(Span(begin, finish, kind))
    return spans


def _time_in_shift(text: str, shift_start: datetime, zone: ZoneInfo, item: str, where: str) -> float:
    try:
        clock = time.fromisoformat(text.strip())
    except ValueError:
        raise UserError("breaks", item, "times of day such as 10:00", where=where) from None
    day = shift_start.date() + timedelta(days=1 if clock < shift_start.time().replace(tzinfo=None) else 0)
    return datetime.combine(day, clock, zone).timestamp()
