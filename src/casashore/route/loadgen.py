"""The simulator's scenario as load for the live router: the same queues, volumes, handle times, patience and
agent groups as `casashore simulate`, played through the router's core in virtual time, so that what the router
does live can be compared with the plan (and with Erlang A where it applies).

Calls arrive as a Poisson process per queue with the interval's rate; agents of each group log in and out at
interval boundaries to match the group's staffing (a leaving agent finishes the call in hand); an offered agent
accepts after ``ring_s``; a caller whose patience runs out before an agent accepts hangs up. Each group's skill
overflow delays become skill relaxation: a group that takes a skill only after a delay is a level-2 agent for it,
and the queue relaxes after that delay. The router then decides everything: which call, which agent, when — with
its own rules (calls by priority then age across queues, agents by the selection rule), not the simulator's
per-group skill priorities (a freed trilingual takes the oldest call it may take, not its first skill's): for
one queue or pooled agents both give the same law, and the comparison shows where the rules differ.
"""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np

from casashore.domain.units import json_number
from casashore.route.state.core import Router, RoutingQueue, Selection
from casashore.simulate.estimates import ratio_estimate
from casashore.simulate.inputs import Duration, Scenario


def sample(law: Duration, mean_s: float, rng: np.random.Generator) -> float:
    """One duration of the law with the given mean (the simulator's laws, drawn with numpy)."""
    if law.distribution == "exponential":
        return float(rng.exponential(mean_s))
    if law.distribution == "lognormal":
        sigma2 = math.log1p(law.cv**2)
        return float(rng.lognormal(math.log(mean_s) - sigma2 / 2, math.sqrt(sigma2)))
    if law.distribution == "gamma":
        return float(rng.gamma(1 / law.cv**2, mean_s * law.cv**2))
    return float(rng.choice(law.values_s))


def _one_run(scenario: Scenario, rng: np.random.Generator, ring_s: float, selection: Selection) -> np.ndarray:
    """Per queue: offered, answered, answered within target, abandoned, total wait of answered calls."""
    interval_s = scenario.interval_min * 60
    intervals = scenario.interval_count
    relax = {skill: min((g.delay_s[skill] for g in scenario.groups if g.delay_s.get(skill, 0) > 0), default=None)
             for skill in {q.skill for q in scenario.queues}}
    router = Router({q.name: RoutingQueue.of(q, relax_after_s=relax[q.skill], max_waiting=10**9)
                     for q in scenario.queues},
                    selection=selection, offer_timeout_s=math.inf, wrap_up_s=0.0)
    by_name = {q.name: q for q in scenario.queues}
    staff: list[list[str]] = []
    for group in scenario.groups:
        ids = [f"{group.name}#{k}" for k in range(max(group.agents))]
        # A group that takes a skill only after an overflow delay is a level-2 agent for it.
        skills = {skill: 2 if group.delay_s.get(skill, 0) > 0 else 1 for skill in group.skills}
        for agent_id in ids:
            router.add_agent(agent_id, skills, 0.0)
        staff.append(ids)
    events: list[tuple[float, int, str, str]] = []
    order = itertools.count()

    def at(time_s: float, kind: str, subject: str) -> None:
        heapq.heappush(events, (time_s, next(order), kind, subject))

    for i in range(intervals):
        at(i * interval_s, "staffing", str(i))
        for q in scenario.queues:
            volume = q.calls[i if len(q.calls) > 1 else 0]
            for t in np.sort(rng.uniform(i * interval_s, (i + 1) * interval_s, rng.poisson(volume))):
                at(float(t), "arrival", q.name)
    tally = {q.name: np.zeros(5) for q in scenario.queues}
    serial = itertools.count()
    while events:
        now, _, kind, subject = heapq.heappop(events)
        if kind == "staffing":
            i = int(subject)
            for group, ids in zip(scenario.groups, staff, strict=True):
                on = group.agents[i if len(group.agents) > 1 else 0]
                for k, agent_id in enumerate(ids):
                    wanted = "available" if k < on else "offline"
                    if router.agents[agent_id].status != wanted:
                        router.set_status(agent_id, wanted, now)
        elif kind == "arrival":
            call_id = f"c{next(serial)}"
            queue = by_name[subject]
            router.arrive(call_id, subject, now)
            tally[subject][0] += 1
            if queue.patience_s is not None:
                at(now + sample(queue.patience, queue.patience_s, rng), "patience", call_id)
            if relax[queue.skill] is not None:
                at(now + relax[queue.skill], "relax", call_id)
        elif kind == "accept":
            agent_id, call_id = subject.split(" ")
            if router.accept(agent_id, call_id, now):
                call = router.calls[call_id]
                wait = now - call.arrived_at
                tally[call.queue][1:3] += (1, wait <= by_name[call.queue].target_s)
                tally[call.queue][4] += wait
                at(now + sample(by_name[call.queue].handle, by_name[call.queue].aht_s, rng), "end", call_id)
        elif kind == "patience":
            call = router.calls.get(subject)  # None: answered and ended already
            if call is not None and call.state in ("waiting", "offered"):
                router.hang_up(subject, now)
                tally[call.queue][3] += 1
        elif kind == "end":
            router.hang_up(subject, now)
            router.tick(now)  # the agent's wrap-up (0 s) ends and the agent takes the next call
        elif kind == "relax":
            router.dispatch(now)  # the call may now go to a level-2 agent
        for _, event, call_id, detail in router.take_events():
            if event == "offered":
                at(now + ring_s, "accept", f"{detail} {call_id}")
            elif event == "ended":
                router.forget(call_id)
    return np.array([tally[q.name] for q in scenario.queues])


def drive(scenario: Scenario, *, replications: int | None = None, seed: int | None = None, ring_s: float = 0.0,
          selection: Selection = "longest_idle") -> dict:
    """The scenario's replications through the router; per queue the measures with 95 % half-widths, named as
    `casashore simulate` names them (service level over offered calls, as in the contracts)."""
    replications = scenario.simulation.replications if replications is None else replications
    seed = scenario.simulation.seed if seed is None else seed
    runs = np.array([_one_run(scenario, np.random.default_rng(stream), ring_s, selection)
                     for stream in np.random.SeedSequence(seed).spawn(replications)])  # [R, Q, 5]
    offered, answered, in_target, abandoned, wait = (runs[..., k] for k in range(5))
    measures = {"service_level": ratio_estimate(in_target, offered), "p_abandon": ratio_estimate(abandoned, offered),
                "asa": ratio_estimate(wait, answered)}
    queues = []
    for q, queue in enumerate(scenario.queues):
        row = {"queue": queue.name, "offered": float(offered[:, q].mean())}
        for name, estimate in measures.items():
            row[name] = json_number(estimate.mean[q])
            row[f"{name}_ci95"] = json_number(estimate.half_width[q])
        queues.append(row)
    return {"replications": replications, "calls_routed": int(offered.sum()), "queues": queues}
