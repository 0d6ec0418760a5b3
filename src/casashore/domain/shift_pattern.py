"""A shift pattern: many shift templates written once. The same length, cost and breaks, starting every
``every`` from ``first_start`` to ``last_start``, for one skill group or several; it expands to the ShiftSpec
list that as many ``[[shifts]]`` tables would give (docs/plan.md, "Shift patterns").

Expanded names are the pattern's name and the start, ``HHh`` or ``HHhMM`` (``fr-07h``, ``fr-part-09h30``); with
several groups the group comes between (``full-fr+es-07h``). Expansion order: group after group in the order
written, each group's starts in time order."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from casashore.domain.base import NAME_PATTERN, SKILL_EXPECTED, SKILL_PATTERN, Name, ScenarioError, Strict
from casashore.domain.shift import shift_length_s, time_of_day_min
from casashore.domain.units import duration_s
from casashore.errors import MISSING, UserError

MAX_PATTERN_GROUPS = 50
MAX_EVERY_S = 86_400
_SKILL = re.compile(SKILL_PATTERN)
_NAME = re.compile(NAME_PATTERN)


def _skills_joined(group: str) -> str:
    if not all(_SKILL.fullmatch(skill) for skill in group.split("+")):
        raise ValueError(f"skills joined by + (fr, fr+es), each {SKILL_EXPECTED}")
    return group


SkillGroup = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_skills_joined)]
"""The skills a shift's agents serve, joined by + (``fr+es``)."""


class ShiftPattern(Strict):
    """Shift templates starting every ``every`` from ``first_start`` to ``last_start`` (both times of day; the
    last start is the last one on that grid not after ``last_start``), for ``group`` or each of ``groups``."""

    name: Name
    group: SkillGroup | None = None
    groups: Annotated[list[SkillGroup], Field(min_length=1, max_length=MAX_PATTERN_GROUPS)] | None = None
    first_start: Annotated[str, Field(max_length=16)]
    last_start: Annotated[str, Field(max_length=16)] | None = None
    """Absent: one start, ``first_start``."""
    every: Annotated[str, Field(max_length=16)] = "1h"
    """Whole minutes from 1 minute to 24 hours (``1h``, ``30m``, ``90m``)."""
    length: Annotated[str, Field(max_length=16)]
    cost: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
    breaks: Annotated[str, Field(max_length=500)] = ""

    @field_validator("first_start", "last_start")
    @classmethod
    def _time_of_day(cls, text: str | None, info: ValidationInfo) -> str | None:
        if text is None:
            return text
        minutes = _checked(time_of_day_min, info.field_name, text)
        first = info.data.get("first_start")
        if info.field_name == "last_start" and first is not None and minutes < time_of_day_min("first", first):
            raise ValueError(f"a time of day not before first_start ({first})")
        return text

    @field_validator("every")
    @classmethod
    def _whole_minutes(cls, text: str) -> str:
        seconds = _checked(duration_s, "every", text)
        if seconds % 60 or not 60 <= seconds <= MAX_EVERY_S:
            raise ValueError("whole minutes from 1m to 24h, such as 1h, 30m or 90m")
        return text

    @field_validator("length")
    @classmethod
    def _shift_length(cls, text: str) -> str:
        _checked(shift_length_s, "length", text)
        return text

    @field_validator("groups")
    @classmethod
    def _each_group_once(cls, groups: list[str] | None) -> list[str] | None:
        if groups is not None and len(set(groups)) != len(groups):
            raise ValueError("groups each named once")
        return groups

    @model_validator(mode="after")
    def _one_way_of_naming_groups(self) -> ShiftPattern:
        if (self.group is None) == (self.groups is None):  # named on groups, where the form shows them
            given = MISSING if self.group is None else {"group": self.group, "groups": self.groups}
            raise ScenarioError("groups", given, 'group = "fr" or groups = ["fr", "es"]: one of the two, not both',
                                relative=True)
        return self

    @property
    def group_list(self) -> list[str]:
        return [self.group] if self.group is not None else list(self.groups or [])

    def group_field(self, k: int) -> str:
        """The field naming the k-th group, as written: ``group`` or ``groups[k]``."""
        return "group" if self.group is not None else f"groups[{k}]"

    @property
    def start_minutes(self) -> list[int]:
        first = time_of_day_min("first_start", self.first_start)
        last = time_of_day_min("last_start", self.last_start) if self.last_start else first
        return list(range(first, last + 1, int(duration_s("every", self.every)) // 60))

    @property
    def count(self) -> int:
        """Shifts it expands to, by arithmetic (nothing expanded): groups x starts."""
        first = time_of_day_min("first_start", self.first_start)
        last = time_of_day_min("last_start", self.last_start) if self.last_start else first
        return len(self.group_list) * ((last - first) // (int(duration_s("every", self.every)) // 60) + 1)

    def shift_name(self, group: str, start_min: int) -> str:
        hours, minutes = divmod(start_min, 60)
        clock = f"{hours:02d}h" + (f"{minutes:02d}" if minutes else "")
        return f"{self.name}-{group}-{clock}" if len(self.group_list) > 1 else f"{self.name}-{clock}"

    def bad_name(self) -> str | None:
        """The longest expanded name when it is not a valid shift name (longer than 64 characters), or None.
        Checked before expanding, so that the error names the pattern's ``name``, not a shift."""
        longest = max(self.group_list, key=len)
        with_minutes = [m for m in self.start_minutes if m % 60] or self.start_minutes[:1]
        candidate = self.shift_name(longest, with_minutes[0])
        return None if _NAME.fullmatch(candidate) else candidate

    def expand(self) -> list[dict]:
        """The shift tables this pattern stands for, as ``[[shifts]]`` would write them."""
        return [{"name": self.shift_name(group, start), "start": f"{start // 60:02d}:{start % 60:02d}",
                 "length": self.length, "cost": self.cost, "group": group, "breaks": self.breaks}
                for group in self.group_list for start in self.start_minutes]


def _checked(check, field: str, text: str):
    """A unit parser's verdict as a pydantic error (its words, without the field: pydantic adds the path)."""
    try:
        value = check(field, text)
    except UserError as exc:
        raise ValueError(exc.expected) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a finite duration")
    return value
