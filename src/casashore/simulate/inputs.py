"""The simulator's scenario: queues and agent groups of the domain over a run of intervals, with what the
simulator adds (calls and agents per interval, the laws of handle times and patience, the forecast's
uncertainty, the replications). A scenario is a TOML file; every field carries its unit in its name
(``aht_s``, ``interval_min``). Validation reports the first wrong field by its path, such as
``queues[1].aht_s``, and nothing runs. simulate/scenario.py compiles it into the engine's arrays."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from casashore.domain.agents import AgentGroup
from casashore.domain.base import PositiveSeconds, ScenarioError, Strict, check_unique
from casashore.domain.loading import read_toml, validated
from casashore.domain.queue import Queue
from casashore.errors import UserError

MAX_CALLS_PER_INTERVAL = 1e7
MAX_AGENTS = 1_000_000
MAX_QUEUES = 100
MAX_GROUPS = 200
MAX_INTERVALS = 35_136
"""A leap year of quarter-hours: the longest run of intervals a scenario may hold."""
MAX_REPLICATIONS = 100_000
Count = Annotated[float, Field(ge=0, le=MAX_CALLS_PER_INTERVAL, allow_inf_nan=False)]


def _one_or_many(value: object) -> object:
    """One number stands for every interval: a list of one."""
    return value if isinstance(value, list) else [value]


class Duration(Strict):
    """A law of durations with a given mean (the queue's ``aht_s`` or ``patience_s``)."""

    distribution: Literal["exponential", "lognormal", "gamma", "empirical"] = "exponential"
    cv: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    """Standard deviation over mean, for lognormal and gamma (history gives ~0.8-1.2 for handle times)."""
    values_s: Annotated[list[PositiveSeconds], Field(max_length=1_000_000)] | None = None
    """Observed durations that the empirical law resamples (their mean replaces the queue's mean)."""

    @model_validator(mode="after")
    def _empirical_has_values(self) -> Duration:
        if self.distribution == "empirical" and not self.values_s:
            raise ValueError("an empirical law needs values_s, the observed durations in seconds")
        return self


class SimulatedQueue(Queue):
    """A queue with its calls offered per interval and the laws of its durations."""

    calls: Annotated[list[Count], Field(max_length=MAX_INTERVALS)]
    """Calls offered per interval: one number for every interval, or one per interval."""
    _calls_one_or_many = field_validator("calls", mode="before")(_one_or_many)
    handle: Duration = Duration()
    patience: Duration = Duration()
    forecast_cv: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.0
    """Uncertainty of the forecast: each replication scales the queue's volumes by a gamma factor with mean 1
    and this coefficient of variation (0: the forecast is the Poisson mean)."""

    @model_validator(mode="after")
    def _channel_engine(self) -> SimulatedQueue:
        """What the chat and email engines (simulate/channels.py) do not draw: the forecast's uncertainty, observed
        durations, a patience law other than exponential; refused rather than ignored."""
        if self.channel == "voice":
            return self
        if self.forecast_cv:
            raise ScenarioError("forecast_cv", self.forecast_cv, f"0 on a {self.channel} queue (its engine draws "
                                "the forecast's Poisson mean)", relative=True)
        if self.handle.distribution == "empirical":
            raise ScenarioError("handle.distribution", "empirical", f"exponential, lognormal or gamma on a "
                                f"{self.channel} queue", relative=True)
        if self.channel == "chat" and self.patience.distribution != "exponential":
            raise ScenarioError("patience.distribution", self.patience.distribution, "exponential on a chat queue",
                                relative=True)
        return self


class StaffedGroup(AgentGroup):
    """An agent group with its agents on seat per interval."""

    agents: Annotated[list[Annotated[int, Field(ge=0, le=MAX_AGENTS)]], Field(max_length=MAX_INTERVALS)] = [0]
    """Agents on seat: one number for every interval, or one per interval."""
    _agents_one_or_many = field_validator("agents", mode="before")(_one_or_many)


def _whole_seconds(minutes: float) -> float:
    if minutes * 60 < 1:
        raise ValueError("minutes of at least one second (1/60)")
    return minutes


class Simulation(Strict):
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 100
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    warmup_min: Annotated[float, Field(ge=0, le=1440, allow_inf_nan=False)] = 0.0
    """Minutes simulated before the first interval and not counted (0: the centre opens empty)."""


class Scenario(Strict):
    """Queues and agent groups over a run of intervals."""

    interval_min: Annotated[float, Field(gt=0, le=1440, allow_inf_nan=False), AfterValidator(_whole_seconds)] = 15.0
    intervals: Annotated[int, Field(ge=1, le=MAX_INTERVALS)] | None = None
    """Number of intervals; inferred from the per-interval lists when absent."""
    queues: list[SimulatedQueue] = Field(min_length=1, max_length=MAX_QUEUES)
    groups: list[StaffedGroup] = Field(min_length=1, max_length=MAX_GROUPS)
    simulation: Simulation = Simulation()

    @model_validator(mode="after")
    def _one_channel_queue(self) -> Scenario:
        """A chat or email queue is simulated by its own engine, alone with one agent group; or, with at most one
        queue per channel on one skill and one agent group, as a blended pool by the blended engine
        (simulate/blend_engine.py). Other shapes with a chat or email queue are refused."""
        if self.is_blended:
            for i, queue in enumerate(self.queues):
                if queue.channel == "voice":
                    self._blended_voice(i, queue)
            for skill, delay in self.groups[0].delay_s.items():
                if delay:
                    raise ScenarioError(f"groups[0].delay_s.{skill}", delay, "0 in a blended pool (its agents "
                                        "take a contact as soon as the router's rule lets them)")
            return self
        for i, queue in enumerate(self.queues):
            if queue.channel != "voice" and (len(self.queues) > 1 or len(self.groups) > 1):
                raise ScenarioError(f"queues[{i}].channel", queue.channel, f"a scenario of this {queue.channel} "
                                    f"queue alone with one agent group, or a blended pool: one agent group and at "
                                    f"most one queue per channel, all on one skill (this one has "
                                    f"{len(self.queues)} queues, {len(self.groups)} groups, skills "
                                    f"{', '.join(sorted({q.skill for q in self.queues}))})")
        return self

    @property
    def is_blended(self) -> bool:
        """One agent group serving queues of two or three channels, one queue per channel, on one skill."""
        channels = [q.channel for q in self.queues]
        return (len(self.groups) == 1 and len(self.queues) > 1 and len(set(channels)) == len(channels)
                and len({q.skill for q in self.queues}) == 1)

    def _blended_voice(self, i: int, queue: SimulatedQueue) -> None:
        """What the blended engine does not draw for its voice queue: refused rather than ignored."""
        if queue.forecast_cv:
            raise ScenarioError(f"queues[{i}].forecast_cv", queue.forecast_cv, "0 in a blended pool (its engine "
                                "draws the forecast's Poisson mean)")
        for law in ("handle", "patience"):
            if getattr(queue, law).distribution == "empirical":
                raise ScenarioError(f"queues[{i}].{law}.distribution", "empirical", "exponential, lognormal or "
                                    "gamma in a blended pool")

    def voice_only(self, use: str) -> Scenario:
        """This scenario, refused by the field of its chat or email queue where ``use`` takes voice only."""
        for i, queue in enumerate(self.queues):
            if queue.channel != "voice":
                raise UserError(f"queues[{i}].channel", queue.channel, f"\"voice\": {use} takes voice queues "
                                "only (a chat or email scenario runs in `casashore simulate`)")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        check_unique("queues", [q.name for q in self.queues])
        check_unique("groups", [g.name for g in self.groups])
        skills = {q.skill for q in self.queues}
        for i, queue in enumerate(self.queues):
            if not any(queue.skill in g.skills and math.isfinite(g.delay_s.get(queue.skill, 0.0))
                       for g in self.groups):
                have = sorted({s for g in self.groups for s in g.skills})
                raise ScenarioError(f"queues[{i}].skill", queue.skill,
                                    f"a skill some agent group has ({', '.join(have)}): no group can serve this queue")
        for i, group in enumerate(self.groups):
            for skill in group.skills:
                if skill not in skills:
                    raise ScenarioError(f"groups[{i}].skills.{skill}", skill,
                                        f"a skill some queue needs: {', '.join(sorted(skills))}")
            for skill in group.delay_s:
                if skill not in group.skills:
                    raise ScenarioError(f"groups[{i}].delay_s.{skill}", skill,
                                        f"one of the group's skills: {', '.join(group.skills)}")
        named = list(self._named_lists())
        if named:
            ref_path, ref = ("intervals", self.intervals) if self.intervals else (named[0][0], len(named[0][1]))
            for path, values in named:
                if len(values) != ref:
                    raise ScenarioError(path, f"{len(values)} values",
                                        f"{ref} values, one per interval, as in {ref_path}")
        return self

    def _named_lists(self):
        """The per-interval lists (a list of one number is that number for every interval)."""
        for i, q in enumerate(self.queues):
            if len(q.calls) > 1:
                yield f"queues[{i}].calls", q.calls
        for i, g in enumerate(self.groups):
            if len(g.agents) > 1:
                yield f"groups[{i}].agents", g.agents

    @property
    def interval_count(self) -> int:
        named = list(self._named_lists())
        return len(named[0][1]) if named else (self.intervals or 1)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; any mistake becomes a UserError naming the field's path."""
    return scenario_from_dict(read_toml(path, "scenario"), where=str(path))


def scenario_from_dict(data: dict, where: str | None = None) -> Scenario:
    return validated(Scenario, data, where)
