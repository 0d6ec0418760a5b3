"""Real-time adherence (docs/routing.md, "Adherence"): a day driven through the router's state machine on a
driven clock, its figures against an independent minute-by-minute recount of the event log the test writes;
the alerts after the grace; the day's record in the workspace, live and recomputed from the records alike;
hypothesis properties of the figures; the roster's reading; the API's roles."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casashore.errors import UserError
from casashore.route.adherence import Excused, Span, Timeline, done_timeline, figures, in_adherence, out_since
from casashore.route.adherence_monitor import AdherenceMonitor
from casashore.route.adherence_routes import attach
from casashore.route.planned import roster_of_table
from casashore.route.records import Recorder
from casashore.route.service import RouterService
from casashore.route.state.call_ids import router_id
from casashore.route.state.core import Router, RoutingQueue
from casashore.schedule.tables import csv_table
from casashore.usecases.adherence import record_adherence_day
from casashore.workspace.store import Workspace

ZONE = "Africa/Casablanca"
DAY = date(2026, 3, 2)
ROSTER = """agent,day,shift,group,start,end,paid_hours,breaks
amina,2026-03-02,early,fr,2026-03-02T08:00,2026-03-02T16:00,7.25,break 10:00-10:15; lunch 12:00-12:30
youssef,2026-03-02,early,fr,2026-03-02T08:00,2026-03-02T16:00,7.25,break 10:30-10:45; lunch 12:30-13:00
salma,2026-03-02,late,es,2026-03-02T09:00,2026-03-02T17:00,7.25,break 11:00-11:15; lunch 13:00-13:30
omar,2026-03-02,late,es,2026-03-02T09:00,2026-03-02T17:00,7.5,lunch 13:30-14:00
"""
AGENTS = ("amina", "youssef", "salma", "omar")


def at(clock: str, day: date = DAY) -> float:
    """``HH:MM`` of the site day as epoch seconds."""
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE)).timestamp()


# What happens, minute by minute (site clock): (time, what, agent, argument)
SCRIPT = [
    ("08:00", "status", "amina", "available"),
    ("08:05", "status", "youssef", "available"),            # logs in 5 minutes late
    ("09:00", "status", "omar", "available"),
    ("09:10", "call", "amina", "09:25"),                     # a call 09:10-09:25
    ("10:10", "status", "amina", "break"),                   # her 10:00 break, 10 minutes late
    ("10:25", "status", "amina", "available"),               # ... and 10 minutes long past its end
    ("10:25", "call", "youssef", "10:35"),                   # a call running into his 10:30 break
    ("10:28", "status", "youssef", "break"),                 # break chosen on the call: the call is work
    ("10:50", "status", "youssef", "available"),
    ("12:00", "status", "amina", "break:lunch"),
    ("12:30", "status", "amina", "available"),
    ("12:30", "status", "youssef", "break:lunch"),
    ("13:10", "status", "youssef", "available"),             # back 10 minutes late from lunch
    ("13:30", "status", "omar", "break:lunch"),
    ("14:00", "status", "omar", "available"),
    ("14:30", "status", "omar", "offline:training"),         # a training a supervisor approves
    ("14:31", "exception", "omar", "14:30-15:30"),
    ("15:30", "status", "omar", "available"),
    ("15:50", "status", "youssef", "offline"),               # leaves 10 minutes early
    ("16:00", "status", "amina", "offline"),
    ("17:10", "status", "omar", "offline"),                  # stays 10 minutes past his shift
]


def drive_day(tmp_path, grace_s=300.0, restart: str | None = None):
    """The SCRIPT through a router, its service, an adherence monitor and a recorder, a tick every minute from
    07:00 to 00:01 the next day; returns the monitor, the log the test wrote and the workspace. ``restart``: at
    that minute the router stops and another starts on the same workspace (its monitor replays the day from the
    records), the agents logging in again at once as they were."""
    now = [at("07:00")]
    tmp_path.mkdir(exist_ok=True)
    workspace = tmp_path / "w.duckdb"
    roster = roster_of_table(csv_table(ROSTER, "roster.csv"), ZONE, set(AGENTS))
    log: list = []

    def start(before: Router | None = None):
        router = Router({a: RoutingQueue(a, a) for a in AGENTS}, wrap_up_s=0)
        for agent in AGENTS:
            router.add_agent(agent, {agent: 1}, now[0])
        service = RouterService(router, time_zone=ZONE, clock=lambda: now[0],
                                recorder=Recorder(workspace, {a: ("Europe/Paris", "FR") for a in AGENTS}))
        service.recorder.store_roster(roster.rows())
        monitor = AdherenceMonitor(roster, grace_s)
        service.subscribers.append(log.extend)
        attach(service, monitor, records=None if before is None else service.recorder.reader)
        for agent in [] if before is None else AGENTS:
            if before.agents[agent].status != "offline":
                router.set_status(agent, before.agents[agent].status, now[0], before.agents[agent].reason)
        service.publish()
        return router, service, monitor

    router, service, monitor = start()
    pending = sorted(SCRIPT, key=lambda step: at(step[0]))
    hang_ups: dict[float, str] = {}
    calls = 0
    while now[0] <= at("00:01", date(2026, 3, 3)):
        if restart is not None and now[0] == at(restart):
            assert not hang_ups  # no call in progress (a restart loses them)
            service.recorder.close()
            router, service, monitor = start(router)
        for _, what, agent, argument in [s for s in pending if at(s[0]) == now[0]]:
            if what == "status":
                status, _, reason = argument.partition(":")
                router.set_status(agent, status, now[0], reason)
            elif what == "call":
                calls += 1
                call = router_id(f"call-{calls}")
                router.arrive(call, agent, now[0])
                assert router.accept(agent, call, now[0])
                hang_ups[at(argument)] = call
            elif what == "exception":
                first, last = argument.split("-")
                service.announce([monitor.exception_event(agent, at(first), at(last), "training", "supervisor#1",
                                                          now[0])])
        if now[0] in hang_ups:
            router.hang_up(hang_ups.pop(now[0]), now[0])
        service.publish()
        service.tick()
        now[0] += 60
    service.recorder.close()
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log))
    return monitor, workspace


def recount(log_path, day_start: float) -> dict:
    """The independent checker: per agent, minute by minute (each minute's middle), the planned activity read
    from the roster's text and what the event log says the agent was doing; no timeline, no adherence.py."""
    events = [tuple(e) for e in map(json.loads, log_path.read_text().splitlines())]
    planned: dict[str, list[tuple[float, float, str]]] = {}
    teams = {}
    for line in ROSTER.splitlines()[1:]:
        agent, _, _, group, start, end, _, breaks = line.split(",")
        teams[agent] = group
        planned[agent] = [(at(start[11:]), at(end[11:]), "work")]
        for item in breaks.split(";"):
            kind, span = item.split()
            planned[agent].append((at(span[:5]), at(span[6:]), kind))
    excused = {}
    for _, event, agent, detail in events:
        if event == "adherence_exception":
            d = json.loads(detail)
            excused.setdefault(agent, []).append((datetime.fromisoformat(d["start"]).timestamp(),
                                                  datetime.fromisoformat(d["end"]).timestamp()))
    result = {}
    for agent in AGENTS:
        counts = {"scheduled": 0, "kept": 0, "worked": 0, "work": 0}
        for minute in range(24 * 60):
            t = day_start + 60 * minute + 30
            plan = "off"
            for start, end, kind in planned[agent]:
                if start <= t < end and (plan == "off" or kind != "work"):
                    plan = kind
            status = "offline:"
            answered, ended = {}, set()
            for when, event, subject, detail in events:
                if when > t:
                    break
                if event == "status" and subject == agent:
                    status = detail
                elif event == "answered" and detail == agent:
                    answered[subject] = when
                elif event == "ended":
                    ended.add(subject)
            on_call = any(call not in ended for call in answered)
            kind, _, reason = status.partition(":")
            doing = "work" if on_call or kind == "available" else "off" if kind == "offline" else (
                "lunch" if reason == "lunch" else "break")
            ok = plan == doing or (plan != "work" and plan != "off" and doing in ("break", "lunch"))
            ok = ok or any(s <= t < e for s, e in excused.get(agent, []))
            if plan != "off":
                counts["scheduled"] += 1
                counts["kept"] += ok
            counts["work"] += plan == "work"
            counts["worked"] += doing == "work"
        result[agent] = counts
    for team in ("fr", "es"):
        members = [result[a] for a in AGENTS if teams[a] == team]
        result[team] = {k: sum(m[k] for m in members) for k in members[0]}
    return result


def test_a_driven_day_matches_an_independent_recount_of_the_event_log(tmp_path):
    monitor, _ = drive_day(tmp_path)
    report = monitor.report(DAY, at("00:01", date(2026, 3, 3)))
    expected = recount(tmp_path / "log.jsonl", at("00:00"))
    rows = {row["agent"]: row for row in report["agents"]} | {row["team"]: row for row in report["teams"]}
    for name, counts in expected.items():
        row = rows[name]
        assert row["scheduled_min"] == counts["scheduled"], name
        assert row["out_of_adherence_min"] == counts["scheduled"] - counts["kept"], name
        assert row["adherence"] == pytest.approx(counts["kept"] / counts["scheduled"]), name
        assert row["conformance"] == pytest.approx(counts["worked"] / counts["work"]), name
    # what the script made happen, said plainly
    assert rows["salma"]["adherence"] == 0 and rows["salma"]["conformance"] == 0  # absent
    assert rows["omar"]["activities"]["work"]["by_exception_min"] == 60           # the approved training
    assert rows["omar"]["activities"]["off"]["out_of_adherence_min"] == 10        # 10 minutes past his shift
    assert rows["amina"]["out_of_adherence_min"] == 20                            # break 10 late and 10 long
    assert rows["youssef"]["out_of_adherence_min"] == 5 + 5 + 5 + 10 + 10         # late in, call, break, lunch, left


@pytest.mark.parametrize("restart", ["08:30", "12:15"])
def test_a_router_restarted_mid_day_counts_as_one_that_ran_through(tmp_path, restart):
    """The restarted router's monitor replays the day from the workspace: its figures, its alerts after the
    restart (none sent again for a spell alerted before it) and the day's record equal the ran-through one's."""
    through, _ = drive_day(tmp_path / "through")
    restarted, workspace = drive_day(tmp_path / "restarted", restart=restart)
    assert restarted.first_day == DAY and through.first_day is None
    for when in ("13:00", "23:59"):
        assert restarted.report(DAY, at(when)) == through.report(DAY, at(when))

    def alerts(path, since: str) -> list:
        events = [tuple(e) for e in map(json.loads, (path / "log.jsonl").read_text().splitlines())]
        return [e for e in events if e[1] in ("adherence_alert", "adherence_ok") and e[0] >= at(since)]

    assert alerts(tmp_path / "restarted", restart) == alerts(tmp_path / "through", restart)
    assert any(e[2] == "salma" for e in alerts(tmp_path / "restarted", "00:00"))  # alerted before 12:15 too
    with Workspace.open(workspace) as restarted_store, Workspace.open(tmp_path / "through" / "w.duckdb") as store:
        assert restarted_store.adherence_day(DAY) == store.adherence_day(DAY)


def test_alerts_come_after_the_grace_once_per_spell_and_end_when_back(tmp_path):
    monitor, _ = drive_day(tmp_path)
    events = [tuple(e) for e in map(json.loads, (tmp_path / "log.jsonl").read_text().splitlines())]
    zone = ZoneInfo(ZONE)
    alerts = [(datetime.fromtimestamp(t, zone).strftime("%H:%M"), event, agent, detail.split(":", 2)[:2])
              for t, event, agent, detail in events if event in ("adherence_alert", "adherence_ok")]
    assert ("09:05", "adherence_alert", "salma", ["work", "off"]) in alerts           # absent since 09:00
    assert ("10:05", "adherence_alert", "amina", ["break", "work"]) in alerts          # her break began at 10:00
    assert ("10:10", "adherence_ok", "amina", [""]) in alerts
    assert ("10:20", "adherence_alert", "amina", ["work", "break"]) in alerts          # back late from it
    assert ("17:05", "adherence_alert", "omar", ["off", "work"]) in alerts
    assert not [a for a in alerts if a[2] == "omar" and "14:30" <= a[0] <= "15:30"]  # the exception covers it
    # youssef's spells last 5 minutes: each reaches the grace exactly once (at its end it is already over)
    spells = [a for a in alerts if a[2] == "youssef" and a[1] == "adherence_alert"]
    assert [a[0] for a in spells] == ["13:05", "15:55"]                               # lunch, left early
    assert ("17:00", "adherence_ok", "salma", [""]) in alerts  # her shift is over: planned off, and off
    assert monitor.alerted == {}


def test_the_day_is_recorded_at_its_close_and_again_from_the_records_alike(tmp_path):
    monitor, workspace = drive_day(tmp_path)
    with Workspace.open(workspace) as store:
        live = store.adherence_day(DAY)
    assert {(r["level"], r["name"]) for r in live} == {("agent", a) for a in AGENTS} | {("team", "fr"),
                                                                                       ("team", "es")}
    config = tmp_path / "center.toml"
    config.write_text("[router]\ntime_zone = 'Africa/Casablanca'\n[[queues]]\nname = 'q'\nskill = 'fr'\n"
                      + "".join(f"[[agents]]\nid = '{a}'\nskills = {{ fr = 1 }}\n" for a in AGENTS))
    later = at("09:00", date(2026, 3, 4))
    for _ in range(2):  # idempotent: the second run replaces the first's rows
        doc = record_adherence_day(config, workspace, "2026-03-02", None, later)
        assert doc["complete"] and doc["records_written"] == 6
    with Workspace.open(workspace) as store:
        again = store.adherence_day(DAY)
    assert again == live  # the records (the events read back) give the live monitor's figures exactly
    youssef = next(r for r in monitor.report(DAY, later)["agents"] if r["agent"] == "youssef")
    assert next(r for r in again if r["name"] == "youssef")["adherence"] == youssef["adherence"] < 1


# -- properties -------------------------------------------------------------------------------------------

minutes = st.integers(0, 24 * 60)


@st.composite
def plans(draw):
    start = draw(st.integers(0, 20 * 60))
    end = draw(st.integers(start + 30, 24 * 60))
    spans = [Span(start * 60, end * 60, "work")]
    if end - start > 60:
        b = draw(st.integers(start, end - 30))
        spans.append(Span(b * 60, (b + draw(st.integers(1, 30))) * 60, draw(st.sampled_from(["break", "lunch"]))))
    return spans


statuses = st.lists(st.tuples(minutes, st.sampled_from(["available", "break", "offline"]),
                              st.sampled_from(["", "lunch", "training"])), max_size=12)
ranges = st.lists(st.tuples(minutes, minutes).map(sorted).map(lambda r: Excused(r[0] * 60, r[1] * 60)), max_size=3)


@settings(max_examples=200, deadline=None)
@given(plans(), statuses, st.lists(st.tuples(minutes, st.integers(1, 60)), max_size=5), ranges, minutes)
def test_adherence_is_a_share_and_exceptions_never_lower_it(spans, changes, calls, excused, until):
    plan = Timeline.of_spans(spans)
    done = done_timeline([(m * 60, s, r) for m, s, r in changes],
                         _no_overlap([(m * 60, (m + n) * 60) for m, n in calls]))
    without = figures(plan, done, [], 0, until * 60)
    with_them = figures(plan, done, excused, 0, until * 60)
    for f in (without, with_them):
        assert f.adherence is None or 0 <= f.adherence <= 1
        assert 0 <= f.out_of_adherence_min <= f.scheduled_total_s / 60 + 1e-9
    if without.adherence is not None:
        assert with_them.adherence >= without.adherence - 1e-12
        assert with_them.conformance == without.conformance  # exceptions are not work


@settings(max_examples=200, deadline=None)
@given(plans(), minutes)
def test_an_agent_doing_exactly_the_plan_has_adherence_1(spans, until):
    plan = Timeline.of_spans(spans)
    followed = [(t, {"work": "available", "off": "offline"}.get(a, "break"), "lunch" if a == "lunch" else "")
                for t, a in zip(plan.times, plan.activities, strict=True)]
    f = figures(plan, done_timeline(followed, []), [], 0, until * 60)
    assert f.adherence in (None, 1.0) and f.out_of_adherence_min == 0
    assert f.conformance in (None, 1.0)


@settings(max_examples=300, deadline=None)
@given(plans(), statuses, ranges, minutes)
def test_out_since_is_the_start_of_the_current_spell(spans, changes, excused, now_min):
    """Against a walk back minute by minute (every change is on a whole minute)."""
    plan, done = Timeline.of_spans(spans), done_timeline([(m * 60, s, r) for m, s, r in changes], [])

    def kept(t):
        return in_adherence(plan.at(t), done.at(t)) or any(e.start <= t < e.end for e in excused)

    now = now_min * 60
    expected = None
    if not kept(now):
        since = now
        while since - 60 >= 0 and not kept(since - 60):
            since -= 60
        expected = (since, plan.at(now), done.at(now))
    assert out_since(plan, done, excused, 0, now) == expected


def _no_overlap(calls):
    kept, last_end = [], -1
    for start, end in sorted(calls):
        if start >= last_end:
            kept.append((start, end))
            last_end = end
    return kept


# -- the roster file --------------------------------------------------------------------------------------

def test_an_agent_unknown_to_the_centre_is_named():
    with pytest.raises(UserError) as refused:
        roster_of_table(csv_table(ROSTER, "roster.csv"), ZONE, {"amina", "youssef", "omar"})
    assert refused.value.field == "agent" and refused.value.value == "salma" and "line 4" in str(refused.value)


def test_the_roster_times_are_on_the_site_clock_unless_they_carry_an_offset():
    text = ("agent,day,start,end\namina,2026-03-02,2026-03-02T08:00,2026-03-02T16:00\n"
            "omar,2026-03-02,2026-03-02T08:00+01:00,2026-03-02T16:00+01:00\n")
    for zone in ("Africa/Casablanca", "Europe/Paris"):
        shifts = {s.agent: s for s in roster_of_table(csv_table(text, "r.csv"), zone, None).shifts}
        assert shifts["amina"].spans[0].start == datetime(2026, 3, 2, 8, tzinfo=ZoneInfo(zone)).timestamp()
        assert shifts["omar"].spans[0].start == datetime.fromisoformat("2026-03-02T07:00+00:00").timestamp()
    # Casablanca is on UTC+0 during Ramadan 2026 and on UTC+1 after: the zone, not a fixed offset, decides
    april = roster_of_table(csv_table("agent,day,start,end\na,2026-04-06,2026-04-06T08:00,2026-04-06T16:00\n",
                                      "r.csv"), ZONE, None).shifts[0]
    assert april.spans[0].start == datetime.fromisoformat("2026-04-06T07:00+00:00").timestamp()
    assert at("08:00") == datetime.fromisoformat("2026-03-02T08:00+00:00").timestamp()


@pytest.mark.parametrize(("row", "field"), [
    ("a,2026-03-02,2026-03-02T08:00,2026-03-02T07:00,", "end"),
    ("a,2026-03-02,2026-03-02T08:00,2026-03-03T12:00,", "end"),
    ("a,2026-03-02,08:00,2026-03-02T16:00,", "start"),
    ("a,02/03/2026,2026-03-02T08:00,2026-03-02T16:00,", "day"),
    ("a,2026-03-02,2026-03-02T08:00,2026-03-02T16:00,break 17:00-17:15", "breaks"),
    ("a,2026-03-02,2026-03-02T08:00,2026-03-02T16:00,nap 10:00-10:15", "breaks"),
    ("a,2026-03-02,2026-03-02T08:00,2026-03-02T16:00,break 10h-10h15", "breaks"),
    ("a,2026-03-29,2026-03-29T02:30,2026-03-29T10:00,", None),  # Paris skips 02:30 that night
])
def test_a_wrong_roster_row_is_refused_naming_its_field(row, field):
    zone = "Europe/Paris" if field is None else ZONE
    with pytest.raises(UserError) as refused:
        roster_of_table(csv_table("agent,day,start,end,breaks\n" + row + "\n", "r.csv"), zone, None)
    assert refused.value.field == (field or "start") and "r.csv line 2" in str(refused.value)


def test_a_night_shift_counts_on_both_site_days():
    text = ("agent,day,group,start,end,breaks\n"
            "amina,2026-03-02,night,2026-03-02T22:00,2026-03-03T06:00,lunch 02:00-02:30\n")
    roster = roster_of_table(csv_table(text, "r.csv"), ZONE, None)
    first, second = roster.day(DAY), roster.day(date(2026, 3, 3))
    assert first.plans["amina"].at(at("23:00")) == "work" and second.teams == {"amina": "night"}
    assert second.plans["amina"].at(at("02:10", date(2026, 3, 3))) == "lunch"
    monitor = AdherenceMonitor(roster)
    assert monitor.report(date(2026, 3, 3), at("12:00", date(2026, 3, 3)))["agents"][0]["scheduled_min"] == 360


def test_a_node_joining_a_running_centre_starts_from_the_agents_it_finds():
    """With the state in Redis a node sees no event from before it joined: the agents' statuses and calls it
    finds count from the moment it starts."""
    router = Router({"amina": RoutingQueue("amina", "amina")})
    router.add_agent("amina", {"amina": 1}, at("07:00"))
    router.set_status("amina", "available", at("07:00"))
    router.arrive(router_id("c"), "amina", at("08:00"))
    router.accept("amina", router_id("c"), at("08:00"))
    router.set_status("amina", "break", at("08:10"), "lunch")  # on a call: it still counts as work
    monitor = AdherenceMonitor(roster_of_table(csv_table(ROSTER, "roster.csv"), ZONE, set(AGENTS)))
    monitor.seed(router.agents.values(), at("09:00"))
    monitor.observe([(at("09:30"), "ended", router_id("c"), "answered")])
    amina = next(a for a in monitor.report(DAY, at("10:00"))["agents"] if a["agent"] == "amina")
    assert amina["worked_min"] == 30 and amina["activities"]["work"]["out_of_adherence_min"] == 60 + 30


def test_a_status_changed_while_a_node_was_away_counts_from_its_return():
    """A node replays the day from its records, then finds the agents as the centre has them now: a status the
    records missed (changed while the node was down) counts from the node's start, not from before."""
    router = Router({"amina": RoutingQueue("amina", "amina")})
    router.add_agent("amina", {"amina": 1}, at("07:00"))
    router.set_status("amina", "available", at("08:30"))  # while this node was away
    monitor = AdherenceMonitor(roster_of_table(csv_table(ROSTER, "roster.csv"), ZONE, set(AGENTS)))
    monitor.observe([(at("07:50"), "status", "amina", "break:")])  # the last the node's records hold
    monitor.seed(router.agents.values(), at("09:00"))
    amina = next(a for a in monitor.report(DAY, at("09:30"))["agents"] if a["agent"] == "amina")
    assert amina["worked_min"] == 30 and amina["out_of_adherence_min"] == 60
