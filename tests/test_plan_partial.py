"""A partial plan is never stored as whole (issue 23): a plan interrupted in a later step keeps the steps it
finished, and only those, so that the next run reads them back and ends as a cold run does; a schedule stopped
by the wall-clock safety valve is returned and flagged but not stored. And the progress a person follows: per
queue, per round of the goal loop, per part of the schedule."""

import dataclasses
import json

import pytest

from casashore.plan import pipeline
from casashore.plan.scenario import plan_scenario_from_dict
from casashore.workspace.store import Workspace

SCENARIO = {
    "site": {"name": "Test site", "seats": 60, "floor_m2_per_seat": 6, "cost_per_agent_hour": 50, "shrinkage": 0.1},
    "link": {"capacity": "100M", "codec": "G.729"},
    "plan": {"start": "2026-03-02", "days": 2, "interval_min": 30, "replications": 4, "seed": 3},
    "rules": {"opening_hours": "daily 07:00-22:00"},
    "queues": [{"name": "fr", "skill": "fr", "client_time_zone": "Europe/Paris", "country": "FR", "aht_s": 240,
                "patience_s": 120, "synthetic": {"weekly_calls": 4000, "weeks": 5}}],
    "shifts": [{"name": "early", "start": "07:00", "length": "8h", "cost": 8, "group": "fr", "breaks": "1h@3h-4h"},
               {"name": "late", "start": "12:00", "length": "8h", "cost": 8, "group": "fr", "breaks": "1h@3h-4h"}],
}


def _plan(directory, progress=None):
    scenario = plan_scenario_from_dict(json.loads(json.dumps(SCENARIO)))
    with Workspace.open(directory / "ws.duckdb") as workspace:
        return pipeline.run_plan(scenario, workspace, directory / "history", progress)


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A cold plan in a workspace of its own: what every finished plan below must equal."""
    return _plan(tmp_path_factory.mktemp("cold")).to_json()


def test_a_plan_interrupted_in_a_later_step_keeps_the_steps_it_finished_and_only_those(tmp_path, monkeypatch,
                                                                                       cold):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C during the goal loop's first simulation

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "simulation_step", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _plan(tmp_path)
    again = _plan(tmp_path)
    assert again.reused_steps == ["forecast", "staffing"]  # the goal loop was not stored half done
    assert again.to_json() | {"reused_steps": []} == cold


def test_a_schedule_stopped_by_the_safety_valve_is_flagged_and_not_stored(tmp_path, monkeypatch, cold):
    solve = pipeline.solve

    def stopped(*args, **kwargs):
        return dataclasses.replace(solve(*args, **kwargs), stopped_by="time_safety")

    stored = []
    store = Workspace.store_plan_step

    def recorded(self, key, step, result):
        stored.append(step)
        store(self, key, step, result)

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "solve", stopped)
        patch.setattr(Workspace, "store_plan_step", recorded)
        partial = _plan(tmp_path)
    assert stored == ["forecast", "staffing"]  # neither the goal loop nor the sizing of a partial plan
    assert partial.schedule.stopped_by == "time_safety" and len(partial.rounds) == 1
    assert partial.verdict.status != "met" and "safety_limit" in [r.reason for r in partial.verdict.reasons]
    again = _plan(tmp_path)
    assert again.reused_steps == ["forecast", "staffing"]  # the goal loop computed again, not read back
    assert again.schedule.stopped_by != "time_safety"
    assert again.to_json() | {"reused_steps": []} == cold


def test_progress_names_each_queue_round_and_part_and_is_not_part_of_the_result(tmp_path, cold):
    notes = []
    shares = []
    result = _plan(tmp_path, lambda step, detail, share: (notes.append((step, detail)), shares.append((step, share))))
    assert result.to_json() == cold
    assert [step for step, detail in notes if not detail] == ["history", "forecast", "staffing", "schedule", "sizing"]
    assert ("history", "queue 1/1 fr") in notes
    assert [d for s, d in notes if s == "forecast" and d] == ["queues 1/1"]  # each batch of queues forecast
    rounds = len(result.rounds)
    assert [d for s, d in notes if s == "simulation" and ":" not in d] == [f"round {r} of at most 4"
                                                                          for r in range(1, rounds + 1)]
    replicated = [d for s, d in notes if s == "simulation" and ":" in d]  # as each chunk of replications ends
    count = result.simulation.replications
    assert replicated[0].startswith("round 1 of at most 4: replications ")
    assert f"round 1 of at most 4: replications {count}/{count}" in replicated
    solved = [d for s, d in notes if s == "schedule" and "parts solved" in d]
    parts = result.schedule.solver["parts"]
    assert solved[-1] == f"round {rounds} of at most 4: parts solved {parts}/{parts}"
    assert f"round 1 of at most 4: parts solved {parts}/{parts}" in solved
    # The share of each step done: from 0 as it starts, within 0..1, reaching 1 where the step counts its work.
    assert all(0 <= share <= 1 for _, share in shares)
    assert [share for step, share in shares if step == "forecast"] == [0.0, 1.0]
    assert ("schedule", 1.0) in shares and ("simulation", 1.0) in shares
    assert pipeline.overall_share("schedule", 0.5) == 3.5 / 6 and pipeline.overall_share("sizing", 1.0) == 1.0
