"""Excel in and out, as the CLI and the API offer it: a plan or a roster as an .xlsx workbook, and a requirement,
shift templates or an agent list read from one (validated as the CSV files are, errors naming the sheet, the row
and the column) and returned as JSON rows for the page's forms."""

from __future__ import annotations

from casashore.domain.loading import validated
from casashore.domain.shift import MAX_SHIFT_COST, ShiftSpec, shift_length_s
from casashore.domain.units import number
from casashore.errors import UserError
from casashore.plan.result import PlanResult
from casashore.plan.scenario import PlanScenario
from casashore.schedule.inputs import SHIFT_COLUMNS, SHIFT_OPTIONAL, parse_breaks, requirement_from_table
from casashore.schedule.roster import agents_from_table
from casashore.schedule.rules import DAYS, LabourRules
from casashore.schedule.tables import xlsx_table
from casashore.usecases.schedule import Schedule

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plan_xlsx(plan: PlanResult, scenario: PlanScenario | None, lang: str) -> bytes:
    """The plan's workbook (report/workbook.py); the scenario's shifts give the shift table its times and breaks.
    A kept plan's PlanResult and its scenario make the same file as the run that made them."""
    from casashore.report.workbook import plan_workbook  # openpyxl: only when a workbook is written

    if scenario is None:
        return plan_workbook(plan, lang)
    return plan_workbook(plan, lang, scenario.shifts, scenario.rules.opening_hours)


def roster_xlsx(made: Schedule, lang: str) -> bytes:
    """The roster's agent x day grid (report/roster_workbook.py) of a schedule made with agents."""
    from casashore.report.roster_workbook import roster_workbook  # openpyxl: only when a workbook is written

    if made.roster is None:
        raise UserError("xlsx", "no roster", "a schedule with --roster AGENTS.csv whose shifts could be planned "
                        "(the workbook is the roster's agent x day grid)")
    named = made.roster
    return roster_workbook(named.result, lang, named.first_day, named.days, named.agents, made.site_zone)


def shifts_from_xlsx(data: bytes, name: str) -> list[dict]:
    """Shift templates from a workbook (its sheet Shifts, else its first): each row checked as a scenario's
    ``[[shifts]]`` entry (name, start, length, cost, group, breaks) and its breaks' syntax; the groups are
    checked against the queues when the scenario is."""
    table = xlsx_table(data, "file", name, "shifts")
    rows = []
    with table.cells_named():
        for line, row in table.checked(SHIFT_COLUMNS, SHIFT_OPTIONAL):
            where = table.where(line)
            # The cost in the CLI's words (a number in its domain), not the model's; then the rest as the model
            # checks a scenario's [[shifts]].
            try:
                number("cost", row.get("cost", ""), high=MAX_SHIFT_COST)
            except UserError as exc:
                raise UserError(exc.field, exc.value, exc.expected, where=where) from None
            spec = validated(ShiftSpec, {"group": "", **row}, where=where)
            parse_breaks(spec.breaks, int(shift_length_s("length", spec.length) // 60), 1, where)
            rows.append(spec.model_dump())
    if not rows:
        raise UserError("shifts", name, "at least one shift template")
    return rows


def agents_from_xlsx(data: bytes, name: str) -> list[dict]:
    """An agent list from a workbook (its sheet Agents, else its first), checked as `casashore schedule --roster`
    checks its CSV (under the default labour rules; the skills against the requirement when it is scheduled)."""
    table = xlsx_table(data, "file", name, "agents")
    return [{"agent": a.name, "skills": "+".join(sorted(a.skills)), "weekly_hours": a.weekly_hours,
             "night_work": a.night_work,
             "unavailable": ";".join([DAYS[d] for d in sorted(a.unavailable_days)]
                                     + [d.isoformat() for d in sorted(a.unavailable_dates)]),
             "preferred_start": None if a.preferred_start_min is None
             else f"{a.preferred_start_min // 60:02d}:{a.preferred_start_min % 60:02d}"}
            for a in agents_from_table(table, None, LabourRules())]


def requirement_from_xlsx(data: bytes, name: str, site_zone: str = "Africa/Casablanca") -> dict:
    """A requirement from a workbook (its sheet Requirement, else its first), read as `casashore schedule
    --requirements` reads its CSV: the whole days' grid on the site's clock, every group."""
    requirement = requirement_from_table(xlsx_table(data, "file", name, "requirement"), site_zone)
    form = "%H:%M" if requirement.one_day else "%Y-%m-%dT%H:%M"
    return {"interval_min": requirement.interval_min, "one_day": requirement.one_day, "site_zone": site_zone,
            "rows": [{"start": start.strftime(form), "group": group, "required": requirement.required[group][i]}
                     for group in requirement.groups for i, start in enumerate(requirement.starts)]}
