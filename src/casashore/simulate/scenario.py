"""From a validated ``Scenario`` to the engine's ``Centre``, and from raw counts back to typed results."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from casashore.domain.units import json_number
from casashore.errors import UserError
from casashore.simulate.centre import Centre, routing_tables
from casashore.simulate.distributions import KINDS, NEVER
from casashore.simulate.engine import OFFERED
from casashore.simulate.estimates import call_measures, occupancy
from casashore.simulate.inputs import Duration, Scenario
from casashore.simulate.replications import Batch, expected_calls, run
from casashore.simulate.results import (
    CallMeasures,
    CentreRun,
    GroupIntervals,
    GroupResult,
    QueueIntervals,
    QueueResult,
    SimulatedCentre,
    calls_per_second,
)
from casashore.simulate.single_queue import MAX_AGENTS, MAX_CALLS


def centre_from_scenario(scenario: Scenario, agents: np.ndarray | None = None,
                         warmup_s: float | None = None) -> Centre:
    """The engine's arrays for ``scenario``; ``agents`` [G, I] overrides the groups' staffing. The voice engine's:
    a chat or email queue is refused here (simulate/channel_scenario.py runs those)."""
    scenario.voice_only("the voice engine")
    intervals = scenario.interval_count
    interval_s = scenario.interval_min * 60.0
    queues, groups = scenario.queues, scenario.groups
    observed: list[float] = [0.0]

    def law(duration: Duration, mean_s: float | None) -> tuple[int, float, float, int, int]:
        if mean_s is None:
            return NEVER, 0.0, 1.0, 0, 0
        if duration.distribution == "empirical":
            offset = len(observed)
            observed.extend(duration.values_s)
            return KINDS["empirical"], float(np.mean(duration.values_s)), 1.0, offset, len(duration.values_s)
        return KINDS[duration.distribution], mean_s, duration.cv, 0, 0

    handle = np.array([law(q.handle, q.aht_s) for q in queues], dtype=object)
    patience = np.array([law(q.patience, q.patience_s) for q in queues], dtype=object)
    skill_of = [q.skill for q in queues]
    priority = np.full((len(groups), len(queues)), -1, np.int64)
    delay = np.zeros((len(groups), len(queues)))
    for g, group in enumerate(groups):
        for q, skill in enumerate(skill_of):
            if skill in group.skills:
                priority[g, q] = group.skills[skill]
                delay[g, q] = group.delay_s.get(skill, 0.0)
    served, serving = routing_tables(priority)
    if agents is None:
        agents = np.array([np.broadcast_to(g.agents, intervals) for g in groups], np.int64)
    calls = np.array([np.broadcast_to(q.calls, intervals) for q in queues], float)
    shape = np.array([1.0 / q.forecast_cv**2 if q.forecast_cv > 0 else 0.0 for q in queues])

    def column(table, j, dtype):
        return np.array([row[j] for row in table], dtype)

    return Centre(
        interval_s=interval_s,
        warmup_s=scenario.simulation.warmup_min * 60.0 if warmup_s is None else warmup_s,
        rate_per_s=calls / interval_s, rate_shape=shape,
        target_s=np.array([q.target_s for q in queues], float),
        handle_kind=column(handle, 0, np.int64), handle_mean_s=column(handle, 1, float),
        handle_cv=column(handle, 2, float), handle_offset=column(handle, 3, np.int64),
        handle_length=column(handle, 4, np.int64),
        patience_kind=column(patience, 0, np.int64), patience_mean_s=column(patience, 1, float),
        patience_cv=column(patience, 2, float), patience_offset=column(patience, 3, np.int64),
        patience_length=column(patience, 4, np.int64),
        observed_s=np.array(observed, float), priority=priority, delay_s=delay,
        agents=np.ascontiguousarray(agents, dtype=np.int64), served_queues=served, serving_groups=serving)


def simulate_scenario(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
                      workers: int | None = None, scheduler: str | None = None,
                      progress: Callable[[int], None] | None = None, trace: bool = False) -> tuple[Batch, CentreRun]:
    """Run the scenario's replications; returns the raw batch and the measured centre (see ``summarise``) with the
    run's speed."""
    settings = scenario.simulation
    replications = settings.replications if replications is None else replications
    seed = settings.seed if seed is None else seed
    centre = checked_centre(scenario, replications)
    batch = run(centre, replications, seed, workers=workers, scheduler=scheduler, progress=progress, trace=trace)
    return batch, CentreRun(centre=summarise(scenario, batch),
                            calls_per_second=calls_per_second(batch.simulated, batch.engine_s))


def checked_centre(scenario: Scenario, replications: int) -> Centre:
    """The scenario's centre, once its run is known to stay within the simulator's limits (calls in all, agents
    per group): a UserError before any replication runs otherwise."""
    centre = centre_from_scenario(scenario)
    work = expected_calls(centre, replications) * (1 + centre.warmup_s / (centre.interval_s * centre.intervals))
    if work > MAX_CALLS:
        raise UserError("queues[].calls", f"{work:.2e} calls in all", f"a run of at most {MAX_CALLS:.0e} calls "
                        "(fewer replications, or check the volumes)")
    if centre.agents.max(initial=0) > MAX_AGENTS:
        raise UserError("groups[].agents", int(centre.agents.max()), f"at most {MAX_AGENTS:,} agents per group")
    return centre


def summarise(scenario: Scenario, batch: Batch) -> SimulatedCentre:
    """Per queue (whole run and per interval) and per group: every measure with its 95 % half-width."""
    interval_min = scenario.interval_min
    whole = call_measures(batch.calls.sum(axis=2))          # [Q]
    per_interval = call_measures(batch.calls)               # [Q, I]
    offered = batch.calls[..., OFFERED].mean(axis=0)        # [Q, I]
    # Per queue and group, one array per measure (simulate/results.py's QueueIntervals): a month of 30 queues is
    # 80,000 intervals, which as records per interval held ~2 KB each.
    queues = [QueueResult(queue=queue.name, skill=queue.skill, offered=float(offered[q].sum()),
                          service_level_goal=queue.service_level, measures=CallMeasures.at(whole, q),
                          intervals=QueueIntervals.of_estimates(offered[q], per_interval, interval_min, q))
              for q, queue in enumerate(scenario.queues)]
    occ_whole = occupancy(batch.agent_time.sum(axis=2))
    occ = occupancy(batch.agent_time)
    groups = [GroupResult(group=group.name, occupancy=json_number(occ_whole.mean[g]),
                          occupancy_ci95=json_number(occ_whole.half_width[g]),
                          intervals=GroupIntervals.of(occ.mean[g], occ.half_width[g]))
              for g, group in enumerate(scenario.groups)]
    return SimulatedCentre(replications=int(batch.simulated.size), queues=queues, groups=groups,
                           calls_simulated=int(batch.simulated.sum()))
