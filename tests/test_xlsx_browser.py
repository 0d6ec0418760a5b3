"""Excel in the pages, in Debian's chromium driven by Playwright against a real `casashore serve`: a kept plan's
workbook downloaded from its link in the kept plans' list (English, then French) and read back with openpyxl, its
scheduled agents equal to the kept plan's JSON; single shifts imported into the scenario form from a workbook
written here, the form then valid; a wrong cell named beside the control with the table unchanged; a file past
the server's body limit refused by the page before anything is sent. Every wait is on the page's state."""

import base64
import io
import json
import math
import urllib.request
from datetime import datetime

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from browser import CHROMIUM, chromium, watched_page
from casashore.interfaces.web.api import MAX_BODY_BYTES
from small_plan import small_plan
from test_dashboard_browser import server  # noqa: F401 - the real `casashore serve` fixture
from test_plans_browser import PLAN_TIMEOUT_MS, _run

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                                "(apt-get install chromium; .ci/run does it)")
WAIT_MS = 120_000  # a safety stop only, for a busy machine: every wait ends when the page's state is reached
HEADER = ["name", "start", "length", "cost", "group", "breaks"]
SHIFTS = [["early", "07:00", "8h", 8, "fr", "1h@3h-4h"], ["middle", "10:00", "8h", 8.5, "fr", "1h@3h-4h"],
          ["late", "14:00", "8h", 8, "fr", None]]


def _columns(sheet) -> dict[str, list]:
    """A sheet's columns by their header."""
    rows = list(sheet.iter_rows(values_only=True))
    return {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}


def _values(axis) -> list:
    """A plotly JSON axis: a list, or a typed array as base64 (plotly 6 sends numpy arrays so)."""
    if isinstance(axis, dict):
        return np.frombuffer(base64.b64decode(axis["bdata"]), dtype=axis["dtype"]).tolist()
    return list(axis)


def _download(page, link):
    with page.expect_download(timeout=WAIT_MS) as info:
        page.click(link)
    download = info.value
    assert download.failure() is None
    return download.suggested_filename, load_workbook(io.BytesIO(download.path().read_bytes()))


def test_a_kept_plans_workbook_downloads_from_its_link(server):  # noqa: F811
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        page.goto(server + "/")
        _run(page, "small", small_plan(0.1))
        page.wait_for_selector("#kept-rows tr a.workbook", timeout=PLAN_TIMEOUT_MS)
        plan_id = page.get_attribute("#kept-rows tr", "data-id")
        link = page.locator("#kept-rows tr a.workbook")
        assert link.text_content() == "Excel workbook"
        assert link.get_attribute("href") == f"/api/plans/{plan_id}/plan.xlsx?lang=en"
        assert link.get_attribute("download") == f"plan-{plan_id}.xlsx"

        name, book = _download(page, "#kept-rows tr a.workbook")
        assert name == f"plan-{plan_id}.xlsx"
        assert book.sheetnames == ["Verdict", "Shifts", "Requirement", "Daily"]
        kept = json.loads(urllib.request.urlopen(f"{server}/api/plans/{plan_id}").read())
        assert kept["status"] == "done"
        # Agents scheduled per interval: the kept plan's coverage chart, trace "fr scheduled", cell for cell.
        chart = next(f["figure"] for f in kept["figures"] if f["title"].startswith("Agents required vs scheduled"))
        trace = next(t for t in chart["data"] if t["name"] == "fr scheduled")
        requirement = _columns(book["Requirement"])
        fr = [i for i, group in enumerate(requirement["Skill group"]) if group == "fr"]
        assert len(fr) >= 2 * 48  # at least the two planned days of 30-minute intervals
        scheduled = requirement["Agents scheduled (on shift, not on break)"]
        starts = requirement["Start (Africa/Casablanca)"]
        assert [starts[i] for i in fr] == [datetime.fromisoformat(x) for x in _values(trace["x"])]
        assert [scheduled[i] for i in fr] == _values(trace["y"])
        assert sum(scheduled) > 0
        # The days: paid hours and cost as the kept plan's, each day's service level and verdict as its key figures.
        daily = _columns(book["Daily"])
        everyone = [i for i, queue in enumerate(daily["Queue"]) if queue == "All queues"]
        assert len(everyone) == len(kept["key_figures"]["days"]) == 2
        assert sum(daily["Paid hours"][i] for i in everyone) == pytest.approx(kept["summary"]["schedule"]["paid_hours"])
        assert sum(daily["Labour cost (MAD)"][i] for i in everyone) == pytest.approx(
            kept["key_figures"]["labour_cost"])
        assert sum(daily["Agents starting a shift"][i] for i in everyone) == sum(_columns(book["Shifts"])["Agents"])
        assert [(daily["Day"][i].date().isoformat(), daily["Service level (simulated)"][i], daily["Verdict"][i])
                for i, queue in enumerate(daily["Queue"]) if queue == "fr"] == [
            (d["day"], d["service_level"], d["status"].replace("_", " ")) for d in kept["key_figures"]["queue_days"]]
        assert page.errors == []

        french = watched_page(browser, "fr-FR")
        french.goto(server + "/")
        french.wait_for_selector("#kept-rows tr a.workbook", timeout=WAIT_MS)
        link = french.locator("#kept-rows tr a.workbook")
        assert link.text_content() == "Classeur Excel"
        assert link.get_attribute("title").startswith("Le plan en classeur .xlsx")
        assert link.get_attribute("href") == f"/api/plans/{plan_id}/plan.xlsx?lang=fr"
        name, book = _download(french, "#kept-rows tr a.workbook")
        assert name == f"plan-{plan_id}.xlsx"
        assert book.sheetnames == ["Verdict", "Vacations", "Besoin", "Synthèse quotidienne"]
        assert french.errors == []


def _workbook(path, rows) -> str:
    book = Workbook()
    sheet = book.active
    sheet.title = "Shifts"
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return str(path)


def _table(page) -> list[list[str]]:
    return [[page.input_value(f'[data-path="shifts[{i}].{key}"]') for key in HEADER]
            for i in range(page.locator("#table-shifts tbody tr").count())]


def test_single_shifts_imported_from_excel_fill_the_form(server, tmp_path):  # noqa: F811
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        sent = []
        page.on("request", lambda request: sent.append(request.url) if "/api/xlsx/" in request.url else None)
        page.goto(server + "/scenario")
        # The small scenario (two single shifts, early and late) opened in the form through its TOML tab.
        page.click("#tab-toml")
        page.wait_for_selector('#toml-view[data-state="shown"]', timeout=WAIT_MS)
        page.fill("#toml-text", small_plan(0.1))
        page.click("#apply-toml")
        page.wait_for_selector('#status[data-state="ok"]', timeout=WAIT_MS)
        assert page.text_content("#status") == "Valid: 2 shifts"
        assert page.text_content("#import-shifts-box label span") == "Import single shifts from Excel (.xlsx)"
        assert "replace the rows of the table below" in page.text_content("#import-shifts-box .note")

        # Three shifts from a workbook replace the two: the table holds the workbook's rows, then it is checked.
        page.set_input_files("#import-shifts", _workbook(tmp_path / "shifts.xlsx", SHIFTS))
        page.wait_for_selector('#import-shifts-box[data-state="imported"]', timeout=WAIT_MS)
        assert _table(page) == [["early", "07:00", "8h", "8", "fr", "1h@3h-4h"],
                                ["middle", "10:00", "8h", "8.5", "fr", "1h@3h-4h"],
                                ["late", "14:00", "8h", "8", "fr", ""]]
        assert page.text_content("#import-shifts-status") == ("3 shifts imported from shifts.xlsx; the table's earlier "
                                                              "rows replaced.")
        page.wait_for_selector('#status[data-state="ok"]', timeout=WAIT_MS)
        assert page.text_content("#status") == "Valid: 3 shifts"
        assert page.text_content("#import-shifts-error") == ""

        # A wrong cell: the API's error beside the control, naming the file (as ?filename= takes its name), the
        # sheet, the row and the column; the table is as it was.
        bad = [SHIFTS[0], ["broken", "12:00", "8x", 8, "fr", None]]
        page.set_input_files("#import-shifts", _workbook(tmp_path / "shifts (v2).xlsx", bad))
        page.wait_for_selector('#import-shifts-box[data-state="failed"]', timeout=WAIT_MS)
        assert page.text_content("#import-shifts-error") == (
            "Not imported (the table is unchanged): shifts _v2_.xlsx sheet 'Shifts' row 3 column C: length: '8x' is "
            "not valid; expected a duration such as 20, 20s, 30m, 1h or 7h30m")
        assert [row[0] for row in _table(page)] == ["early", "middle", "late"]
        assert len(sent) == 2
        # chromium logs the API's 400 on the console: the one error expected here
        assert page.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
        page.errors.clear()

        # A file past the server's body limit: refused by the page, nothing sent, the table unchanged.
        big = tmp_path / "big.xlsx"
        big.write_bytes(b"\0" * (MAX_BODY_BYTES + 1))
        page.set_input_files("#import-shifts", str(big))
        page.wait_for_selector('#import-shifts-box[data-state="refused"]', timeout=WAIT_MS)
        assert page.text_content("#import-shifts-error") == (
            f"big.xlsx is {math.ceil((MAX_BODY_BYTES + 1) / 102.4) / 10} KiB: the server takes files of at most "
            f"{MAX_BODY_BYTES // 1024} KiB. Nothing was sent; the table is unchanged.")
        assert len(sent) == 2 and [row[0] for row in _table(page)] == ["early", "middle", "late"]
        assert page.errors == []

        french = watched_page(browser, "fr-FR")
        french.goto(server + "/scenario")
        french.wait_for_selector("#import-shifts")
        assert french.text_content("#import-shifts-box label span") == ("Importer les vacations une à une depuis Excel "
                                                                   "(.xlsx)")
        # A name with "$&" (a replacement pattern to String.replace) is shown as it is.
        french.set_input_files("#import-shifts", _workbook(tmp_path / "vacations $&.xlsx", SHIFTS))
        french.wait_for_selector('#import-shifts-box[data-state="imported"]', timeout=WAIT_MS)
        assert french.text_content("#import-shifts-status").startswith("3 vacations importées de vacations $&.xlsx")
        assert french.errors == []
