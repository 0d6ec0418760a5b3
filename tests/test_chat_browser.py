"""The chat widget and the agent's desk together in Debian's chromium (Playwright) against a real
`casashore route serve`: a widget opened starts nothing, a customer's first message starts the chat; it reaches the
agent and the reply comes back; an agent with max_sessions = 2 gets two chats, not three; the customer's end button
ends the chat and the desk says so; a French browser gets the widget in French; text is shown as text, never as
HTML."""

import json
import re
import shutil
import urllib.request

import pytest

from browser import CHROMIUM, chromium, watched_page
from conftest import CHAT_QUEUE, CHAT_ROUTER
from served import launched

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() or shutil.which("casashore") is None,
                                reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
TOKEN = "agent-amina-token-for-the-chat-test"
NADIA, TRUNK = "agent-nadia-token-for-the-email-test", "trunk-token-for-the-email-test"
CENTRE = f"""
[router]
{CHAT_ROUTER}{CHAT_QUEUE}
[[queues]]
name = "mail_fr"
skill = "fr_mail"
channel = "email"
deadline_s = 86400
deadline_share = 0.9

[[agents]]
id = "amina"
skills = {{ fr = 1 }}
token = "{TOKEN}"

[[agents]]
id = "nadia"
skills = {{ fr_mail = 1 }}
token = "{NADIA}"

[tokens]
trunk = ["{TRUNK}"]
"""
WAIT_MS = 20_000  # generous: a busy 2-core machine; every wait is for a state, never a fixed time


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    """The router and the browser, chromium starting while the router imports (most of its start): one of each
    for the module."""
    folder = tmp_path_factory.mktemp("chat")
    (folder / "centre.toml").write_text(CENTRE)
    with launched(["route", "serve", "--config", "centre.toml", "--no-records"], cwd=folder) as server:
        with chromium() as browser:
            yield server.ready("/desk"), browser


def amina_at_her_desk(browser, url: str):
    """Amina's desk page, logged in with her id and token."""
    desk = watched_page(browser)
    desk.goto(f"{url}/desk")
    desk.fill("#agent", "amina")
    desk.fill("#token", TOKEN)
    desk.click("#login button")
    return desk


def test_a_logged_off_agents_chat_goes_back_and_its_customer_is_told_in_her_language(router):
    """Amina logs off from her desk while holding a French customer's chat: the widget says, in French, that
    another agent will answer and waits again; the desk says the chat was handed back. (First in the module: it
    leaves no chat waiting and Amina logged off.)"""
    url, browser = router
    desk = amina_at_her_desk(browser, url)
    customer = watched_page(browser, "fr-FR")
    customer.goto(f"{url}/chat?queue=web_fr")
    customer.wait_for_function("document.body.dataset.state === 'ready'", timeout=WAIT_MS)
    customer.fill("#text", "Bonjour, mon virement")
    customer.click("#go")
    customer.wait_for_function("document.body.dataset.chat", timeout=WAIT_MS)
    chat = f".session[data-id='{customer.evaluate('document.body.dataset.chat')}']"
    desk.wait_for_function(f"document.querySelector(\"{chat} .accept\") !== null", timeout=WAIT_MS)
    desk.click(f"{chat} .accept")
    customer.wait_for_function("document.body.dataset.state === 'connected'", timeout=WAIT_MS)
    desk.click("#go-offline")
    customer.wait_for_function("document.querySelector('#log .notice') !== null", timeout=WAIT_MS)
    assert customer.text_content("#log .notice") == ("votre conseiller a dû partir : un autre conseiller va vous "
                                                     "répondre")
    customer.wait_for_function("document.body.dataset.state === 'waiting'", timeout=WAIT_MS)
    assert customer.text_content("#log").startswith("Bonjour, mon virement")  # the transcript stays
    desk.wait_for_function("document.querySelector('#notices li') !== null", timeout=WAIT_MS)
    assert desk.text_content("#notices li").endswith("ended: handed back to the queue when you were logged off")
    customer.click("#end")
    customer.wait_for_function("document.body.dataset.state === 'ended'", timeout=WAIT_MS)
    for page in (desk, customer):
        assert page.errors == [], page.errors
        page.close()


def test_a_customer_and_the_agent_chat_and_the_agent_holds_two_chats_not_three(router):
    url, browser = router
    desk = amina_at_her_desk(browser, url)
    desk.wait_for_function("document.getElementById('status').dataset.count === '0'", timeout=WAIT_MS)
    assert desk.text_content("#status") == "no chat, no email item"

    customers = []
    for n in range(3):
        page = watched_page(browser, "fr-FR" if n == 0 else "en-GB")
        page.goto(f"{url}/chat?queue=web_fr")
        page.wait_for_function("document.body.dataset.state === 'ready'", timeout=WAIT_MS)
        customers.append(page)
    assert customers[0].text_content("#status") == "écrivez votre message pour commencer"
    assert desk.locator(".session").count() == 0  # three widgets open, nothing routed
    for n, page in enumerate(customers):
        page.fill("#text", "<b>Bonjour</b>, ma carte est bloquée" if n == 0 else f"question {n}")
        page.click("#go")
        page.wait_for_function("document.body.dataset.chat", timeout=WAIT_MS)
    ids = [page.evaluate("document.body.dataset.chat") for page in customers]

    desk.wait_for_function("document.querySelectorAll('.session').length === 2", timeout=WAIT_MS)
    shown = desk.eval_on_selector_all(".session", "boxes => boxes.map(b => b.dataset.id)")
    assert shown == ids[:2]  # the first two, in order; the third waits (max_sessions = 2)
    desk.wait_for_function("document.getElementById('status').textContent === '2 chat(s)'", timeout=WAIT_MS)
    customers[2].wait_for_function("document.body.dataset.state === 'waiting'", timeout=WAIT_MS)

    first = f".session[data-id='{ids[0]}']"
    # the offer says what it is: its queue, the customer's first message, the seconds left to accept
    assert "web_fr" in desk.text_content(f"{first} strong")
    assert desk.text_content(f"{first} .preview") == "customer: <b>Bonjour</b>, ma carte est bloquée"
    assert desk.text_content(f"{first} .left").startswith("accept within ")
    desk.click(f"{first} .accept")
    customers[0].wait_for_function("document.body.dataset.state === 'connected'", timeout=WAIT_MS)
    assert customers[0].text_content("#status") == "en ligne avec un conseiller"
    desk.wait_for_function(f"document.querySelector(\"{first} .log\").textContent.includes('carte est bloquée')",
                           timeout=WAIT_MS)
    assert desk.locator(f"{first} .log b").count() == 0  # shown as text, not HTML
    assert "<b>Bonjour</b>" in desk.locator(f"{first} .log").text_content()
    desk.fill(f"{first} .reply", "Je la débloque tout de suite")
    desk.click(f"{first} form button")
    customers[0].wait_for_function("document.getElementById('log').textContent.includes('débloque')",
                                   timeout=WAIT_MS)

    customers[0].click("#end")  # the customer ends it: the desk says so, and a place is free for the third
    customers[0].wait_for_function("document.body.dataset.state === 'ended'", timeout=WAIT_MS)
    desk.wait_for_function(f"document.querySelector(\"#notices li[data-id='{ids[0]}']\") !== null",
                           timeout=WAIT_MS)
    assert desk.text_content(f"#notices li[data-id='{ids[0]}']") == f"chat {ids[0]} ended: the customer ended it"
    desk.wait_for_function(f"document.querySelector(\".session[data-id='{ids[2]}']\") !== null", timeout=WAIT_MS)
    assert desk.locator(".session:not(.ended)").count() == 2
    desk.wait_for_function(f"document.querySelector(\"{first}\").classList.contains('ended')", timeout=WAIT_MS)
    assert "débloque" in desk.text_content(f"{first} .log")  # the ended chat's transcript stays ...
    desk.click(f"{first} .dismiss")  # ... until she dismisses it
    assert desk.locator(first).count() == 0
    desk.click("#go-break")  # a pause from the desk: no new offer while on it
    desk.wait_for_function("document.getElementById('me').dataset.status === 'break'", timeout=WAIT_MS)
    assert desk.text_content("#me") == "on pause"
    for page in (desk, *customers):
        assert page.errors == [], page.errors


def call_api(url: str, path: str, token: str, body: dict | None = None):
    request = urllib.request.Request(url + path, method="GET" if body is None else "POST",
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def test_an_email_on_the_desk_shows_when_it_arrived_and_the_time_left_to_its_deadline_even_handed_back(router):
    """Trial of issue 21 (M7): an email agent works by deadline. The offer, the item held and the item handed back
    after she was logged off each show its arrival on the site's clock and the time to its 24 h deadline (French)."""
    url, browser = router
    desk = watched_page(browser, "fr-FR")
    desk.goto(f"{url}/desk")
    desk.fill("#agent", "nadia")
    desk.fill("#token", NADIA)
    desk.click("#login button")
    item = call_api(url, "/api/emails", TRUNK, {"queue": "mail_fr", "message_id": "<20261130.1@banque.fr>"})["id"]
    box = f".session[data-id='{item}']"
    desk.wait_for_function(f"document.querySelector(\"{box} .accept\") !== null", timeout=WAIT_MS)
    arrived = call_api(url, "/api/agents/nadia/sessions", NADIA)[0]["arrived_at"][11:16]  # the site's clock
    shown = re.compile(rf"arrivé à {arrived} \(heure du site\) — échéance dans (24 h 00|23 h \d\d) min")
    desk.wait_for_function(f"document.querySelector(\"{box} .due\").textContent.includes('échéance')",
                           timeout=WAIT_MS)
    assert shown.fullmatch(desk.text_content(f"{box} .due")), desk.text_content(f"{box} .due")
    # what she holds in its channel's words (an email item is no "session"), in French
    desk.wait_for_function("document.getElementById('status').textContent === '1 e-mail(s)'", timeout=WAIT_MS)
    desk.click(f"{box} .accept")
    desk.wait_for_function(f"document.querySelector(\"{box}\").dataset.state === 'connected'", timeout=WAIT_MS)
    assert shown.fullmatch(desk.text_content(f"{box} .due"))  # held: still there
    desk.click("#go-offline")  # logged off holding it: the item goes back to the queue with its arrival
    desk.wait_for_function("document.getElementById('me').dataset.status === 'offline'", timeout=WAIT_MS)
    desk.click("#go-available")
    desk.wait_for_function(f"document.querySelector(\"{box}\") && document.querySelector(\"{box}\").dataset"
                           ".state === 'offered'", timeout=WAIT_MS)
    assert shown.fullmatch(desk.text_content(f"{box} .due")), desk.text_content(f"{box} .due")
    desk.click(f"{box} .accept")
    desk.wait_for_function(f"document.querySelector(\"{box}\").dataset.state === 'connected'", timeout=WAIT_MS)
    desk.click(f"{box} .end")
    desk.wait_for_function(f"document.querySelector(\"{box}\") === null", timeout=WAIT_MS)
    assert desk.errors == [], desk.errors
    desk.close()
