"""The wallboard in Debian's chromium (Playwright) against a real `casashore route serve`: it updates live, over
the WebSocket, as calls arrive, wait, are answered and abandoned."""

import json
import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from browser import CHROMIUM, chromium, watched_page
from served import served

CENTER = Path(__file__).resolve().parents[1] / "examples" / "center.toml"
SUPERVISOR, TRUNK = "supervisor-demo-token-change-me", "trunk-demo-token-change-me"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() or shutil.which("casashore") is None,
                                reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")


def post(url: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=5).read())


@pytest.fixture
def router(tmp_path):
    with served(["route", "serve", "--config", str(CENTER), "--no-records"], "/wallboard", cwd=tmp_path) as url:
        yield url


def test_the_wallboard_updates_live_as_calls_arrive(router):
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        errors = page.errors
        page.goto(f"{router}/wallboard?token={SUPERVISOR}")
        page.wait_for_function("document.getElementById('status').textContent === 'live'")
        row = page.locator("tr[data-queue='fr_bank'] td")
        assert row.nth(3).text_content() == "0" and row.nth(10).text_content() == "—"
        assert [row.nth(i).text_content() for i in (1, 2)] == ["voice", "80% within 20 s"]  # next to the name

        def cell_becomes(index: int, text: str) -> None:
            page.wait_for_function(
                "([i, t]) => document.querySelectorAll(\"tr[data-queue='fr_bank'] td\")[i]?.textContent === t",
                arg=[index, text], timeout=5000)

        # The API addresses calls by the router's ids (issue 16: a trunk's Call-ID may hold a "/").
        first = post(f"{router}/api/calls", TRUNK, {"call_id": "c1", "queue": "fr_bank"})["id"]
        cell_becomes(3, "1")  # waiting, pushed by the event stream
        second = post(f"{router}/api/calls", TRUNK, {"call_id": "c2", "queue": "fr_bank"})["id"]
        cell_becomes(3, "2")
        cell_becomes(7, "2")  # offered in the last 15 minutes
        post(f"{router}/api/agents/amina/status", "agent-amina-demo-token", {"status": "available"})
        post(f"{router}/api/agents/amina/accept/{first}", "agent-amina-demo-token")
        cell_becomes(8, "1")  # answered
        cell_becomes(10, "100%")  # service level: 1 answered in 20 s of 1 ended
        post(f"{router}/api/calls/{second}/hangup", TRUNK)
        cell_becomes(9, "1")  # abandoned
        cell_becomes(10, "50%")
        cell_becomes(14, "50%")  # today's abandon rate
        assert errors == []
        page.goto(f"{router}/wallboard?token=wrong")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('refused')")


def test_the_wallboard_asks_for_its_token_and_keeps_it_out_of_the_address(router):
    """Issue 19: the page holds no data and says so; without a token it shows a form and nothing else, a wrong
    token is refused, the right one shows the queues and stays in the tab (a reload keeps it), and a token given
    as ?token= is taken out of the address bar (history, screenshots)."""
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        page.goto(f"{router}/wallboard")
        page.wait_for_function("!document.getElementById('login').hidden")
        assert "shows nothing without a token" in page.locator("#login-why").text_content()
        assert page.locator("#queues tr").count() == 0
        page.fill("#token", "wrong-token-0123456789")
        page.click("button[type=submit]")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('refused')"
                               " && !document.getElementById('login').hidden")
        assert page.locator("#queues tr").count() == 0
        page.fill("#token", SUPERVISOR)
        page.click("button[type=submit]")
        page.wait_for_function("document.getElementById('status').textContent === 'live'")
        page.wait_for_selector("tr[data-queue='fr_bank']")
        assert page.locator("#login").is_hidden()
        page.reload()  # the token stays in the tab's session storage
        page.wait_for_function("document.getElementById('status').textContent === 'live'")
        assert page.locator("#login").is_hidden()
        page.goto(f"{router}/wallboard?token={SUPERVISOR}")
        page.wait_for_function("document.getElementById('status').textContent === 'live'")
        assert "token" not in page.url and page.url.endswith("/wallboard")
        assert [e for e in page.errors if "status of 401" not in e] == []  # (the wrong token's refusal)


CHANNELS = CENTER.with_name("center-channels.toml")
WAIT_MS = 20_000  # generous: a busy 2-core machine; every wait is for a state, never a fixed time


def test_the_wallboard_speaks_of_each_channel_in_its_own_words(tmp_path):
    """Issue 21 follow-up: an email queue showed "0/1 sessions". On the channels example (examples/
    center-channels.toml), served: voice says who is on call, chat its sessions held against what its agents may
    hold, email its items in hand and, while items wait, the oldest one's age with the time left to its 24 h
    deadline. Salma (chat and email, email_capacity 1 as the plan models it) holds one item; a second waits."""
    with served(["route", "serve", "--config", str(CHANNELS), "--no-records"], "/wallboard",
                cwd=tmp_path) as url, chromium() as browser:
        post(f"{url}/api/agents/salma/status", "agent-salma-demo-token", {"status": "available"})
        for n in range(2):
            post(f"{url}/api/emails", TRUNK, {"queue": "mail_fr", "message_id": f"<{n}@example.com>"})
        page = watched_page(browser, "en-GB")
        page.goto(f"{url}/wallboard?token={SUPERVISOR}")
        page.wait_for_function("document.getElementById('status').textContent === 'live'")

        def cells(queue: str) -> list[str]:
            return page.eval_on_selector_all(f"tr[data-queue='{queue}'] td", "tds => tds.map(td => td.textContent)")

        page.wait_for_function("document.querySelectorAll(\"tr[data-queue='mail_fr'] td\")[6]?.textContent"
                               " === '1 on email items · 1/1 items in hand'", timeout=WAIT_MS)
        mail, chat, voice = cells("mail_fr"), cells("web_fr"), cells("fr_bank")
        assert mail[1:4] == ["email", "90% within 24 h", "1"]
        assert re.fullmatch(r"\d+ s \(deadline in 24 h\)", mail[4]), mail[4]  # the oldest waiting item
        assert chat[6] == "0 in chats · 1 on email items · 0/3 sessions"  # salma's items are not chat sessions
        assert chat[4] == "0 s" and voice[6] == "0 on call"
        assert not any("session" in text for text in mail + voice)
        post(f"{url}/api/agents/amina/status", "agent-amina-demo-token", {"status": "available"})
        post(f"{url}/api/calls", TRUNK, {"call_id": "c1", "queue": "fr_bank"})  # offered to amina
        page.wait_for_function("document.querySelectorAll(\"tr[data-queue='fr_bank'] td\")[6]?.textContent"
                               " === '1 on call'", timeout=WAIT_MS)
        assert page.errors == []
