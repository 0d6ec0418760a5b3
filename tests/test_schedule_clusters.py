"""The schedule's model built one skill cluster at a time (issue 23, fifth pass): the parts, their order and their
data are the one whole model's, a part is built again from its days alone, and the schedule of clients solved
together is the schedule of each solved alone."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import numpy as np
import pytest

import casashore.schedule.covering as covering
from casashore.schedule.inputs import BreakRule, Requirement, ShiftTemplate

DAYS = 4
STEP = 30
PER_DAY = 1440 // STEP
BREAKS = (BreakRule(30, 60, 150), BreakRule(60, 180, 270))


def _shifts(groups: list[str]) -> list[ShiftTemplate]:
    """Per group an early, a late and a night shift (22:00-07:30: it crosses midnight into the next day's early
    shift, so days join)."""
    shifts = []
    for g in groups:
        shifts += [ShiftTemplate(f"{g} early", 7 * 60, 8 * 60, 8.0 + 0.5 * ("+" in g), g, BREAKS),
                   ShiftTemplate(f"{g} late", 13 * 60, 8 * 60, 8.5 + 0.5 * ("+" in g), g, BREAKS),
                   ShiftTemplate(f"{g} night", 22 * 60, 9 * 60 + 30, 9.5, g, BREAKS[:1])]
    return shifts


def _requirement(seed: int, groups: list[str]) -> Requirement:
    rng = np.random.default_rng(seed)
    n = DAYS * PER_DAY
    start = datetime(2026, 3, 2)
    hour = (np.arange(n) % PER_DAY) / (PER_DAY / 24)
    required = {}
    for g in groups:
        day = np.where((hour >= 8) & (hour < 20), np.round(rng.uniform(2, 9, n)), 0.0)
        night = np.where(hour < 5, np.round(rng.uniform(0, 2, n)), 0.0)
        required[g] = (day + night * (g == groups[0])).tolist()
    return Requirement([start + timedelta(minutes=STEP * t) for t in range(n)], STEP, groups, required, one_day=False)


# Two clients: a and b joined by bilingual agents, c alone; the night shift only for the first group of each.
GROUPS = ["a", "c", "b"]
CLASSES = ["a", "a+b", "b", "c"]


def _scenario():
    requirement = _requirement(0, GROUPS)
    shifts = [s for s in _shifts(CLASSES) if "night" not in s.name or s.group in ("a", "c")]
    is_open = np.ones(DAYS * PER_DAY, bool)
    is_open[3 * PER_DAY + 28:3 * PER_DAY + 34] = False  # an afternoon closed on the last day
    return requirement, shifts, is_open


def test_clusters_are_the_whole_models_parts_in_its_order_and_a_part_is_built_again_from_its_days():
    requirement, shifts, is_open = _scenario()
    assert covering._skill_clusters(GROUPS, CLASSES) == [(["a", "b"], ["a", "a+b", "b"]), (["c"], ["c"])]
    settings = {"cyclic": False, "hard": False, "penalty": 950.0, "over_penalty": 0.0}
    whole = covering._model(requirement, shifts, CLASSES, open_mask=is_open, **settings).problem
    count, row_part, col_part = covering._components(whole.matrix)
    expected = [covering._fingerprint(covering.Problem(block, whole.costs[cols], whole.upper[cols],
                                                       whole.row_bounds[rows], whole.integer[cols]))
                for rows, cols, block in covering._blocks(whole.matrix, count, row_part, col_part)]
    keys, memo = [], {}
    clusters = []
    with ThreadPoolExecutor(2) as pool:
        for groups, classes in covering._skill_clusters(GROUPS, CLASSES):
            cluster = covering._Cluster(
                Requirement(requirement.starts, STEP, groups, {g: requirement.required[g] for g in groups}, False),
                [s for s in shifts if s.group in classes], classes, is_open, settings)
            assert cluster.dive(memo, pool)
            keys += cluster.keys
            clusters.append(cluster)
    assert keys == expected  # the same parts, in the same order, with the same data
    with_shifts = [(cluster, local) for cluster in clusters for local, (_, days) in enumerate(cluster.recipes)
                   if days]
    assert any(len(cluster.recipes[local][1]) > 1 for cluster, local in with_shifts)  # nights join days
    for cluster, local in with_shifts:
        model, rows, cols, problem = cluster.part(local)  # raises when the part built again is not the same
        assert covering._fingerprint(problem) == cluster.keys[local]
        assert model.n < len(requirement.starts) or cluster.recipes[local][1][-1] >= DAYS - 2  # a window of days


@pytest.mark.parametrize("gap", [0.0, 0.02])
def test_clients_solved_together_get_each_ones_schedule_searched_parts_included(gap):
    """Searched to the gap part by part, the joint schedule is each client's alone: counts, breaks, agents at work
    per interval; with gap 0 the search changes parts' answers, written back into the schedule."""
    requirement, shifts, is_open = _scenario()
    together = covering.solve(requirement, shifts, open_mask=is_open, gap=gap, under_penalty=950.0)
    assert together.solver["searched"] > 0 or gap > 0  # with gap 0, branch and bound changed parts
    alone = {}
    for groups, classes in covering._skill_clusters(GROUPS, CLASSES):
        mine = Requirement(requirement.starts, STEP, groups, {g: requirement.required[g] for g in groups}, False)
        alone[tuple(groups)] = covering.solve(mine, [s for s in shifts if s.group in classes], open_mask=is_open,
                                              gap=gap, under_penalty=950.0)
    if gap == 0.0:
        assert together.counts == {**alone["a", "b"].counts, **alone["c",].counts}
        assert together.breaks == {**alone["a", "b"].breaks, **alone["c",].breaks}
        for groups, schedule in alone.items():
            for name, at_work in schedule.at_work.items():
                assert together.at_work[name] == pytest.approx(at_work, abs=0)
            for g in groups:
                assert together.scheduled[g] == pytest.approx(schedule.scheduled[g], abs=1e-9)
        assert together.on_shift_total == pytest.approx(sum(s.on_shift_total for s in alone.values()), abs=0)
        assert together.cost == pytest.approx(sum(s.cost for s in alone.values()))
    # Whatever the gap, the schedule is the search's answer: its objective is its shifts' cost and the penalty of
    # what it leaves uncovered ...
    uncovered = sum(np.maximum(0.0, np.asarray(requirement.required[g]) - together.scheduled[g]).sum()
                    for g in GROUPS)
    assert together.objective == pytest.approx(together.cost + 950.0 * uncovered, rel=1e-9)
    # ... and its agents at work are what its counts and breaks make.
    for name, at_work in together.at_work.items():
        made = np.zeros(len(requirement.starts))
        for (shift, day), agents in together.counts.items():
            template = next(s for s in shifts if s.name == shift)
            if template.group == name:
                first = day * PER_DAY + template.start_min // STEP
                made[first:first + template.length_min // STEP] += agents
        for (shift, _, j, start), agents in together.breaks.items():
            template = next(s for s in shifts if s.name == shift)
            if template.group == name and start >= 0:
                made[start:start + template.breaks[j].length_min // STEP] -= agents
        assert at_work == pytest.approx(made, abs=0)
