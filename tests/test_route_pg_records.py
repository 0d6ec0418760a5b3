"""A multi-node centre's records in PostgreSQL (route/centre_records.py), on a real redis-server and a real
PostgreSQL cluster started by the test: every event of the centre's stream written once, whichever node took it;
a node that took events and died before writing them leaves them pending, and a live node claims them
(XAUTOCLAIM) and writes them; writing the same events again adds nothing. Then two `casashore route serve
--records` processes: after calls through both, PostgreSQL holds the centre's whole log and every ended call."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid

import pytest

from casashore.route.state.call_ids import router_id
from postgres_server import needs_postgres, postgres_server
from redis_server import needs_redis, redis_server
from router_nodes import free_port, wait_for_port
from test_route_nodes import CENTER, SUPERVISOR, api

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'casashore[postgres]')")
pytestmark = [needs_redis, needs_postgres]
TRUNK, AMINA = "trunk-demo-token-change-me", "agent-amina-demo-token"


def rows(dsn: str, sql: str) -> list[tuple]:
    with psycopg.connect(dsn) as db:
        return db.execute(sql).fetchall()


def shared_router(redis_port: int, node: str):
    import redis

    from casashore.route.state.core import RoutingQueue
    from casashore.route.state.shared_router import SharedRouter

    router = SharedRouter(redis.Redis(port=redis_port, decode_responses=True), "centre",
                          {"fr": RoutingQueue("fr", "fr", max_waiting=1)}, node=node)
    router.configure(router.queues, wrap_up_s=0.0)
    return router


def test_a_dead_nodes_taken_events_are_claimed_and_written_once(tmp_path):
    from casashore.route.centre_records import CentreRecords

    with redis_server(tmp_path) as redis_port, postgres_server() as dsn:
        with psycopg.connect(dsn) as db:  # the calls' table as made before recordings were kept: it gains them
            db.execute("CREATE TABLE route_calls (centre text NOT NULL, call_id text NOT NULL, queue text NOT NULL, "
                       "arrival_at timestamptz NOT NULL, outcome text NOT NULL, wait_s double precision, "
                       "handle_s double precision, agent text, PRIMARY KEY (centre, call_id))")
            db.execute("CREATE TABLE route_queues (centre text NOT NULL, queue text NOT NULL, time_zone text NOT "
                       "NULL, country text, PRIMARY KEY (centre, queue))")  # as made before channels were kept
        node_a, node_b = shared_router(redis_port, "a"), shared_router(redis_port, "b")
        node_a.add_agent("ana", {"fr": 1}, 0.0)
        node_a.set_status("ana", "available", 1.0)
        node_a.arrive("c1", "fr", 2.0)  # offered to ana
        node_b.arrive("c2", "fr", 3.0)  # waits
        node_b.arrive("c3", "fr", 4.0)  # the queue is full: rejected
        node_a.accept("ana", "c1", 5.0)
        assert node_b.set_recording("c1", "/rec/pcaps/c1-0123456789abcdef.pcap")  # any node: the call is shared
        assert not node_a.set_recording("c3", "/rec/other.pcap")  # ended (rejected)
        assert not node_a.set_recording("c9", "/rec/other.pcap")  # unknown
        records_a = CentreRecords(node_a, dsn, claim_idle_s=0.3, queue_zones={
            "fr": ("Europe/Paris", "FR"), "fr_mail": ("Europe/Paris", "FR")}, channels={"fr_mail": "email"})
        from casashore.route.centre_reads import CentreReads

        with CentreReads(dsn, "centre") as reads:  # issue 21: each queue's channel, the centre file's
            assert reads.queue_channels() == {"fr": "voice", "fr_mail": "email"}
        records_b = CentreRecords(node_b, dsn, claim_idle_s=0.3)
        taken = records_a.take_new()  # node A takes the log so far ... and dies before writing it
        assert len(taken) == 7
        assert records_b.step() == 0  # nothing new, and A's events are not idle long enough to be claimed
        time.sleep(0.4)
        assert records_b.step() == 7  # claimed from A and written
        records_b.db.close()  # its connection lost (PostgreSQL restarted): the next write opens another
        node_b.hang_up("c1", 9.0)  # ana is in wrap-up until the next tick
        node_b.hang_up("c2", 12.0)  # the caller leaves while waiting: abandoned
        assert records_b.step() == 2
        assert records_a.write(taken) == 7  # A comes back and writes what it took: nothing is doubled

        stream = node_a.client.xrange(node_a.prefix + "events")
        events = rows(dsn, "SELECT event_id, event, subject FROM route_events ORDER BY event_at, event_id")
        assert sorted(events) == sorted((entry_id, f["e"], f["s"]) for entry_id, f in stream)
        assert node_a.client.xpending(node_a.prefix + "events", "records")["pending"] == 0
        calls = {r[0]: r[1:] for r in rows(dsn, "SELECT call_id, queue, outcome, wait_s, handle_s, agent, "
                                                "recording FROM route_calls WHERE centre = 'centre'")}
        assert calls == {"c1": ("fr", "answered", 3.0, 4.0, "ana", "/rec/pcaps/c1-0123456789abcdef.pcap"),
                         "c2": ("fr", "abandoned", 9.0, None, None, None),
                         "c3": ("fr", "rejected", 0.0, None, None, None)}
        records_a.close()
        records_b.close()


def test_two_nodes_write_the_centres_records_to_postgresql(tmp_path):
    with redis_server(tmp_path) as redis_port, postgres_server() as dsn:
        nodes, urls = [], []
        config = tmp_path / "center.toml"  # the example with a short wrap-up
        config.write_text(CENTER.read_text().replace("wrap_up_s = 10\n", "wrap_up_s = 0.1\n"))
        for name in ("n0", "n1"):
            http = f"127.0.0.1:{free_port()}"
            log = (tmp_path / f"{name}.log").open("w")
            nodes.append(subprocess.Popen(
                [sys.executable, "-m", "casashore", "route", "serve", "--config", str(config), "--http", http,
                 "--redis", f"redis://127.0.0.1:{redis_port}", "--node", name, "--records", dsn],
                cwd=tmp_path, stdout=log, stderr=log))
            urls.append(f"http://{http}")
            wait_for_port(int(http.split(":")[1]), nodes[-1], tmp_path / f"{name}.log")
        try:
            api(f"{urls[1]}/api/agents/amina/status", AMINA, {"status": "available"})
            calls = [uuid.uuid4().hex for _ in range(6)]
            for k, call_id in enumerate(calls):  # calls come in on both nodes; amina answers each one
                api(f"{urls[k % 2]}/api/calls", TRUNK, {"call_id": call_id, "queue": "fr_bank"})
                deadline = time.monotonic() + 5
                view = f"{urls[1]}/api/calls/{router_id(call_id)}"
                while api(view, SUPERVISOR)["state"] != "offered":  # after her wrap-up
                    assert time.monotonic() < deadline, api(view, SUPERVISOR)
                    time.sleep(0.05)
                api(f"{urls[(k + 1) % 2]}/api/agents/amina/accept/{router_id(call_id)}", AMINA, {})
                api(f"{urls[k % 2]}/api/calls/{router_id(call_id)}/hangup", TRUNK, {})
            # a new centre's records hold no history: what is missing said for PostgreSQL, not a workspace's words
            offer = api(f"{urls[0]}/api/intraday", SUPERVISOR)
            assert offer["missing"] == "history" and offer["records"] == "postgresql", offer
            assert "the centre's PostgreSQL records hold no call history" in offer["why"]
            assert "--records URL --workspace W.duckdb` adds a history" in offer["why"]
            assert "stop the router" not in offer["why"]
        finally:
            for process in nodes:
                process.send_signal(signal.SIGINT)  # a clean stop writes what the node took
            for process in nodes:
                process.wait(30)
        import redis

        stream = redis.Redis(port=redis_port, decode_responses=True).xrange("cs:{centre}:events")
        recorded_events = {r[0] for r in rows(dsn, "SELECT event_id FROM route_events")}
        recorded_calls = dict(rows(dsn, "SELECT call_id, outcome FROM route_calls"))
        arrived_on = {r[0] for r in rows(dsn, "SELECT DISTINCT node FROM route_events WHERE event = 'arrived'")}
    assert recorded_events == {entry_id for entry_id, _ in stream}
    assert recorded_calls == dict.fromkeys(calls, "answered")
    assert arrived_on == {"n0", "n1"}


def test_records_errors_name_the_field_and_change_nothing(tmp_path):
    base = [sys.executable, "-m", "casashore", "route", "serve", "--config", str(CENTER),
            "--http", f"127.0.0.1:{free_port()}"]
    alone = subprocess.run([*base, "--records", "postgresql://postgres@127.0.0.1:1/x"], capture_output=True,
                           text=True, timeout=60)
    assert alone.returncode == 2 and "records" in alone.stderr and "--redis" in alone.stderr
    with redis_server(tmp_path) as redis_port:
        closed = f"postgresql://casashore:secret@127.0.0.1:{free_port()}/casashore"
        away = subprocess.run([*base, "--redis", f"redis://127.0.0.1:{redis_port}", "--records", closed],
                              capture_output=True, text=True, timeout=60)
        import redis

        keys = redis.Redis(port=redis_port).keys("*")
    assert away.returncode == 2, away.stderr
    assert "records:" in away.stderr and "PostgreSQL server" in away.stderr and "Traceback" not in away.stderr
    assert "secret" not in away.stderr  # the password is not printed
    assert keys == []  # nothing was written to Redis


ADHERENCE_ROSTER = """agent,day,group,start,end,breaks
ana,2026-03-02,fr,2026-03-02T08:00,2026-03-02T12:00,break 10:00-10:15
bob,2026-03-02,fr,2026-03-02T08:00,2026-03-02T12:00,
"""


def test_adherence_with_postgresql_records_two_nodes_a_restart_and_the_daily_record(tmp_path):
    """Node a follows the day from 07:00; an exception is approved through it and reaches node b and PostgreSQL
    through the centre's stream; node b (re)starts at 10:05 and replays the day from PostgreSQL: from then on
    both nodes give the same figures, each alert is sent once by the centre, the day's record lands in PostgreSQL
    at the close and `route adherence --records` recounts it alike."""
    import json
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app
    from casashore.route.adherence_monitor import AdherenceMonitor
    from casashore.route.adherence_routes import attach
    from casashore.route.centre_reads import CentreReads
    from casashore.route.centre_records import CentreRecords
    from casashore.route.planned import roster_of_table
    from casashore.route.service import RouterService
    from casashore.schedule.tables import csv_table

    zone, day = ZoneInfo("Africa/Casablanca"), date(2026, 3, 2)

    def at(clock: str, on: date = day) -> float:
        hour, minute = map(int, clock.split(":"))
        return datetime(on.year, on.month, on.day, hour, minute, tzinfo=zone).timestamp()

    roster = roster_of_table(csv_table(ADHERENCE_ROSTER, "roster.csv"), zone.key, None)
    (tmp_path / "roster.csv").write_text(ADHERENCE_ROSTER)
    with redis_server(tmp_path) as redis_port, postgres_server() as dsn:
        now = [at("07:00")]

        def node(name: str) -> tuple[RouterService, AdherenceMonitor, CentreRecords]:
            router = shared_router(redis_port, name)
            router.skip_past_events()  # what `route serve` does joining a running centre
            service = RouterService(router, time_zone=zone.key, clock=lambda: now[0])
            records = CentreRecords(router, dsn)
            monitor = AdherenceMonitor(roster, grace_s=300)
            attach(service, monitor, records=lambda: CentreReads(dsn, "centre"), keep=records)
            return service, monitor, records

        a = node("a")
        for agent in ("ana", "bob"):
            a[0].router.add_agent(agent, {"fr": 1}, now[0])
        script = {"08:00": [("ana", "available")], "08:20": [("bob", "available")],
                  "09:00": [("bob", "offline")], "09:30": [("bob", "available")], "10:00": [("ana", "break")],
                  "10:30": [("ana", "available")], "12:00": [("ana", "offline"), ("bob", "offline")]}
        b = None
        while now[0] <= at("00:01", date(2026, 3, 3)):
            clock = datetime.fromtimestamp(now[0], zone).strftime("%H:%M")
            for agent, status in script.get(clock, []) if now[0] < at("23:00") else []:
                a[0].router.set_status(agent, status, now[0])
            if clock == "09:01":
                a[0].announce([a[1].exception_event("bob", at("09:00"), at("09:30"), "training", "supervisor#1",
                                                    now[0])])
            if clock == "10:05":
                a[2].step()  # the records so far in PostgreSQL
                b = node("b")
                assert b[1].report(day, now[0]) == a[1].report(day, now[0])
            for service, _, records in [a] + ([b] if b else []):
                service.publish()
                service.tick()
                records.step()
            now[0] += 60
        assert b[1].report(day, now[0]) == a[1].report(day, now[0])
        bob = next(r for r in a[1].report(day, now[0])["agents"] if r["agent"] == "bob")
        assert bob["out_of_adherence_min"] == 20 and bob["activities"]["work"]["by_exception_min"] == 30

        alerts = rows(dsn, "SELECT to_char(event_at AT TIME ZONE 'Africa/Casablanca', 'HH24:MI'), event, subject, "
                           "node FROM route_events WHERE event LIKE 'adherence%' ORDER BY event_id")
        assert ("09:01", "adherence_exception", "bob", "a") in alerts  # through the stream, into the records
        spells = [(t, who) for t, event, who, _ in alerts if event == "adherence_alert"]
        assert spells == [("08:05", "bob"), ("10:20", "ana")]  # once each, though both nodes look
        assert {n for *_, n in alerts} == {"a"}  # b saw a's alerts before its own look
        with CentreReads(dsn, "centre") as reads:
            live = reads.adherence_day(day)
        assert {(r["level"], r["name"]) for r in live} == {("agent", "ana"), ("agent", "bob"), ("team", "fr")}
        config = tmp_path / "center.toml"
        config.write_text("[router]\ntime_zone = 'Africa/Casablanca'\n[[queues]]\nname = 'fr'\nskill = 'fr'\n"
                          + "".join(f"[[agents]]\nid = '{a}'\nskills = {{ fr = 1 }}\n" for a in ("ana", "bob")))
        result = CliRunner().invoke(app, ["route", "adherence", "--config", str(config), "--date", "2026-03-02",
                                          "--roster", str(tmp_path / "roster.csv"), "--records", dsn, "--json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["complete"] and doc["recorded_in"] == f"{dsn} (centre centre)"
        with CentreReads(dsn, "centre") as reads:
            assert reads.adherence_day(day) == live  # the records recount the live figures exactly
        refused = CliRunner().invoke(app, ["route", "adherence", "--config", str(config), "--date", "2026-03-02",
                                           "--records", dsn.replace("postgres@", "postgres:hunter2@")])
        assert refused.exit_code == 2 and "roster" in refused.stderr and "hunter2" not in refused.output
        for _, _, records in (a, b):
            records.close()
