"""The kept plans in Debian's chromium, driven by Playwright, against a real `casashore serve`: two plans run from
the page (the small scenario, then with more shrinkage) are listed with their verdict, opened side by side with a
difference highlighted, a running plan is cancelled with its progress shown and listed as cancelled, a kept plan
re-run and one deleted; the French page says it in French. Every wait is on the page's state, not a delay."""

import json
import urllib.request

import pytest

from browser import CHROMIUM, chromium, watched_page
from small_plan import small_plan
from test_dashboard_browser import server  # noqa: F401 - the real `casashore serve` fixture

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                                "(apt-get install chromium; .ci/run does it)")
PLAN_TIMEOUT_MS = 300_000  # a safety stop only, for a busy machine: the waits end when the state is reached


def _rows(page, count):
    page.wait_for_function(f"document.querySelectorAll('#kept-rows tr').length === {count}",
                           timeout=PLAN_TIMEOUT_MS)


def _run(page, name, text):
    page.fill("#scenario-name", name)
    page.fill("#scenario-text", text)
    page.click("#upload")
    page.wait_for_function(f"document.getElementById('upload-result').textContent.includes({json.dumps(name)})")
    page.click("#run")


def test_plans_are_kept_compared_cancelled_rerun_and_deleted(server):  # noqa: F811
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        errors = page.errors
        page.on("dialog", lambda dialog: dialog.accept())  # the delete's confirmation
        page.goto(server + "/")
        assert page.text_content("#kept-plans h2") == "Kept plans"
        _run(page, "small", small_plan(0.1))
        _rows(page, 1)
        _run(page, "small more shrinkage", small_plan(0.3))
        _rows(page, 2)
        assert page.locator("#kept-rows tr td:nth-child(2)").all_text_contents() == ["small more shrinkage", "small"]
        verdicts = page.locator("#kept-rows .verdict").all_text_contents()
        assert len(verdicts) == 2 and set(verdicts) <= {"met", "at risk", "not met"}
        report = page.get_attribute("#kept-rows tr:nth-child(2) a.report", "href")
        assert urllib.request.urlopen(server + report).read().startswith(b"<!doctype html>")

        # Side by side, the first picked the reference: more shrinkage, more paid hours, highlighted with its sign.
        page.check("#kept-rows tr:nth-child(2) .pick")
        page.check("#kept-rows tr:nth-child(1) .pick")
        page.click("#compare")
        page.wait_for_selector("#compare-table")
        assert page.locator("#compare-table thead th").count() == 3
        paid = page.locator("#compare-table tbody tr", has_text="Paid hours")
        cell = paid.locator("td").nth(2)
        assert "differs" in cell.get_attribute("class") and "up" in cell.get_attribute("class")
        assert cell.locator(".difference").text_content().startswith("+")
        assert "differs" not in (paid.locator("td").nth(1).get_attribute("class") or "")

        # A plan of many replications, cancelled while it runs: the progress is shown, then "cancelled".
        _run(page, "slow", small_plan(0.2).replace("replications = 4", "replications = 400"))
        page.wait_for_selector("#run-cancel", state="visible")
        page.click("#run-cancel")
        page.wait_for_selector("#run-box[data-status=cancelled]", timeout=PLAN_TIMEOUT_MS)
        assert float(page.get_attribute("#run-progress", "value") or 0) < 1
        _rows(page, 3)
        assert page.locator("#kept-rows tr:nth-child(1) .status.cancelled").text_content() == "cancelled"
        assert page.locator("#kept-rows tr:nth-child(1) .pick").is_disabled()

        # The run section (dashboard.js) polls the plan too, once a second: it must have seen the cancel before the
        # plan is deleted, else its next poll meets a 404 (a race, not what this test is about).
        page.wait_for_function("document.getElementById('plan-error').textContent !== ''", timeout=PLAN_TIMEOUT_MS)
        # Deleted (after the confirmation), then a kept plan re-run: it completes, read back from the workspace.
        page.click("#kept-rows tr:nth-child(1) button.delete")
        _rows(page, 2)
        page.click("#kept-rows tr:nth-child(2) button.rerun")
        page.wait_for_selector("#run-box[data-status=done]", timeout=PLAN_TIMEOUT_MS)
        _rows(page, 3)
        assert page.locator("#kept-rows tr:nth-child(1) td:nth-child(2)").text_content() == "small"
        assert errors == []

        french = browser.new_page(locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        french.goto(server + "/")
        assert french.text_content("#kept-plans h2") == "Plans conservés"
        _rows(french, 3)
        assert set(french.locator("#kept-rows .verdict").all_text_contents()) <= {"atteint", "à risque",
                                                                                "non atteint"}
        assert french.text_content("#compare").startswith("Comparer les plans choisis")
