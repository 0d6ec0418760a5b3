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
