"""The router's records in a real DuckDB workspace: every event, every ended call in `calls` under one router
import, read back by the forecasting code like an imported call log."""

from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest

from casashore.forecast.series import interval_counts
from casashore.route.records import Recorder
from casashore.route.service import RouterService
from casashore.route.state.core import Router, RoutingQueue
from casashore.workspace.store import Workspace
from conftest import workspace_file

PARIS = ZoneInfo("Europe/Paris")


def test_calls_and_events_land_in_the_workspace_and_feed_forecasting(tmp_path):
    t0 = datetime(2026, 11, 26, 9, 0, tzinfo=PARIS).timestamp()
    router = Router({"fr": RoutingQueue("fr", "fr", max_waiting=1)}, wrap_up_s=0.0)
    router.add_agent("ana", {"fr": 1}, t0)
    workspace = tmp_path / "ws.duckdb"
    service = RouterService(router, recorder=Recorder(workspace, {"fr": ("Europe/Paris", "FR")}))
    router.set_status("ana", "available", t0)
    router.arrive("c1", "fr", t0)               # offered to ana at once
    router.arrive("c2", "fr", t0 + 60)          # waits
    router.arrive("c3", "fr", t0 + 61)          # queue full: rejected
    router.accept("ana", "c1", t0 + 5)
    assert router.set_recording("c1", "/var/spool/rtpengine/pcaps/c1-0123456789abcdef.pcap")  # as the B2BUA does
    assert not router.set_recording("c3", "/elsewhere.pcap")  # ended (rejected): its record is written
    router.hang_up("c1", t0 + 185)              # talked 180 s
    router.hang_up("c2", t0 + 186)              # offered to ana at 185, the caller left at 186
    service.publish()
    service.recorder.close()

    con = workspace_file(workspace)
    calls = con.execute("SELECT call_key, outcome, wait_s, handle_s, agent, recording FROM calls "
                        "ORDER BY call_key").fetchall()
    assert calls == [("c1", "answered", 5.0, 180.0, "ana", "/var/spool/rtpengine/pcaps/c1-0123456789abcdef.pcap"),
                     ("c2", "abandoned", 126.0, None, None, None), ("c3", "other", 0.0, None, None, None)]
    events = [r[0] for r in con.execute("SELECT event FROM route_events ORDER BY seq").fetchall()]
    assert events[:4] == ["agent_added", "status", "arrived", "offered"] and events.count("ended") == 2
    assert con.execute("SELECT format, calls_added FROM imports").fetchall() == [("router", 3)]
    con.close()
    with Workspace.open(workspace) as opened:
        counts = interval_counts(opened, 15, "fr")
    nine = counts[counts["ds"] == datetime(2026, 11, 26, 9, 0)]
    assert nine["y"].iloc[0] == 2 and nine["answered"].iloc[0] == 1  # the rejected call is not offered demand
    assert counts["y"].sum() == 2 and len(counts) == 96


def test_a_call_a_supervisor_cleared_is_no_abandon_in_the_records(tmp_path):
    """Issue 16: a waiting call ended by a supervisor is stored as 'other' (not an abandon: left out of offered
    and abandon figures), its event says cleared; the caller's own hang-up stays an abandon."""
    router = Router({"fr": RoutingQueue("fr", "fr")})
    recorder = Recorder(tmp_path / "ws.duckdb", {"fr": ("Europe/Paris", None)})
    service = RouterService(router, recorder=recorder)
    router.arrive("c1", "fr", 1.8e9)
    router.arrive("c2", "fr", 1.8e9)
    router.hang_up("c1", 1.8e9 + 30, by="supervisor")
    router.hang_up("c2", 1.8e9 + 40)
    service.publish()
    assert (service.counts["cleared"], service.counts["abandoned"]) == (1, 1)
    recorder.close()
    con = workspace_file(tmp_path / "ws.duckdb")
    assert con.execute("SELECT call_key, outcome, wait_s FROM calls ORDER BY call_key").fetchall() == [
        ("c1", "other", 30.0), ("c2", "abandoned", 40.0)]
    assert con.execute("SELECT subject, detail FROM route_events WHERE event = 'ended' ORDER BY seq").fetchall() == [
        ("c1", "cleared"), ("c2", "abandoned")]
    con.close()


def test_a_failed_flush_writes_nothing(tmp_path):
    router = Router({"fr": RoutingQueue("fr", "fr")})
    recorder = Recorder(tmp_path / "ws.duckdb", {"fr": ("Europe/Paris", None)})
    service = RouterService(router, recorder=recorder)
    router.arrive("c1", "fr", 1.8e9)
    router.hang_up("c1", 1.8e9 + 1)
    service.publish()
    recorder._calls.append(recorder._calls[0][:4] + (None, None, None, None))  # no outcome: the batch rolls back
    with pytest.raises(duckdb.Error):
        recorder.flush()
    recorder._workspace.close()
    con = workspace_file(tmp_path / "ws.duckdb")
    assert con.execute("SELECT count(*) FROM route_events").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM calls").fetchall() == [(0,)]


def test_a_routed_chat_and_email_record_their_queues_channels_for_imports_and_the_forecast(tmp_path):
    """Issue 21 from a new user's trial: the router recorded every queue as voice, so a later import of the email
    queue's log was refused and the forecast gave no email days. The centre file's channel is recorded; a queue
    an earlier session recorded as voice (with none of its records voice) is corrected."""
    import json

    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app
    from conftest import write_csv

    workspace, t0 = tmp_path / "ws.duckdb", datetime(2026, 3, 2, 9, 0, tzinfo=PARIS).timestamp()
    zones = {name: ("Europe/Paris", "FR") for name in ("fr_chat", "fr_mail", "fr_old")}
    with Workspace.open(workspace) as opened:  # the bug's trace: a session that recorded fr_old as voice
        opened.start_router_session("before-the-fix", {"fr_old": ("Europe/Paris", "FR")})
    router = Router({"fr_chat": RoutingQueue("fr_chat", "fr", channel="chat", max_sessions=2),
                     "fr_mail": RoutingQueue("fr_mail", "fr", channel="email"),
                     "fr_old": RoutingQueue("fr_old", "fr", channel="email")}, wrap_up_s=0.0)
    router.add_agent("ana", {"fr": 1}, t0)
    service = RouterService(router, recorder=Recorder(workspace, zones, {"fr_chat": "chat", "fr_mail": "email",
                                                                         "fr_old": "email"}))
    router.set_status("ana", "available", t0)
    router.arrive("chat-1", "fr_chat", t0)
    router.accept("ana", "chat-1", t0 + 2)
    router.hang_up("chat-1", t0 + 300)
    router.arrive("mail-1", "fr_mail", t0 + 400)
    router.accept("ana", "mail-1", t0 + 410)
    router.hang_up("mail-1", t0 + 1000)
    service.publish()
    service.recorder.close()
    with Workspace.open(workspace, create=False) as opened:
        assert [opened.queue_channel(q) for q in ("fr_chat", "fr_mail", "fr_old")] == ["chat", "email", "email"]
    mapping = tmp_path / "m.toml"
    mapping.write_text('time_zone = "Europe/Paris"\n[columns]\ncall_id = "id"\nqueue = "queue"\narrival = "at"\n'
                       'wait_s = "wait"\noutcome = "result"\nhandle_s = "work"\nchannel = "kind"\n'
                       '[outcomes]\nanswered = ["ANSWERED"]\nabandoned = ["ABANDONED"]\n')
    log = write_csv(tmp_path / "mail.csv", ["id", "queue", "at", "wait", "result", "work", "kind"],
                    [[f"m{d}-{h}", "fr_mail", f"2026-02-{d:02d} {h:02d}:00:00", "600", "ANSWERED", "400", "email"]
                     for d in range(2, 28) for h in (9, 14)])
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(log), "--mapping", str(mapping), "--workspace", str(workspace),
                               "--json"])
    assert done.exit_code == 0, done.output  # refused before: "queue 'fr_mail' is a voice queue in the workspace"
    made = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--interval", "60m", "--horizon", "1d",
                               "--queue", "fr_mail", "--json"])
    assert made.exit_code == 0, made.output
    assert [day["queue"] for day in json.loads(made.stdout)["email_days"]] == ["fr_mail"]


def test_a_centre_file_contradicting_a_queues_records_is_refused_and_starts_nothing(tmp_path):
    workspace = tmp_path / "ws.duckdb"
    router = Router({"fr": RoutingQueue("fr", "fr")})
    service = RouterService(router, recorder=Recorder(workspace, {"fr": ("Europe/Paris", None)}))
    router.arrive("c1", "fr", 1.8e9)
    router.hang_up("c1", 1.8e9 + 1)
    service.publish()
    service.recorder.close()  # fr is voice with a voice record: a centre file saying chat is refused
    from casashore.errors import UserError

    with pytest.raises(UserError, match="queue 'fr' is a voice queue in the workspace"):
        Recorder(workspace, {"fr": ("Europe/Paris", None)}, {"fr": "chat"})
    con = workspace_file(workspace)
    assert con.execute("SELECT count(*) FROM imports").fetchall() == [(1,)]  # no half-started session
    assert con.execute("SELECT channel FROM queues").fetchall() == [("voice",)]
    con.close()


def test_a_requeued_chats_record_counts_each_agents_time_once(tmp_path):
    """Ana's closed desk logged her off while she held a chat; Bob finished it. The record is one call, answered,
    its wait to Ana's answer, its handle time Ana's 30 s and Bob's 40 s (not the 15 s it waited in between, not
    twice), Bob named; the events say it was requeued and why."""
    t0 = 1.8e9
    router = Router({"web": RoutingQueue("web", "fr", channel="chat", max_sessions=2)})
    recorder = Recorder(tmp_path / "ws.duckdb", {"web": ("Europe/Paris", None)}, {"web": "chat"})
    service = RouterService(router, recorder=recorder)
    router.add_agent("ana", {"fr": 1}, t0)
    router.add_agent("bob", {"fr": 1}, t0)
    router.set_status("ana", "available", t0)
    router.arrive("chat-1", "web", t0 + 1)
    router.accept("ana", "chat-1", t0 + 6)
    router.set_status("ana", "offline", t0 + 36, "desk_closed")
    router.set_status("bob", "available", t0 + 51)
    router.accept("bob", "chat-1", t0 + 51)
    router.hang_up("chat-1", t0 + 91)
    service.publish()
    recorder.close()
    con = workspace_file(tmp_path / "ws.duckdb")
    assert con.execute("SELECT outcome, wait_s, handle_s, agent, channel FROM calls").fetchall() == [
        ("answered", 5.0, 70.0, "bob", "chat")]
    assert con.execute("SELECT subject, detail FROM route_events WHERE event = 'requeued'").fetchall() == [
        ("chat-1", "ana:desk_closed")]
    assert service.counts["answered"] == 1 and service.stats.snapshot(t0 + 91)[0]["day"]["aht_s"] == 70.0
    con.close()
