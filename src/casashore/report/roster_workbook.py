"""A roster as planners print it (.xlsx): one row per agent, one column per day, each cell the shift the agent
works (its name and its hours on the site's clock) or the day off, then the hours per week and in all; a last row
counts the agents at work each day, and a second sheet lists the planned shifts no one could take."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from openpyxl.utils import get_column_letter

from casashore.report import xlsx_style as style
from casashore.report.i18n import label
from casashore.schedule.roster import Roster
from casashore.schedule.roster_rules import Agent


def roster_cell(shift: str, start: datetime, end: datetime) -> str:
    """``early 07:00-15:00``: what a printed roster shows for a working day."""
    return f"{shift} {start:%H:%M}-{end:%H:%M}"


def roster_workbook(roster: Roster, lang: str, first_day: date, days: int, agents: Sequence[Agent] = (),
                    site_zone: str = "Africa/Casablanca") -> bytes:
    """The .xlsx of ``roster`` over ``days`` days from ``first_day`` (the dates `casashore schedule --roster`
    rostered); ``agents`` (the roster's agents, in their file's order) list everyone, those without a shift too,
    and mark their unavailable days apart from their days off. Weeks are the roster's: 7 days from
    ``first_day``."""
    t = lambda key, **w: label(lang, key).format(**w)  # noqa: E731
    dates = [first_day + timedelta(days=d) for d in range(days)]
    weeks = (days + 6) // 7
    worked: dict[tuple[str, date], tuple[str, float]] = {}
    names = [a.name for a in agents]
    for a in roster.assignments:
        worked[(a.agent, a.day)] = (roster_cell(a.shift, a.start, a.end), a.paid_hours)
        if a.agent not in names:
            names.append(a.agent)
    book = style.new_book()
    header = [t("xl_agent"), t("xl_skills"), *dates, *(t("xl_week", n=str(w + 1)) for w in range(weeks)),
              t("xl_total_h")]
    ws = style.sheet(book, t("xl_roster"), header, freeze="C2")
    for cell in ws[1][2:2 + days]:
        cell.number_format = style.DAY_HEADER[lang]
    by_name = {a.name: a for a in agents}
    for name in names:
        agent = by_name.get(name)
        row: list[object] = [name, "+".join(sorted(agent.skills)) if agent else None]
        hours = [0.0] * weeks
        away = []
        for d, day in enumerate(dates):
            if (name, day) in worked:
                text, paid = worked[(name, day)]
                row.append(text)
                hours[d // 7] += paid
            elif agent and (day.weekday() in agent.unavailable_days or day in agent.unavailable_dates):
                row.append(t("xl_unavailable"))
                away.append(d)
            else:
                row.append(t("xl_off"))
        ws.append([*row, *hours, sum(hours)])
        for d, day in enumerate(dates):
            if (name, day) not in worked:
                ws.cell(ws.max_row, 3 + d).fill = style.AWAY_FILL if d in away else style.OFF_FILL
    at_work = [sum((name, day) in worked for name in names) for day in dates]
    ws.append([t("xl_at_work"), None, *at_work])
    style.bold_rows(ws, [ws.max_row])
    style.number_formats(ws, {3 + days + w: style.HOURS for w in range(weeks + 1)})
    style.widths(ws)
    for d in range(days):  # a day's column as wide as a shift's text, whatever the date's format
        ws.column_dimensions[get_column_letter(3 + d)].width = max(
            ws.column_dimensions[get_column_letter(3 + d)].width or 0, 14)
    style.for_print(ws, title_columns="A:A")
    opened = style.sheet(book, t("xl_open"), [t("day"), t("xl_shift"), t("xl_agents")])
    for day, shift, count in roster.open_shifts:
        opened.append([day, shift, count])
    style.number_formats(opened, {1: style.DATE[lang], 3: style.COUNT})
    style.widths(opened)
    note = f"{t('xl_site_zone')}: {site_zone}"
    ws.oddFooter.left.text = note
    return style.as_bytes(book, datetime.combine(first_day, datetime.min.time()))
