"""Plans kept in the workspace (issue 24): every run recorded with its scenario and outcome, listed newest first,
its report written again from the kept JSON, two real plans compared, deleted; a plan cancelled at a progress
point keeps nothing of the step under way, is listed as cancelled, and a re-run then completes."""

from datetime import UTC, datetime

import pytest

from casashore.domain.loading import parse_toml
from casashore.errors import Cancelled, UserError
from casashore.plan.compare import ComparedPlan, compare
from casashore.plan.key_figures import DayService, KeyFigures, QueueLevel
from casashore.plan.scenario import plan_scenario_from_dict
from casashore.usecases import plans
from casashore.workspace.store import StoredPlanRun, Workspace
from small_plan import small_plan


def _scenario(text):
    return plan_scenario_from_dict(parse_toml(text, "toml", "small.toml"), where="small.toml")


def _run(directory, shrinkage=0.1, progress=None, run_id=None):
    text = small_plan(shrinkage)
    return plans.run_and_keep(_scenario(text), f"small-{shrinkage}", text, directory / "ws.duckdb",
                              directory / "report.html", "en", fresh=False,
                              progress=progress or (lambda *a: None), run_id=run_id)


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory):
    """Two real plans in one workspace: the small scenario, then with more shrinkage."""
    directory = tmp_path_factory.mktemp("kept")
    first, first_result = _run(directory, 0.1)
    second, second_result = _run(directory, 0.3)
    return directory, (first, first_result), (second, second_result)


def test_plans_are_kept_listed_newest_first_and_reported_again(two_plans, tmp_path):
    directory, (first, result), (second, _) = two_plans
    workspace = directory / "ws.duckdb"
    listed = plans.list_plans(workspace)
    assert [p.id for p in listed] == [second, first]
    assert [p.scenario for p in listed] == ["small-0.3", "small-0.1"]
    kept = listed[1]
    assert kept.status == "done" and kept.verdict == result.verdict.status and kept.error is None
    assert kept.created_at.endswith("+00:00")
    assert kept.key_figures.fte == result.sizing.fte and kept.key_figures.queues[0].queue == "fr"
    stored = plans.stored_plan(workspace, first)
    assert stored.scenario_toml == small_plan(0.1)
    assert plans.plan_result(stored).to_json() == result.to_json()  # the whole plan, not recomputed
    # The report again from the kept JSON, dated when the plan ran: the same bytes twice.
    a = plans.write_kept_report(workspace, first, tmp_path / "a.html")
    b = plans.write_kept_report(workspace, first, tmp_path / "b.html", "fr")
    assert a.read_text().startswith("<!doctype html>") and "lang='fr'" in b.read_text()
    assert plans.write_kept_report(workspace, first, tmp_path / "c.html").read_bytes() == a.read_bytes()


def test_two_real_plans_compare_with_their_differences(two_plans):
    directory, (first, r1), (second, r2) = two_plans
    comparison = plans.compare_plans(directory / "ws.duckdb", [first, second])
    assert [p.id for p in comparison.plans] == [first, second]
    rows = {row.name: row for row in comparison.figures}
    assert rows["paid_hours"].values == [r1.sizing.paid_hours, r2.sizing.paid_hours]
    assert rows["paid_hours"].differences == [0.0, r2.sizing.paid_hours - r1.sizing.paid_hours]
    assert rows["paid_hours"].differences[1] > 0  # more shrinkage, more paid hours
    assert rows["labour_cost"].relative[1] == pytest.approx(r2.sizing.labour_cost / r1.sizing.labour_cost - 1)
    assert [row.name for row in comparison.queues] == ["fr"]
    assert [row.name for row in comparison.queue_days] == [f"fr {d.day}" for d in r1.verdict.days]
    assert all(row.missing_in == [] for row in comparison.queue_days)
    assert comparison.queue_days[0].statuses == [r1.verdict.days[0].status, r2.verdict.days[0].status]


def test_compare_refuses_unknown_repeated_or_too_few_ids(two_plans):
    directory, (first, _), _ = two_plans
    workspace = directory / "ws.duckdb"
    for ids, field in (([first], "ids"), ([first, first], "ids"), ([first, "0123456789ab"], "plan")):
        with pytest.raises(UserError) as caught:
            plans.compare_plans(workspace, ids)
        assert caught.value.field == field


def _figures(queues, days):
    return KeyFigures(site="s", verdict="met", days=sorted({d for _, d in days}), fte=10.0, jobs=10, paid_hours=400.0,
                      labour_cost=0.0, currency="MAD", seats_at_peak=10, seats_available=20, phone_lines=5,
                      busy_bandwidth_bps=1e6, link_share=0.1, coverage=1.0,
                      queues=[QueueLevel(queue=q, service_level=0.8, service_level_ci95=0.01, goal=0.8,
                                         p_abandon=0.02) for q in queues],
                      queue_days=[DayService(queue=q, day=d, service_level=0.8, goal=0.8, status="met")
                                  for q, d in days])


def test_plans_of_different_queues_and_days_compare_on_what_they_share():
    a = _figures(["fr", "es"], [("fr", "2026-03-02"), ("es", "2026-03-02")])
    b = _figures(["fr"], [("fr", "2026-03-02"), ("fr", "2026-03-03")])
    plan = lambda i: ComparedPlan(id=i, scenario=i, created_at="", verdict="met", currency="MAD")  # noqa: E731
    comparison = compare([(plan("a"), a), (plan("b"), b)])
    queues = {row.name: row for row in comparison.queues}
    assert queues["es"].values == [0.8, None] and queues["es"].missing_in == ["b"]
    assert queues["es"].differences == [0.0, None]
    days = {row.name: row for row in comparison.queue_days}
    assert days["fr 2026-03-03"].missing_in == ["a"] and days["fr 2026-03-02"].missing_in == []
    cost = {row.name: row for row in comparison.figures}["labour_cost"]
    assert cost.relative == [None, None]  # relative to nothing: said as null, not a division by zero


def test_failed_runs_are_kept_as_such_and_deleted(tmp_path):
    workspace = tmp_path / "ws.duckdb"
    text = small_plan().replace('start = 2026-03-02', 'start = 2026-03-02\nschedule_gap = 0.01')
    with pytest.raises(UserError):
        # A history that does not exist in the workspace: the pipeline refuses it and the run is kept as failed.
        plans.run_and_keep(_scenario(text.replace('synthetic = { weekly_calls = 4000, weeks = 5 }',
                                                  'history = "workspace"')),
                           "bad", text, workspace, tmp_path / "r.html", "en", fresh=False,
                           progress=lambda *a: None, run_id="0123456789ab")
    [failed] = plans.list_plans(workspace)
    assert (failed.id, failed.status, failed.key_figures) == ("0123456789ab", "failed", None)
    assert "queues[0].history" in failed.error
    with pytest.raises(UserError):
        plans.compare_plans(workspace, ["0123456789ab", "0123456789ab"[::-1]])
    with pytest.raises(UserError):
        plans.write_kept_report(workspace, "0123456789ab", tmp_path / "x.html")
    plans.delete_plan(workspace, "0123456789ab")
    assert plans.list_plans(workspace) == []
    with pytest.raises(UserError):
        plans.delete_plan(workspace, "0123456789ab")


def test_the_workspace_refuses_a_naive_creation_time(tmp_path):
    with Workspace.open(tmp_path / "ws.duckdb") as workspace:
        with pytest.raises(ValueError):
            workspace.record_plan_run(StoredPlanRun("a", "s", "t", datetime(2026, 1, 1), "en", "done", None, None,
                                                    None, None))
        workspace.record_plan_run(StoredPlanRun("a", "s", "t", datetime(2026, 1, 1, tzinfo=UTC), "en", "failed",
                                                "x", None, None, None))
        assert workspace.plan_runs(10)[0].created_at == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("stop_at, reused_after", [("forecast", []), ("schedule", ["forecast", "staffing"])])
def test_a_cancelled_plan_keeps_nothing_of_the_step_under_way_and_a_rerun_completes(tmp_path, two_plans, stop_at,
                                                                                       reused_after):
    _, (_, cold), _ = two_plans
    running = plans.RunningPlan(id="c0ffee000001", scenario="small-0.1")
    seen = []

    def progress(step, detail="", share=0.0):
        seen.append((step, detail))
        running(step, detail, share)
        # Asked to cancel as the step starts; the flag is read at the next progress point, inside the step.
        if step == stop_at and not detail:
            running.cancel()

    with pytest.raises(Cancelled):
        _run(tmp_path, progress=progress, run_id=running.id)
    assert seen[-1][0] == stop_at and seen[-1][1]  # stopped inside the step, at its first progress point
    assert running.step == stop_at and 0 < running.share < 1
    [kept] = plans.list_plans(tmp_path / "ws.duckdb")
    assert (kept.id, kept.status, kept.key_figures) == (running.id, "cancelled", None)
    run_id, again = _run(tmp_path)  # the workspace is still usable; the cancelled step is not read back
    assert again.reused_steps == reused_after
    assert again.to_json() | {"reused_steps": []} == cold.to_json() | {"reused_steps": []}
    assert [p.status for p in plans.list_plans(tmp_path / "ws.duckdb")] == ["done", "cancelled"]
