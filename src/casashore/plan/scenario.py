"""The plan scenario: a site, its link, its queues and agents, shift templates (written one by one or as patterns)
and labour rules, in one TOML file validated by pydantic (errors name the field's path, as for the simulator's
scenarios)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

from pydantic import Field, ValidationError, field_validator, model_validator

from casashore.domain.base import Label, ScenarioError, Strict, TimeZoneName, check_unique
from casashore.domain.loading import read_toml, validated
from casashore.domain.queue import Queue
from casashore.domain.shift import ShiftSpec, time_of_day_min
from casashore.domain.shift_pattern import ShiftPattern
from casashore.domain.site import Link, Site
from casashore.domain.units import duration_s
from casashore.errors import MISSING, UserError
from casashore.schedule.inputs import Requirement, shift_templates
from casashore.schedule.rules import LabourRules
from casashore.simulate.inputs import MAX_GROUPS as SIMULATED_GROUPS
from casashore.simulate.inputs import MAX_QUEUES as SIMULATED_QUEUES

# Limits of one plan (docs/plan.md, "Limits"): a scenario beyond them is refused before anything runs.
MAX_QUEUES = 500
MAX_SHIFTS = 5_000
"""Shift templates of one plan, the [[shifts]] tables and the patterns' expansions together."""
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
    """synthetic: made from ``synthetic``; workspace: call records or interval reports already imported under this
    queue's name (plan/reported.py)."""
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
    """A schedule within this relative gap of the proven bound is good enough (0: prove the optimum). Also what a
    search must pay: the neighbourhood search stops (and branch and bound is not run) once its last 8 searches took
    their parts' cost down by less than this share (solver.unpaid counts the parts left; docs/scheduling.md)."""
    schedule_nodes: Annotated[int, Field(ge=0, le=1_000_000)] = 2_000
    """Branch-and-bound nodes per day at most, where the constructive schedule is not within the gap: a limit
    that stops the search at the same place on any machine."""
    schedule_search_parts: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    """Parts (days of a block of skills) branch and bound searches at most, the furthest from their bounds first;
    unset: schedule_search_share of the site's distinct parts with shifts. With schedule_nodes, a bound on the
    search's work in counts, so a site of hundreds of small clients (whose days' LP bounds are weak) stops at the
    same place on any machine instead of at the safety valve. Spent only when those parts, each brought to its
    bound, would bring the whole within the gap; the neighbourhood search before it (one small node-limited model
    per part) is not counted here."""
    schedule_search_share: Annotated[float, Field(gt=0, le=1)] = 0.01
    """When schedule_search_parts is unset: the share of the site's distinct parts with shifts (a client's day;
    identical days once, closed hours not at all) branch and bound may search, at least one part. The budget then
    grows with the site instead of being one count for every size (a fixed count is a step: a site just above the
    gap spent all of it, minutes of CPU on its largest days for ~0.1 % of its cost; docs/scheduling.md)."""
    schedule_time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 600.0
    """A safety valve only: a schedule stopped by it is reported as such, and not stored for reuse."""
    goal_rounds: Annotated[int, Field(ge=0, le=10)] = 3
    """Rounds of raising the requirement where the simulated service level misses a goal, then scheduling again."""


class PlanScenario(Strict):
    site: Site
    link: Link = Link()
    plan: PlanSettings
    queues: list[PlanQueue] = Field(min_length=1, max_length=MAX_QUEUES)
    shifts: list[ShiftSpec] = Field(default_factory=list, max_length=MAX_SHIFTS)
    """Every shift template of the plan: the [[shifts]] tables as written, then each pattern's expansion."""
    shift_patterns: list[ShiftPattern] = Field(default_factory=list, max_length=MAX_SHIFTS, exclude=True)
    """The patterns as written; their shifts are in ``shifts`` (so a dump leaves them out: it would expand twice)."""
    rules: LabourRules = LabourRules()

    @model_validator(mode="before")
    @classmethod
    def _expand_patterns(cls, data: object) -> object:
        """Put each pattern's shifts after the [[shifts]] tables. Patterns with a wrong field are left for the
        field's own validation to name; the count is checked by arithmetic before anything is expanded."""
        raw = data.get("shift_patterns") if isinstance(data, dict) else None
        if not isinstance(raw, list) or len(raw) > MAX_SHIFTS:  # too many: the field's own limit names it
            return data
        try:
            patterns = [ShiftPattern.model_validate(pattern) for pattern in raw]
        except ValidationError:
            return data
        written = data.get("shifts", [])
        total = len(written) if isinstance(written, list) else 0
        for j, pattern in enumerate(patterns):
            if (name := pattern.bad_name()) is not None:
                raise ScenarioError(f"shift_patterns[{j}].name", pattern.name, "a name short enough that its "
                                    f"shifts' names (such as {name!r}) have at most 64 characters")
            total += pattern.count
            if total > MAX_SHIFTS:
                raise ScenarioError(f"shift_patterns[{j}]", f"{pattern.count} shifts", f"at most {MAX_SHIFTS} "
                                    f"shifts in all ([[shifts]] and the patterns' expansions; this pattern brings "
                                    f"them to {total})")
        if not isinstance(written, list):
            return data
        return {**data, "shifts": [*written, *(shift for pattern in patterns for shift in pattern.expand())]}

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
        if not self.shifts:
            raise ScenarioError("shifts", MISSING, "at least one [[shifts]] or [[shift_patterns]] table")
        origins = self.shift_origins
        skills = {q.skill for q in self.queues}
        self._check_channels()  # a queue's channel on a shared skill first: the cause, when a shift is left behind
        for shift, (where, group_field) in zip(self.shifts, origins, strict=True):
            for skill in shift.skills:
                if skill not in skills:
                    moved = next((q for q in self.queues if q.name == skill), None)
                    hint = "" if moved is None else (f"; the queue {moved.name!r} is on skill {moved.skill!r}: "
                                                     f"its shifts' group too")
                    raise ScenarioError(f"{where}.{group_field}", skill, "skills of the queues: "
                                        + ", ".join(sorted(skills)) + f" (several joined by +){hint}")
        self._check_pool_shifts()
        covered = {skill for shift in self.shifts for skill in shift.skills}
        for i, queue in enumerate(self.queues):
            if queue.skill not in covered:
                raise ScenarioError(f"queues[{i}].skill", queue.skill, "a skill some shift template serves")
        first_seen: dict[str, str] = {}
        for shift, (where, _) in zip(self.shifts, origins, strict=True):
            if shift.name in first_seen:
                raise ScenarioError(f"{where}.name", shift.name, f"a shift name used once ({first_seen[shift.name]} "
                                    "gives it too)")
            first_seen[shift.name] = where
        self._check_templates()
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

    def _check_channels(self) -> None:
        """A chat or email queue has a skill of its own, which no shift joins to another: its agents work it
        alone — except a blended pool (docs/plan.md "Blended pools"): one voice queue with one chat queue, one
        email queue or both on one skill, whose agents take them under the router's rule (chat before email).
        Anything else across channels (two queues of one channel in a pool, a pool without a voice queue, a pool's
        skill joined to another by a shift) is refused, naming the queues and why."""
        for i, queue in enumerate(self.queues):
            sharing = [q for q in self.queues if q.skill == queue.skill]
            if len(sharing) < 2 or all(q.channel == "voice" for q in sharing):
                continue  # a voice skill's queues are pooled by Erlang as ever
            first_of = {}
            for q in sharing:
                first_of.setdefault(q.channel, q)
            if first_of[queue.channel] is queue and "voice" in first_of:
                continue
            names = " and ".join(repr(q.name) for q in sharing if q is not queue)
            if "voice" not in first_of:
                why = f"the skill has no voice queue, only {names} beside it"
            else:
                why = (f"{first_of[queue.channel].name!r} is already this pool's {queue.channel} queue (one queue "
                       "per channel, each judged by its own goal)")
            raise ScenarioError(f"queues[{i}].skill", queue.skill,
                                f"a skill of its own for the {queue.channel} queue {queue.name!r}: {why}; a "
                                "blended pool is one voice queue with at most one chat and one email queue")

    def _check_pool_shifts(self) -> None:
        """No shift joins a blended pool's skill, or a chat or email queue's, to another skill."""
        pools = self.blended_pools
        for shift, (where, group_field) in zip(self.shifts, self.shift_origins, strict=True):
            if len(shift.skills) < 2:
                continue
            for skill in shift.skills:
                if skill in pools:
                    names = " and ".join(repr(q.name) for q in pools[skill].queues)
                    raise ScenarioError(f"{where}.{group_field}", "+".join(shift.skills),
                                        f"{skill} alone: it is the blended pool of {names}, and the plan pools "
                                        "no other skill with it")
                queue = next(q for q in self.queues if q.skill == skill)
                if queue.channel != "voice":
                    raise ScenarioError(f"{where}.{group_field}", "+".join(shift.skills),
                                        f"{skill} alone: it is the {queue.channel} queue {queue.name!r}'s skill "
                                        "(blending channels is planned for one voice queue with at most one chat "
                                        "and one email queue on one skill only)")

    def _check_templates(self) -> None:
        """The checks the schedule makes of its templates (starts and lengths on the plan's intervals, breaks,
        the hours worked a day), made before anything runs and naming the table the shift was written in."""
        step = self.plan.interval_min
        for j, pattern in enumerate(self.shift_patterns):
            for field, minutes in (("first_start", time_of_day_min("first_start", pattern.first_start)),
                                   ("every", duration_s("every", pattern.every) / 60)):
                if minutes % step:
                    raise ScenarioError(f"shift_patterns[{j}].{field}", getattr(pattern, field),
                                        f"a multiple of the plan's {step}-minute intervals")
        rows = [(i, {k: str(v) for k, v in shift.model_dump().items()}) for i, shift in enumerate(self.shifts)]
        requirement = Requirement([], step, self.skills, {}, one_day=False)  # its intervals and groups only
        origins = self.shift_origins
        try:
            shift_templates(rows, requirement, self.rules.max_daily_hours, lambda i: origins[i][0])
        except UserError as exc:
            raise ScenarioError(f"{exc.where}.{exc.field}", exc.value, exc.expected) from None

    @property
    def shift_origins(self) -> list[tuple[str, str]]:
        """For each shift, where it was written (``shifts[3]``, ``shift_patterns[1]``) and its group's field."""
        origins = [(f"shifts[{i}]", "group") for i in range(len(self.shifts) - sum(p.count for p in
                                                                                    self.shift_patterns))]
        for j, pattern in enumerate(self.shift_patterns):
            starts = len(pattern.start_minutes)
            origins += [(f"shift_patterns[{j}]", pattern.group_field(k)) for k in range(len(pattern.group_list))
                        for _ in range(starts)]
        return origins

    @property
    def blended_pools(self) -> dict[str, BlendedPool]:
        """skill -> its blended pool: a voice queue with a chat queue, an email queue or both on that skill
        (checked by _check_channels)."""
        pools = {}
        for queue in self.queues:
            if queue.channel == "voice" or queue.skill in pools:
                continue
            sharing = {q.channel: q for q in self.queues if q.skill == queue.skill}
            if "voice" in sharing:
                pools[queue.skill] = BlendedPool(sharing["voice"], sharing.get("chat"), sharing.get("email"))
        return pools

    @property
    def skills(self) -> list[str]:
        return sorted({q.skill for q in self.queues})


class BlendedPool(NamedTuple):
    """One skill's queues blended (docs/plan.md "Blended pools"): its voice queue, and its chat queue, its email
    queue or both (None where it has none)."""

    voice: PlanQueue
    chat: PlanQueue | None
    email: PlanQueue | None

    @property
    def queues(self) -> list[PlanQueue]:
        return [q for q in self if q is not None]

    @property
    def channel(self) -> str:
        """The pool's ``SkillRequirement.channel``: its channels joined by + (voice+chat, voice+email,
        voice+chat+email)."""
        return "+".join(q.channel for q in self.queues)


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
