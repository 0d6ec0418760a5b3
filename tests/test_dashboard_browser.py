"""The dashboard in Debian's chromium, driven by Playwright, against a real `casashore serve`: the calculator, a
scenario upload, no console error (the example's plan is run from the page in tests/test_scenario_browser.py)."""

import shutil
from pathlib import Path

import pytest

from browser import CHROMIUM, chromium, watched_page
from served import served

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                                "(apt-get install chromium; .ci/run does it)")


@pytest.fixture
def server(tmp_path):
    with served(["serve", "--workspace-dir", str(tmp_path)], "/api/health", port_flag="--port") as url:
        yield url


@pytest.mark.parametrize("locale, words", [("en-GB", "Erlang calculator")])
def test_dashboard_calculates_and_keeps_an_uploaded_scenario(server, locale, words):
    with chromium() as browser:
        page = watched_page(browser, locale)
        errors = page.errors
        page.goto(server + "/")
        assert words in page.content()
        # Call Centre Helper's example: 100 calls in 30 min, AHT 180 s, 80 % in 20 s -> 14 agents.
        page.fill("#calls", "100")
        page.fill("#interval", "30")
        page.fill("#aht", "180")
        page.fill("#target", "20")
        page.fill("#sl", "80")
        page.click("#calc")
        page.wait_for_function("document.getElementById('agents').textContent !== '—'")
        assert page.text_content("#agents") == "14"
        # Its detail in words, not the input's label: with 30 % shrinkage, 14 on the phones are 20 paid.
        before = page.text_content("#calc-detail")  # "14 agents paid, with shrinkage" (none): wait for a new one
        page.fill("#shrinkage", "30")
        page.click("#calc")
        page.wait_for_function("(before) => document.getElementById('calc-detail').textContent !== before", arg=before)
        assert page.text_content("#calc-detail").endswith("; 20 agents paid, with shrinkage)")
        assert "(%)" not in page.text_content("#calc-detail")
        page.fill("#scenario-name", "casablanca.toml")
        page.fill("#scenario-text", EXAMPLE.read_text())
        page.click("#upload")
        page.wait_for_selector("#scenario-list option", state="attached")
        assert "casablanca.toml" in page.locator("#scenario-list").text_content()
        # The example's plan runs in tests/test_scenario_browser.py, from the scenario built there with the forms.
        assert errors == []


def test_the_calculator_and_the_scenario_form_take_chat_and_email(server):
    """Each channel's fields shown for it alone and sent to POST /api/staff (tests/test_staff_channels.py's cases:
    the chat chain's 74 agents, the email backlog's 20); a scenario's queue row takes its channel's fields and
    leaves the others out of the scenario."""
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        page.goto(server + "/")
        assert page.is_visible("#target") and page.is_hidden("#max-sessions") and page.is_hidden("#deadline")
        page.select_option("#channel", "chat")
        assert page.is_visible("#max-sessions") and page.is_visible("#concurrency") and page.is_hidden("#open")
        for field, value in (("calls", "400"), ("interval", "15"), ("aht", "300"), ("target", "60"), ("sl", "80"),
                             ("max-sessions", "3"), ("concurrency", "0.3")):
            page.fill(f"#{field}", value)
        page.click("#calc")
        page.wait_for_function("document.getElementById('calc-detail').textContent.includes('sessions per agent')")
        assert page.text_content("#agents") == "74"
        page.select_option("#channel", "email")
        assert page.is_hidden("#target") and page.is_hidden("#max-sessions") and page.is_visible("#deadline")
        for field, value in (("calls", "2400"), ("interval", "1440"), ("open", "600"), ("aht", "300"),
                             ("deadline", "24"), ("sl", "95")):
            page.fill(f"#{field}", value)
        page.click("#calc")
        page.wait_for_function("document.getElementById('calc-detail').textContent.includes('within the deadline')")
        assert page.text_content("#agents") == "20"
        assert page.text_content("#calc-detail").startswith(
            " (100.0 % within the deadline, largest backlog 1,400 items")
        page.fill("#deadline", "721")  # the API's domain, named in words
        page.click("#calc")
        page.wait_for_function("document.getElementById('calc-error').textContent !== ''")
        assert page.text_content("#calc-error").startswith("deadline_s: 2595600")

        page.goto(server + "/scenario")
        page.wait_for_selector("#table-queues tbody tr")
        row = "#table-queues tbody tr"
        assert page.is_disabled(f'{row} [data-key="max_sessions"]') and page.is_enabled(f'{row} [data-key="target_s"]')
        page.select_option(f'{row} [data-key="channel"]', "email")
        assert page.is_disabled(f'{row} [data-key="target_s"]') and page.is_enabled(f'{row} [data-key="deadline_s"]')
        page.fill(f'{row} [data-key="deadline_s"]', "86400")
        page.fill(f'{row} [data-key="deadline_share"]', "0.95")
        queue = page.evaluate("scenarioFromForm().queues[0]")
        assert (queue["channel"], queue["deadline_s"], queue["deadline_share"]) == ("email", 86400, 0.95)
        page.select_option(f'{row} [data-key="channel"]', "chat")
        queue = page.evaluate("scenarioFromForm().queues[0]")
        assert queue["channel"] == "chat" and "deadline_s" not in queue  # kept in the field, not sent
        assert page.input_value(f'{row} [data-key="deadline_s"]') == "86400"
        assert page.text_content("#h-queues-max_sessions") == "e.g. 3; chat queues only"
        refused = "the server responded with a status of 422"  # the 721-hour deadline, refused on purpose
        assert [e for e in page.errors if refused not in e] == [] and sum(refused in e for e in page.errors) == 1


def test_dashboard_speaks_french_to_a_french_browser(server):
    with chromium() as browser:
        page = browser.new_page(locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        page.goto(server + "/")
        assert "Calculateur Erlang" in page.content()
        page.fill("#calls", "1000")
        page.fill("#aht", "300")
        page.click("#calc")
        page.wait_for_function("document.getElementById('agents').textContent !== '—'")
        assert "\u00a0%" in page.text_content("#calc-detail")  # French percent sign spacing
        assert "agents payés, avec l'indisponibilité)" in page.text_content("#calc-detail")
        page.select_option("#channel", "email")
        assert page.text_content("label:has(#deadline) span") == "Délai (h)"
        page.fill("#interval", "1440")
        page.click("#calc")
        page.wait_for_function("document.getElementById('calc-detail').textContent.includes('dans le délai')")
        assert "stock maximal" in page.text_content("#calc-detail")


def test_chromium_is_debians():
    assert shutil.which("chromium") == str(CHROMIUM)
