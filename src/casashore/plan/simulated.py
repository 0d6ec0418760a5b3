"""The plan's simulation scenario: the plan's domain queues with their forecast volumes, against the agent
groups on shift (one per skill set, on the phones after shrinkage), as the simulator's Scenario.

A site of several clients whose agents share no skill (no shift joins a skill of one to a skill of another) is
several independent centres: each such *block* of skills is simulated on its own, with a seed of its own drawn
from the plan's seed and its skills, so that a block's measures do not depend on the other blocks, and the goal
loop simulates again only the blocks whose schedule changed. A site of one block (the example) is simulated
whole, with the plan's seed, as before."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

import numpy as np

from casashore.domain.queue import Queue
from casashore.plan.scenario import PlanScenario, skill_blocks
from casashore.simulate.inputs import Scenario, SimulatedQueue, Simulation, StaffedGroup
from casashore.simulate.results import SimulatedCentre


def simulation_scenario(scenario: PlanScenario, calls: Mapping[str, Sequence[float]],
                        aht_s: Mapping[str, float], at_work: Mapping[str, Sequence[float]],
                        intervals: int, skills: set[str] | None = None, seed: int | None = None) -> Scenario:
    """The simulator's scenario of a plan: per queue (by name) its calls per interval and mean handle time from
    the staffing step; per skill set (``fr+es``) the agents at work per interval from the schedule, of whom
    ``1 - shrinkage`` are on the phones (groups with nobody on the phones are left out). With ``skills``, only
    the queues and groups of those skills; ``seed`` instead of the plan's."""
    def kept(skill_set: str) -> bool:
        return skills is None or set(skill_set.split("+")) <= skills

    # Every fact of the domain queue passes on, so a field added to domain/queue.py reaches the simulator too.
    queues = [SimulatedQueue(**q.model_dump(include=set(Queue.model_fields)) | {
                  "calls": [round(c, 6) for c in calls[q.name]], "aht_s": aht_s[q.name]})
              for q in scenario.queues if kept(q.skill)]
    groups = []
    for skill_set, agents in at_work.items():
        on_phone = np.rint(np.asarray(agents) * (1 - scenario.site.shrinkage)).astype(int)
        if on_phone.any() and kept(skill_set):
            groups.append(StaffedGroup(name=skill_set, skills={s: 1 for s in skill_set.split("+")},
                                       agents=on_phone.tolist()))
    return Scenario(interval_min=scenario.plan.interval_min, intervals=intervals, queues=queues, groups=groups,
                    simulation=Simulation(replications=scenario.plan.replications,
                                          seed=scenario.plan.seed if seed is None else seed))


def block_scenarios(scenario: PlanScenario, calls: Mapping[str, Sequence[float]], aht_s: Mapping[str, float],
                    at_work: Mapping[str, Sequence[float]], intervals: int) -> list[Scenario]:
    """The simulator's scenarios of a plan's voice queues: one, the whole site, when their skills form one block;
    else one per block, each with a seed drawn from the plan's seed and the block's skills. A chat or email
    queue's skill, or a blended pool's, is a block of its own, simulated by its channel's engine or the blended
    one (plan/channels.py), not here."""
    voice = {q.skill for q in scenario.queues if q.channel == "voice"} - set(scenario.blended_pools)
    blocks = [block for block in skill_blocks(scenario) if set(block) <= voice]
    if len(blocks) == 1:
        return [simulation_scenario(scenario, calls, aht_s, at_work, intervals, set(blocks[0])
                                    if len(voice) < len(scenario.skills) else None)]
    seeds = [int.from_bytes(hashlib.sha256(json.dumps([scenario.plan.seed, block]).encode()).digest()[:8],
                            "big") >> 1 for block in blocks]
    return [simulation_scenario(scenario, calls, aht_s, at_work, intervals, set(block), seed)
            for block, seed in zip(blocks, seeds, strict=True)]


def joined(scenario: PlanScenario, parts: Sequence[SimulatedCentre], at_work: Mapping[str, Sequence[float]]
           ) -> SimulatedCentre:
    """The blocks' measures as one centre's: queues in the scenario's order, groups in the schedule's."""
    if len(parts) == 1:
        return parts[0]
    queues = {q.queue: q for part in parts for q in part.queues}
    groups = {g.group: g for part in parts for g in part.groups}
    return SimulatedCentre(replications=parts[0].replications,
                           queues=[queues[q.name] for q in scenario.queues if q.name in queues],
                           groups=[groups[name] for name in at_work if name in groups],
                           calls_simulated=sum(part.calls_simulated for part in parts))
