"""Reading the scheduling inputs: a requirement per interval (and group) and shift templates.

Requirement CSV: ``start,required`` or ``start,group,required``; ``start`` is ``HH:MM`` for one day or an ISO
date-time for longer horizons (a week: 7 x 96 rows). The horizon is made of whole days from midnight: intervals
the file leaves out (the hours the site is closed) require no one. Shift CSV: ``name,start,length,cost`` and an optional
``group`` and ``breaks``; ``start`` is a time of day (``22:00``), ``length`` a duration (``8h``, ``7h30m``,
``450``). Every shift template may start on every day of the horizon. ``breaks`` lists each break as
``LENGTH@EARLIEST-LATEST``, separated by ``;``: ``15m@1h-2h; 1h@3h30m-5h; 15m@6h-7h`` is a 15-minute break starting
1 to 2 hours into the shift, a lunch hour starting 3h30 to 5 hours in, and a second 15-minute break. The solver
places every break (see covering.py). A TOML file is read too: ``[[shift]]`` or ``[[shifts]]`` tables with the same
keys, and ``[[shift_patterns]]`` expanded as a plan scenario's are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from casashore.domain.loading import read_toml, validated
from casashore.domain.shift import shift_length_s, time_of_day_min
from casashore.domain.shift_pattern import ShiftPattern
from casashore.domain.units import duration_s, number
from casashore.errors import UserError
from casashore.forecast.timezones import zone
from casashore.schedule.tables import Table, read_table


@dataclass(frozen=True)
class Requirement:
    starts: list[datetime]
    """Interval starts (a single day's are on 1900-01-01)."""
    interval_min: int
    groups: list[str]
    required: dict[str, list[float]]
    """group -> agents required per interval ('' when the file has no group column)."""
    one_day: bool


@dataclass(frozen=True)
class BreakRule:
    length_min: int
    earliest_min: int
    """Earliest start, minutes after the shift's start."""
    latest_min: int
    """Latest start, minutes after the shift's start."""


@dataclass(frozen=True)
class ShiftTemplate:
    name: str
    start_min: int
    """Minutes after midnight."""
    length_min: int
    cost: float
    group: str
    """The requirement group(s) its agents serve: one, or several joined by '+' (multi-skilled agents, who
    still take one call at a time)."""
    breaks: tuple[BreakRule, ...] = ()

    @property
    def paid_min(self) -> int:
        """Minutes worked: the shift less its breaks."""
        return self.length_min - sum(b.length_min for b in self.breaks)

    @property
    def skills(self) -> tuple[str, ...]:
        return tuple(self.group.split("+"))


STAFFING_COLUMNS = ("traffic", "agents", "agents_with_shrinkage", "p_wait", "service_level", "asa", "occupancy",
                    "p_abandon", "model", "asa_all", "queue", "channel", "label", "interval_start", "interval_s",
                    "calls", "overloaded", "sessions_per_agent", "slot_use", "max_sessions", "concurrency",
                    "capacity_sessions", "backlog_max", "deadline_s", "open_s")
"""What ``casashore staff --output`` writes: accepted as a requirement as it is."""


def read_requirement(path: Path, site_zone: str = "Africa/Casablanca") -> Requirement:
    """Read ``start,required[,group]``, or the CSV that ``casashore staff --output`` writes (the requirement is
    then ``agents_with_shrinkage`` when present, else ``agents``; the ``queue`` is the group), from a CSV file or
    an .xlsx workbook (its sheet named Requirement, else its first). Starts with a UTC offset (a client's time)
    are converted to the site's wall time."""
    return requirement_from_table(read_table(path, "requirements", "requirement"), site_zone)


def requirement_from_table(table: Table, site_zone: str = "Africa/Casablanca") -> Requirement:
    """The requirement of a table read from a file or an upload (see read_requirement)."""
    with table.cells_named():
        return _requirement(table, site_zone)


def _requirement(table: Table, site_zone: str) -> Requirement:
    header = table.header
    staffing = "required" not in header and "agents" in header
    if staffing:
        value_column = "agents_with_shrinkage" if "agents_with_shrinkage" in header else "agents"
        rows = table.checked(("start", "agents"), STAFFING_COLUMNS)
    else:
        value_column = "required"
        rows = table.checked(("start", "required"), ("group",))
    site = zone(site_zone, "site_zone")
    if not rows:
        raise UserError("requirements", table.source, "at least one interval")
    one_day = ":" in rows[0][1]["start"] and "-" not in rows[0][1]["start"]
    by_group: dict[str, dict[datetime, float]] = {}
    for line, row in rows:
        where = table.where(line)
        if one_day:
            minutes = time_of_day_min("start", row["start"], where)
            start = datetime(1900, 1, 1, minutes // 60, minutes % 60)
        else:
            try:
                start = datetime.fromisoformat(row["start"])
            except ValueError:
                raise UserError("start", row["start"], "an ISO date-time such as 2026-03-02T08:00",
                                where=where) from None
            if start.tzinfo is not None:
                start = start.astimezone(site).replace(tzinfo=None)  # the client's time, on the site's clock
        try:
            value = number(value_column, row[value_column])
        except UserError as exc:
            raise UserError(exc.field, exc.value, exc.expected, where=where) from None
        group = row.get("group", row.get("queue", "")) if not staffing else row.get("queue", "")
        if start in by_group.setdefault(group, {}):
            raise UserError("start", row["start"], "each interval once per group", where=where)
        by_group[group][start] = value
    given = sorted({s for g in by_group.values() for s in g})
    steps = {int((b - a).total_seconds() // 60) for a, b in zip(given, given[1:], strict=False)}
    interval_min = min(steps) if steps else 60
    if interval_min <= 0 or 1440 % interval_min or any(step % interval_min for step in steps):
        raise UserError("start", f"steps of {sorted(steps)} minutes", "interval starts on one grid that divides a day",
                        where=table.source)
    # The horizon is whole days from midnight; intervals the file leaves out (closed hours) require no one.
    first = given[0].replace(hour=0, minute=0, second=0, microsecond=0)
    days = (given[-1] - first).days + 1
    starts = [first + timedelta(minutes=interval_min * i) for i in range(days * 1440 // interval_min)]
    groups = sorted(by_group)
    required = {g: [by_group[g].get(s, 0.0) for s in starts] for g in groups}
    return Requirement(starts, interval_min, groups, required, one_day)


def _minutes(field: str, text: str, where: str) -> int:
    try:
        return int(round(duration_s(field, text) / 60))
    except UserError as exc:
        raise UserError(exc.field, exc.value, exc.expected, where=where) from None


def parse_breaks(text: str, shift_length_min: int, interval_min: int, where: str) -> tuple[BreakRule, ...]:
    """``15m@1h-2h; 1h@3h-5h`` -> break rules, each inside the shift, on the interval grid and in order (a break
    ends before the next one's window opens, so no agent takes two at once)."""
    rules: list[BreakRule] = []
    for item in filter(None, (part.strip() for part in text.replace(",", ";").split(";"))):
        length, _, window = item.partition("@")
        earliest, _, latest = window.partition("-")
        if not (length and earliest and latest):
            raise UserError("breaks", item, "LENGTH@EARLIEST-LATEST, such as 30m@3h-5h (start window after the "
                            "shift's start)", where=where)
        rule = BreakRule(_minutes("breaks", length.strip(), where), _minutes("breaks", earliest.strip(), where),
                         _minutes("breaks", latest.strip(), where))
        if rule.length_min <= 0 or rule.earliest_min > rule.latest_min:
            raise UserError("breaks", item, "a positive length and a window whose earliest start is not after its "
                            "latest", where=where)
        if rule.latest_min + rule.length_min > shift_length_min:
            raise UserError("breaks", item, f"a break inside its {shift_length_min // 60}h{shift_length_min % 60:02d} "
                            "shift (latest start + length <= shift length)", where=where)
        if any(v % interval_min for v in (rule.length_min, rule.earliest_min, rule.latest_min)):
            raise UserError("breaks", item, f"lengths and windows in multiples of the requirement's {interval_min}-"
                            "minute intervals", where=where)
        if rules and rules[-1].latest_min + rules[-1].length_min > rule.earliest_min:
            raise UserError("breaks", item, "breaks in order: each window opens after the previous break's latest "
                            "end", where=where)
        rules.append(rule)
    return tuple(rules)


SHIFT_COLUMNS, SHIFT_OPTIONAL = ("name", "start", "length", "cost"), ("group", "breaks")


SHIFT_TABLES = ("shift", "shifts", "shift_patterns")
"""The TOML tables a shift file may hold: [[shift]] (this command's first name), [[shifts]] and [[shift_patterns]]
as a plan scenario writes them."""
MAX_FILE_SHIFTS = 5_000
"""Shift templates one file brings at most, patterns expanded (a plan's limit, plan/scenario.py's MAX_SHIFTS)."""


def _toml_shift_rows(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """A TOML file's shifts, as the plan reads them: the [[shift]] and [[shifts]] tables, then each
    [[shift_patterns]] expanded (domain/shift_pattern.py); rows numbered in that order, and where each row was
    written (``shifts[2]``, ``shift_patterns[0] early-07h``) for the errors."""
    data = read_toml(path, "shifts")
    found = [name for name in SHIFT_TABLES if name in data]
    if not found:
        raise UserError("shifts", ", ".join(sorted(data)) or "no table", "[[shift]], [[shifts]] or "
                        "[[shift_patterns]] tables (as a plan scenario writes them)", where=str(path))
    written: list[tuple[str, dict]] = []
    for name in found:
        tables = data[name]
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise UserError(name, str(tables)[:60], f"[[{name}]] tables", where=str(path))
        if name != "shift_patterns":
            written += [(f"{name}[{i}]", table) for i, table in enumerate(tables)]
            continue
        total = len(written)
        for j, table in enumerate(tables):
            pattern = validated(ShiftPattern, table, where=f"{path} shift_patterns[{j}]")
            total += pattern.count
            if total > MAX_FILE_SHIFTS:
                raise UserError(f"shift_patterns[{j}]", f"{pattern.count} shifts", f"at most {MAX_FILE_SHIFTS} "
                                f"shifts in all (this pattern brings them to {total})", where=str(path))
            written += [(f"shift_patterns[{j}] {shift['name']}", shift) for shift in pattern.expand()]
    rows = []
    for i, (origin, table) in enumerate(written):
        unknown = set(table) - {"name", "start", "length", "cost", "group", "breaks"}
        if unknown or not {"name", "start", "length", "cost"} <= set(table):
            raise UserError(origin, ",".join(sorted(table)), "keys name, start, length, cost (optionally "
                            "group, breaks)", where=str(path))
        breaks = table.get("breaks", "")
        row = {k: str(v) for k, v in table.items()}
        row["breaks"] = "; ".join(breaks) if isinstance(breaks, list) else str(breaks)
        rows.append((i, row))
    return rows, [origin for origin, _ in written]


def read_shifts(path: Path, requirement: Requirement, max_paid_h: float | None = None) -> list[ShiftTemplate]:
    """Shift templates from CSV, TOML or an .xlsx workbook (its sheet named Shifts, else its first);
    ``max_paid_h`` is the labour rules' daily maximum of hours worked."""
    if path.suffix.lower() == ".toml":
        rows, origins = _toml_shift_rows(path)
        return shift_templates(rows, requirement, max_paid_h, lambda i: f"{path} {origins[i]}")
    table = read_table(path, "shifts", "shifts")
    with table.cells_named():
        return shift_templates(table.checked(SHIFT_COLUMNS, SHIFT_OPTIONAL), requirement, max_paid_h, table.where)


def shift_templates(rows: list[tuple[int, dict[str, str]]], requirement: Requirement, max_paid_h: float | None,
                    where_of) -> list[ShiftTemplate]:
    """Templates from rows of text fields (name, start, length, cost, group, breaks); ``where_of(i)`` names the
    row in errors."""
    # A start and a length are checked as ShiftSpec checks them (domain/shift.py). The row is not validated as a
    # ShiftSpec: its other errors keep this module's words with the file and line, and a shift file still takes
    # the names and the costs above 1e9 that ShiftSpec refuses.
    shifts = []
    seen = set()
    for line, row in rows:
        where = where_of(line)
        length_s = shift_length_s("length", row["length"], where)
        try:
            cost = number("cost", row["cost"])
        except UserError as exc:
            raise UserError(exc.field, exc.value, exc.expected, where=where) from None
        start = time_of_day_min("start", row["start"], where)
        length = int(round(length_s / 60))
        if start % requirement.interval_min or length % requirement.interval_min:
            raise UserError("start" if start % requirement.interval_min else "length",
                            row["start"] if start % requirement.interval_min else row["length"],
                            f"a multiple of the requirement's {requirement.interval_min}-minute intervals",
                            where=where)
        group = row.get("group", "")
        for skill in group.split("+"):
            if skill not in requirement.groups:
                raise UserError("group", skill, "a group of the requirement: " + ", ".join(requirement.groups)
                                + " (several joined by +)", where=where)
        if row["name"] in seen:
            raise UserError("name", row["name"], "a name not used twice", where=where)
        seen.add(row["name"])
        template = ShiftTemplate(row["name"], start, length, cost, group,
                                 parse_breaks(row.get("breaks", ""), length, requirement.interval_min, where))
        if max_paid_h is not None and template.paid_min > max_paid_h * 60 + 1e-9:
            raise UserError("length", row["length"], f"at most {max_paid_h:g} hours worked a day (labour rules' "
                            "max_daily_hours; breaks are not worked)", where=where)
        shifts.append(template)
    if not shifts:
        raise UserError("shifts", "none", "at least one shift template")
    return shifts
