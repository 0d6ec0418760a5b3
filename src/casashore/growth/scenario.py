"""The park scenario (examples/park.toml): the horizon, the site's shrinkage rules, buildings and their phases,
operators with their hiring terms per language, and contracts with their queues and service terms.

Every number has a documented domain (the Field bounds); cross-references (an operator's building, a contract's
operator, a queue's language) are checked once the fields are right, each error naming the field's path.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from casashore.domain.base import (
    HandleSeconds,
    Label,
    Name,
    ScenarioError,
    Share,
    Skill,
    Strict,
    TargetSeconds,
    TimeZoneName,
    check_unique,
)
from casashore.domain.shift import MAX_SHIFT_COST, shift_length_s, time_of_day_min
from casashore.domain.site import Link
from casashore.errors import UserError
from casashore.schedule.inputs import parse_breaks

MAX_MONTHS = 60
MAX_QUEUES = 200
MAX_POOLS = 60
"""Operators' languages in a park: one hiring MILP each."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _month(text: str) -> str:
    try:
        year, month = (int(p) for p in text.split("-"))
        date(year, month, 1)
        if len(text) != 7 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        raise ValueError("a month written YYYY-MM, such as 2027-03, between 2000 and 2100") from None
    return text


Month = Annotated[str, AfterValidator(_month)]
Money = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Rate = Annotated[float, Field(ge=0, lt=1)]
TREND_LOW, TREND_HIGH = -0.9, 5.0
"""A yearly trend's domain, given or estimated."""


def month_index(first: str, month: str) -> int:
    """Months from ``first`` to ``month`` (both YYYY-MM): 0 for the same month, negative before it."""
    (y0, m0), (y1, m1) = (tuple(int(p) for p in s.split("-")) for s in (first, month))
    return (y1 - y0) * 12 + (m1 - m0)


class RamadanSpan(Strict):
    start: date
    end: date
    """The last day of fasting (the day before Eid al-Fitr)."""


class Shrinkage(Strict):
    """Share of paid time away from the phones, by month: base x leave x public holidays x Ramadan (see
    docs/growth.md for the Moroccan defaults and their sources)."""

    base: Rate = 0.25
    """Breaks, coaching, meetings, sickness: every month."""
    annual_leave_days: Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)] = 18.0
    """Working days of paid leave a year (Labour Code art. 231: 1.5 days per month of service)."""
    summer_leave_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    """Share of the year's leave taken in July and August (half each); the rest spread over the other months."""
    public_holidays: Annotated[str, AfterValidator(lambda v: _country(v))] = "MA"
    """The site's country: its public holidays on working days are paid days off."""
    ramadan_hours_cut: Rate = 0.15
    """Share of a working day's hours lost during Ramadan (shorter days, the iftar break)."""
    ramadan: list[RamadanSpan] | None = None
    """Ramadan's spans; none given: the listed 2026-2030 dates (growth/calendar.py)."""
    working_days_per_week: Annotated[int, Field(ge=1, le=6)] = 5
    paid_hours_per_week: Annotated[float, Field(gt=0, le=60, allow_inf_nan=False)] = 44.0
    """Labour Code art. 184: 2,288 hours a year, 44 a week."""


def _country(code: str) -> str:
    if len(code) != 2 or not code.isascii() or not code.isupper():
        raise ValueError("a two-letter ISO 3166 country code in capitals, such as MA")
    return code


class Phase(Strict):
    name: Name
    seats: Annotated[int, Field(ge=1, le=100_000)]
    m2_per_seat: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 7.0
    opening: Month


class Building(Strict):
    name: Name
    seat_use: Annotated[float, Field(gt=0, le=1)] = 0.9
    """Share of seats a team can use at the busiest hour (the rest: supervisors, spares, broken)."""
    phases: Annotated[list[Phase], Field(min_length=1, max_length=50)]


class LanguageTerms(Strict):
    """An operator's hiring terms for one language."""

    language: Skill
    agents_now: Annotated[int, Field(ge=0, le=100_000)] = 0
    """Tenured agents on the phones in the first month."""
    salary_per_month: Money
    """Fully loaded cost of one person a month (trainees too)."""
    attrition_monthly: Rate = 0.04
    lead_months: Annotated[int, Field(ge=0, le=12)] = 1
    """Months from the decision to recruit to a class's first day: no class starts before this month."""
    class_min: Annotated[int, Field(ge=1, le=500)] = 8
    class_max: Annotated[int, Field(ge=1, le=500)] = 20
    training_weeks: Annotated[float, Field(ge=0, le=52, allow_inf_nan=False)] = 4.0
    trainers: Annotated[int, Field(ge=0, le=1000)] = 2
    """Classes in training at once."""
    max_hires_per_month: Annotated[int, Field(ge=0, le=100_000)] = 1000
    hire_cost: Money = 0.0
    class_cost: Money = 0.0
    learning_curve: Annotated[list[Annotated[float, Field(ge=1, le=5, allow_inf_nan=False)]],
                              Field(max_length=36)] = [1.3, 1.15, 1.05]
    """Handle-time multiplier by month of tenure from the class's first day; 1.0 after the list."""
    learning_curve_weeks: Annotated[list[Annotated[float, Field(ge=1, le=5, allow_inf_nan=False)]],
                                    Field(min_length=1, max_length=156)] | None = None
    """Handle-time multiplier by week on the phones (the first: the week after training ends); 1.0 after the
    list. Given, it replaces learning_curve (not both)."""
    overtime_share: Annotated[float, Field(ge=0, le=0.5)] = 0.044
    """Overtime at most this share of productive time (100 hours a year of 2,288, the decree's limit)."""
    overtime_premium: Annotated[float, Field(ge=0, le=2)] = 0.25
    short_cost_per_fte: Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False)] = 1e6
    """The price of one productive FTE missing for a month: high, so the plan is short only when it must be."""

    @model_validator(mode="after")
    def _class_sizes(self):
        if self.class_min > self.class_max:
            raise ScenarioError("class_min", self.class_min, f"at most class_max ({self.class_max})",
                                relative=True)
        return self

    @model_validator(mode="after")
    def _one_learning_curve(self):
        if self.learning_curve_weeks is not None and "learning_curve" in self.model_fields_set:
            raise ScenarioError("learning_curve_weeks", "given with learning_curve", "one learning curve: by "
                                "month of tenure (learning_curve) or by week on the phones (learning_curve_weeks)",
                                relative=True)
        return self


class Operator(Strict):
    name: Name
    building: Name
    languages: Annotated[list[LanguageTerms], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _unique(self):
        seen: set[str] = set()
        for i, terms in enumerate(self.languages):
            if terms.language in seen:
                raise ScenarioError(f"languages[{i}].language", terms.language, "a language not listed twice",
                                    relative=True)
            seen.add(terms.language)
        return self


class ContractQueue(Strict):
    name: Name
    language: Skill
    start: Month
    contacts_per_month: Annotated[float, Field(ge=0, le=1e8, allow_inf_nan=False)]
    """At full volume, in the start month's year."""
    ramp_months: Annotated[int, Field(ge=0, le=24)] = 0
    """Volume rises linearly over these months: 1/(r+1), 2/(r+1), ... of full volume, then full."""
    trend_yearly: Annotated[float, Field(ge=TREND_LOW, le=TREND_HIGH, allow_inf_nan=False)] = 0.0
    """Growth a year (0.05: +5 %), compounded monthly from the start month."""
    trend: Literal["given", "history"] = "given"
    """``history``: trend_yearly estimated from the workspace's records of history_queues (growth/history.py)."""
    history_queues: Annotated[list[Name], Field(min_length=1, max_length=20)] | None = None
    """The workspace's queues whose records stand for this one (its trend, its past months); none: its name."""
    aht_s: HandleSeconds
    open_days: Annotated[list[Literal[WEEKDAYS]], Field(min_length=1, max_length=7)] = ["mon", "tue", "wed",
                                                                                          "thu", "fri"]
    hourly_profile: Annotated[list[Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]],
                              Field(min_length=24, max_length=24)] | None = None
    """A typical open day's contacts by hour of the client's clock (24 weights); none: the default shape."""


    @model_validator(mode="after")
    def _one_trend(self):
        if self.trend == "history" and "trend_yearly" in self.model_fields_set:
            raise ScenarioError("trend_yearly", self.trend_yearly, "no trend_yearly with trend = \"history\" (the "
                                "workspace's records give it)", relative=True)
        return self

    def records(self) -> list[str]:
        """The workspace's queues whose records stand for this queue."""
        return self.history_queues or [self.name]


class Contract(Strict):
    client: Name
    operator: Name
    sector: Label = ""
    country: Annotated[str, AfterValidator(lambda v: _country(v))] | None = None
    """The client's country: its public holidays close its queues."""
    time_zone: TimeZoneName
    target_s: TargetSeconds = 20.0
    service_level: Share = 0.8
    """The term: this share of the month's contacts answered within target_s."""
    penalty_per_point: Money = 0.0
    bonus_per_point: Money = 0.0
    bonus_cap_points: Annotated[float, Field(ge=0, le=100)] = 5.0
    billing: Literal["hour", "contact"] = "hour"
    price: Money
    """Per billable hour on the phones, or per handled contact."""
    queues: Annotated[list[ContractQueue], Field(min_length=1, max_length=50)]


class Park(Strict):
    name: Label = "park"
    start: Month
    months: Annotated[int, Field(ge=1, le=MAX_MONTHS)] = 36
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{1,8}$")] = "MAD"
    time_zone: TimeZoneName = "Africa/Casablanca"
    today: Month | None = None
    """The first month not yet past: the months before it are read from the workspace's records (none: every
    month is the plan's)."""


MAX_WEEK_SHIFTS = 96


class WeekShift(Strict):
    """A shift template of the busiest week's schedule, which gives the seats (growth/week.py): any language's
    agents may start it on any day. On the hour's grid: the week is scheduled hour by hour."""

    name: Name
    start: Annotated[str, Field(max_length=16)]
    """Time of day on the hour, HH:00."""
    length: Annotated[str, Field(max_length=16)]
    """1 to 24 whole hours: 8h, 480, 8:00."""
    cost: Annotated[float, Field(gt=0, le=MAX_SHIFT_COST, allow_inf_nan=False)]
    breaks: Annotated[str, Field(max_length=500)] = ""
    """LENGTH@EARLIEST-LATEST separated by ;, in whole hours (1h@3h-4h: a lunch hour starting 3 or 4 hours in)."""

    @field_validator("start", "length")
    @classmethod
    def _on_the_hour(cls, text: str, info: ValidationInfo) -> str:
        try:
            minutes = (time_of_day_min("start", text) if info.field_name == "start"
                       else shift_length_s("length", text) / 60)
        except UserError as exc:
            raise ValueError(exc.expected) from None
        if minutes % 60 or (info.field_name == "length" and minutes <= 0):
            raise ValueError("whole hours (the week is scheduled hour by hour)")
        return text

    @model_validator(mode="after")
    def _breaks(self):
        try:  # the schedule command's own rules for breaks
            parse_breaks(self.breaks, int(shift_length_s("length", self.length) // 60), 60, self.name)
        except UserError as exc:
            raise ScenarioError("breaks", self.breaks, exc.expected, relative=True) from None
        return self


class GrowthScenario(Strict):
    park: Park
    shrinkage: Shrinkage = Shrinkage()
    link: Link | None = None
    """The park's cable: without it, no share of the cable is reported."""
    buildings: Annotated[list[Building], Field(min_length=1, max_length=50)]
    operators: Annotated[list[Operator], Field(min_length=1, max_length=50)]
    contracts: Annotated[list[Contract], Field(min_length=1, max_length=200)]
    shifts: Annotated[list[WeekShift], Field(min_length=1, max_length=MAX_WEEK_SHIFTS)] | None = None
    """The busiest week's shift templates (seats); none: 8-hour and 4-hour shifts on every hour (growth/week.py)."""

    def needs_history(self) -> bool:
        """Whether the workspace's records are read: a trend from history, or months before today."""
        return self.park.today is not None or any(q.trend == "history" for c in self.contracts for q in c.queues)

    @model_validator(mode="after")
    def _references(self):
        check_unique("buildings", [b.name for b in self.buildings])
        check_unique("operators", [o.name for o in self.operators])
        check_unique("contracts", [c.client for c in self.contracts])
        check_unique("shifts", [s.name for s in self.shifts or []])
        buildings = {b.name for b in self.buildings}
        pools = sum(len(op.languages) for op in self.operators)
        if pools > MAX_POOLS:
            raise ScenarioError("operators", f"{pools} languages", f"at most {MAX_POOLS} languages over all operators")
        for i, op in enumerate(self.operators):
            if op.building not in buildings:
                raise ScenarioError(f"operators[{i}].building", op.building, f"one of {sorted(buildings)}")
        languages = {op.name: {t.language for t in op.languages} for op in self.operators}
        names: set[str] = set()
        count = 0
        for i, contract in enumerate(self.contracts):
            if contract.operator not in languages:
                raise ScenarioError(f"contracts[{i}].operator", contract.operator, f"one of {sorted(languages)}")
            for j, queue in enumerate(contract.queues):
                where = f"contracts[{i}].queues[{j}]"
                count += 1
                if queue.language not in languages[contract.operator]:
                    raise ScenarioError(f"{where}.language", queue.language,
                                        f"a language operator {contract.operator} hires for: "
                                        f"{sorted(languages[contract.operator])}")
                if queue.name in names:
                    raise ScenarioError(f"{where}.name", queue.name, "a queue name not used twice in the park")
                names.add(queue.name)
                if queue.hourly_profile is not None and sum(queue.hourly_profile) <= 0:
                    raise ScenarioError(f"{where}.hourly_profile", queue.hourly_profile[:3],
                                        "24 weights with at least one above 0")
        if count > MAX_QUEUES:
            raise ScenarioError("contracts", f"{count} queues", f"at most {MAX_QUEUES} queues in the park")
        return self
