"""The wallboard's out-of-adherence lines in Debian's chromium (Playwright) against a real `casashore route serve
--roster`: an agent planned at work but offline gets a line with since when; it goes when she logs in. The router
records into a fresh workspace, which holds no call history: the re-plan is not offered, and the wallboard says
what is missing and what to do rather than an error."""

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from browser import CHROMIUM, chromium, watched_page
from served import served
from test_route_intraday import ask
from test_wallboard_browser import SUPERVISOR, post

CENTER = Path(__file__).resolve().parents[1] / "examples" / "center.toml"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() or shutil.which("casashore") is None,
                                reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")


@pytest.fixture
def router(tmp_path):
    # grace 0: a line as soon as an agent is out of adherence (the test waits on the page, not on a clock)
    center = tmp_path / "center.toml"
    text = CENTER.read_text()
    assert "adherence_grace_s = 300" in text
    center.write_text(text.replace("adherence_grace_s = 300", "adherence_grace_s = 0", 1))
    # both agents on a 10:00-14:00 shift today; the router runs on a site clock from 11:00 (on the machine's clock a
    # run near midnight would place the shift across two days and the test would depend on the time of day)
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    start = datetime(today.year, today.month, today.day, 10, 0)
    rows = [f"{agent},{start.date()},fr,{start.isoformat()},{(start + timedelta(hours=4)).isoformat()}"
            for agent in ("amina", "youssef")]
    (tmp_path / "roster.csv").write_text("agent,day,group,start,end\n" + "\n".join(rows) + "\n")
    with served(["route", "serve", "--config", str(center), "--roster", "roster.csv",
                 "--clock-start", f"{today}T11:00"], "/wallboard",
                cwd=tmp_path) as url:
        yield url


def test_the_wallboard_shows_who_is_out_of_adherence_and_since_when(router):
    post(f"{router}/api/agents/youssef/status", "agent-youssef-demo-token", {"status": "available"})
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        page.goto(f"{router}/wallboard?token={SUPERVISOR}")
        page.wait_for_selector("tr[data-agent='amina']", timeout=20_000)
        cells = page.locator("tr[data-agent='amina'] td")
        assert [cells.nth(i).text_content() for i in range(4)] == ["amina", "fr", "work", "off"]
        assert len(cells.nth(4).text_content()) == 5  # since HH:MM, on the site's clock
        assert page.locator("tr[data-agent='youssef']").count() == 0  # at work, as planned
        post(f"{router}/api/agents/amina/status", "agent-amina-demo-token", {"status": "available"})
        page.wait_for_selector("tr[data-agent='amina']", state="detached", timeout=20_000)
        assert page.locator("#adherence-none").is_visible()
        # no history before today in the router's workspace: not offered, and said with the command to run
        page.wait_for_selector("#replan-board:not([hidden])", timeout=20_000)
        said = page.locator("#replan-summary").text_content()  # in the words of the router's workspace
        assert said.startswith("The re-plan needs a call history before today in the router's workspace: stop the "
                               "router, import one into it (casashore import LOG --workspace")
        assert page.locator("#replan-tables").is_hidden()
        assert page.errors == []
    status, offer, _ = ask(f"{router}/api/intraday", SUPERVISOR)
    assert status == 200 and offer["missing"] == "history" and not offer["replan"] and not offer["reforecast"]
    assert offer["records"] == "workspace"  # what the page words its sentence by
    assert "casashore import LOG --workspace casashore.duckdb" in offer["why"]
    status, doc, _ = ask(f"{router}/api/intraday/replan", SUPERVISOR)  # asked anyway: what is missing, no regex
    assert status == 404 and doc["error"] == offer["why"], doc
