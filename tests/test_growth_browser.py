"""The /growth page in Debian's chromium against a real `casashore serve`: two park scenarios, one pasted and one
uploaded, compared through POST /api/growth; the totals, the charts' series, the differences and the phases
equal to the document the page received; French for a French browser; a hostile name in an error stays text."""


import pytest

from browser import CHROMIUM, chromium, watched_page
from growth_scenarios import SMALL_PARK
from served import served

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                                "(apt-get install chromium; .ci/run does it)")
BASE = SMALL_PARK.replace("months = 12", "months = 8")
CHURN = BASE.replace("attrition_monthly = 0.04", "attrition_monthly = 0.08")
WAIT = 180_000
"""Milliseconds: two hiring plans per scenario and numba's first compilation on a loaded 2-core machine."""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real `casashore serve` for the module: its first comparison loads numba's kernels and HiGHS once."""
    with served(["serve", "--workspace-dir", str(tmp_path_factory.mktemp("serve"))], "/api/health",
                port_flag="--port") as url:
        yield url


def grouped(value: float, lang: str, digits: int = 0) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def compared(page) -> dict:
    """Click Compare; the document the page received from the API."""
    with page.expect_response(lambda r: r.url.endswith("/api/growth"), timeout=WAIT) as answer:
        page.click("#compare")
    doc = answer.value.json()
    page.wait_for_function("document.getElementById('compare').disabled === false", timeout=WAIT)
    return doc


@pytest.mark.parametrize("locale, lang", [("en-GB", "en"), ("fr-FR", "fr")])
def test_two_scenarios_compared_in_the_page(server, tmp_path, locale, lang):
    churn = tmp_path / "churn.toml"
    churn.write_text(CHURN, encoding="utf-8")
    with chromium() as browser:
        page = watched_page(browser, locale)
        page.goto(server + "/growth")
        assert page.text_content("h1") == ("Growth: park scenarios side by side" if lang == "en"
                                           else "Croissance : scénarios du parc côte à côte")
        page.fill("#park-1 .park-toml", BASE)
        page.set_input_files("#park-2 .park-file", str(churn))
        # Read asynchronously, then named by its file, as on the command line.
        page.wait_for_function("document.querySelector('#park-2 .park-name').value === 'churn'")
        assert page.input_value("#park-2 .park-toml") == CHURN
        doc = compared(page)
        assert page.text_content("#error") == ""
        assert doc["comparison"]["scenarios"] == ["base", "churn"]
        hires = {t["figure"]: t for t in doc["comparison"]["totals"]}["hires"]
        row = page.locator("#totals tbody tr").first.locator("th, td").all_text_contents()
        assert row == ["Hires" if lang == "en" else "Recrutements", grouped(hires["values"][0], lang),
                       grouped(hires["values"][1], lang),
                       ("+" if hires["differences"][1] >= 0 else "") + grouped(hires["differences"][1], lang)]
        page.wait_for_function("document.querySelectorAll('#charts .chart .main-svg').length >= 14", timeout=WAIT)
        headcount = page.evaluate("document.getElementById('chart-headcount').data.map(t => t.y)")
        assert headcount == [[r["headcount"] for r in s["summary"]] for s in doc["scenarios"]]
        # Two lines per scenario: what it has (solid) against what it needs (dotted).
        fte = page.evaluate("document.getElementById('chart-fte').data.map(t => [t.name, t.y, t.line.dash || 'solid'])")
        productive, needed = ("productive", "needed") if lang == "en" else ("productifs", "nécessaires")
        pairs = ((productive, "productive_fte", "solid"), (needed, "required_fte", "dot"))
        assert fte == [[f"{s['scenario']} {word}", [r[key] for r in s["summary"]], dash] for s in doc["scenarios"]
                       for word, key, dash in pairs]
        margins = page.evaluate("document.getElementById('chart-margin').data.map(t => [t.name, t.y])")
        assert margins == [[f"{s['scenario']} — {c['client']}", [r["margin"] for r in c["months"]]]
                           for s in doc["scenarios"] for c in s["contracts"]]
        page.select_option("#figure", "seats_needed")
        rows = [r.locator("th, td").all_text_contents() for r in page.locator("#differences tbody tr").all()]
        expected = [r for r in doc["comparison"]["rows"] if r["figure"] == "seats_needed"]
        assert [r[0] for r in rows] == [r["month"] for r in expected]
        assert [r[1:3] for r in rows] == [[grouped(v, lang) for v in r["values"]] for r in expected]
        late = [p["phase"] for b in doc["scenarios"][0]["buildings"] for p in b["phases"] if p["late"]]
        assert page.locator("#phases-1 td.alarm").count() == len(late)
        short = [p for p in doc["scenarios"][1]["hiring"] if any(r["short_fte"] > 0.005 for r in p["months"])]
        assert page.locator("#hiring-2 td.alarm").count() == len(short)
        assert page.errors == []


def test_a_wrong_scenario_is_named_and_a_hostile_value_stays_text(server):
    hostile = "<img src=x onerror=window.pwned=1>"
    with chromium() as browser:
        page = watched_page(browser)
        page.goto(server + "/growth")
        page.fill("#park-1 .park-toml", BASE)
        page.fill("#park-2 .park-toml", BASE.replace('client = "Bank"', f'client = "{hostile}"'))
        page.click("#compare")
        page.wait_for_function("document.getElementById('error').textContent !== ''", timeout=WAIT)
        assert page.text_content("#error").startswith("other: contracts[0].client: '<img src=x")
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("window.pwned") is None
        assert page.is_hidden("#results")
        page.errors[:] = [e for e in page.errors if "400 (Bad Request)" not in e]  # the refused request itself
        assert page.errors == []
