"""`casashore intraday replan` and GET /api/intraday/replan over a real workspace and roster: the same keys,
user errors naming their field, 404 before any import, the token off loopback."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.interfaces.web.api import create_app
from casashore.route.planned import read_roster
from casashore.workspace.store import Workspace
from conftest import write_half_hour_report

runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Four weeks of weekdays 08:00-18:00 Paris time (07:00-17:00 in Casablanca, UTC+0 in March 2026), 40 calls a
    half hour of 240 s, then Monday 2 March up to 11:00; a roster of 7 agents that day, one multi-skilled."""
    folder = tmp_path_factory.mktemp("replan")
    rng = np.random.default_rng(5)
    rows = []
    for d in range(29):
        day = np.datetime64("2026-02-02") + d
        if d % 7 >= 5:
            continue
        for i in range(16, 36 if d < 28 else 22):
            for queue, mean in (("fr", 40), ("nl", 12)):
                n = int(rng.poisson(mean))
                rows.append([queue, f"{day} {i // 2:02d}:{30 * (i % 2):02d}", n, n, 240])
    report = write_half_hour_report(folder, rows)
    path = folder / "casashore.duckdb"
    result = runner.invoke(app, ["import", str(report), "--mapping", str(folder / "report.toml"),
                                 "--workspace", str(path)])
    assert result.exit_code == 0, result.output
    roster = folder / "roster.csv"
    agents = [(f"a{k}", "fr", "07:00", "16:00", "break 10:00-10:15; lunch 12:00-13:00") for k in range(5)]
    agents += [("m1", "fr+nl", "08:00", "17:00", "break 11:00-11:15; lunch 13:00-14:00"),
               ("n1", "nl", "08:00", "17:00", "lunch 12:30-13:30")]
    with roster.open("w", newline="") as handle:
        csv.writer(handle).writerows([["agent", "day", "start", "end", "group", "breaks"]] + [
            [a, "2026-03-02", f"2026-03-02T{s}", f"2026-03-02T{e}", g, b] for a, g, s, e, b in agents])
    return path, roster


def _replan(workspace: Path, roster: Path | None, *extra: str) -> dict:
    args = ["intraday", "replan", "--workspace", str(workspace), "--as-of", "2026-03-02T10:00",
            "--replications", "30", "--simulate-top", "1", "--json", *extra]
    result = runner.invoke(app, args + (["--roster", str(roster)] if roster else []))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_cli_replans_the_rest_of_the_day(workspace):
    path, roster = workspace
    doc = _replan(path, roster)
    assert doc["queues"] == ["fr", "nl"] and doc["as_of"] == "2026-03-02T10:00+00:00"
    assert doc["interval_min"] == 30 and isinstance(doc["interval_min"], int)  # whole minutes, as every JSON's
    starts = sorted({r["start"] for r in doc["intervals"]})
    assert starts[0] == "2026-03-02T10:00+00:00"  # 11:00 in Paris: the interval the as-of time falls in
    fr_1000 = next(r for r in doc["intervals"] if r["queue"] == "fr" and r["start"] == starts[0])
    # a0-a4 each half the interval (their break 10:00-10:15), m1 (fr+nl) all of it on fr, her first queue
    assert fr_1000["aht_s"] == pytest.approx(240) and fr_1000["scheduled"] == 3.5
    assert fr_1000["gap"] == fr_1000["required"] - 3.5
    assert doc["proposals"] and doc["proposals"][0]["simulated"] is not None
    assert [p["rank"] for p in doc["proposals"]] == list(range(1, len(doc["proposals"]) + 1))
    assert _replan(path, roster) == doc  # deterministic
    absent = _replan(path, roster, "--absent", "a0")
    assert absent["absent"] == ["a0"] and absent["calls_below_goal"] > doc["calls_below_goal"]


def test_the_table_says_so_when_no_interval_is_short(workspace, tmp_path):
    """A roster of 20 agents on fr and 10 on nl, half of each at lunch at a time, covers Erlang's agents in every
    interval: one line says none is short, not an empty table; the usual roster's table lists its short ones."""
    path, roster = workspace
    ample = tmp_path / "ample.csv"
    with ample.open("w", newline="") as handle:
        csv.writer(handle).writerows([["agent", "day", "start", "end", "group", "breaks"]] + [
            [f"{queue}{k}", "2026-03-02", "2026-03-02T07:00", "2026-03-02T17:00", queue,
             f"lunch {12 + k % 2}:00-{13 + k % 2}:00"] for queue, n in (("fr", 20), ("nl", 10)) for k in range(n)])
    base = ["intraday", "replan", "--workspace", str(path), "--as-of", "2026-03-02T10:00", "--replications", "1",
            "--simulate-top", "0"]
    met = runner.invoke(app, [*base, "--roster", str(ample)])
    assert met.exit_code == 0, met.output
    assert "intervals short of their goal: none (the roster covers Erlang's agents in each of the" in met.stdout
    short = runner.invoke(app, [*base, "--roster", str(roster)])
    assert short.exit_code == 0 and "none (the roster" not in short.stdout
    assert re.search(r"│\s+fr\s+│\s+10:00\s+│", short.stdout)  # fr at 10:00: 3.5 agents of 8, a row


def test_a_day_too_short_for_any_single_change_says_why_and_the_agents_needed(workspace, tmp_path):
    """One agent for fr's ~8 and none for nl's ~4: no one change lifts a level off 0 %, so nothing is proposed; the
    answer says why (typed) and how many agents the day lacks, and the table's place says it in words."""
    path, _ = workspace
    alone = tmp_path / "alone.csv"
    alone.write_text("agent,day,start,end,group,breaks\n"
                     "a0,2026-03-02,2026-03-02T07:00,2026-03-02T16:00,fr,lunch 12:00-13:00\n")
    doc = _replan(path, alone)
    assert doc["proposals"] == []
    why = doc["no_proposal"]
    peak = max(r["gap"] for r in doc["intervals"])
    assert why["reason"] == "no_single_change_helps" and why["agents_short_peak"] == math.ceil(peak - 1e-9) >= 8
    hours = sum(max(r["gap"], 0) for r in doc["intervals"]) * doc["interval_min"] / 60
    assert why["agent_hours_short"] == pytest.approx(hours, abs=1e-5)
    assert f"lacks up to {why['agents_short_peak']} agents at once" in why["words"]
    shown = runner.invoke(app, ["intraday", "replan", "--workspace", str(path), "--roster", str(alone), "--as-of",
                                "2026-03-02T10:00", "--replications", "1", "--simulate-top", "0"])
    assert shown.exit_code == 0 and "Proposals: none — no single change lifts" in " ".join(shown.stdout.split())
    assert _replan(path, workspace[1])["no_proposal"] is None  # the usual roster: proposals, no reason


def test_a_queue_without_history_is_skipped_and_the_others_replanned(workspace, tmp_path):
    """A queue whose calls begin on the day (``de``) leaves fr and nl re-planned as without it, and is listed as
    skipped with why (JSON and text); named alone, it is refused."""
    path, roster = workspace
    copy = tmp_path / "casashore.duckdb"
    copy.write_bytes(path.read_bytes())
    report = write_half_hour_report(tmp_path, [["de", f"2026-03-02 0{h}:00", 5, 5, 200] for h in (8, 9)])
    imported = runner.invoke(app, ["import", str(report), "--mapping", str(tmp_path / "report.toml"),
                                   "--workspace", str(copy)])
    assert imported.exit_code == 0, imported.output
    cheap = ("--replications", "1", "--simulate-top", "0")
    doc, before = _replan(copy, roster, *cheap), _replan(path, roster, *cheap)
    assert doc["skipped"] == [{"queue": "de", "reason": "no_history",
                               "why": "no call history before 2026-03-02 (its records begin on 2026-03-02)"}]
    assert before["skipped"] == [] and doc | {"skipped": [], "read": []} == before | {"read": []}
    base = ["intraday", "replan", "--workspace", str(copy), "--roster", str(roster), "--as-of", "2026-03-02T10:00",
            "--replications", "1", "--simulate-top", "0"]
    text = runner.invoke(app, base)
    assert text.exit_code == 0 and "skipped: de — no call history before 2026-03-02" in text.stdout
    named = runner.invoke(app, [*base, "--queue", "de"])
    assert named.exit_code == 2 and "de's history" in named.stderr and "Traceback" not in named.output


@pytest.mark.parametrize("args, field", [
    (["--as-of", "noon"], "as_of"),
    (["--as-of", "2026-03-02T10:00", "--service-level", "120%"], "service_level"),
    (["--as-of", "2026-03-02T10:00", "--absent", "nobody"], "absent"),
    (["--as-of", "2026-03-02T10:00", "--replications", "0"], "replications"),
])
def test_user_errors_name_their_field(workspace, args, field):
    path, roster = workspace
    result = runner.invoke(app, ["intraday", "replan", "--workspace", str(path), "--roster", str(roster), *args])
    assert result.exit_code == 2 and field in result.stderr and "Traceback" not in result.output, result.output


def test_the_api_reads_the_stored_roster_and_gives_the_cli_keys(workspace, tmp_path):
    path, roster = workspace
    copy = tmp_path / "casashore.duckdb"
    copy.write_bytes(path.read_bytes())
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1:8000")
    params = {"as_of": "2026-03-02T10:00", "replications": 30, "simulate_top": 1}
    missing = client.get("/api/intraday/replan", params=params)
    # the API takes no roster file: the refusal names its own field (the as-of time's week), never the CLI's --roster
    assert missing.status_code == 400 and missing.json()["field"] == "as_of", missing.text
    assert "--roster ROSTER.csv` with this workspace stores it" in missing.json()["error"]
    assert "--roster ROSTER.csv," not in missing.json()["error"]
    with Workspace.open(copy) as opened:
        opened.store_roster(read_roster(roster, "Africa/Casablanca", None).rows())
    got = client.get("/api/intraday/replan", params=params)
    assert got.status_code == 200, got.text
    assert got.json() == {k: v for k, v in _replan(copy, None).items() if k != "read"}  # read: the CLI's alone
    assert client.get("/api/intraday/replan", params={**params, "replications": 0}).status_code == 422
    assert "/api/intraday/replan" in client.get("/openapi.json").json()["paths"]


def test_the_api_says_404_before_any_import_and_needs_the_token_off_loopback(tmp_path, workspace):
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1:8000")
    got = client.get("/api/intraday/replan", params={"as_of": "2026-03-02T10:00"})
    assert got.status_code == 404 and "casashore import" in got.json()["error"]
    remote = TestClient(create_app(workspace[0].parent, host="0.0.0.0", token="s3cret"),
                        base_url="http://10.0.0.5:8000")
    assert remote.get("/api/intraday/replan", params={"as_of": "2026-03-02T10:00"}).status_code == 401


def test_the_cli_reads_who_is_at_work_from_the_routers_recorded_statuses(workspace, tmp_path):
    """The router's statuses recorded in a copy of the workspace on a driven clock (a4 never logs in; m1 goes on
    a break at 09:52, her planned one being at 11:00): with --statuses the re-plan at 10:00 counts a4 absent and
    m1 away until 10:07, the same rule as the live router's (route/presence.py)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from casashore.route.records import Recorder
    from casashore.route.service import RouterService
    from casashore.route.state.core import Router, RoutingQueue

    path, roster = workspace
    copy = tmp_path / "casashore.duckdb"
    copy.write_bytes(path.read_bytes())
    zone = ZoneInfo("Africa/Casablanca")

    def at(hhmm: str) -> float:
        return datetime.fromisoformat(f"2026-03-02T{hhmm}").replace(tzinfo=zone).timestamp()

    now = [at("06:50")]
    agents = ["a0", "a1", "a2", "a3", "a4", "m1", "n1"]
    router = Router({"fr": RoutingQueue("fr", "fr")}, wrap_up_s=0)
    for agent in agents:
        router.add_agent(agent, {"fr": 1}, now[0])
    service = RouterService(router, time_zone="Africa/Casablanca", clock=lambda: now[0],
                            recorder=Recorder(copy, {"fr": ("Europe/Paris", "FR")}))
    script = {"07:00": [(a, "available") for a in agents[:4]], "08:00": [("m1", "available"), ("n1", "available")],
              "09:52": [("m1", "break")]}
    while now[0] <= at("10:30"):  # events after the as-of time are not read
        for agent, status in script.get(datetime.fromtimestamp(now[0], zone).strftime("%H:%M"), []):
            router.set_status(agent, status, now[0])
        service.publish()
        service.tick()
        now[0] += 60
    router.set_status("a4", "available", at("10:20"))  # she comes at 10:20: after the as-of time
    service.publish()
    service.recorder.close()

    plain = _replan(copy, roster)
    seen = _replan(copy, roster, "--statuses")
    assert plain["not_at_work"] == [] and plain["presence_from"] == "the roster alone"
    assert seen["presence_from"].startswith("the router's statuses recorded in ") and "(grace 300 s)" in \
        seen["presence_from"]
    assert seen["absent"] == ["a4"]
    assert seen["not_at_work"] == [
        {"agent": "a4", "kind": "absent", "since": "2026-03-02T07:00+00:00", "until": None,
         "why": "not logged in since her shift began at 07:00"},
        {"agent": "m1", "kind": "away", "since": "2026-03-02T09:52+00:00", "until": "2026-03-02T10:07+00:00",
         "why": "on break since 09:52, back by 10:07 (planned 15 min)"}]
    fr = {r["start"][11:16]: r["scheduled"] for r in seen["intervals"] if r["queue"] == "fr"}
    assert fr["10:00"] == pytest.approx(3.5 - 0.5 - 7 / 30)  # a4's half less, m1 away 7 of the 30 minutes
    assert fr["10:30"] == pytest.approx(6 - 1)  # a4 still absent (she came after the as-of time), m1 back
    grace = _replan(copy, roster, "--statuses", "--grace", "4h")  # a4 has missed under 4 hours of planned work
    assert grace["absent"] == [] and [a["agent"] for a in grace["not_at_work"]] == ["m1"]
    wrong = runner.invoke(app, ["intraday", "replan", "--workspace", str(copy), "--roster", str(roster), "--as-of",
                                "2026-03-02T10:00", "--statuses", "--grace", "25h"])
    assert wrong.exit_code == 2 and "grace" in wrong.stderr, wrong.output
    idle = runner.invoke(app, ["intraday", "replan", "--workspace", str(copy), "--roster", str(roster), "--as-of",
                               "2026-03-02T10:00", "--grace", "4h"])  # a grace without --statuses judges nothing
    assert idle.exit_code == 2 and "grace" in idle.stderr and "--statuses" in idle.stderr, idle.output
    unrecorded = runner.invoke(app, ["intraday", "replan", "--workspace", str(path), "--roster", str(roster),
                                     "--as-of", "2026-03-02T10:00", "--statuses"])  # no router recorded here
    assert unrecorded.exit_code == 2 and "statuses" in unrecorded.stderr, unrecorded.output
