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
        page.fill("#shrinkage", "30")
        page.click("#calc")
        page.wait_for_function("document.getElementById('calc-detail').textContent.includes('with shrinkage')")
        assert page.text_content("#calc-detail").endswith("; 20 agents paid, with shrinkage)")
        assert "(%)" not in page.text_content("#calc-detail")
        page.fill("#scenario-name", "casablanca.toml")
        page.fill("#scenario-text", EXAMPLE.read_text())
        page.click("#upload")
        page.wait_for_selector("#scenario-list option", state="attached")
        assert "casablanca.toml" in page.locator("#scenario-list").text_content()
        # The example's plan runs in tests/test_scenario_browser.py, from the scenario built there with the forms.
        assert errors == []


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


def test_chromium_is_debians():
    assert shutil.which("chromium") == str(CHROMIUM)
