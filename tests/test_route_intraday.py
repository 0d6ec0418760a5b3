"""The router's own intraday answers (route/intraday_desk.py, route/intraday_routes.py): the desk computes one
answer at a time in a worker thread, refuses a second question while busy and gives the last answer again within
its cache time (driven by events, no clock); and a real `casashore route serve --roster` process, recording into
its workspace, answers GET /api/forecast/intraday and /api/intraday/replan from that workspace while it holds it
(a supervisor only; the same typed models as `casashore serve`'s), and keeps routing calls."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from typer.testing import CliRunner

from browser import CHROMIUM, chromium, watched_page
from casashore.interfaces.cli.app import app
from casashore.route.intraday_desk import Busy, IntradayDesk
from conftest import PARIS_HALF_HOURS as MAPPING
from served import served

CENTER = Path(__file__).resolve().parents[1] / "examples" / "center.toml"
SUPERVISOR, TRUNK, AMINA = "supervisor-demo-token-change-me", "trunk-demo-token-change-me", "agent-amina-demo-token"
YOUSSEF = "agent-youssef-demo-token"
SHIFT_START: list[datetime] = []
"""The fixture's roster's start (site clock), for the test of who is at work."""


def test_the_desk_computes_one_answer_at_a_time_and_keeps_the_last():
    started, release = threading.Event(), threading.Event()
    times = iter([0.0, 10.0, 100.0, 100.0])  # the desk's clock: stored, asked at 10 s, at 100 s, stored

    def blocking(records) -> dict:
        started.set()
        release.wait(60)
        return {"records": records}

    desk = IntradayDesk(lambda: contextlib.nullcontext("R"), cache_s=30.0, clock=lambda: next(times))

    async def scenario() -> None:
        first = asyncio.ensure_future(desk.answer("replan", ("q",), blocking))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 60)
        with pytest.raises(Busy):  # another question while the thread computes: refused, not queued
            await desk.answer("reforecast", ("other",), lambda records: {})
        release.set()
        assert await first == {"records": "R"}
        assert await desk.answer("replan", ("q",), blocking) == {"records": "R"}  # at 10 s: the cached answer
        assert desk.computed == 1
        assert await desk.answer("replan", ("q",), lambda records: {"again": records}) == {"again": "R"}  # 100 s
        assert desk.computed == 2

    asyncio.run(scenario())
    desk.close()


def test_the_routers_desk_keeps_an_answer_for_a_minute_of_its_site_clock(tmp_path):
    """The desk `route serve` builds (server.py) counts the router's clock: at 3600x a site minute passes in a
    real sixtieth of a second, and the answer kept is then computed again, though real time is far below the
    cache's 60 s. No router process: the app is built, never served."""
    from casashore.route.clock import clock_of
    from casashore.route.config import load_center
    from casashore.route.server import build_app

    built = build_app(load_center(CENTER), sip=None, workspace=tmp_path / "casashore.duckdb",
                      clock=clock_of("2026-03-02T10:00", 3600, "Africa/Casablanca"))
    desk, service = built.state.intraday, built.state.service
    try:
        assert desk.clock == service.now and desk.cache_s == 60

        async def twice() -> float:
            await desk.answer("reforecast", ("q",), lambda records: {"n": 1})
            site, real = service.now(), time.monotonic()
            while service.now() - site < desk.cache_s:  # a site minute: waited on the clock, not a sleep's length
                await asyncio.sleep(0.001)
            await desk.answer("reforecast", ("q",), lambda records: {"n": 2})
            return time.monotonic() - real

        real_s = asyncio.run(twice())
        assert desk.computed == 2, "the answer was kept past a minute of the router's clock"
        assert real_s < desk.cache_s, f"{real_s:.1f} real seconds: the wall clock alone would have expired it"
    finally:
        desk.close()
        service.recorder.close()


def ask(url: str, token: str, body: dict | None = None, method: str = "GET") -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    """Three weeks of fr_bank's history before the site's today, imported; a roster of today 09:00-17:00; the router
    on a site clock from 11:00, recording into that workspace."""
    folder = tmp_path_factory.mktemp("routerintraday")
    # one day for both the history and the router's clock: the site's (Paris's date differs an hour a night)
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    rng = np.random.default_rng(3)
    rows = [["queue", "start", "offered", "answered", "aht_s"]]
    for back in range(21, 0, -1):
        day = today - timedelta(days=back)
        for i in range(14, 40):
            n = int(rng.poisson(30))
            rows.append(["fr_bank", f"{day} {i // 2:02d}:{30 * (i % 2):02d}", n, n, 240])
    with (folder / "report.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    (folder / "report.toml").write_text(MAPPING)
    result = CliRunner().invoke(app, ["import", str(folder / "report.csv"), "--mapping", str(folder / "report.toml"),
                                      "--workspace", str(folder / "casashore.duckdb")])
    assert result.exit_code == 0, result.output
    # The router runs on a site clock from 11:00 today, so the rest of its day always holds the history's calls
    # (07:00-20:00): on the machine's clock, a run after 20:00 found nothing left short and failed.
    site_day = today
    start = datetime.combine(site_day, datetime.min.time()) + timedelta(hours=9)
    end = start + timedelta(hours=8)
    SHIFT_START[:] = [start]
    (folder / "roster.csv").write_text("agent,day,group,start,end\n" + "".join(
        f"{agent},{start.date()},fr_bank,{start.isoformat()},{end.isoformat()}\n"
        for agent in ("amina", "youssef", "salma")))
    with served(["route", "serve", "--config", str(CENTER), "--roster", "roster.csv",
                 "--clock-start", f"{site_day}T11:00"], "/wallboard",
                cwd=folder) as url:
        yield url


def test_the_router_reforecasts_and_replans_from_its_own_records(router):
    assert ask(f"{router}/api/agents/amina/status", AMINA, {"status": "available"}, "POST")[0] == 200
    status, doc, _ = ask(f"{router}/api/forecast/intraday", SUPERVISOR)
    assert status == 200, doc
    assert [q["queue"] for q in doc["queues"]] == ["fr_bank"] and doc["site_zone"] == "Africa/Casablanca"
    assert doc["queues"][0]["model"] == "WeeklyAverage" and doc["intervals"]
    assert ask(f"{router}/api/forecast/intraday", SUPERVISOR)[1] == doc  # asked again: the same answer

    routed = []
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(
        zip(("status", "doc", "headers"), ask(f"{router}/api/intraday/replan?replications=100", SUPERVISOR),
            strict=True)))
    thread.start()
    k = 0
    while thread.is_alive():  # the router keeps routing while it computes
        k += 1
        status, call, _ = ask(f"{router}/api/calls", TRUNK, {"call_id": f"c{k}@trunk", "queue": "fr_bank"}, "POST")
        assert status in (200, 201), call
        routed.append(call)
        ask(f"{router}/api/calls/{call['id']}/hangup", TRUNK, {}, "POST")
        if k >= 200:
            break
    thread.join(600)
    assert answer["status"] == 200, answer["doc"]
    assert answer["doc"]["agents"] >= 1 and answer["doc"]["queues"] == ["fr_bank"]
    assert set(answer["doc"]) >= {"intervals", "proposals", "calls_below_goal"}
    assert routed


def test_the_routers_replan_counts_who_is_at_work_from_its_statuses(router):
    """salma never logged in (absent past the grace of her shift), youssef on a break with none planned (away for
    the grace), amina available; absent= adds to what the router sees."""
    assert ask(f"{router}/api/agents/amina/status", AMINA, {"status": "available"}, "POST")[0] == 200
    assert ask(f"{router}/api/agents/youssef/status", YOUSSEF, {"status": "break", "reason": "coffee"}, "POST")[0] \
        == 200
    try:
        status, doc, _ = ask(f"{router}/api/intraday/replan?replications=20&simulate_top=0", SUPERVISOR)
        assert status == 200, doc
        assert doc["presence_from"].startswith("the router's statuses at ") and "(grace 300 s)" in doc["presence_from"]
        seen = {a["agent"]: a for a in doc["not_at_work"]}
        start = SHIFT_START[0].replace(tzinfo=ZoneInfo("Africa/Casablanca"))
        as_of = datetime.fromisoformat(doc["as_of"])
        if (as_of - start).total_seconds() >= 300:  # not in the first 5 minutes of a shift begun at midnight
            assert seen.pop("salma") == {"agent": "salma", "kind": "absent", "since": start.isoformat(
                timespec="minutes"), "until": None, "why": f"not logged in since her shift began at {start:%H:%M}"}
            assert doc["absent"] == ["salma"]
        else:  # judged a few seconds after the minute shown: she may have just passed the grace
            seen.pop("salma", None)
        away = seen.pop("youssef")
        assert away["kind"] == "away" and away["why"].startswith("on break since ") and "no break planned" in \
            away["why"] and datetime.fromisoformat(away["until"]) > as_of
        assert seen == {}  # amina is at work
        status, told, _ = ask(f"{router}/api/intraday/replan?replications=20&simulate_top=0&absent=amina",
                              SUPERVISOR)
        assert status == 200, told
        assert {a["agent"]: a["why"] for a in told["not_at_work"]}["amina"] == "said absent"
        assert "amina" in told["absent"] and told["presence_from"].endswith(", and the agents said absent")
    finally:
        ask(f"{router}/api/agents/youssef/status", YOUSSEF, {"status": "available"}, "POST")


def test_only_a_supervisor_asks_and_questions_are_checked(router):
    assert ask(f"{router}/api/intraday", SUPERVISOR)[1] == {"reforecast": True, "replan": True, "why": None,
                                                            "missing": None, "records": "workspace"}
    status, offer, _ = ask(f"{router}/api/intraday", AMINA)  # what the wallboard asks first
    assert status == 200 and not offer["replan"] and "supervisor" in offer["why"] and offer["missing"] is None
    assert offer["records"] is None  # where the records are is the supervisor's to know
    assert ask(f"{router}/api/intraday/replan", AMINA)[0] == 403
    assert ask(f"{router}/api/forecast/intraday", TRUNK)[0] == 403
    assert ask(f"{router}/api/forecast/intraday", "nope")[0] == 401
    assert ask(f"{router}/api/intraday/replan?replications=0", SUPERVISOR)[0] == 422
    status, doc, _ = ask(f"{router}/api/forecast/intraday?interval=7m", SUPERVISOR)
    assert status == 400 and "interval" in doc["error"]
    status, doc, _ = ask(f"{router}/api/forecast/intraday?interval=45m", SUPERVISOR)  # the CLI's and serve's grid
    assert status == 400 and "15m, 30m or 1h" in doc["error"]
    status, doc, _ = ask(f"{router}/api/forecast/intraday?as_of=1800-01-01T10:00", SUPERVISOR)
    assert status == 400 and "as_of" in doc["error"]
    with urllib.request.urlopen(f"{router}/openapi.json", timeout=30) as answer:
        spec = json.loads(answer.read())
    assert spec["paths"]["/api/intraday/replan"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["$ref"].endswith("/ReplanResponse")
    assert "503" in spec["paths"]["/api/forecast/intraday"]["get"]["responses"]


def record_a_call_on(router: str, queue: str) -> None:
    """A call on ``queue`` (of examples/center.toml, no history imported) routed and hung up, then waited for in
    the records: the reforecast naming the queue alone says it has no history once the call is flushed (a
    refusal is never cached, so each poll reads the records again)."""
    status, call, _ = ask(f"{router}/api/calls", TRUNK, {"call_id": f"{queue}-first@trunk", "queue": queue}, "POST")
    assert status in (201, 409), call  # 409: posted by an earlier test of this module
    if status == 201:
        ask(f"{router}/api/calls/{call['id']}/hangup", TRUNK, {}, "POST")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status, doc, _ = ask(f"{router}/api/forecast/intraday?queue={queue}", SUPERVISOR)
        if status == 400 and f"{queue}'s history" in doc["error"]:
            return
        assert status in (400, 503), doc  # before the flush: a queue without calls; or another answer computing
        time.sleep(0.1)
    pytest.fail(f"the call on {queue} never reached the records")


def test_a_queue_recorded_only_today_is_skipped_and_the_others_answered(router):
    """The router records a call on es_insurance, which has no history: the reforecast and the re-plan of every
    queue still answer fr_bank's and list es_insurance as skipped with why; named alone, it is refused."""
    record_a_call_on(router, "es_insurance")
    # 12:07 on the site clock's day, a question of its own (not a cached answer)
    at = (SHIFT_START[0].replace(tzinfo=ZoneInfo("Africa/Casablanca")) + timedelta(hours=3, minutes=7)).astimezone(
        UTC).strftime("%Y-%m-%dT%H:%MZ")
    status, doc, _ = ask(f"{router}/api/forecast/intraday?as_of={at}", SUPERVISOR)
    assert status == 200, doc
    assert [q["queue"] for q in doc["queues"]] == ["fr_bank"]
    (skipped,) = doc["skipped"]
    assert skipped["queue"] == "es_insurance" and skipped["reason"] == "no_history"
    assert skipped["why"].startswith("no call history before ")
    status, plan, _ = ask(f"{router}/api/intraday/replan?as_of={at}&replications=5&simulate_top=0", SUPERVISOR)
    assert status == 200, plan
    assert plan["queues"] == ["fr_bank"] and plan["skipped"] == doc["skipped"]
    status, refused, _ = ask(f"{router}/api/intraday/replan?as_of={at}&replications=5&queue=es_insurance",
                             SUPERVISOR)
    assert status == 400 and "a day after the first day of es_insurance's history" in refused["error"]


def tenths_fr(value: float) -> str:
    """As the page's Intl.NumberFormat('fr', one decimal): the exact value rounded half away from zero."""
    return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_wallboard_shows_the_gap_and_the_best_proposals_from_the_api_in_french(router):
    """While the router computes another answer (503 with Retry-After), the wallboard says so and asks again;
    then its panel shows the intervals short of agents and the best proposals of the router's own answer."""
    busy: dict = {}
    for seed in range(7, 17):  # another question computing, seen busy by a cheap one (else that one computed)
        other = threading.Thread(target=lambda seed=seed: busy.update(status=ask(
            f"{router}/api/intraday/replan?replications=300&seed={seed}", SUPERVISOR)[0]))
        other.start()
        if ask(f"{router}/api/intraday/replan?replications=1&simulate_top=0&seed={seed}", SUPERVISOR)[0] == 503:
            break
        other.join(600)
    else:
        pytest.fail("the router was never seen computing")
    record_a_call_on(router, "es_insurance")  # a queue without history: listed as not re-planned
    with chromium() as browser:
        page = watched_page(browser, "fr-FR")
        page.goto(f"{router}/wallboard?token={SUPERVISOR}")
        page.wait_for_function("document.getElementById('replan-summary').textContent !== ''"
                               " || document.getElementById('replan-status').textContent === '(calcul en cours…)'",
                               timeout=300_000)
        if page.locator("#replan-summary").text_content() != "":  # drawn at once: the other had finished
            assert not other.is_alive()
        page.wait_for_function("document.getElementById('replan-summary').textContent !== ''", timeout=300_000)
        status, doc, _ = ask(f"{router}/api/intraday/replan", SUPERVISOR)  # the page's question: the cached answer
        assert status == 200
        assert page.locator("#replan-board h2 span").first.text_content() == "Le reste de la journée replanifié"
        assert page.locator("#replan-status").text_content() == f"(à {doc['as_of'][11:16]}, Africa/Casablanca)"
        short = sorted((r for r in doc["intervals"] if r["gap"] > 0), key=lambda r: (r["start"], r["queue"]))
        assert short, "the roster's three agents leave the afternoon short"
        rows = page.locator("#replan-gaps tr")
        assert [rows.nth(i).locator("td").all_text_contents() for i in range(rows.count())] == [
            [r["queue"], r["start"][11:16], tenths_fr(r["required"]), tenths_fr(r["scheduled"]), tenths_fr(r["gap"])]
            for r in short[:8]]
        kinds = {"move_break": "déplacer une pause", "overtime": "heures supplémentaires",
                 "voluntary_time_off": "départ anticipé volontaire", "move_queue": "changer de file"}
        proposals = page.locator("#replan-proposals tr")
        assert [proposals.nth(i).locator("td").all_text_contents()[:3] for i in range(proposals.count())] == [
            [str(p["rank"]), kinds[p["kind"]], p["agent"]] for p in doc["proposals"][:3]]
        assert page.locator("#replan-none").is_visible() == (not doc["proposals"])
        assert [q["queue"] for q in doc["skipped"]] == ["es_insurance"]
        assert page.locator("#replan-skipped").text_content() == \
            "Non replanifiées : es_insurance (pas d'historique d'appels avant aujourd'hui)."
        assert page.locator("th[data-w='waiting']").first.text_content() == "en attente"
        assert page.errors == []
    other.join(600)
    assert busy["status"] == 200
