"""The simulator's results, typed: a centre's measures per queue, interval and agent group (the plan's simulation
step is this same record), the run around them (its speed, the trace's calls), and the single-queue mode's run.
Each record's fields are its JSON keys in the order ``casashore simulate --json`` prints them
(docs/architecture.md): ``to_json()`` is that JSON exactly. Numbers are None where nothing was measured."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from casashore.domain.columns import Floats, Ints, Rows
from casashore.domain.json_record import JsonRecord, flattened, optional_key
from casashore.domain.units import json_number

if TYPE_CHECKING:  # estimates.py loads scipy.stats, which a plan read back from the workspace never needs
    from casashore.simulate.estimates import Estimate


@dataclass(frozen=True)
class CallMeasures(JsonRecord):
    """The call measures (simulate/estimates.py CALL_MEASURES) with their 95 % half-widths."""
    p_wait: float | None
    p_wait_ci95: float | None
    p_abandon: float | None
    p_abandon_ci95: float | None
    service_level: float | None
    service_level_ci95: float | None
    asa: float | None
    asa_ci95: float | None
    mean_time_to_abandon: float | None
    mean_time_to_abandon_ci95: float | None

    @classmethod
    def at(cls, estimates: dict[str, Estimate], index: int | tuple[int, ...] = ()) -> CallMeasures:
        """The measures of ``estimates`` (estimates.call_measures) at ``index`` (a queue, a queue and interval)."""
        values = {}
        for name, estimate in estimates.items():
            values[name] = json_number(estimate.mean[index])
            values[f"{name}_ci95"] = json_number(estimate.half_width[index])
        return cls(**values)

    @classmethod
    def grid(cls, estimates: dict[str, Estimate]) -> list[list[CallMeasures]]:
        """``at`` at every (queue, interval) of 2-D estimates, the same values: the arrays are read as lists once
        (a numpy scalar per measure and interval cost more than the simulation itself on a month of 30 queues)."""
        names, columns = [], []
        for name, estimate in estimates.items():
            names += [name, f"{name}_ci95"]
            columns += [estimate.mean.tolist(), estimate.half_width.tolist()]
        return [[cls(**{name: json_number(column[q][i]) for name, column in zip(names, columns, strict=True)})
                 for i in range(len(columns[0][q]))] for q in range(len(columns[0]))]


@dataclass(frozen=True)
class QueueInterval(JsonRecord):
    interval: int
    start_min: float
    offered: float
    measures: CallMeasures = flattened()


def _interval_columns(length: int, interval_min: float | None = None) -> dict:
    """``interval`` 0, 1, ... and ``start_min`` ``i * interval_min``, ints or floats as ``interval_min`` is."""
    index = np.arange(length, dtype=np.int64)
    if interval_min is None:
        return {"interval": Ints(index)}
    start = Ints(index * interval_min) if isinstance(interval_min, int) else Floats(index * float(interval_min))
    return {"interval": Ints(index), "start_min": start}


class QueueIntervals(Rows):
    """A queue's QueueInterval rows, held as one array per measure (domain/columns.py)."""
    row_type = QueueInterval

    @classmethod
    def of(cls, offered: np.ndarray, measures: Mapping[str, tuple[np.ndarray, np.ndarray]],
           interval_min: float) -> QueueIntervals:
        """From each call measure's means and 95 % half-widths per interval (NaN or infinite: null); a measure
        missing from ``measures`` is null throughout (an email queue has no p_wait)."""
        offered = np.asarray(offered, dtype=np.float64)
        columns = {**_interval_columns(len(offered), interval_min), "offered": Floats(offered)}
        nothing = np.full(len(offered), np.nan)
        for field in fields(CallMeasures):
            name, half = field.name.removesuffix("_ci95"), field.name.endswith("_ci95")
            values = measures[name][half] if name in measures else nothing
            columns[field.name] = Floats.finite_or_null(np.asarray(values, dtype=np.float64))
        return cls(columns)

    @classmethod
    def of_estimates(cls, offered: np.ndarray, estimates: dict[str, Estimate], interval_min: float,
                     index: int | tuple = ()) -> QueueIntervals:
        """From estimates.call_measures over [.., interval] counts, at ``index`` (a queue)."""
        return cls.of(offered, {name: (e.mean[index], e.half_width[index]) for name, e in estimates.items()},
                      interval_min)


@dataclass(frozen=True)
class QueueResult(JsonRecord):
    queue: str
    skill: str
    offered: float
    service_level_goal: float
    """voice and chat: the share answered within the target; email: the share taken up within the deadline"""
    measures: CallMeasures = flattened()
    intervals: QueueIntervals
    channel: str | None = optional_key()
    """chat or email (absent for voice): an email queue's service_level is its share taken up within the
    deadline per interval of arrival, and it has no p_wait, p_abandon or time to abandon"""
    backlog: list[float] | None = optional_key()
    """email: the fluid backlog (queueing/email_backlog.py) at each interval boundary with the agents simulated"""

    def __post_init__(self) -> None:  # a list of QueueInterval given: held as columns
        object.__setattr__(self, "intervals", QueueIntervals.of_rows(self.intervals))


@dataclass(frozen=True)
class GroupInterval(JsonRecord):
    interval: int
    occupancy: float | None
    occupancy_ci95: float | None


class GroupIntervals(Rows):
    """A group's GroupInterval rows, held as arrays."""
    row_type = GroupInterval

    @classmethod
    def of(cls, mean: np.ndarray, half_width: np.ndarray) -> GroupIntervals:
        return cls({**_interval_columns(len(mean)), "occupancy": Floats.finite_or_null(mean),
                    "occupancy_ci95": Floats.finite_or_null(half_width)})


@dataclass(frozen=True)
class GroupResult(JsonRecord):
    group: str
    occupancy: float | None
    """agent-seconds busy over agent-seconds logged in; a chat group's: agents holding at least one chat (an agent
    holding any counts as busy, so near 1 whenever every agent holds one), not the share of its slots in use"""
    occupancy_ci95: float | None
    intervals: GroupIntervals
    max_sessions: int | None = optional_key()
    """a chat group's (absent otherwise): the sessions an agent may hold at once"""
    slot_use: float | None = optional_key()
    """a chat group's (absent otherwise): sessions held over agents x max_sessions, the share of the chat slots in
    use over the whole horizon"""
    slot_use_ci95: float | None = optional_key()

    def __post_init__(self) -> None:  # a list of GroupInterval given: held as columns
        object.__setattr__(self, "intervals", GroupIntervals.of_rows(self.intervals))


@dataclass(frozen=True)
class SimulatedCentre(JsonRecord):
    """A scenario's centre simulated: what it measured, nothing of the machine (the plan stores it as is)."""
    replications: int
    queues: list[QueueResult]
    groups: list[GroupResult]
    calls_simulated: int


@dataclass(frozen=True, kw_only=True)  # keyword-only: trace_calls has a default, calls_per_second none
class CentreRun(JsonRecord):
    """`casashore simulate SCENARIO`'s result: the centre's measures and the run's speed."""
    centre: SimulatedCentre = flattened()
    calls_per_second: float | None
    """a timing, not a result: None when the engine took no measurable time"""
    trace_calls: int | None = optional_key()
    """calls written to --trace"""


@dataclass(frozen=True)
class ErlangReference(JsonRecord):
    """The capacity core's Erlang A (or C, without patience) for a single queue, beside its simulation."""
    model: str
    p_wait: float | None
    p_abandon: float | None
    service_level: float | None
    asa: float | None
    occupancy: float | None


@dataclass(frozen=True, kw_only=True)  # keyword-only: formula and trace_calls have defaults, the rest none
class SingleQueueRun(JsonRecord):
    """`casashore simulate --calls ...`'s result: every counted interval pooled."""
    measures: CallMeasures = flattened()
    occupancy: float | None
    occupancy_ci95: float | None
    calls_offered: int
    calls_simulated: int
    replications: int
    engine_s: float
    calls_per_second: float | None
    formula: ErlangReference | None = optional_key()
    """when handle times and patience are exponential"""
    trace_calls: int | None = optional_key()

    def row(self) -> dict:
        """The run as one CSV row: every number, the formula's apart."""
        return {k: v for k, v in self.to_json().items() if k != "formula"}


@dataclass(frozen=True)
class StaffedInterval(JsonRecord):
    """One interval's cheapest agents per group (simulate/multiskill.py), with the Erlang bounds beside them."""
    interval: int
    start_min: float
    agents: dict[str, int]
    """group -> agents"""
    cost: float
    split_agents: int
    """each queue staffed alone by Erlang: dedicated specialists"""
    pooled_agents: int
    """Erlang's requirement for one pool of agents with every skill"""
    service_level: dict[str, float]
    """queue -> simulated service level with these agents"""
    service_level_ci95: dict[str, float]

    def row(self) -> dict:
        """The interval as one CSV row: a column per group and per queue's service level."""
        return {"interval": self.interval, "start_min": self.start_min, **self.agents, "cost": self.cost,
                "split_agents": self.split_agents, "pooled_agents": self.pooled_agents,
                **{f"service_level_{k}": v for k, v in self.service_level.items()}}


@dataclass(frozen=True)
class GroupStaffing(JsonRecord):
    """`casashore simulate SCENARIO --staff`'s result."""
    intervals: list[StaffedInterval]
    cost: float
    agent_intervals: int


def calls_per_second(simulated: np.ndarray, engine_s: float) -> float | None:
    """The engine's speed over ``simulated`` (calls per replication); None when it took no measurable time."""
    return float(simulated.sum() / engine_s) if engine_s > 0 else None
