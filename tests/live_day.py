"""A contact-centre day driven through a live `casashore route serve` on a fast site clock (issue 20's check;
benchmarks/eval_intraday_live.py runs a whole day, tests/test_route_live_day.py a short one).

The day: a workspace with weeks of history of one queue (`fr`, a Paris client); its day-ahead forecast
(`casashore forecast --intraday` before the day's first call); a requirement made from it by Erlang C and a
roster made by the real `casashore schedule --roster`; then the router started on that workspace and roster
with `--clock-start --clock-speed`, and over its HTTP API: calls arriving per the forecast's profile with
Poisson noise and a level shift (busier than forecast from ``shift_from``), agents logging in at their shift's
start, accepting what they are offered, hanging up after an exponential handle time, taking every break 10
minutes late (and as long as planned) and logging off at their shift's end, one of them absent. Every wait is on
the router's state (its clock, its calls), never a fixed sleep deciding an outcome.

Once the day is over, the router still running, a supervisor asks the router's own re-plan at ``as_of`` (GET
/api/intraday/replan): who is at work comes from the router's statuses at that instant (route/presence.py).
Asked after the day, not when the router's clock passes ``as_of``: its first answer imports the forecasting
libraries, and the router, busy with that, would post the rest of the day's steps many site minutes late.

Afterwards, with the router stopped (DuckDB has one writer): (a) the router's GET /api/adherence against the
independent recount of the event log (tests/adherence_recount.py); (b) the reforecast as of ``as_of`` against the
actual rest of the driven day, next to the day-ahead; (p) the agents the router's re-plan saw absent or away at
``as_of`` against a recount of the event log (the absent agent among them, never told to it); (c) optionally the
top re-plan proposal at ``as_of`` (who is at work read from the router's records, `--statuses`), applied to the
roster and simulated again from another seed, against the interval it predicted.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import httpx
import numpy as np

from adherence_recount import mismatches, presence_at, recount
from conftest import PARIS_HALF_HOURS as MAPPING

ROOT = Path(__file__).resolve().parents[1]
SAFETY_S = 300.0
"""A bound on any wait for the router (a process that never answers fails the run, it does not hang it)."""
GRACE_S = 300.0
"""The centre's adherence grace: the router's rule for who is absent or away uses it too."""
SUPERVISOR = "supervisor-live-day-token-0123456789"
TRUNK = "trunk-live-day-token-0123456789ab"


@dataclass(frozen=True)
class DaySpec:
    day: date = date(2026, 3, 2)
    """A Monday; Casablanca is on UTC+0 then (Ramadan), Paris on UTC+1: site 07:00 is Paris 08:00."""
    site_zone: str = "Africa/Casablanca"
    open_site: tuple[int, int] = (7, 17)
    """The queue's hours on the site's clock (the history's; Paris 08:00-18:00)."""
    window: tuple[str, str] = ("07:00", "17:00")
    """The site hours driven live (and rostered)."""
    as_of: str = "12:00"
    shift_from: str = "10:00"
    """From this site time the calls come ``shift_factor`` times the forecast."""
    shift_factor: float = 1.35
    base_calls: float = 60.0
    """Calls per half hour at the day's peak (weekdays)."""
    aht_s: float = 240.0
    history_days: int = 35
    day_spread: float = 0.15
    """The history days' level spread (lognormal sigma)."""
    shift_length: str = "8h"
    shift_breaks: str = "15m@1h30m-2h30m; 30m@3h30m-4h30m; 15m@6h-6h30m"
    late_min: float = 10.0
    speed: float = 240.0
    seed: int = 7
    replan: bool = True
    replications: int = 200
    presence: str = "router"
    """Whose re-plan at ``as_of`` check (p) reads: ``router`` (GET /api/intraday/replan asked after the day, the
    router still running: its live view; its first answer imports the forecasting libraries in the router, ~15 s
    on a loaded machine) or ``records`` (`casashore intraday replan --statuses` in this process once the router
    has stopped: the same rule over the router's recorded events, as a router restarted at ``as_of`` sees them)."""


@dataclass
class DayRun:
    folder: Path
    spec: DaySpec
    workspace: Path = field(init=False)
    roster: Path = field(init=False)
    centre: Path = field(init=False)
    absent: str = ""
    day_ahead: dict[str, float] = field(default_factory=dict)
    """site HH:MM -> the day-ahead forecast of the interval's calls"""
    facts: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workspace = self.folder / "live.duckdb"
        self.roster = self.folder / "roster.csv"
        self.centre = self.folder / "centre.toml"

    def at(self, hhmm: str) -> float:
        """Site ``HH:MM`` of the day as epoch seconds."""
        h, m = map(int, hhmm.split(":"))
        d = self.spec.day
        return datetime(d.year, d.month, d.day, h, m, tzinfo=ZoneInfo(self.spec.site_zone)).timestamp()

    def hhmm(self, t: float) -> str:
        return datetime.fromtimestamp(t, ZoneInfo(self.spec.site_zone)).strftime("%H:%M")


def casashore(*args: str) -> str:
    """A casashore command, in this process (typer's runner: the real command, without a start-up per call)."""
    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exit_code != 0:
        raise RuntimeError(f"casashore {' '.join(map(str, args))}: exit {result.exit_code}\n{result.output}"
                           f"{result.exception!r}")
    return result.stdout


# -- before the day ------------------------------------------------------------------------------------------

def shape(hour: float) -> float:
    """The day's profile (1 at the peaks): a morning and an afternoon hump."""
    return 0.45 + 0.55 * max(np.exp(-((hour - 11.0) / 2.0) ** 2), 0.9 * np.exp(-((hour - 15.0) / 2.0) ** 2))


def prepare(run: DayRun) -> None:
    """History imported, the day-ahead forecast, the requirement, the roster (`schedule --roster`), the centre."""
    spec, folder = run.spec, run.folder
    rng = np.random.default_rng(spec.seed)
    rows = []
    paris_open = spec.open_site[0] + 1, spec.open_site[1] + 1  # Paris is an hour ahead of the site in March
    for k in range(spec.history_days, 0, -1):
        day = spec.day - timedelta(days=k)
        # each day's own level (weather, a campaign): what the reforecast's prior learns from the history
        level = (0.6 if day.weekday() >= 5 else 1.0) * float(rng.lognormal(0.0, spec.day_spread))
        for i in range(2 * paris_open[0], 2 * paris_open[1]):
            n = int(rng.poisson(spec.base_calls * level * shape(i / 2 - 1 + 0.25)))
            rows.append(["fr", f"{day} {i // 2:02d}:{30 * (i % 2):02d}", n, n, spec.aht_s])
    report = folder / "history.csv"
    with report.open("w", newline="") as handle:
        csv.writer(handle).writerows([["queue", "start", "offered", "answered", "aht_s"], *rows])
    (folder / "history.toml").write_text(MAPPING)
    casashore("import", report, "--mapping", folder / "history.toml", "--workspace", run.workspace)
    before = json.loads(casashore("forecast", "--intraday", "--workspace", run.workspace, "--as-of",
                                  f"{spec.day}T00:00", "--interval", "30m", "--site-zone", spec.site_zone, "--json"))
    run.day_ahead = {r["site_start"][11:16]: float(r["day_ahead"]) for r in before["intervals"]}
    _roster(run)
    agents = sorted({row["agent"] for row in csv.DictReader(run.roster.open())})
    run.absent = agents[1]
    run.facts["agents_rostered"] = len(agents)
    lines = ["[router]", f'time_zone = "{spec.site_zone}"', "offer_timeout_s = 600", "wrap_up_s = 0",
             f"adherence_grace_s = {GRACE_S:g}", "", "[[queues]]", 'name = "fr"', 'skill = "fr"',
             f"aht_s = {spec.aht_s:g}", 'client_time_zone = "Europe/Paris"', 'country = "FR"', "max_waiting = 5000"]
    for agent in agents:
        lines += ["", "[[agents]]", f'id = "{agent}"', "skills = { fr = 1 }", f'token = "{token(agent)}"']
    lines += ["", "[tokens]", f'supervisor = ["{SUPERVISOR}"]', f'trunk = ["{TRUNK}"]', ""]
    run.centre.write_text("\n".join(lines))


def token(agent: str) -> str:
    return f"agent-{agent}-live-day-token-0123456789"


def _roster(run: DayRun) -> None:
    """Erlang C's agents per half hour of the window for the day-ahead forecast (20 s at 80 %), shift templates
    every half hour that fit the window, and `casashore schedule --roster` naming the agents."""
    from casashore.queueing.staffing import required_agents

    spec, folder = run.spec, run.folder
    first, last = run.at(spec.window[0]), run.at(spec.window[1])
    starts = [run.hhmm(t) for t in np.arange(first, last, 1800.0)]
    calls = np.array([run.day_ahead.get(s, 0.0) for s in starts])
    need = required_agents(calls * spec.aht_s / 1800.0, spec.aht_s, target_s=20.0, service_level=0.8)
    (folder / "requirement.csv").write_text("start,group,required\n" + "".join(  # quarter hours: 15-minute breaks
        f"{run.hhmm(run.at(s) + q)},fr,{int(n)}\n" for s, n in zip(starts, need, strict=True) for q in (0, 900)))
    length_s = _seconds(spec.shift_length)
    templates = [run.hhmm(t) for t in np.arange(first, last - length_s + 1, 1800.0)]
    (folder / "shifts.csv").write_text("name,start,length,cost,group,breaks\n" + "".join(
        f"s{t.replace(':', '')},{t},{spec.shift_length},{length_s / 3600:g},fr,{spec.shift_breaks}\n"
        for t in templates))
    (folder / "agents.csv").write_text("agent,skills,weekly_hours\n" + "".join(
        f"a{k:02d},fr,44\n" for k in range(1, 4 * int(need.max()) + 4)))
    casashore("schedule", "--requirements", folder / "requirement.csv", "--shifts", folder / "shifts.csv",
              "--roster", folder / "agents.csv", "--roster-start", spec.day.isoformat(), "--roster-output",
              run.roster, "--site-zone", spec.site_zone, "--json")
    kept = [row for row in csv.DictReader(run.roster.open()) if row["day"] == spec.day.isoformat()]
    with run.roster.open("w", newline="") as handle:  # the day driven (the plan repeats over the roster's week)
        writer = csv.DictWriter(handle, fieldnames=list(kept[0]))
        writer.writeheader()
        writer.writerows(kept)


def _seconds(text: str) -> float:
    hours, _, minutes = text.partition("h")
    return int(hours) * 3600 + (int(minutes.rstrip("m")) * 60 if minutes else 0)


# -- the day, live -------------------------------------------------------------------------------------------

def script(run: DayRun) -> list[tuple[float, str, str, str]]:
    """What happens, in site time: (t, kind, who, argument), kinds ``call`` (who: the trunk's Call-ID) and
    ``status`` (who: the agent; argument ``available``, ``offline`` or ``break:REASON``)."""
    spec = run.spec
    rng = np.random.default_rng(spec.seed + 1)
    steps: list[tuple[float, str, str, str]] = []
    first, last, shift = run.at(spec.window[0]), run.at(spec.window[1]), run.at(spec.shift_from)
    n = 0
    for start in np.arange(first, last, 1800.0):
        mean = run.day_ahead.get(run.hhmm(start), 0.0) * (spec.shift_factor if start >= shift else 1.0)
        for t in np.sort(start + rng.uniform(0, 1800.0, rng.poisson(mean))):
            n += 1
            steps.append((float(t), "call", f"live-{n:05d}@trunk", f"{rng.exponential(spec.aht_s):.1f}"))
    late = spec.late_min * 60
    for row in csv.DictReader(run.roster.open()):
        if row["agent"] == run.absent:
            continue
        begin = datetime.fromisoformat(row["start"]).replace(tzinfo=ZoneInfo(spec.site_zone)).timestamp()
        end = datetime.fromisoformat(row["end"]).replace(tzinfo=ZoneInfo(spec.site_zone)).timestamp()
        steps += [(begin, "status", row["agent"], "available"), (end, "status", row["agent"], "offline")]
        for item in filter(None, (p.strip() for p in row["breaks"].split(";"))):
            kind, times = item.split()
            a, b = (run.at(x) for x in times.split("-"))
            reason = "lunch" if kind == "lunch" else "break"
            steps += [(a + late, "status", row["agent"], f"break:{reason}"),
                      (b + late, "status", row["agent"], "available")]
    return sorted(steps, key=lambda s: (s[0], s[1] != "status", s[2]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drive(run: DayRun) -> dict:
    """Start the router on the workspace and roster with a site clock, play the script over the API, read the
    day's adherence once every agent is off and planned off; stop the router. Returns the report."""
    spec = run.spec
    steps = script(run)
    run.facts["calls_posted"] = sum(1 for s in steps if s[1] == "call")
    port = free_port()
    clock_start = datetime.fromtimestamp(steps[0][0] - 20 * 60, ZoneInfo(spec.site_zone))
    log = (run.folder / "router.log").open("w")
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    router = subprocess.Popen(
        [sys.executable, "-m", "casashore", "route", "serve", "--config", str(run.centre), "--workspace",
         str(run.workspace), "--roster", str(run.roster), "--http", f"127.0.0.1:{port}", "--clock-start",
         clock_start.strftime("%Y-%m-%dT%H:%M"), "--clock-speed", f"{spec.speed:g}"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    began = time.monotonic()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as http:
            report = _play(run, http, router, steps)
    finally:
        router.send_signal(signal.SIGINT)  # records flushed on the way out
        try:
            router.wait(timeout=SAFETY_S)
        except subprocess.TimeoutExpired:
            router.kill()
            router.wait()
        log.close()
    run.facts["real_s"] = round(time.monotonic() - began, 1)
    return report


def _play(run: DayRun, http: httpx.Client, router: subprocess.Popen, steps: list) -> dict:
    boss = {"Authorization": f"Bearer {SUPERVISOR}"}
    trunk = {"Authorization": f"Bearer {TRUNK}"}
    began = time.monotonic()
    limit = began + SAFETY_S
    while True:  # the router answering
        if router.poll() is not None:
            raise RuntimeError(f"route serve exited: {(run.folder / 'router.log').read_text()[-2000:]}")
        try:
            http.get("/api/clock", headers=boss).raise_for_status()
            break
        except httpx.TransportError:
            if time.monotonic() > limit:
                raise
            time.sleep(0.2)
    run.facts["router_start_s"] = round(time.monotonic() - began, 1)
    speed = run.spec.speed
    handle: dict[str, float] = {}   # router id -> handle time drawn
    hang_ups: dict[str, float] = {}  # router id -> site time its agent hangs up
    last_shift_end = max(s[0] for s in steps if s[1] == "status")
    k, late_s = 0, []
    deadline = time.monotonic() + SAFETY_S + (last_shift_end - steps[0][0]) / speed
    while True:
        if time.monotonic() > deadline:
            raise RuntimeError("the live day did not end in time")
        now = http.get("/api/clock", headers=boss).json()["epoch_s"]
        while k < len(steps) and steps[k][0] <= now:
            t, kind, who, argument = steps[k]
            late_s.append(now - t)
            if kind == "call":
                answer = http.post("/api/calls", headers=trunk, json={"call_id": who, "queue": "fr"})
                answer.raise_for_status()
                handle[answer.json()["id"]] = float(argument)
            else:
                status, _, reason = argument.partition(":")
                http.post(f"/api/agents/{who}/status", headers={"Authorization": f"Bearer {token(who)}"},
                          json={"status": status, "reason": reason}).raise_for_status()
            k += 1
        live = http.get("/api/calls", headers=boss, params={"limit": 500}).json()
        for call in live["calls"]:
            if call["state"] == "offered":  # the agent accepts at once
                agent = call["agent"]
                answer = http.post(f"/api/agents/{agent}/accept/{call['id']}",
                                   headers={"Authorization": f"Bearer {token(agent)}"})
                if answer.status_code == 200:
                    hang_ups[call["id"]] = now + handle[call["id"]]
        for call_id, when in sorted(hang_ups.items(), key=lambda item: item[1]):
            if when <= now:
                agent = next((c["agent"] for c in live["calls"] if c["id"] == call_id), None)
                who = {"Authorization": f"Bearer {token(agent)}"} if agent else boss
                http.post(f"/api/calls/{call_id}/hangup", headers=who).raise_for_status()
                del hang_ups[call_id]
        if now >= last_shift_end and k == len(steps):
            waiting = [c for c in live["calls"] if c["state"] == "waiting"]
            for call in waiting:  # nobody left to answer them: the callers give up
                http.post(f"/api/calls/{call['id']}/hangup", headers=trunk).raise_for_status()
            if not hang_ups and live["total"] == 0:
                break
        upcoming = [steps[k][0]] if k < len(steps) else []
        upcoming += list(hang_ups.values())
        gap = (min(upcoming) - now) / speed if upcoming else 0.05
        time.sleep(min(max(gap, 0.0), 0.05))
    report = http.get("/api/adherence", headers=boss, params={"date": run.spec.day.isoformat()}).json()
    if run.spec.presence == "router":
        began = time.monotonic()
        run.facts["router_replan"] = _ask_replan(run, http)
        run.facts["router_replan_s"] = round(time.monotonic() - began, 1)
    run.facts["step_late_site_s_p95"] = round(float(np.percentile(late_s, 95)), 1)
    run.facts["agents_out_now"] = http.get("/api/adherence/out", headers=boss).json()["agents"]
    run.facts["queues"] = http.get("/api/queues", headers=boss).json()
    return report


def _ask_replan(run: DayRun, http: httpx.Client) -> dict:
    """The router's re-plan at ``as_of`` (few simulated days, no proposal simulated: its view of who is at work is
    what is checked)."""
    params = {"as_of": f"{run.spec.day}T{run.spec.as_of}", "replications": 20, "simulate_top": 0}
    answer = http.get("/api/intraday/replan", headers={"Authorization": f"Bearer {SUPERVISOR}"}, params=params,
                      timeout=SAFETY_S)
    if answer.status_code != 200:
        raise RuntimeError(f"the router's re-plan at {run.spec.as_of}: {answer.status_code} {answer.text[:500]}")
    return answer.json()


# -- after the day -------------------------------------------------------------------------------------------

def router_events(workspace: Path) -> list[tuple[float, str, str, str]]:
    with duckdb.connect(str(workspace), read_only=True) as con:
        rows = con.execute("SELECT epoch_us(event_at) / 1e6, event, subject, detail FROM route_events "
                           "ORDER BY import_id, seq").fetchall()
    return [(float(t), e, s, d) for t, e, s, d in rows]


def check_adherence(run: DayRun, report: dict) -> dict:
    """(a): the router's figures against the recount of its event log, per agent and team."""
    events = router_events(run.workspace)
    until = datetime.fromisoformat(report["until"]).timestamp()
    counted = recount(events, run.roster.read_text(), run.spec.site_zone, run.at("00:00"), until)
    problems = mismatches(report, counted)
    return {"agents": len(report["agents"]), "teams": len(report["teams"]), "mismatches": problems,
            "equal": not problems, "events": len(events), "counted": counted, "report": report}


def actual_calls(run: DayRun) -> dict[str, int]:
    """Calls that reached the router per site half hour (its ``arrived`` and ``rejected`` events)."""
    counts: dict[str, int] = {}
    for t, event, _, _ in router_events(run.workspace):
        if event in ("arrived", "rejected") and run.at("00:00") <= t:
            start = run.hhmm(t - (t - run.at("00:00")) % 1800)
            counts[start] = counts.get(start, 0) + 1
    return counts


def check_reforecast(run: DayRun) -> dict:
    """(b): WAPE of the reforecast made at ``as_of`` and of the day-ahead, on the rest of the driven window."""
    spec = run.spec
    doc = json.loads(casashore("forecast", "--intraday", "--workspace", run.workspace, "--as-of",
                               datetime.fromtimestamp(run.at(spec.as_of), ZoneInfo(spec.site_zone)).isoformat(
                                   timespec="minutes"), "--interval", "30m", "--site-zone", spec.site_zone,
                               "--json"))
    actual = actual_calls(run)
    rest = [r for r in doc["intervals"] if spec.as_of <= r["site_start"][11:16] < spec.window[1]]
    truth = np.array([actual.get(r["site_start"][11:16], 0) for r in rest], float)
    updated = np.array([r["calls"] for r in rest])
    ahead = np.array([r["day_ahead"] for r in rest])
    wape = {name: float(np.abs(f - truth).sum() / truth.sum()) for name, f in (("reforecast", updated),
                                                                               ("day_ahead", ahead))}
    return {"intervals": len(rest), "actual": float(truth.sum()), "reforecast": float(updated.sum()),
            "day_ahead": float(ahead.sum()), "wape_reforecast": wape["reforecast"],
            "wape_day_ahead": wape["day_ahead"], "towards_actual": wape["reforecast"] < wape["day_ahead"]}


def check_presence(run: DayRun) -> dict:
    """(p): the agents the re-plan at ``as_of`` saw absent or away from the router's statuses (the router's own,
    or the CLI's over its records: ``spec.presence``), and when an away one is due back (to the minute it
    shows), against tests/adherence_recount.py's recount of the event log at that instant."""
    if run.spec.presence == "router":
        doc = run.facts["router_replan"]
    else:
        began = time.monotonic()
        doc = json.loads(casashore("intraday", "replan", "--workspace", run.workspace, "--roster", run.roster,
                                   "--as-of", f"{run.spec.day}T{run.spec.as_of}", "--site-zone", run.spec.site_zone,
                                   "--statuses", "--grace", f"{GRACE_S:g}s", "--replications", "20",
                                   "--simulate-top", "0", "--json"))
        run.facts["records_replan_s"] = round(time.monotonic() - began, 1)
    zone = ZoneInfo(run.spec.site_zone)
    seen = {a["agent"]: (a["kind"], a["until"]) for a in doc["not_at_work"]}
    counted = presence_at(router_events(run.workspace), run.roster.read_text(), run.spec.site_zone,
                          run.at(run.spec.as_of), GRACE_S)
    expected = {agent: (kind, None if until is None else datetime.fromtimestamp(until // 60 * 60, zone).isoformat(
        timespec="minutes")) for agent, (kind, until) in counted.items()}
    return {"seen": seen, "recounted": expected, "equal": seen == expected, "absent": doc["absent"],
            "presence_from": doc["presence_from"], "why": {a["agent"]: a["why"] for a in doc["not_at_work"]}}


def check_replan(run: DayRun) -> dict:
    """(c): the top proposal at ``as_of`` (who is at work read from the router's records: the absent agent is
    found, not told), applied to the roster and the day simulated again from another seed: its service level
    over the intervals the proposal changes against the 95 % interval the proposal predicted, and the formula's
    calls below goal against the gain it predicted."""
    spec = run.spec
    as_of = f"{spec.day}T{spec.as_of}"
    common = ["intraday", "replan", "--workspace", run.workspace, "--as-of", as_of, "--statuses", "--grace",
              f"{GRACE_S:g}s",
              "--site-zone", spec.site_zone, "--replications", str(spec.replications), "--json"]
    before = json.loads(casashore(*common, "--roster", run.roster, "--simulate-top", "1", "--seed", "1"))
    if not before["proposals"]:
        return {"proposal": None, "absent": before["absent"]}
    top = before["proposals"][0]
    applied = run.folder / "roster_applied.csv"
    rows = list(csv.DictReader(run.roster.open()))
    for row in rows:
        if row["agent"] == top["agent"]:
            after = top["shift_after"]
            row["start"], row["end"] = after["start"][:16], after["end"][:16]
            row["breaks"] = "; ".join(f"{b['kind']} {b['start'][11:16]}-{b['end'][11:16]}" for b in after["breaks"])
    with applied.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    again = json.loads(casashore(*common, "--roster", applied, "--simulate-top", "0", "--seed", "12345"))
    cells = {(c["queue"], c["start"]) for c in top["intervals"]}
    picked = [r for r in again["intervals"] if (r["queue"], r["start"]) in cells]
    weight = sum(r["calls"] for r in picked)
    level = sum(r["calls"] * r["simulated_service_level"] for r in picked) / weight if weight else None
    sim = top["simulated"]
    low, high = (sim["service_level_after"] - sim["service_level_after_ci95"],
                 sim["service_level_after"] + sim["service_level_after_ci95"])
    return {"proposal": top["what"], "kind": top["kind"], "absent": before["absent"],
            "moves": len(top["shift_after"]["moves"]),
            "predicted_before": sim["service_level_before"], "predicted_after": sim["service_level_after"],
            "predicted_ci95": sim["service_level_after_ci95"], "applied_simulated": level,
            "within": level is not None and low <= level <= high,
            "calls_below_goal_before": before["calls_below_goal"],
            "calls_below_goal_after": again["calls_below_goal"],
            "gain_predicted": top["calls_below_goal_removed"],
            "gain_applied": before["calls_below_goal"] - again["calls_below_goal"]}


def live_day(folder: Path, spec: DaySpec) -> dict:
    run = DayRun(folder, spec)
    began = time.monotonic()
    prepare(run)
    run.facts["prepare_s"] = round(time.monotonic() - began, 1)
    report = drive(run)
    result = {"spec": {k: (str(v) if isinstance(v, date) else v) for k, v in spec.__dict__.items()},
              "absent": run.absent, "adherence": check_adherence(run, report), "reforecast": check_reforecast(run),
              "presence": check_presence(run)}
    result["replan"] = check_replan(run) if spec.replan else None
    result["facts"] = {k: v for k, v in run.facts.items() if k not in ("queues", "router_replan")}
    result["queues"] = run.facts.get("queues")
    return result
