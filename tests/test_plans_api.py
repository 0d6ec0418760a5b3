"""The API's kept plans (issue 24), with real plans in the background: listed with their verdict and key figures,
shown, reported, re-run, compared, deleted; a running plan followed (step, detail, share) and cancelled, listed as
cancelled, and a re-run then completing. Polling is driven by the plan's state, never by a timing."""

import time
import warnings

import pytest

from small_plan import small_plan

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.interfaces.web.api import create_app  # noqa: E402
from casashore.plan.pipeline import STEPS  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return TestClient(create_app(tmp_path_factory.mktemp("api")), base_url="http://127.0.0.1:8000")


def _upload(client, name, text):
    r = client.post("/api/scenarios", json={"name": name, "toml": text})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _until_finished(client, plan_id, seen=None):
    for _ in range(12000):  # a safety stop only: the loop ends when the plan does
        state = client.get(f"/api/plans/{plan_id}").json()
        if seen is not None:
            seen.append(state)
        if state["status"] not in ("queued", "running"):
            return state
        time.sleep(0.05)
    pytest.fail(f"plan {plan_id} still {state['status']}")


@pytest.fixture(scope="module")
def two(client):
    """The small scenario planned, then re-run with more shrinkage uploaded as its own scenario."""
    seen = []
    first = client.post("/api/plans", json={"scenario_id": _upload(client, "small", small_plan(0.1))}).json()["id"]
    done = _until_finished(client, first, seen)
    second = client.post("/api/plans", json={"scenario_id": _upload(client, "small more shrinkage",
                                                                     small_plan(0.3))}).json()["id"]
    _until_finished(client, second)
    return first, second, done, seen


def test_a_plan_is_followed_then_kept_with_its_verdict_key_figures_and_report(client, two):
    first, second, done, seen = two
    running = [s for s in seen if s["status"] == "running"]
    assert running and all(0 <= s["share"] <= 1 for s in seen)
    shares = [s["share"] for s in running]
    assert shares == sorted(shares)  # the share never goes back
    assert done["status"] == "done" and done["verdict"] in ("met", "at_risk", "not_met")
    assert done["steps_done"] == 6 and done["share"] == 1.0 and done["detail"] == ""
    # While it ran, its date and language were those it is kept with, and steps_done counted finished steps only.
    assert {(s["created_at"], s["lang"]) for s in running} == {(done["created_at"], "en")}
    assert all(s["steps_done"] == STEPS.index(s["step"]) for s in running), running
    assert done["key_figures"]["queues"][0]["queue"] == "fr" and done["created_at"].endswith("+00:00")
    assert done["summary"]["sizing"]["fte"] == done["key_figures"]["fte"] and len(done["figures"]) == 5
    listed = client.get("/api/plans").json()
    assert [p["id"] for p in listed] == [second, first]
    assert [p["scenario"] for p in listed] == ["small more shrinkage", "small"]
    assert all(p["status"] == "done" and p["verdict"] for p in listed)
    report = client.get(done["report"])
    assert report.status_code == 200 and report.text.startswith("<!doctype html>")
    french = client.get(done["report"], params={"lang": "fr"})
    assert "lang='fr'" in french.text
    assert client.get("/api/plans", params={"limit": 1}).json()[0]["id"] == second


def test_two_plans_compare_side_by_side(client, two):
    first, second, *_ = two
    r = client.post("/api/plans/compare", json={"ids": [first, second]})
    assert r.status_code == 200, r.text
    comparison = r.json()
    rows = {row["name"]: row for row in comparison["figures"]}
    assert rows["paid_hours"]["differences"][0] == 0 and rows["paid_hours"]["differences"][1] > 0
    assert rows["paid_hours"]["relative"][1] > 0
    assert comparison["queues"][0]["name"] == "fr" and comparison["queue_days"][0]["statuses"][0] in (
        "met", "at_risk", "not_met")
    for ids in ([first], [first, first], [first, "0123456789ab"]):
        bad = client.post("/api/plans/compare", json={"ids": ids})
        assert bad.status_code in (400, 422) and bad.json()["error"]


def test_unknown_and_hostile_ids_are_404_and_nothing_leaves_the_workspace(client):
    for path in ("/api/plans/0123456789ab", "/api/plans/0123456789ab/report", "/api/plans/..%2F..%2Fetc",
                 "/api/plans/ABCDEF012345/report"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["error"]
    assert client.delete("/api/plans/0123456789ab").status_code == 404
    assert client.post("/api/plans/0123456789ab/cancel").status_code == 404
    assert client.post("/api/plans/0123456789ab/rerun").status_code == 404
    assert client.get("/api/plans/0123456789ab/report", params={"lang": "../x"}).status_code == 422


def test_a_running_plan_is_cancelled_listed_as_such_and_a_rerun_completes(client, two):
    first, *_ = two
    assert client.post(f"/api/plans/{first}/cancel").status_code == 409  # done: nothing to cancel
    # fresh: every step recomputed, so the plan is still under way when the cancel arrives.
    started = client.post(f"/api/plans/{first}/rerun", json={"fresh": True})
    assert started.status_code == 202
    plan_id = started.json()["id"]
    assert client.post("/api/plans", json={"scenario_id": _upload(client, "x", small_plan())}).status_code == 409
    assert client.delete(f"/api/plans/{plan_id}").status_code == 409  # running: cancel it first
    cancelling = client.post(f"/api/plans/{plan_id}/cancel")
    assert cancelling.status_code == 202 and cancelling.json()["cancelling"] is True
    state = _until_finished(client, plan_id)
    assert state["status"] == "cancelled" and state["key_figures"] is None
    assert client.get(f"/api/plans/{plan_id}/report").status_code == 409
    assert [p["status"] for p in client.get("/api/plans").json()][0] == "cancelled"
    again = client.post(f"/api/plans/{plan_id}/rerun").json()["id"]  # a cancelled plan's scenario, run again
    assert _until_finished(client, again)["status"] == "done"
    assert client.delete(f"/api/plans/{plan_id}").status_code == 204
    assert client.delete(f"/api/plans/{again}").status_code == 204
    assert plan_id not in [p["id"] for p in client.get("/api/plans").json()]
    assert client.get(f"/api/plans/{again}").status_code == 404


def test_kept_plans_need_the_token_off_loopback_and_refuse_other_sites(tmp_path):
    guarded = TestClient(create_app(tmp_path / "t", host="0.0.0.0", token="s3cret"), base_url="http://10.0.0.5:8000")
    calls = [("get", "/api/plans", None), ("post", "/api/plans/compare", {"ids": ["0123456789ab"] * 2}),
             ("delete", "/api/plans/0123456789ab", None), ("post", "/api/plans/0123456789ab/cancel", None),
             ("post", "/api/plans/0123456789ab/rerun", None), ("get", "/api/plans/0123456789ab/report", None)]
    for method, path, body in calls:
        kwargs = {"json": body} if body is not None else {}
        assert getattr(guarded, method)(path, **kwargs).status_code == 401, path
    ok = guarded.get("/api/plans", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json() == []
    # A page of another site cannot delete or cancel on a loopback server either.
    local = TestClient(create_app(tmp_path / "l"), base_url="http://127.0.0.1:8000")
    other = {"Origin": "http://evil.example"}
    assert local.delete("/api/plans/0123456789ab", headers=other).status_code == 403
    assert local.post("/api/plans/0123456789ab/cancel", headers=other).status_code == 403
