"""The plan scenario: a site, its link, its queues and agents, shift templates and labour rules, in one TOML file
validated by pydantic (errors name the field's path, as for the simulator's scenarios)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from casashore.model import ScenarioError, Strict, TimeZoneName, read_toml, validated
from casashore.schedule.rules import LabourRules
from casashore.units import capacity_bps


class Site(Strict):
    name: str = "site"
    time_zone: TimeZoneName = "Africa/Casablanca"
    seats: Annotated[int, Field(ge=1)]
    floor_m2_per_seat: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 7.0
    cost_per_agent_hour: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    currency: str = "MAD"
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.3
    """Share of paid time agents are not on the phones (breaks beyond the scheduled ones, training, absence)."""


class Link(Strict):
    capacity: str = "1G"
    """The cable or circuit, such as 40G."""
    codec: str = "G.711"
    layer: Literal["payload", "ip", "ethernet", "wire"] = "ethernet"
    headroom: Annotated[float, Field(ge=0, lt=1)] = 0.2
    blocking: Annotated[float, Field(gt=0, lt=1)] = 0.001
    """Grade of service for phone lines (Erlang B)."""

    _capacity_ok = field_validator("capacity")(lambda v: (capacity_bps("link.capacity", v), v)[1])

    @property
    def capacity_bps(self) -> float:
        return capacity_bps("link.capacity", self.capacity)


class Synthetic(Strict):
    """Seeded history made by casashore.plan.synthetic (documented there)."""

    weekly_calls: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    weeks: Annotated[int, Field(ge=5, le=104)] = 8
    """At least 5: the forecast chooses its model by backtest over two 7-day windows after two weeks."""
    open_hours: str = "08:00-20:00"
    """The client's hours (in its time zone) when calls arrive."""
    saturday_share: Annotated[float, Field(ge=0, le=2)] = 0.4
    sunday_share: Annotated[float, Field(ge=0, le=2)] = 0.0


class PlanQueue(Strict):
    name: str
    client: str = ""
    language: str = ""
    skill: str
    client_time_zone: TimeZoneName
    country: str | None = None
    """ISO 3166 code of the client's country, for its public holidays."""
    aht_s: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    patience_s: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    target_s: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 20.0
    service_level: Annotated[float, Field(gt=0, lt=1)] = 0.8
    history: Literal["synthetic", "workspace"] = "synthetic"
    """synthetic: made from ``synthetic``; workspace: calls already imported under this queue's name."""
    synthetic: Synthetic | None = None

    @model_validator(mode="after")
    def _history_source(self) -> PlanQueue:
        if self.history == "synthetic" and self.synthetic is None:
            raise ValueError("history = \"synthetic\" needs a [queues.synthetic] table with weekly_calls")
        return self


class ShiftSpec(Strict):
    name: str
    start: str
    length: str
    cost: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    group: str
    breaks: str = ""


class PlanSettings(Strict):
    start: date
    """First day planned (the history ends the day before)."""
    days: Annotated[int, Field(ge=1, le=28)] = 7
    interval_min: Literal[15, 30, 60] = 15
    replications: Annotated[int, Field(ge=2, le=10_000)] = 20
    seed: Annotated[int, Field(ge=0)] = 0
    schedule_time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 30.0
    schedule_gap: Annotated[float, Field(ge=0, lt=1)] = 0.005
    """Stop the shift search within this relative gap of the proven bound (0: prove the optimum)."""


class PlanScenario(Strict):
    site: Site
    link: Link = Link()
    plan: PlanSettings
    queues: list[PlanQueue] = Field(min_length=1)
    shifts: list[ShiftSpec] = Field(min_length=1)
    rules: LabourRules = LabourRules()

    @model_validator(mode="after")
    def _consistent(self) -> PlanScenario:
        names = [q.name for q in self.queues]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ScenarioError(f"queues[{i}].name", name, "a name not used twice")
        skills = {q.skill for q in self.queues}
        for i, shift in enumerate(self.shifts):
            for skill in shift.group.split("+"):
                if skill not in skills:
                    raise ScenarioError(f"shifts[{i}].group", skill, "skills of the queues: "
                                        + ", ".join(sorted(skills)) + " (several joined by +)")
        covered = {skill for shift in self.shifts for skill in shift.group.split("+")}
        for i, queue in enumerate(self.queues):
            if queue.skill not in covered:
                raise ScenarioError(f"queues[{i}].skill", queue.skill, "a skill some shift template serves")
        return self

    @property
    def skills(self) -> list[str]:
        return sorted({q.skill for q in self.queues})


def load_plan_scenario(path: Path) -> PlanScenario:
    return plan_scenario_from_dict(read_toml(path, "scenario"), where=str(path))


def plan_scenario_from_dict(data: dict, where: str | None = None) -> PlanScenario:
    return validated(PlanScenario, data, where)
