"""The plan's simulation scenario: the plan's domain queues with their forecast volumes, against the agent
groups on shift (one per skill set, on the phones after shrinkage), as the simulator's Scenario."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from casashore.domain.queue import Queue
from casashore.plan.scenario import PlanScenario
from casashore.simulate.inputs import Scenario, SimulatedQueue, Simulation, StaffedGroup


def simulation_scenario(scenario: PlanScenario, calls: Mapping[str, Sequence[float]],
                        aht_s: Mapping[str, float], at_work: Mapping[str, Sequence[float]],
                        intervals: int) -> Scenario:
    """The simulator's scenario of a plan: per queue (by name) its calls per interval and mean handle time from
    the staffing step; per skill set (``fr+es``) the agents at work per interval from the schedule, of whom
    ``1 - shrinkage`` are on the phones (groups with nobody on the phones are left out)."""
    # Every fact of the domain queue passes on, so a field added to domain/queue.py reaches the simulator too.
    queues = [SimulatedQueue(**q.model_dump(include=set(Queue.model_fields)) | {
                  "calls": [round(c, 6) for c in calls[q.name]], "aht_s": aht_s[q.name]})
              for q in scenario.queues]
    groups = []
    for skill_set, agents in at_work.items():
        on_phone = np.rint(np.asarray(agents) * (1 - scenario.site.shrinkage)).astype(int)
        if on_phone.any():
            groups.append(StaffedGroup(name=skill_set, skills={s: 1 for s in skill_set.split("+")},
                                       agents=on_phone.tolist()))
    return Scenario(interval_min=scenario.plan.interval_min, intervals=intervals, queues=queues, groups=groups,
                    simulation=Simulation(replications=scenario.plan.replications, seed=scenario.plan.seed))
