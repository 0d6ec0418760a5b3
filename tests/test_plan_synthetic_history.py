"""A plan's synthetic history belongs to its scenario (issue 21): two scenarios planned in one folder, each with a
synthetic queue `fr-chat` (4,000 and 3,000 chats a week), each plan from its own history, as in a folder of its
own; imported records of a queue are never replaced by synthetic ones, nor mixed with them."""

import csv
from pathlib import Path

import pytest

from casashore.errors import UserError
from casashore.plan.pipeline import _key, history_step
from casashore.plan.scenario import load_plan_scenario
from casashore.workspace.mapping import CallMapping
from casashore.workspace.store import Workspace

EXAMPLES = Path(__file__).parent.parent / "examples"
CHANNELS = load_plan_scenario(EXAMPLES / "casablanca-channels.toml")
BLENDED = load_plan_scenario(EXAMPLES / "casablanca-blended-chat.toml")


def alone(tmp_path, scenario, name):
    with Workspace.open(tmp_path / f"{name}.duckdb") as workspace:
        return history_step(workspace, scenario, tmp_path / f"{name}-history").calls


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Both scenarios, then the first again, in one workspace: each history and the imports' fingerprints."""
    folder = tmp_path_factory.mktemp("shared")
    seen = []
    with Workspace.open(folder / "w.duckdb") as workspace:
        for scenario in (CHANNELS, BLENDED, CHANNELS):
            history = history_step(workspace, scenario, folder / "history")
            seen.append((history, workspace.import_fingerprints(), workspace.queue_channel("fr-chat")))
    return seen


def test_each_plan_reads_its_own_scenario_s_history(shared, tmp_path):
    (first, *_), (second, *_), (third, *_) = shared
    assert first.calls == alone(tmp_path, CHANNELS, "channels")
    assert second.calls == alone(tmp_path, BLENDED, "blended")
    assert third.calls == first.calls
    assert second.calls["fr-chat"] < first.calls["fr-chat"]  # 3,000 a week, not 4,000 + what 3,000 adds
    assert [channel for *_, channel in shared] == ["chat"] * 3


def test_the_plan_says_which_history_it_regenerated(shared):
    (first, *_), (second, *_), (third, *_) = shared
    assert first.regenerated is None
    assert second.regenerated == ["fr-chat"] and third.regenerated == ["fr-chat"]  # fr-banking: the same spec


def test_stored_plan_steps_are_not_read_back_across_the_change(shared):
    """The forecast's key hashes the imports' fingerprints: the workspace's history changed, so does the key; back
    to the first scenario's history, its stored steps hold again."""
    (_, first, _), (_, second, _), (_, third, _) = shared
    keys = [_key("forecast", [(sha,) for sha in prints], ["2026-12-07", 2, 30]) for prints in (first, second, third)]
    assert keys[0] != keys[1] and keys[0] == keys[2]


def test_imported_records_are_never_replaced_by_synthetic_ones(tmp_path):
    calls = tmp_path / "chat.csv"
    with calls.open("w", newline="") as f:
        csv.writer(f).writerows([["call_id", "queue", "arrival", "wait_s", "outcome", "handle_s", "channel"],
                                 ["c1", "fr-chat", "2026-11-17 10:00:00", "5", "ANSWERED", "400", "chat"]])
    mapping = CallMapping.model_validate({
        "time_zone": "Europe/Paris", "columns": {n: n for n in ("call_id", "queue", "arrival", "wait_s", "outcome",
                                                                 "handle_s", "channel")},
        "outcomes": {"answered": ["ANSWERED"], "abandoned": ["ABANDONED"]}})
    with Workspace.open(tmp_path / "w.duckdb") as workspace:
        workspace.import_calls(calls, mapping=mapping)
        with pytest.raises(UserError) as error:
            history_step(workspace, CHANNELS, tmp_path / "history")
        assert workspace.call_count("fr-chat") == 1  # nothing written
    assert error.value.field == "queues[1].history"
    assert "queue 'fr-chat' has imported records in the workspace" in str(error.value)
    assert str(tmp_path / "w.duckdb") in str(error.value) and "chat.csv" in str(error.value)


def test_the_plan_command_says_it_regenerated_a_queue_s_history(tmp_path):
    """Two scenarios of one queue `fr` at 4,000 and 3,000 calls a week, planned in one workspace."""
    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app
    from small_plan import small_plan

    workspace, said = str(tmp_path / "w.duckdb"), []
    for name, weekly in (("a", 4000), ("b", 3000)):
        scenario = tmp_path / f"{name}.toml"
        scenario.write_text(small_plan().replace("weekly_calls = 4000", f"weekly_calls = {weekly}"))
        done = CliRunner().invoke(app, ["plan", str(scenario), "--workspace", workspace, "--report",
                                        str(tmp_path / f"{name}.html")])
        assert done.exit_code == 0, done.output
        said.append(done.stdout)
    assert "regenerated" not in said[0]
    assert "synthetic history for fr regenerated: the scenario's spec changed" in said[1]
