"""Multi-skill staffing: the cheapest agents per group and interval that meet every queue's service goal.

No formula covers agents with several skills, priorities and overflow delays; simulation does. The search,
interval by interval (each simulated as a stationary period after a warm-up, as the formulas assume):

1. Erlang bounds. *Split*: each queue staffed alone (Erlang A, or C without patience) — what dedicated
   specialists need. *Pooled*: all the interval's calls in one queue for a fully flexible pool, with the
   strictest goal — what agents holding every skill would need; it is the lower bound when all AHTs are equal.
2. Two starting points: the split requirement of each queue put on its cheapest specialist group (the group
   with the fewest skills that serves it), and, where some group holds every skill, the pooled requirement on
   it. Each start is first repaired (agents added to the cheapest group serving the worst queue) until every
   queue meets its goal in simulation.
3. Descent: remove agents from the costliest groups first, in steps that halve on failure, while every queue
   still meets its goal; then trades while goals hold: an agent for one of a cheaper group, two agents for one
   of a group that serves all their queues (and costs less than two); and descent again. The cheaper of the two
   results wins.

Every candidate is simulated with the same random numbers (common seeds), so that comparisons between
candidates are not blurred by noise. A goal is met when the mean service level over the replications reaches
it; the result carries the 95 % half-widths so that a planner sees the margin. This is a local search, not a
proof of optimality.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from casashore.errors import UserError
from casashore.queueing.staffing import required_agents
from casashore.simulate.engine import OFFERED, WITHIN_TARGET
from casashore.simulate.estimates import ratio_estimate
from casashore.simulate.inputs import Scenario
from casashore.simulate.replications import run
from casashore.simulate.results import GroupStaffing, StaffedInterval
from casashore.simulate.scenario import centre_from_scenario
from casashore.simulate.single_queue import MAX_CALLS


class IntervalStaffing(NamedTuple):
    agents: np.ndarray
    """[G] agents per group."""
    cost: float
    service_level: np.ndarray
    """[Q] simulated service level with these agents."""
    service_level_ci95: np.ndarray
    split_agents: int
    """Sum of each queue staffed alone by Erlang: dedicated specialists."""
    pooled_agents: int
    """Erlang requirement of all calls in one fully flexible pool."""
    evaluations: int


def erlang_bounds(scenario: Scenario, interval: int) -> tuple[np.ndarray, int]:
    """Per-queue split requirement [Q] and the pooled requirement for interval ``interval``."""
    interval_s = scenario.interval_min * 60.0
    calls = np.array([q.calls[interval] if len(q.calls) > 1 else q.calls[0] for q in scenario.queues])
    aht = np.array([q.aht_s for q in scenario.queues])
    patience = np.array([q.patience_s if q.patience_s is not None else math.inf for q in scenario.queues])
    target = np.array([q.target_s for q in scenario.queues])
    goal = np.array([q.service_level for q in scenario.queues])
    traffic = calls * aht / interval_s
    split = required_agents(traffic, aht, target_s=target, service_level=goal, patience_s=patience)
    total_calls = calls.sum()
    if total_calls == 0:
        return split, 0
    pooled_aht = traffic.sum() * interval_s / total_calls
    pooled_patience = (np.sum(calls * patience) / total_calls) if np.isfinite(patience).all() else math.inf
    pooled = required_agents(np.array([traffic.sum()]), np.array([pooled_aht]), target_s=target.min(),
                             service_level=goal.max(), patience_s=pooled_patience)
    return split, int(pooled[0])


def staff_interval(scenario: Scenario, interval: int, *, replications: int = 40, seed: int = 0,
                   max_evaluations: int = 400) -> IntervalStaffing:
    """The cheapest group sizes found for one interval (see the module's description of the search)."""
    groups, queues = scenario.groups, scenario.queues
    cost = np.array([g.cost for g in groups])
    goal = np.array([q.service_level for q in queues])
    serves = np.array([[q.skill in g.skills for q in queues] for g in groups])  # [G, Q]
    split, pooled = erlang_bounds(scenario, interval)
    stationary = _one_interval(scenario, interval)
    evaluations = 0
    seen: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def service(agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nonlocal evaluations
        key = tuple(agents)
        if key not in seen:
            evaluations += 1
            centre = centre_from_scenario(stationary, agents=agents[:, None].astype(np.int64),
                                          warmup_s=stationary.interval_min * 60.0)
            batch = run(centre, replications, seed, workers=1)
            est = ratio_estimate(batch.calls[..., 0, WITHIN_TARGET], batch.calls[..., 0, OFFERED])
            mean = np.where(np.isnan(est.mean), 1.0, est.mean)  # a queue with no call meets any goal
            seen[key] = (mean, est.half_width)
        return seen[key]

    def meets(agents: np.ndarray) -> bool:
        return bool((service(agents)[0] >= goal).all())

    def repair(agents: np.ndarray) -> np.ndarray:
        while not meets(agents) and evaluations < max_evaluations:
            worst = int(np.argmax(goal - service(agents)[0]))
            candidates = np.flatnonzero(serves[:, worst])
            g = candidates[np.lexsort((serves[candidates].sum(axis=1), cost[candidates]))[0]]
            agents = agents.copy()
            agents[g] += max(1, int(0.05 * agents.sum()))
        return agents

    def descend(agents: np.ndarray) -> np.ndarray:
        order = np.argsort(-cost, kind="stable")
        steps = np.maximum(1, agents // 4)
        improved = True
        while improved and evaluations < max_evaluations:
            improved = False
            for g in order:
                while agents[g] > 0 and evaluations < max_evaluations:
                    trial = agents.copy()
                    trial[g] -= min(steps[g], agents[g])
                    if meets(trial):
                        agents, improved = trial, True
                    elif steps[g] > 1:
                        steps[g] //= 2
                    else:
                        break
        return agents

    def trade(agents: np.ndarray) -> np.ndarray:
        """Cheaper swaps while every goal holds: one agent for one of a cheaper group, or two agents for one of
        a group that serves all their queues."""
        swaps = [(g, f, 1) for g in range(len(groups)) for f in range(len(groups)) if cost[f] < cost[g]]
        swaps += [(g, f, 2) for g in range(len(groups)) for f in range(len(groups))
                  if f != g and (serves[f] >= serves[g]).all() and cost[f] < 2 * cost[g]]
        traded = True
        while traded and evaluations < max_evaluations:
            traded = False
            for g, f, given in swaps:
                while agents[g] >= given and evaluations < max_evaluations:
                    trial = agents.copy()
                    trial[g] -= given
                    trial[f] += 1
                    if not meets(trial):
                        break
                    agents, traded = trial, True
        return descend(agents)

    starts = [_specialist_start(split, serves, cost)]
    flexible = np.flatnonzero(serves.all(axis=1))
    if flexible.size:
        start = np.zeros(len(groups), np.int64)
        start[flexible[np.argmin(cost[flexible])]] = pooled
        starts.append(start)
    if not np.any(split):
        starts = [np.zeros(len(groups), np.int64)]
    results = [trade(descend(repair(start))) for start in starts]
    best = min(results, key=lambda a: (float(cost @ a), a.sum()))
    mean, half = service(best)
    return IntervalStaffing(best, float(cost @ best), mean, half, int(split.sum()), pooled, evaluations)


def staff_scenario(scenario: Scenario, *, replications: int = 40, seed: int = 0,
                   progress: Callable[[int], None] | None = None) -> list[IntervalStaffing]:
    """``staff_interval`` for every interval of the scenario (identical intervals are solved once)."""
    busiest = max(sum(q.calls[i] if len(q.calls) > 1 else q.calls[0] for q in scenario.queues)
                  for i in range(scenario.interval_count))
    if 2 * busiest * replications > MAX_CALLS / 100:  # each candidate simulates warm-up + interval, ~100 candidates
        raise UserError("queues[].calls", f"{busiest:.3g} calls in an interval",
                        "volumes a search by simulation can handle (check the volumes, or fewer replications)")
    solved: dict[tuple, IntervalStaffing] = {}
    results = []
    for i in range(scenario.interval_count):
        key = tuple(q.calls[i] if len(q.calls) > 1 else q.calls[0] for q in scenario.queues)
        if key not in solved:
            solved[key] = staff_interval(scenario, i, replications=replications, seed=seed)
        results.append(solved[key])
        if progress:
            progress(1)
    return results


def group_staffing(scenario: Scenario, found: list[IntervalStaffing]) -> GroupStaffing:
    """``staff_scenario``'s answer named: agents per group, service level per queue, the totals."""
    intervals = [StaffedInterval(
        interval=i, start_min=i * scenario.interval_min,
        agents={g.name: int(n) for g, n in zip(scenario.groups, r.agents, strict=True)},
        cost=r.cost, split_agents=r.split_agents, pooled_agents=r.pooled_agents,
        service_level={q.name: float(v) for q, v in zip(scenario.queues, r.service_level, strict=True)},
        service_level_ci95={q.name: float(v) for q, v in zip(scenario.queues, r.service_level_ci95, strict=True)})
        for i, r in enumerate(found)]
    return GroupStaffing(intervals=intervals, cost=sum(r.cost for r in intervals),
                         agent_intervals=sum(sum(r.agents.values()) for r in intervals))


def _specialist_start(split: np.ndarray, serves: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Each queue's split requirement on the group with the fewest skills (then the cheapest) serving it."""
    agents = np.zeros(serves.shape[0], np.int64)
    for q, need in enumerate(split):
        candidates = np.flatnonzero(serves[:, q])
        g = candidates[np.lexsort((cost[candidates], serves[candidates].sum(axis=1)))[0]]
        agents[g] += int(need)
    return agents


def _one_interval(scenario: Scenario, interval: int) -> Scenario:
    """The scenario reduced to interval ``interval``, its demand held constant (a stationary period)."""
    queues = [q.model_copy(update={"calls": [q.calls[interval] if len(q.calls) > 1 else q.calls[0]]})
              for q in scenario.queues]
    groups = [g.model_copy(update={"agents": [0]}) for g in scenario.groups]
    return scenario.model_copy(update={"queues": queues, "groups": groups, "intervals": 1})
