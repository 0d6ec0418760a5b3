"""Excel in: a requirement, shift templates and agents read from .xlsx give what their CSV gives (the workbook
written here by openpyxl, with typed cells as Excel stores them); a wrong cell is named by sheet, row and column;
hostile workbooks (zip bombs, entity bombs, formulas, external links, oversize sheets) are refused or read
harmlessly; the API's uploads answer with the rows."""

import csv
import io
import json
import re
import socket
import warnings
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.schedule.inputs import read_requirement, read_shifts
from casashore.schedule.roster import read_agents
from casashore.schedule.rules import LabourRules
from casashore.schedule.tables import read_table
from casashore.schedule.xlsx_reader import check_archive, read_sheet
from conftest import write_csv

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def typed(text: str) -> object:
    """A CSV cell as Excel would hold it once typed in: numbers, times, dates and date-times as such."""
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text) if "." in text else int(text)
    if re.fullmatch(r"\d\d:\d\d", text):
        return time.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", text):
        return datetime.fromisoformat(text)
    return text or None


def workbook(path: Path, sheets: dict[str, Path | list[list]]) -> Path:
    """An .xlsx with one sheet per CSV file (or list of rows), cells typed; the sheets in the order given."""
    book = Workbook()
    book.remove(book.active)
    for title, source in sheets.items():
        ws = book.create_sheet(title)
        lines = list(csv.reader(source.open())) if isinstance(source, Path) else source
        ws.append(lines[0])
        for line in lines[1:]:
            ws.append([typed(v) if isinstance(v, str) else v for v in line])
    book.save(path)
    return path


def day_requirement(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "day.csv", ["start", "group", "required"],
                     [[f"{h:02d}:{m:02d}", "fr-banking", 3 + (h % 5) if 7 <= h < 22 else 0] for h in range(24)
                      for m in (0, 30)])


def test_agents_from_xlsx_are_the_csvs_agents(tmp_path):
    xlsx = workbook(tmp_path / "agents.xlsx", {"Notes": [["anything"], ["here"]], "Agents": EXAMPLES / "agents.csv"})
    groups, rules = ["fr-banking"], LabourRules()
    assert read_agents(xlsx, groups, rules) == read_agents(EXAMPLES / "agents.csv", groups, rules)


def test_shifts_and_requirements_from_xlsx_are_the_csvs(tmp_path):
    week = write_csv(tmp_path / "week.csv", ["start", "group", "required"],
                     [[f"2026-03-0{2 + d}T{h:02d}:00", g, 2.5] for d in range(2) for h in range(24)
                      for g in ("fr", "es")])
    assert read_requirement(workbook(tmp_path / "w.xlsx", {"Requirement": week})) == read_requirement(week)
    client_time = write_csv(tmp_path / "paris.csv", ["start", "required"],
                            [[f"2026-03-02T{h:02d}:00:00+01:00", 4] for h in range(24)])
    assert read_requirement(workbook(tmp_path / "p.xlsx", {"Sheet": client_time})) == read_requirement(client_time)
    requirement = read_requirement(day_requirement(tmp_path))
    xlsx = workbook(tmp_path / "shifts.xlsx", {"Shifts": EXAMPLES / "shifts.csv"})
    assert read_shifts(xlsx, requirement) == read_shifts(EXAMPLES / "shifts.csv", requirement)


def test_the_schedule_command_reads_one_workbook_for_all_its_tables(tmp_path):
    day = day_requirement(tmp_path)
    book = workbook(tmp_path / "centre.xlsx", {"Agents": EXAMPLES / "agents.csv", "Shifts": EXAMPLES / "shifts.csv",
                                               "Requirement": day})

    def schedule(req, shifts):
        result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts), "--cyclic",
                                     "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert schedule(book, book) == schedule(day, EXAMPLES / "shifts.csv")


@pytest.mark.parametrize("sheet, cell, value, words", [
    ("Agents", "C5", "lots", "sheet 'Agents' row 5 column C: weekly_hours: 'lots' is not valid"),
    ("Agents", "B3", "de", "sheet 'Agents' row 3 column B: skills: 'de' is not valid"),
    ("Agents", "F4", "25:00", "sheet 'Agents' row 4 column F: preferred_start: '25:00' is not valid"),
    ("Agents", "D1", None, "sheet 'Agents' row 1 column D: columns:"),
    ("Agents", "A1", "name", "sheet 'Agents' row 1: columns: 'name,skills"),
])
def test_a_bad_cell_is_named_by_sheet_row_and_column(tmp_path, sheet, cell, value, words):
    from openpyxl import load_workbook

    path = workbook(tmp_path / "agents.xlsx", {sheet: EXAMPLES / "agents.csv"})
    book = load_workbook(path)
    book[sheet][cell] = value
    book.save(path)
    result = runner.invoke(app, ["schedule", "--requirements", str(day_requirement(tmp_path)), "--shifts",
                                 str(EXAMPLES / "shifts.csv"), "--roster", str(path)])
    assert result.exit_code == 2 and words in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_shift_cell_is_named_too(tmp_path):
    rows = list(csv.reader((EXAMPLES / "shifts.csv").open()))
    rows[3][1] = "07:07"
    path = workbook(tmp_path / "s.xlsx", {"Shifts": rows})
    with pytest.raises(UserError, match=r"sheet 'Shifts' row 4 column B: start: '07:07' is not valid; expected a "
                                        r"multiple of the requirement's 30-minute"):
        read_shifts(path, read_requirement(day_requirement(tmp_path)))


def test_an_excel_time_in_a_length_cell_is_a_duration_and_an_xls_file_is_named(tmp_path):
    """A planner types a length as 08:00 in Excel (a time of day): read as 8 hours. An Excel 97-2003 .xls file is
    told as such, by its name (not "a CSV file in UTF-8") and by its bytes in an upload."""
    path = workbook(tmp_path / "s.xlsx", {"Shifts": [["name", "start", "length", "cost", "group"],
                                                     ["early", time(7, 0), time(8, 30), 8, "fr-banking"]]})
    shifts = read_shifts(path, read_requirement(day_requirement(tmp_path)))
    assert [(s.name, s.start_min, s.length_min) for s in shifts] == [("early", 420, 510)]
    xls = tmp_path / "old.xls"
    xls.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512)
    result = runner.invoke(app, ["schedule", "--requirements", str(day_requirement(tmp_path)), "--shifts", str(xls)])
    assert result.exit_code == 2 and "Excel 97-2003 .xls files are not supported" in result.stderr
    with pytest.raises(UserError, match="save it as .xlsx"):
        check_archive(xls.read_bytes(), "file", "old.xlsx")


# Hostile workbooks.

def zipped(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(zipped({"xl/worksheets/sheet1.xml": b"\0" * (64 * 1024 * 1024)}))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(UserError, match="compress at most 200 times.*zip bomb"):
        read_table(bomb, "roster", "agents")
    many = tmp_path / "many.xlsx"
    many.write_bytes(zipped({f"part{i}.xml": b"<a/>" for i in range(1001)}))
    with pytest.raises(UserError, match="at most 1000 parts"):
        read_table(many, "roster", "agents")
    normal = (workbook(tmp_path / "a.xlsx", {"Agents": EXAMPLES / "agents.csv"})).read_bytes()
    with pytest.raises(UserError, match="inflating to at most 1,000 bytes"):
        check_archive(normal, "file", "a.xlsx", max_inflated=1000)
    with pytest.raises(UserError, match="at most 100 bytes"):
        check_archive(normal, "file", "a.xlsx", max_bytes=100)
    with pytest.raises(UserError, match="a zip archive"):
        check_archive(b"not a zip at all", "file", "a.xlsx")


def test_an_entry_lying_about_its_size_is_not_inflated_past_it(tmp_path):
    """The checks read the sizes the archive declares; zipfile stops at the declared size and the CRC fails."""
    good = workbook(tmp_path / "a.xlsx", {"Agents": EXAMPLES / "agents.csv"})
    contents = parts(good)
    sheet = "xl/worksheets/sheet1.xml"
    contents[sheet] = contents[sheet].replace(b"</worksheet>", b"<!--" + b" " * (8 * 1024 * 1024) + b"--></worksheet>")
    data = bytearray(zipped(contents))
    real = len(contents[sheet]).to_bytes(4, "little")
    assert data.count(real) >= 2
    data = data.replace(real, (1000).to_bytes(4, "little"))  # the local and the central headers' sizes
    check_archive(bytes(data), "file", "liar.xlsx")  # declared small: passes the checks ...
    with pytest.raises(UserError, match="a readable .xlsx workbook"):  # ... and openpyxl reads no more than that
        read_sheet(bytes(data), "file", "liar.xlsx")


def test_an_entity_bomb_is_refused(tmp_path):
    contents = parts(workbook(tmp_path / "a.xlsx", {"Agents": [["agent", "skills", "weekly_hours"],
                                                               ["a", "fr", 40]]}))
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    contents["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "lol">{laughs}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>').encode()
    with pytest.raises(UserError, match=r"a readable .xlsx workbook \(EntitiesForbidden"):
        read_sheet(zipped(contents), "file", "laughs.xlsx")


def test_formulas_are_not_evaluated_and_external_links_not_followed(tmp_path):
    """A formula reads as the value Excel saved with it (none when never opened in Excel: then the cell is empty
    and named); a workbook linking another (on a server listening here) is read without a connection to it."""
    path = workbook(tmp_path / "a.xlsx", {"Agents": [["agent", "skills", "weekly_hours"], ["a", "fr-banking", "=40+4"],
                                                     ["b", "fr-banking", "=[1]Sheet1!A1"]]})
    with pytest.raises(UserError, match=r"row 2 column C: weekly_hours: '' is not valid"):
        read_agents(path, ["fr-banking"], LabourRules())
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    url = f"http://127.0.0.1:{server.getsockname()[1]}/other.xlsx"
    contents = parts(path)
    sheet = contents["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("<f>40+4</f><v />", "<f>40+4</f><v>44</v>").replace("<f>[1]Sheet1!A1</f><v />",
                                                                               "<f>[1]Sheet1!A1</f><v>30</v>")
    contents["xl/worksheets/sheet1.xml"] = sheet.encode()
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"
    contents["xl/_rels/workbook.xml.rels"] = contents["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Type="{rel}" Target="externalLinks/externalLink1.xml" '
        'Id="rId9" /></Relationships>'.encode())
    contents["xl/workbook.xml"] = contents["xl/workbook.xml"].replace(
        b"<definedNames />", b'<externalReferences><externalReference r:id="rId9"/></externalReferences>'
        b"<definedNames />")
    contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    contents["xl/externalLinks/externalLink1.xml"] = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames><sheetName '
        b'val="Sheet1"/></sheetNames></externalBook></externalLink>')
    contents["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="'
        'http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        f'Target="{url}" TargetMode="External" Id="rId1"/></Relationships>').encode()
    linked = tmp_path / "linked.xlsx"
    linked.write_bytes(zipped(contents))
    agents = read_agents(linked, ["fr-banking"], LabourRules())
    assert [(a.name, a.weekly_hours) for a in agents] == [("a", 44), ("b", 30)]  # the saved values
    with pytest.raises(BlockingIOError):
        server.accept()  # nobody came
    server.close()


def test_rows_and_columns_are_bounded(tmp_path):
    rows = [["agent", "skills", "weekly_hours"]] + [[f"a{i}", "fr", 40] for i in range(10)]
    data = workbook(tmp_path / "a.xlsx", {"Agents": rows}).read_bytes()
    assert len(read_sheet(data, "file", "a.xlsx").rows) == 11
    with pytest.raises(UserError, match="at most 5 rows"):
        read_sheet(data, "file", "a.xlsx", max_rows=5)
    wide = workbook(tmp_path / "w.xlsx", {"Agents": [["agent"] + [None] * 70 + ["far"]]}).read_bytes()
    with pytest.raises(UserError, match="at most 64 columns"):
        read_sheet(wide, "file", "w.xlsx")


# The API.

@pytest.fixture
def client(tmp_path):
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from fastapi.testclient import TestClient

    from casashore.interfaces.web.api import create_app

    return TestClient(create_app(tmp_path / "served"), base_url="http://127.0.0.1:8000")


def test_the_api_returns_an_uploads_rows(client, tmp_path):
    agents = workbook(tmp_path / "agents.xlsx", {"Agents": EXAMPLES / "agents.csv"}).read_bytes()
    answer = client.post("/api/xlsx/agents", content=agents)
    assert answer.status_code == 200, answer.text
    first = next(csv.DictReader((EXAMPLES / "agents.csv").open()))
    assert len(answer.json()) == 200
    assert answer.json()[0] == {
        "agent": first["agent"], "skills": first["skills"], "weekly_hours": float(first["weekly_hours"]),
        "night_work": first["night_work"] == "yes", "unavailable": first["unavailable"],
        "preferred_start": first["preferred_start"] or None}
    shifts = client.post("/api/xlsx/shifts", content=workbook(tmp_path / "s.xlsx", {
        "Shifts": [["name", "start", "length", "cost", "group", "breaks"], ["early", "07:00", "9h", 8, "fr+es",
                                                                           "1h@3h-5h"]]}).read_bytes())
    assert shifts.status_code == 200 and shifts.json() == [{"name": "early", "start": "07:00", "length": "9h",
                                                            "cost": 8.0, "group": "fr+es", "breaks": "1h@3h-5h"}]
    requirement = client.post("/api/xlsx/requirement", content=workbook(tmp_path / "r.xlsx", {
        "Requirement": day_requirement(tmp_path)}).read_bytes())
    assert requirement.status_code == 200
    body = requirement.json()
    assert (body["interval_min"], body["one_day"], len(body["rows"])) == (30, True, 48)
    assert body["rows"][16] == {"start": "08:00", "group": "fr-banking", "required": 6.0}


def test_the_api_names_a_bad_cell_and_refuses_hostile_uploads(client, tmp_path):
    shifts = workbook(tmp_path / "s.xlsx", {"Shifts": [["name", "start", "length", "cost"], ["early", "07:00", "9h",
                                                                                             "cheap"]]})
    answer = client.post("/api/xlsx/shifts?filename=mine.xlsx", content=shifts.read_bytes())
    assert answer.status_code == 400 and answer.json()["field"] == "cost"
    assert answer.json()["error"].startswith("mine.xlsx sheet 'Shifts' row 2 column D: cost: 'cheap'")
    # Worded as the CLI words the same cell (issue 24's trial: "input should be a valid number" here).
    assert answer.json()["error"].endswith("expected a number in [0, 1e+09]")
    cli = runner.invoke(app, ["schedule", "--requirements", str(day_requirement(tmp_path)), "--shifts", str(shifts)])
    assert cli.exit_code == 2 and "cost: 'cheap' is not valid; expected a number in [0, " in cli.stderr
    assert client.post("/api/xlsx/agents", content=b"PK not really").status_code == 400
    bomb = zipped({"xl/worksheets/sheet1.xml": b"\0" * (16 * 1024 * 1024)})
    refused = client.post("/api/xlsx/agents", content=bomb)
    assert refused.status_code == 400 and "zip bomb" in refused.json()["error"]
    assert client.post("/api/xlsx/agents", content=b"x" * (300 * 1024)).status_code == 413
    assert client.post("/api/xlsx/agents?filename=../../etc/passwd", content=bomb).status_code == 422


def test_a_plan_run_by_the_api_downloads_as_a_workbook(client):
    import time

    from openpyxl import load_workbook

    from test_plan import SCENARIO

    scenario = client.post("/api/scenarios", json={"name": "small", "toml": SCENARIO.format(seats=60)})
    started = client.post("/api/plans", json={"scenario_id": scenario.json()["id"], "lang": "fr"})
    assert started.status_code == 202, started.text
    plan_id = started.json()["id"]
    for _ in range(12000):  # a safety stop only: the loop ends when the plan does
        state = client.get(f"/api/plans/{plan_id}").json()
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert state["status"] == "done", state
    answer = client.get(f"/api/plans/{plan_id}/plan.xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Verdict", "Vacations", "Besoin", "Synthèse quotidienne"]
    judged = [(r[0].date().isoformat(), r[1], r[6]) for r in book["Synthèse quotidienne"].iter_rows(
        min_row=2, values_only=True) if r[1] != "Toutes les files"]
    assert judged == [(d["day"], d["queue"], d["service_level"]) for d in state["summary"]["verdict"]["days"]]
    assert client.get("/api/plans/0123456789ab/plan.xlsx").status_code == 404
