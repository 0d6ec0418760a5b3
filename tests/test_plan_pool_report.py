"""The report's figures for a blended pool (issue 21, a new user's trial): the Channels table counts no figure twice
(each queue's row its channel's part, the pool's totals once), and "saved by blending" compares the pool with what
the plan really requires for separate queues (a separate email queue: its work, placed before its deadline)."""

import tomllib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from casashore.plan.pipeline import forecast_step, history_step, staffing_step
from casashore.plan.scenario import plan_scenario_from_dict
from casashore.workspace.store import Workspace

EXAMPLE = Path(__file__).parent.parent / "examples" / "casablanca-blended.toml"


def scenario_data() -> dict:
    data = tomllib.loads(EXAMPLE.read_text())
    data["plan"] |= {"days": 1}
    return data


@pytest.fixture(scope="module")
def staffed(tmp_path_factory):
    """The example's forecast and staffing (no schedule, no simulation), and its demand in separate pools."""
    folder = tmp_path_factory.mktemp("pool-report")
    scenario = plan_scenario_from_dict(scenario_data())
    with Workspace.open(folder / "w.duckdb") as workspace:
        history_step(workspace, scenario, folder / "history")
        forecast = forecast_step(workspace, scenario)
    separate = scenario_data()
    separate["queues"][1]["skill"] = "fr-email"
    separate["shift_patterns"] += [p | {"name": f"email-{p['name']}", "group": "fr-email"}
                                   for p in separate["shift_patterns"]]
    return staffing_step(scenario, forecast), staffing_step(plan_scenario_from_dict(separate), forecast)


def test_the_pool_apart_is_what_the_plan_requires_for_separate_queues(staffed):
    """The email queue apart counts as the plan staffs a separate email queue (its items' work, which the schedule
    places before the deadline), not as a level held over the open hours: the report's saving is the plan's."""
    pool, separate = staffed
    apart = np.asarray(pool.required["fr"].apart)
    expected = np.asarray(separate.required["fr"].on_phone) + np.asarray(separate.required["fr-email"].on_phone)
    assert apart == pytest.approx(expected)
    assert separate.required["fr-email"].on_phone != [float(separate.required["fr-email"].on_phone[0])] * len(apart)


def _plan(staffing, shrinkage: float = 0.15):
    """A plan's parts channel_rows reads: the staffing's requirement with shrinkage kept by the goal loop, one more
    agent scheduled than required in every interval, the simulated levels made up."""
    required = {}
    for skill, r in staffing.required.items():
        with_shrinkage = np.ceil(np.asarray(r.on_phone) / (1 - shrinkage))
        required[skill] = SimpleNamespace(on_phone=r.on_phone, with_shrinkage=with_shrinkage, channel=r.channel,
                                          by_channel=r.by_channel)

    def queue(name, channel):
        return SimpleNamespace(queue=name, skill="fr", channel=channel, service_level_goal=0.8,
                               measures=SimpleNamespace(service_level=0.9, service_level_ci95=0.01))

    return SimpleNamespace(
        staffing=staffing, required_after_rounds=required,
        schedule=SimpleNamespace(scheduled={s: r.with_shrinkage + 1 for s, r in required.items()}),
        simulation=SimpleNamespace(queues=[queue("fr-banking", None), queue("fr-email", "email")]))


def _value(cell) -> float:
    return float(cell[0].replace(",", ""))


def test_the_channels_table_counts_the_pool_once(staffed):
    from casashore.report.channels import channel_rows

    pool, _ = staffed
    plan = _plan(pool)
    rows = channel_rows(plan, "en")
    assert [row[0] for row in rows] == ["fr-banking", "fr-email", "fr (pool)"]
    voice, email, total = rows
    by_channel = pool.required["fr"].by_channel
    # Each queue's row: its channel's own peak and hours, no scheduled hours of its own.
    assert _value(voice[2]) == np.ceil(max(by_channel["voice"]))
    assert _value(email[2]) == np.ceil(max(by_channel["email"]))
    assert voice[4][0] == email[4][0] == "—" and voice[5][0] == email[5][0] == "—"
    # The pool's row once: its peak, its hours, its scheduled hours; the queues' hours add up to the pool's.
    hours = np.asarray(plan.required_after_rounds["fr"].with_shrinkage).sum() / 2
    assert _value(total[3]) == pytest.approx(hours, abs=0.05)
    assert _value(voice[3]) + _value(email[3]) == pytest.approx(hours, abs=0.1)
    assert 0 < _value(email[3]) < _value(voice[3])
    assert _value(total[4]) == pytest.approx(hours + len(pool.starts) / 2, abs=0.05)
    assert total[5][0] == "100.0 %" and total[1] == "blended pool fr: the rows above together"
    assert _value(total[2]) == np.ceil(max(pool.required["fr"].on_phone))


def test_a_peak_of_work_is_rounded_up_to_whole_agents(staffed):
    """A separate email queue's requirement is work (6.19 agents' worth): its peak is the agents it takes."""
    from casashore.report.channels import channel_rows

    _, separate = staffed
    plan = _plan(separate)
    plan.simulation.queues[1].skill = "fr-email"
    rows = {row[0]: row for row in channel_rows(plan, "en")}
    peak = max(separate.required["fr-email"].on_phone)
    assert peak != int(peak) and _value(rows["fr-email"][2]) == np.ceil(peak)
