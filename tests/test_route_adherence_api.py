"""The adherence API's roles and refusals: an agent reads only herself, a supervisor everyone and approves
exceptions (audited), a trunk nothing; alerts reach the supervisors' and the agent's own event stream only."""

import warnings
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.route.adherence_monitor import AdherenceMonitor  # noqa: E402
from casashore.route.adherence_routes import attach  # noqa: E402
from casashore.route.auth import Principal  # noqa: E402
from casashore.route.http import create_router_app  # noqa: E402
from casashore.route.planned import roster_of_table  # noqa: E402
from casashore.route.service import RouterService  # noqa: E402
from casashore.route.state.core import Router, RoutingQueue  # noqa: E402
from casashore.schedule.tables import csv_table  # noqa: E402

ZONE = "Africa/Casablanca"
TOKENS = {"t-ana": Principal("agent", "ana"), "t-bob": Principal("agent", "bob"),
          "t-sup": Principal("supervisor", name="supervisor#1"), "t-trunk": Principal("trunk")}
ROSTER = ("agent,day,group,start,end,breaks\n"
          "ana,2026-03-02,fr,2026-03-02T08:00,2026-03-02T16:00,break 10:00-10:15\n"
          "bob,2026-03-02,fr,2026-03-02T08:00,2026-03-02T16:00,lunch 12:00-12:30\n")


def at(clock: str) -> float:
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 3, 2, hour, minute, tzinfo=ZoneInfo(ZONE)).timestamp()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def centre():
    now = [at("08:00")]
    router = Router({"fr": RoutingQueue("fr", "fr")})
    for agent in ("ana", "bob", "carl"):  # carl: in the centre, not in the roster
        router.add_agent(agent, {"fr": 1}, now[0])
    service = RouterService(router, time_zone=ZONE, clock=lambda: now[0])
    monitor = AdherenceMonitor(roster_of_table(csv_table(ROSTER, "roster.csv"), ZONE, {"ana", "bob", "carl"}))
    attach(service, monitor)
    app = create_router_app(service, TOKENS, tick_s=3600, adherence=monitor)
    with TestClient(app) as client:
        client.post("/api/agents/ana/status", json={"status": "available"}, headers=auth("t-ana"))
        yield client, service, now


def test_an_agent_reads_only_herself_a_supervisor_everyone_a_trunk_nothing(centre):
    client, _, now = centre
    now[0] = at("09:00")
    mine = client.get("/api/adherence", headers=auth("t-ana")).json()
    assert [a["agent"] for a in mine["agents"]] == ["ana"] and mine["teams"] == []
    assert mine["agents"][0]["adherence"] == 1.0 and mine["date"] == "2026-03-02"
    everyone = client.get("/api/adherence?date=2026-03-02", headers=auth("t-sup")).json()
    assert [a["agent"] for a in everyone["agents"]] == ["ana", "bob"]
    bob = everyone["agents"][1]
    assert bob["adherence"] == 0 and bob["out_of_adherence_since"] == "2026-03-02T08:00:00+00:00"
    assert (bob["planned"], bob["doing"]) == ("work", "off")
    assert everyone["teams"] == [{"team": "fr", "agents": 2, **{k: v for k, v in everyone["teams"][0].items()
                                                                  if k not in ("team", "agents")}}]
    assert everyone["teams"][0]["adherence"] == 0.5
    assert client.get("/api/adherence", headers=auth("t-trunk")).status_code == 403
    assert client.get("/api/adherence").status_code == 401


def test_only_a_supervisor_approves_an_exception_and_it_is_audited(centre):
    client, _, now = centre
    now[0] = at("11:00")
    body = {"agent": "bob", "start": "2026-03-02T08:00", "end": "2026-03-02T10:00", "reason": "system outage"}
    for token in ("t-bob", "t-ana", "t-trunk"):
        assert client.post("/api/adherence/exceptions", json=body, headers=auth(token)).status_code == 403
    before = client.get("/api/adherence", headers=auth("t-sup")).json()["agents"][1]["adherence"]
    made = client.post("/api/adherence/exceptions", json=body, headers=auth("t-sup"))
    assert made.status_code == 201
    assert made.json() == {"agent": "bob", "start": "2026-03-02T08:00:00+00:00", "end": "2026-03-02T10:00:00+00:00",
                           "reason": "system outage", "approved_by": "supervisor#1"}
    after = client.get("/api/adherence", headers=auth("t-sup")).json()["agents"][1]
    assert after["adherence"] > before and after["activities"]["work"]["by_exception_min"] == 120
    assert client.get("/api/adherence/exceptions", headers=auth("t-bob")).json()[0]["approved_by"] == "supervisor#1"
    assert client.get("/api/adherence/exceptions", headers=auth("t-ana")).json() == []  # not hers


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"agent": "carl", "start": "2026-03-02T08:00", "end": "2026-03-02T09:00", "reason": "x"}, 404, "roster"),
    ({"agent": "zed", "start": "2026-03-02T08:00", "end": "2026-03-02T09:00", "reason": "x"}, 404, "roster"),
    ({"agent": "bob", "start": "2026-03-02T09:00", "end": "2026-03-02T08:00", "reason": "x"}, 422, "end"),
    ({"agent": "bob", "start": "2026-03-02T08:00", "end": "2026-03-04T08:00", "reason": "x"}, 422, "24 hours"),
    ({"agent": "bob", "start": "yesterday-ish", "end": "2026-03-02T08:00", "reason": "x"}, 422, "start"),
    ({"agent": "bob", "start": "0001-01-01T00:00", "end": "0001-01-01T01:00", "reason": "x"}, 422, "last 7 days"),
    ({"agent": "bob", "start": "9999-12-31T00:00", "end": "9999-12-31T01:00", "reason": "x"}, 422, "next 31"),
    ({"agent": "bob", "start": "2026-03-02T08:00", "end": "2026-03-02T09:00", "reason": ""}, 422, "reason"),
    ({"agent": "bob", "start": "2026-03-02T08:00", "end": "2026-03-02T09:00"}, 422, "reason"),
])
def test_a_wrong_exception_is_refused_naming_what_is_wrong(centre, body, status, words):
    client, service, _ = centre
    answer = client.post("/api/adherence/exceptions", json=body, headers=auth("t-sup"))
    assert answer.status_code == status and words in answer.json()["error"]
    assert client.get("/api/adherence/exceptions", headers=auth("t-sup")).json() == []  # nothing kept


def test_dates_outside_what_the_router_keeps_and_undeclared_parameters_are_refused(centre):
    client, _, _ = centre
    assert client.get("/api/adherence?date=2026-01-01", headers=auth("t-sup")).status_code == 404
    assert client.get("/api/adherence?date=9999-12-31", headers=auth("t-sup")).status_code == 404  # not a 500
    assert client.get("/api/adherence?date=02-03-2026", headers=auth("t-sup")).status_code == 422
    assert client.get("/api/adherence?day=2026-03-02", headers=auth("t-sup")).status_code == 422
    future = client.get("/api/adherence?date=2026-03-05", headers=auth("t-sup")).json()
    assert all(a["scheduled_min"] == 0 for a in future["agents"])


def test_alerts_reach_supervisors_and_the_agent_herself_only(centre):
    client, service, now = centre
    with client.websocket_connect("/api/events?token=t-sup") as sup, \
            client.websocket_connect("/api/events?token=t-ana") as ana, \
            client.websocket_connect("/api/events?token=t-bob") as bob:
        now[0] = at("08:06")
        service.tick()  # bob, absent since 08:00: past the 5-minute grace
        alert = sup.receive_json()
        assert [(e["event"], e["id"]) for e in alert] == [("adherence_alert", "bob")]
        assert alert[0]["detail"] == "work:off:2026-03-02T08:00:00+00:00"
        assert bob.receive_json() == alert
        lines = client.get("/api/adherence/out", headers=auth("t-sup")).json()
        assert lines["agents"] == [{"agent": "bob", "team": "fr", "planned": "work", "doing": "off",
                                    "since": "2026-03-02T08:00:00+00:00", "minutes": 6}]
        assert client.get("/api/adherence/out", headers=auth("t-ana")).json()["agents"] == []  # bob's is not hers
        assert client.get("/api/adherence/out", headers=auth("t-trunk")).status_code == 403
        client.post("/api/agents/ana/status", json={"status": "break"}, headers=auth("t-ana"))
        assert [e["event"] for e in ana.receive_json()] == ["status"]  # her own status, not bob's alert
    assert date.fromisoformat(client.get("/api/adherence", headers=auth("t-sup")).json()["date"]) == date(2026, 3, 2)


def test_a_router_without_a_roster_says_it_follows_none():
    router = Router({"fr": RoutingQueue("fr", "fr")})
    router.add_agent("ana", {"fr": 1}, 0.0)
    with TestClient(create_router_app(RouterService(router), TOKENS, tick_s=3600)) as client:
        report = client.get("/api/adherence", headers=auth("t-sup")).json()
        assert report["roster"] is False and report["agents"] == [] and report["teams"] == []
        body = {"agent": "ana", "start": "2026-03-02T08:00", "end": "2026-03-02T09:00", "reason": "x"}
        refused = client.post("/api/adherence/exceptions", json=body, headers=auth("t-sup"))
        assert refused.status_code == 404 and "route serve --roster" in refused.json()["error"]
