"""The rest of the day simulated (the project's simulator, simulate/), seeded: each queue served by the agents on
it, on sub-intervals of ``step_s`` so that breaks shorter than an interval count; the counts summed back to the
grid's intervals, each service level with its 95 % interval across replications.

What the formula assumes the simulation keeps: one handle time per queue, calls Poisson at the reforecast's mean
(its band is not drawn), an agent serves one queue at a time (the one the roster or a move gives her). The centre
starts warm: WARMUP_MIN simulated before the as-of time with the first sub-interval's calls and agents (the
calls actually waiting at the as-of time are not known to the re-plan).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from casashore.intraday.day import AgentShift, Grid, QueueRest, staffed
from casashore.simulate.engine import OFFERED, WITHIN_TARGET
from casashore.simulate.estimates import ratio_estimate
from casashore.simulate.inputs import scenario_from_dict
from casashore.simulate.scenario import simulate_scenario

WARMUP_MIN = 30.0


class Simulated(NamedTuple):
    counts: np.ndarray
    """[R, Q, I, 2]: offered and answered within target per replication, queue and interval of the grid"""

    def level(self) -> tuple[np.ndarray, np.ndarray]:
        """[Q, I] service level and its 95 % half-width (NaN where no call was offered)."""
        estimate = ratio_estimate(self.counts[..., 1], self.counts[..., 0])
        return estimate.mean, estimate.half_width

    def pooled(self, cells: tuple[tuple[int, int], ...]) -> tuple[float, float]:
        """The service level over ``cells`` together (all their calls) and its 95 % half-width."""
        q, i = (np.array(x, int) for x in zip(*cells, strict=True))
        picked = self.counts[:, q, i, :].sum(axis=1)
        estimate = ratio_estimate(picked[:, 1], picked[:, 0])
        return float(estimate.mean), float(estimate.half_width)


def simulate(queues: list[QueueRest], shifts: list[AgentShift], grid: Grid, *, replications: int, seed: int,
             step_s: float = 300.0) -> Simulated:
    """The rest of the day with ``shifts`` as they are, ``replications`` times from ``seed``."""
    per = int(round(grid.interval_s / step_s))
    if per < 1 or abs(per * step_s - grid.interval_s) > 1e-6:
        step_s, per = grid.interval_s, 1
    index = {q.name: k for k, q in enumerate(queues)}
    agents = np.rint(staffed(shifts, grid, index, step_s)).astype(int)
    share = step_s / grid.interval_s
    scenario = scenario_from_dict({
        "interval_min": step_s / 60.0,
        "queues": [{"name": q.name, "skill": q.name, "aht_s": q.aht_s, "target_s": q.target_s,
                    "service_level": q.goal,
                    **({} if q.patience_s is None else {"patience_s": q.patience_s}),
                    "calls": [float(c) * share for c in np.repeat(q.calls, per)]} for q in queues],
        "groups": [{"name": f"on {q.name}", "skills": {q.name: 1}, "agents": agents[k].tolist()}
                   for k, q in enumerate(queues)],
        "simulation": {"replications": replications, "seed": seed, "warmup_min": WARMUP_MIN}})
    batch, _ = simulate_scenario(scenario)
    calls = batch.calls[..., [OFFERED, WITHIN_TARGET]]
    return Simulated(calls.reshape(calls.shape[0], len(queues), grid.count, per, 2).sum(axis=3))
