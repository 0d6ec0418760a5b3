"""Blocks of skills no shift joins are simulated apart (plan/simulated.py): each with a seed of its own, its
measures independent of the other blocks, joined back in the scenario's order; a site of one block (the example)
is simulated whole with the plan's seed, as before."""

from pathlib import Path

from casashore.plan.pipeline import simulation_step
from casashore.plan.result import QueueVolume, Schedule, SkillRequirement, Staffing
from casashore.plan.scenario import load_plan_scenario, plan_scenario_from_dict
from casashore.plan.simulated import block_scenarios, skill_blocks

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml"


def _queue(name, skill):
    return {"name": name, "skill": skill, "client_time_zone": "Europe/Paris", "aht_s": 200, "patience_s": 120,
            "synthetic": {"weekly_calls": 1000}}


def _shift(name, group):
    return {"name": name, "start": "08:00", "length": "8h", "cost": 8, "group": group}


def _scenario(queues, shifts):
    return plan_scenario_from_dict({
        "site": {"name": "s", "seats": 100, "floor_m2_per_seat": 6, "cost_per_agent_hour": 50, "shrinkage": 0.0},
        "plan": {"start": "2026-03-02", "days": 1, "interval_min": 60, "replications": 4, "seed": 5},
        "queues": queues, "shifts": shifts})


def test_the_example_is_one_block_simulated_whole_with_the_plans_seed():
    scenario = load_plan_scenario(EXAMPLE)
    assert skill_blocks(scenario) == [["en", "es", "fr"]]
    (sim,) = block_scenarios(scenario, {q.name: [1.0] * 96 for q in scenario.queues},
                             {q.name: q.aht_s for q in scenario.queues}, {s: [3.0] * 96 for s in ("fr", "es", "en")},
                             intervals=96)
    assert sim.simulation.seed == scenario.plan.seed and [q.name for q in sim.queues] == [
        q.name for q in scenario.queues]


def test_blocks_follow_the_shifts_that_join_skills():
    scenario = _scenario([_queue("a", "a"), _queue("b", "b"), _queue("c", "c")],
                         [_shift("x", "a"), _shift("y", "b+c"), _shift("z", "c")])
    assert skill_blocks(scenario) == [["a"], ["b", "c"]]


def _staffing(calls):
    starts = [f"2026-03-02T{h:02d}:00:00" for h in range(24)]
    per_hour = [calls if 9 <= h < 15 else 0.0 for h in range(24)]
    return Staffing(starts=starts, required={s: SkillRequirement(on_phone=[0.0] * 24, with_shrinkage=[0.0] * 24,
                                                                calls=per_hour, aht_s=[200.0] * 24) for s in "ab"},
                    queues={"a": QueueVolume(calls=per_hour, aht_s=200.0), "b": QueueVolume(calls=per_hour,
                                                                                             aht_s=200.0)})


def _schedule(at_work):
    return Schedule(status="optimal", gap=0.0, cost=0.0, objective=0.0, bound=0.0, stopped_by="optimal",
                    solver={}, uncoverable=[], counts=[], scheduled={}, at_work=at_work,
                    on_shift_total=[0.0] * 24, paid_hours=0.0)


def test_a_blocks_measures_do_not_depend_on_the_other_blocks_and_unchanged_blocks_are_not_simulated_again():
    scenario = _scenario([_queue("a", "a"), _queue("b", "b")], [_shift("x", "a"), _shift("y", "b")])
    staffing = _staffing(20.0)
    memo: dict = {}
    first = simulation_step(scenario, staffing, _schedule({"a": [2.0] * 24, "b": [2.0] * 24}), memo)
    assert [q.queue for q in first.queues] == ["a", "b"] and [g.group for g in first.groups] == ["a", "b"]
    first_memo = dict(memo)
    second = simulation_step(scenario, staffing, _schedule({"a": [2.0] * 24, "b": [4.0] * 24}), memo)
    # Block a was read back from the memo (the same object), block b simulated again; b's first result, which no
    # later round can ask for unless its schedule returns, is forgotten (a month of rows per round otherwise).
    assert len(memo) == 2 and len(set(memo) & set(first_memo)) == 1
    kept = (set(memo) & set(first_memo)).pop()
    assert memo[kept] is first_memo[kept] and second.queues[0] is first.queues[0]
    assert second.queues[0] == first.queues[0] and second.queues[1] != first.queues[1]
    assert second.calls_simulated > 0
