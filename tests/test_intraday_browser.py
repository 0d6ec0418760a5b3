"""The /intraday page in Debian's chromium against a real `casashore serve` over a small workspace with a stored
roster (the fixtures of test_intraday_replan_surfaces.py): the intervals' table, the gap chart and the proposals
equal to the re-plan the API gives for the same query; French for a French browser; a bad zone's error as text."""

import json
import urllib.parse
import urllib.request

import pytest
from typer.testing import CliRunner

from browser import CHROMIUM, chromium, watched_page
from casashore.interfaces.cli.app import app
from casashore.route.planned import read_roster
from casashore.workspace.store import Workspace
from conftest import write_half_hour_report
from served import served
from test_intraday_replan_surfaces import workspace  # noqa: F401 (the module's fixture, reused)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                                "(apt-get install chromium; .ci/run does it)")
WAIT = 180_000
"""Milliseconds: the reforecast and the simulation on a loaded 2-core machine."""


@pytest.fixture(scope="module")
def server(tmp_path_factory, workspace):  # noqa: F811
    """`casashore serve` over a copy of the workspace, the roster stored as `route serve --roster` stores it, and a
    queue whose calls begin on the day (``de``: skipped, fr and nl re-planned as without it)."""
    path, roster = workspace
    folder = tmp_path_factory.mktemp("serve-intraday")
    (folder / "casashore.duckdb").write_bytes(path.read_bytes())
    report = write_half_hour_report(folder, [["de", f"2026-03-02 0{h}:00", 5, 5, 200] for h in (8, 9)])
    imported = CliRunner().invoke(app, ["import", str(report), "--mapping", str(folder / "report.toml"),
                                        "--workspace", str(folder / "casashore.duckdb")])
    assert imported.exit_code == 0, imported.output
    with Workspace.open(folder / "casashore.duckdb") as opened:
        opened.store_roster(read_roster(roster, "Africa/Casablanca", None).rows())
    with served(["serve", "--workspace-dir", str(folder)], "/api/health", port_flag="--port") as url:
        yield url


def grouped(value: float, lang: str, digits: int = 0) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def share(value, lang: str) -> str:
    return "—" if value is None else grouped(100 * value, lang, 1) + ("\u00a0%" if lang == "fr" else " %")


def with_ci(value, ci, lang: str) -> str:
    return "—" if value is None else share(value, lang) + ("" if ci is None else " ± " + grouped(100 * ci, lang, 1))


def signed(value: float, lang: str, digits: int) -> str:
    return ("+" if value > 0 else "") + grouped(value, lang, digits)


def rows(page, selector: str) -> list[list[str]]:
    return [r.locator("td").all_text_contents() for r in page.locator(f"{selector} tbody tr").all()]


@pytest.mark.parametrize("locale, lang", [("en-GB", "en"), ("fr-FR", "fr")])
def test_the_page_shows_the_apis_replan(server, locale, lang):
    with chromium() as browser:
        page = watched_page(browser, locale)
        page.goto(server + "/")
        page.click("#intraday-link")
        page.wait_for_url(server + "/intraday")
        assert page.text_content("h1") == ("Intraday: the rest of the day re-planned" if lang == "en"
                                           else "Intraday : le reste de la journée replanifié")
        # The default is now on the site's clock, to the minute; the zone is shown and sent.
        assert len(page.input_value("#as-of")) == 16 and page.input_value("#zone") == "Africa/Casablanca"
        page.fill("#as-of", "2026-03-02T10:00")
        page.fill("#replications", "30")
        with page.expect_response(lambda r: "/api/intraday/replan?" in r.url, timeout=WAIT) as answer:
            page.click("#replan")
        doc = answer.value.json()
        page.wait_for_function("document.getElementById('replan').disabled === false", timeout=WAIT)
        assert page.text_content("#error") == ""
        query = urllib.parse.urlsplit(answer.value.url).query
        assert dict(urllib.parse.parse_qsl(query)) == {
            "as_of": "2026-03-02T10:00", "site_zone": "Africa/Casablanca", "target": "20s",
            "service_level": "80%", "replications": "30"}
        with urllib.request.urlopen(f"{server}/api/intraday/replan?{query}", timeout=WAIT / 1000) as direct:
            assert json.load(direct) == doc  # the page shows the API's re-plan, nothing of its own
        assert doc["as_of"] == "2026-03-02T10:00+00:00" and doc["proposals"]
        assert doc["queues"] == ["fr", "nl"] and [q["queue"] for q in doc["skipped"]] == ["de"]
        assert page.text_content("#skipped") == ("Not re-planned: de (no call history before the day)."
                                                 if lang == "en" else
                                                 "Non replanifiées : de (pas d'historique d'appels avant ce jour).")
        assert rows(page, "#intervals") == [
            [r["queue"], r["start"][11:16], grouped(r["calls"], lang, 1), grouped(r["aht_s"], lang),
             grouped(r["required"], lang), grouped(r["scheduled"], lang, 2), signed(r["gap"], lang, 2),
             share(r["service_level"], lang),
             with_ci(r["simulated_service_level"], r["simulated_service_level_ci95"], lang),
             share(r["goal"], lang)] for r in doc["intervals"]]
        assert page.locator("#intervals td.short").count() == sum(r["gap"] > 0 for r in doc["intervals"])
        bars = page.evaluate("document.getElementById('gap-chart').data.map(t => [t.name, t.x, t.y])")
        assert bars == [[q, [r["start"][11:16] for r in doc["intervals"] if r["queue"] == q],
                         [r["gap"] for r in doc["intervals"] if r["queue"] == q]] for q in doc["queues"]]
        shown = rows(page, "#proposals")
        assert [r[0] for r in shown] == [str(p["rank"]) for p in doc["proposals"]]
        assert [r[2] for r in shown] == [p["agent"] for p in doc["proposals"]]
        assert [r[4:6] for r in shown] == [[signed(p["paid_min"], lang, 0),
                                            grouped(p["calls_below_goal_removed"], lang, 1)]
                                           for p in doc["proposals"]]
        assert [r[6] for r in shown] == [f"{share(p['service_level_before'], lang)} → "
                                         f"{share(p['service_level_after'], lang)}" for p in doc["proposals"]]
        first = doc["proposals"][0]["simulated"]
        assert shown[0][7] == (with_ci(first["service_level_before"], first["service_level_before_ci95"], lang)
                               + " → " + with_ci(first["service_level_after"], first["service_level_after_ci95"],
                                                 lang))
        kinds = {"en": {"move_break": "move a break", "overtime": "overtime",
                        "voluntary_time_off": "voluntary time off", "move_queue": "move between queues"},
                 "fr": {"move_break": "déplacer une pause", "overtime": "heures supplémentaires",
                        "voluntary_time_off": "départ anticipé volontaire", "move_queue": "changer de file"}}[lang]
        assert [r[1] for r in shown] == [kinds[p["kind"]] for p in doc["proposals"]]
        for row, p in zip(shown, doc["proposals"], strict=True):
            # The change from the shifts before and after: its new times appear in it.
            after = p["shift_after"]
            if p["kind"] == "move_break":
                moved = [b for b in after["breaks"] if b not in p["shift_before"]["breaks"]][0]
                assert row[3].startswith(moved["kind"] + " ") and row[3].endswith(moved["start"][11:16])
            elif p["kind"] == "move_queue":
                assert after["moves"][0]["queue"] in row[3] and after["moves"][0]["start"][11:16] in row[3]
            elif p["kind"] == "overtime":
                assert row[3].endswith(f"{after['start'][11:16]}–{after['end'][11:16]}")
            else:
                assert after["end"][11:16] in row[3] and p["shift_before"]["end"][11:16] in row[3]
        assert page.errors == []


def test_a_bad_zone_is_an_error_in_words_set_as_text(server):
    with chromium() as browser:
        page = watched_page(browser)
        page.goto(server + "/intraday")
        page.fill("#as-of", "2026-03-02T10:00")
        page.fill("#zone", "<img src=x onerror=alert(1)>")
        page.click("#replan")
        page.wait_for_function("document.getElementById('error').textContent !== ''", timeout=WAIT)
        assert "site_zone" in page.text_content("#error") and "<img" in page.text_content("#error")
        assert page.locator("#error img").count() == 0 and page.locator("#results").is_hidden()
        assert page.text_content("#status") == "failed"
