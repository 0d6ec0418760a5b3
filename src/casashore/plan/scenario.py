"""The plan scenario: a site, its link, its queues and agents, shift templates and labour rules, in one TOML file
validated by pydantic (errors name the field's path, as for the simulator's scenarios)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from casashore.domain.base import Label, ScenarioError, Strict, TimeZoneName, check_unique
from casashore.domain.loading import read_toml, validated
from casashore.domain.queue import Queue
from casashore.domain.shift import ShiftSpec
from casashore.domain.site import Link, Site
from casashore.schedule.rules import LabourRules
from casashore.simulate.inputs import MAX_GROUPS as SIMULATED_GROUPS
from casashore.simulate.inputs import MAX_QUEUES as SIMULATED_QUEUES

# Limits of one plan (docs/plan.md, "Limits"): a scenario beyond them is refused before anything runs.
MAX_QUEUES = 500
MAX_SHIFTS = 5_000
MAX_SHIFT_DAYS = 100_000
"""Shift templates x days planned: the schedule's columns (300 queues over 28 days: 84,000)."""
MAX_QUEUE_INTERVALS = 1_500_000
"""Queues x intervals planned, forecast, staffed and simulated (300 queues over 28 days of 15 minutes: 806,400)."""
MAX_WEEKLY_CALLS = 1_000_000
MAX_SYNTHETIC_CALLS = 5_000_000
"""Calls of synthetic history one plan may write (sum over queues of weekly_calls x weeks; the example: 320,000)."""
MAX_SIMULATED_CALLS = 50_000_000
"""Calls one plan may simulate (weekly calls / 7 x days x replications; the example: 800,000)."""


class Synthetic(Strict):
    """Seeded history made by casashore.plan.synthetic (documented there)."""

    weekly_calls: Annotated[float, Field(gt=0, le=MAX_WEEKLY_CALLS, allow_inf_nan=False)]
    weeks: Annotated[int, Field(ge=5, le=104)] = 8
    """At least 5: the forecast chooses its model by backtest over two 7-day windows after two weeks."""
    open_hours: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$")] = (
        "08:00-20:00")
    """The client's hours (in its time zone) when calls arrive, HH:MM-HH:MM, the end after the start."""

    @field_validator("open_hours")
    @classmethod
    def _opens_before_closing(cls, hours: str) -> str:
        start, end = hours.split("-")
        if end != "24:00" and end[:2] == "24" or start >= end:
            raise ValueError("HH:MM-HH:MM with the end after the start (24:00 at the latest), such as 08:00-20:00")
        return hours
    saturday_share: Annotated[float, Field(ge=0, le=2)] = 0.4
    sunday_share: Annotated[float, Field(ge=0, le=2)] = 0.0


class PlanQueue(Queue):
    """A queue of the plan: the domain's queue, its client's zone required, and where its history comes from."""

    client: Label = ""
    language: Annotated[str, Field(max_length=35)] = ""
    client_time_zone: TimeZoneName
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """ISO 3166 code of the client's country, for its public holidays."""
    history: Literal["synthetic", "workspace"] = "synthetic"
    """synthetic: made from ``synthetic``; workspace: calls already imported under this queue's name."""
    synthetic: Synthetic | None = None

    @model_validator(mode="after")
    def _history_source(self) -> PlanQueue:
        if self.history == "synthetic" and self.synthetic is None:
            raise ValueError("history = \"synthetic\" needs a [queues.synthetic] table with weekly_calls")
        return self


class PlanSettings(Strict):
    start: date
    """First day planned (the history ends the day before)."""
    days: Annotated[int, Field(ge=1, le=28)] = 7
    interval_min: Literal[15, 30, 60] = 15
    replications: Annotated[int, Field(ge=2, le=10_000)] = 20
    seed: Annotated[int, Field(ge=0)] = 0
    schedule_gap: Annotated[float, Field(ge=0, lt=1)] = 0.01
    """A schedule within this relative gap of the proven bound is good enough (0: prove the optimum)."""
    schedule_nodes: Annotated[int, Field(ge=0, le=1_000_000)] = 2_000
    """Branch-and-bound nodes per day at most, where the constructive schedule is not within the gap: a limit
    that stops the search at the same place on any machine."""
    schedule_time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 600.0
    """A safety valve only: a schedule stopped by it is reported as such, and not stored for reuse."""
    goal_rounds: Annotated[int, Field(ge=0, le=10)] = 3
    """Rounds of raising the requirement where the simulated service level misses a goal, then scheduling again."""


class PlanScenario(Strict):
    site: Site
    link: Link = Link()
    plan: PlanSettings
    queues: list[PlanQueue] = Field(min_length=1, max_length=MAX_QUEUES)
    shifts: list[ShiftSpec] = Field(min_length=1, max_length=MAX_SHIFTS)
    rules: LabourRules = LabourRules()

    @model_validator(mode="after")
    def _within_budget(self) -> PlanScenario:
        """Refuse a plan whose work is beyond the documented budget before any of it starts."""
        cost = plan_cost(self)
        synthetic = [(q.synthetic.weekly_calls * q.synthetic.weeks if q.synthetic else 0.0, i)
                     for i, q in enumerate(self.queues)]
        biggest = max(synthetic)[1]
        if cost["synthetic_calls"] > MAX_SYNTHETIC_CALLS:
            raise ScenarioError(f"queues[{biggest}].synthetic.weekly_calls",
                                self.queues[biggest].synthetic.weekly_calls,
                                f"a plan of at most {MAX_SYNTHETIC_CALLS:,} synthetic calls (weekly_calls x weeks "
                                f"over the queues; this one: {cost['synthetic_calls']:,.0f})")
        if cost["simulated_calls"] > MAX_SIMULATED_CALLS:
            raise ScenarioError("plan.replications", self.plan.replications,
                                f"a plan of at most {MAX_SIMULATED_CALLS:,} simulated calls (weekly_calls / 7 x days "
                                f"x replications; this one: {cost['simulated_calls']:,.0f})")
        if cost["queue_intervals"] > MAX_QUEUE_INTERVALS:
            raise ScenarioError("plan.days", self.plan.days,
                                f"a plan of at most {MAX_QUEUE_INTERVALS:,} queue intervals (queues x days x "
                                f"intervals per day; this one: {cost['queue_intervals']:,.0f})")
        if cost["shift_days"] > MAX_SHIFT_DAYS:
            raise ScenarioError("plan.days", self.plan.days,
                                f"a plan of at most {MAX_SHIFT_DAYS:,} shift days (shift templates x days; this "
                                f"one: {cost['shift_days']:,.0f})")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> PlanScenario:
        check_unique("queues", [q.name for q in self.queues])
        skills = {q.skill for q in self.queues}
        for i, shift in enumerate(self.shifts):
            for skill in shift.skills:
                if skill not in skills:
                    raise ScenarioError(f"shifts[{i}].group", skill, "skills of the queues: "
                                        + ", ".join(sorted(skills)) + " (several joined by +)")
        covered = {skill for shift in self.shifts for skill in shift.skills}
        for i, queue in enumerate(self.queues):
            if queue.skill not in covered:
                raise ScenarioError(f"queues[{i}].skill", queue.skill, "a skill some shift template serves")
        return self

    @model_validator(mode="after")
    def _blocks_within_the_simulator(self) -> PlanScenario:
        """Each block of skills is one simulated centre: refuse one beyond the simulator's limits now, not after
        the forecast and the schedule."""
        for block in skill_blocks(self):
            skills = set(block)
            queues = [i for i, q in enumerate(self.queues) if q.skill in skills]
            groups = {s.group for s in self.shifts if set(s.skills) <= skills}
            if len(queues) > SIMULATED_QUEUES:
                raise ScenarioError(f"queues[{queues[SIMULATED_QUEUES]}].skill",
                                    self.queues[queues[SIMULATED_QUEUES]].skill,
                                    f"at most {SIMULATED_QUEUES} queues in one block of skills joined by shifts "
                                    f"(this block: {len(queues)} queues over {', '.join(block[:5])}"
                                    f"{', ...' if len(block) > 5 else ''}); a block is one simulated centre")
            if len(groups) > SIMULATED_GROUPS:
                raise ScenarioError("shifts", f"{len(groups)} groups",
                                    f"at most {SIMULATED_GROUPS} shift groups in one block of skills joined by "
                                    f"shifts ({', '.join(block[:5])}{', ...' if len(block) > 5 else ''})")
        return self

    @property
    def skills(self) -> list[str]:
        return sorted({q.skill for q in self.queues})


def skill_blocks(scenario: PlanScenario) -> list[list[str]]:
    """The skills in blocks that no shift joins (a ``fr+es`` shift joins fr and es), each sorted, the blocks in
    the order of their first queue."""
    parent = {skill: skill for skill in scenario.skills}

    def root(skill: str) -> str:
        while parent[skill] != skill:
            skill = parent[skill]
        return skill

    for shift in scenario.shifts:
        first, *others = shift.skills
        for other in others:
            parent[root(other)] = root(first)
    blocks: dict[str, list[str]] = {}
    for queue in scenario.queues:
        blocks.setdefault(root(queue.skill), [])
    for skill in scenario.skills:
        blocks[root(skill)].append(skill)
    return list(blocks.values())


def plan_cost(scenario: PlanScenario) -> dict[str, float]:
    """What a plan will do, estimated from its scenario: synthetic calls written, calls simulated, queue intervals
    forecast and staffed, and the schedule's shift days (queues with workspace history count what a synthetic
    queue would not know: nothing)."""
    weekly = sum(q.synthetic.weekly_calls for q in scenario.queues if q.synthetic)
    synthetic = sum(q.synthetic.weekly_calls * q.synthetic.weeks for q in scenario.queues if q.synthetic)
    plan = scenario.plan
    return {"synthetic_calls": synthetic, "simulated_calls": weekly / 7 * plan.days * plan.replications,
            "queue_intervals": len(scenario.queues) * plan.days * 1440 / plan.interval_min,
            "shift_days": len(scenario.shifts) * plan.days}


def load_plan_scenario(path: Path) -> PlanScenario:
    return plan_scenario_from_dict(read_toml(path, "scenario"), where=str(path))


def plan_scenario_from_dict(data: dict, where: str | None = None) -> PlanScenario:
    return validated(PlanScenario, data, where)
