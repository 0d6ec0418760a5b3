"""Excel out: a real small plan (`casashore plan --xlsx`) and a real roster (`casashore schedule --roster --xlsx`)
written, then read back with openpyxl: the sheets, the headers in both languages, the numbers equal to the plan's
and the roster's JSON, the formats a planner sees."""

import io
import json
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.plan.result import ForecastIntervals, PlanResult
from casashore.plan.scenario import load_plan_scenario
from casashore.report.tables import shown_span
from casashore.usecases.workbooks import plan_xlsx
from test_plan import SCENARIO
from test_roster import MONDAY, centre

runner = CliRunner()


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """The small plan of test_plan.py (one queue, two days, four replications), its JSON and its workbook."""
    tmp = tmp_path_factory.mktemp("plan")
    scenario = tmp / "site.toml"
    scenario.write_text(SCENARIO.format(seats=60))
    xlsx = tmp / "plan.xlsx"
    result = runner.invoke(app, ["plan", str(scenario), "--workspace", str(tmp / "ws.duckdb"), "--report",
                                 str(tmp / "r.html"), "--xlsx", str(xlsx), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    doc.pop("report")
    return PlanResult.from_json(doc), load_plan_scenario(scenario), xlsx.read_bytes()


def rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_the_plan_workbook_holds_the_plans_numbers(planned):
    plan, _, data = planned
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Verdict", "Shifts", "Requirement", "Daily"]
    shifts = rows(book["Shifts"])
    assert shifts[0] == ("Template", "Day", "Start (Africa/Casablanca)", "End (Africa/Casablanca)", "Skills", "Agents",
                         "Breaks (length@window after the start)")
    first_day = datetime.fromisoformat(plan.staffing.starts[0]).date()
    written = {(r[0], r[1].date()): r[5] for r in shifts[1:]}
    assert written == {(c.shift, first_day + timedelta(days=c.day)): c.agents for c in plan.schedule.counts}
    early = next(r for r in shifts[1:] if r[0] == "early")
    assert (early[2].time().isoformat(), early[3] - early[2], early[4], early[6]) == ("07:00:00", timedelta(hours=8),
                                                                                    "fr", "1h@3h-4h")
    intervals = rows(book["Requirement"])
    assert intervals[0][0] == "Start (Africa/Casablanca)"
    # The shown intervals: Casablanca is on UTC+0 in Ramadan (March 2026), an hour behind Paris, so the grid's
    # first site day (1 March) holds only the hour before the site's midnight that Paris's 2 March reaches.
    shown = shown_span(plan)
    assert plan.staffing.starts[shown.start] == "2026-03-01T23:00:00" and shown.stop == len(plan.staffing.starts)
    assert [r[6] for r in intervals[1:]] == plan.schedule.scheduled["fr"][shown.start:]
    assert [r[0] for r in intervals[1:]] == [datetime.fromisoformat(s) for s in plan.staffing.starts[shown.start:]]
    assert [r[5] for r in intervals[1:]] == plan.required_after_rounds["fr"].with_shrinkage[shown.start:]
    daily = rows(book["Daily"])
    judged = [r for r in daily[1:] if r[1] == "fr"]
    assert [(r[0].date().isoformat(), r[6], r[11]) for r in judged] == [
        (d.day, d.service_level, d.status.replace("_", " ")) for d in plan.verdict.days]
    for r, d in zip(judged, plan.verdict.days, strict=True):
        assert r[7] == pytest.approx(max(0, d.service_level - d.service_level_ci95))
        assert r[8] == pytest.approx(min(1, d.service_level + d.service_level_ci95))
    totals = [r for r in daily[1:] if r[1] == "All queues"]
    assert sum(r[3] for r in totals) == sum(c.agents for c in plan.schedule.counts)
    assert sum(r[5] for r in totals) == pytest.approx(plan.sizing.labour_cost)
    verdict = rows(book["Verdict"])
    assert verdict[1] == ("Verdict", {"met": "Goals met", "at_risk": "Goals at risk",
                                      "not_met": "Goals not met"}[plan.verdict.status])


def test_the_plan_workbook_is_formatted_for_planners(planned):
    _, _, data = planned
    book = load_workbook(io.BytesIO(data))
    intervals, daily = book["Requirement"], book["Daily"]
    assert intervals["A1"].font.b and intervals.freeze_panes == "C2" and daily.freeze_panes == "C2"
    assert intervals["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert intervals["G2"].number_format == "0.0" and intervals["I2"].number_format == "0.0%"
    assert daily["G2"].number_format == "0.0%" and daily["F3"].number_format == '#,##0.00 "MAD"'
    assert intervals.column_dimensions["A"].width >= 16
    rules = [(str(cf.sqref), rule.formula, rule.dxf.fill.fgColor.rgb) for cf in intervals.conditional_formatting
             for rule in cf.rules]
    assert rules == [(f"A2:J{intervals.max_row}", ["ROUND($F2-$G2,6)>0"], "00F4C7C3")]
    assert book["Shifts"].auto_filter.ref and book["Shifts"].page_setup.orientation == "landscape"


def test_the_french_workbook_and_the_same_bytes_again(planned):
    plan, scenario, data = planned
    assert plan_xlsx(plan, scenario, "en") == data  # the CLI's file, made again from the typed result
    french = load_workbook(io.BytesIO(plan_xlsx(plan, scenario, "fr")))
    assert french.sheetnames == ["Verdict", "Vacations", "Besoin", "Synthèse quotidienne"]
    assert french["Besoin"]["A1"].value == "Début (Africa/Casablanca)"
    assert french["Synthèse quotidienne"]["F1"].value == "Coût salarial (MAD)"
    assert french["Vacations"]["B2"].number_format == "dd/mm/yyyy"


def test_an_unwritable_workbook_is_refused_before_the_plan(tmp_path):
    scenario = tmp_path / "site.toml"
    scenario.write_text(SCENARIO.format(seats=60))
    result = runner.invoke(app, ["plan", str(scenario), "--workspace", str(tmp_path / "ws.duckdb"),
                                 "--xlsx", str(tmp_path / "missing" / "plan.xlsx")])
    assert result.exit_code == 2 and "xlsx" in result.stderr
    assert not (tmp_path / "ws.duckdb").exists()  # refused before any work


def test_the_roster_grid_equals_the_roster(tmp_path):
    req, shifts, roster, people = centre(tmp_path)
    xlsx = tmp_path / "roster.xlsx"
    result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts), "--cyclic",
                                 "--roster", str(roster), "--time-limit", "4s", "--xlsx", str(xlsx), "--lang", "fr",
                                 "--json"])
    assert result.exit_code == 0, result.output
    named = json.loads(result.stdout)["roster"]
    book = load_workbook(xlsx)
    assert book.sheetnames == ["Planning", "Vacations non pourvues"]
    grid = rows(book["Planning"])
    header = grid[0]
    dates = [MONDAY + timedelta(days=d) for d in range(7)]
    assert header[:2] == ("Agent", "Compétences") and [h.date() for h in header[2:9]] == dates
    assert header[9:] == ("Semaine 1 (h)", "Total (h)")
    worked = {(a["agent"], a["day"]): a for a in named["assignments"]}
    unavailable = {p[0]: p[4] for p in people}
    assert [r[0] for r in grid[1:-1]] == [p[0] for p in people]  # every agent, in the file's order
    for r in grid[1:-1]:
        agent = r[0]
        for day, cell in zip(dates, r[2:9], strict=True):
            a = worked.get((agent, day.isoformat()))
            if a:
                start, end = datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"])
                assert cell == f"{a['shift']} {start:%H:%M}-{end:%H:%M}"
            else:
                assert cell == ("indisponible" if unavailable[agent] == day.strftime("%a").lower() else "repos")
        hours = sum(a["paid_hours"] for (name, _), a in worked.items() if name == agent)
        assert r[9] == pytest.approx(hours) and r[10] == pytest.approx(hours)
    assert grid[-1][0] == "Agents au travail"
    assert list(grid[-1][2:9]) == [sum(d == day.isoformat() for _, d in worked) for day in dates]
    opened = rows(book["Vacations non pourvues"])[1:]
    assert [(r[0].date().isoformat(), r[1], r[2]) for r in opened] == [
        (o["day"], o["shift"], o["agents"]) for o in named["open_shifts"]]
    sheet = book["Planning"]
    assert sheet.freeze_panes == "C2" and sheet.print_title_rows == "$1:$1"
    off = next(c for c in sheet[2][2:9] if c.value in ("repos", "indisponible"))
    assert off.fill.fgColor.rgb in ("00EEEEEE", "00FCE8B2")


def test_a_roster_workbook_needs_agents(tmp_path):
    req, shifts, _, _ = centre(tmp_path)
    result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts),
                                 "--xlsx", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2 and "--roster" in result.stderr and not (tmp_path / "r.xlsx").exists()



def test_a_workbook_is_dated_by_its_plan_not_by_the_clock():
    """openpyxl dates `modified` at save time: the file would change from one second to the next."""
    import zipfile
    from datetime import datetime

    from casashore.report.xlsx_style import as_bytes, new_book, sheet

    book = new_book()
    sheet(book, "A", ["x"])
    core = zipfile.ZipFile(io.BytesIO(as_bytes(book, datetime(2026, 12, 7)))).read("docProps/core.xml").decode()
    assert core.count("2026-12-07T00:00:00Z") == 2 and "dcterms:modified" in core


def test_the_outputs_show_the_plans_days_and_the_hour_a_western_client_reaches_past_midnight():
    """The example's shape (issue 24's trial): site Casablanca, a London queue an hour behind it in winter, so the
    grid has an 8th site day for that hour. Shown: the 7 days and 00:00-01:00 of the 8th, not its 23 hours of
    zeros; a client east of the site widens the start the same way."""
    from types import SimpleNamespace

    first = datetime(2026, 12, 7)
    grid = [(first + timedelta(minutes=15 * i)).isoformat() for i in range(8 * 96)]
    # The forecast's rows as the plan holds them: columns (only the two the span reads).
    london = ForecastIntervals.from_json([{"start": (first + timedelta(minutes=15 * i)).strftime(
        "%Y-%m-%dT%H:%M:00+00:00"), "site_start": (first + timedelta(hours=1, minutes=15 * i)).isoformat()}
                                         for i in range(7 * 96)])
    plan = SimpleNamespace(staffing=SimpleNamespace(starts=grid), forecast=SimpleNamespace(intervals=london))
    shown = shown_span(plan)
    assert (grid[shown.start], grid[shown.stop - 1]) == ("2026-12-07T00:00:00", "2026-12-14T00:45:00")
    east = ForecastIntervals.from_json([{"start": "2026-12-07T00:00:00+02:00", "site_start": "2026-12-06T23:00:00"}])
    early = [(datetime(2026, 12, 6) + timedelta(minutes=15 * i)).isoformat() for i in range(8 * 96)]
    plan = SimpleNamespace(staffing=SimpleNamespace(starts=early), forecast=SimpleNamespace(intervals=east))
    assert early[shown_span(plan).start] == "2026-12-06T23:00:00"


def test_closed_days_are_named_and_agents_carry_no_float_noise(planned):
    """A day the opening hours close is said in the verdict and given its row in the daily sheet (not dropped);
    the Requirement sheet's agents are rounded to a millionth, so a schedule's float noise is no Short."""
    import dataclasses

    from casashore.report.plan_report import render
    from casashore.report.workbook import plan_workbook

    plan, scenario, _ = planned
    # A third plan day with nothing forecast (the example's Sunday): 2026-03-04, closed under "mon-tue".
    extra = dataclasses.replace(plan.forecast.intervals[0], start="2026-03-04T10:00:00+01:00",
                                site_start="2026-03-04T10:00:00", calls=0.0)
    noisy = [x - 1e-14 if x else x for x in plan.schedule.scheduled["fr"]]
    variant = dataclasses.replace(
        plan, forecast=dataclasses.replace(plan.forecast, intervals=[*plan.forecast.intervals, extra]),
        schedule=dataclasses.replace(plan.schedule, scheduled={"fr": noisy}))
    book = load_workbook(io.BytesIO(plan_workbook(variant, "en", scenario.shifts, "mon-tue 07:00-22:00")))
    why = [r[1] for r in rows(book["Verdict"]) if r[0] == "Why"]
    assert 'Closed (no open hours under opening_hours = "mon-tue 07:00-22:00"), not judged: Wed 2026-03-04.' in why
    closed = [r for r in rows(book["Daily"]) if r[0] == datetime(2026, 3, 4)]
    assert closed == [(datetime(2026, 3, 4), "All queues", 0, 0, 0, 0, None, None, None, None, None, "closed", None,
                       None, None)]
    intervals = rows(book["Requirement"])[1:]
    assert [r[6] for r in intervals] == [round(x) for x in noisy[shown_span(variant).start:]]
    assert all(r[7] == max(0, round(r[5] - r[6], 6)) for r in intervals)
    assert "Closed (no open hours" in render(variant, "en", "t", opening_hours="mon-tue 07:00-22:00")
    assert "closed-days" not in render(plan, "en", "t", opening_hours=scenario.rules.opening_hours)
    assert "Fermé" in load_workbook(io.BytesIO(plan_workbook(variant, "fr", (), "mon-tue 07:00"
                                                                                   "-22:00")))["Verdict"]["B3"].value
