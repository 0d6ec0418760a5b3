"""A shift template as a scenario writes it: a name, a start time, a length, a cost and the skill group it
staffs, with its breaks (schedule/inputs.py turns it into the solver's template). A start and a length are
checked by the two functions here, which the shift files of `casashore schedule` use too."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator

from casashore.domain.base import Name, Strict
from casashore.domain.units import duration_s
from casashore.errors import UserError

MAX_SHIFT_S = 86_400
MAX_SHIFT_COST = 1e9
"""A scenario's shift cost at most (a plan's objective stays well within a float's exact range)."""


def time_of_day_min(field: str, text: str, where: str | None = None) -> int:
    """Minutes after midnight of a time of day, ``HH:MM`` (``08:00``, ``8:00``)."""
    try:
        parsed = datetime.strptime(text, "%H:%M")
    except ValueError:
        raise UserError(field, text, "a time of day such as 08:00", where=where) from None
    return parsed.hour * 60 + parsed.minute


CLOCK_LENGTH = re.compile(r"(\d{1,2}):([0-5]\d)(?::00)?")
"""A length written as a clock, ``8:00`` or ``07:30``: what Excel shows for a duration a planner types as a time
(its cell holds a time of day, read as ``HH:MM``)."""


def shift_length_s(field: str, text: str, where: str | None = None) -> float:
    """Seconds of a shift's length (``8h``, ``7h30m``, ``450``, or ``8:00`` as Excel writes a duration typed as a
    time: hours and minutes under 24 hours): a duration of at most a day."""
    clock = CLOCK_LENGTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if clock is not None and 0 < int(clock[1]) * 60 + int(clock[2]) < 1440:
        return int(clock[1]) * 3600 + int(clock[2]) * 60
    try:
        seconds = duration_s(field, text)
    except UserError as exc:
        raise UserError(exc.field, exc.value, exc.expected, where=where) from None
    if seconds > MAX_SHIFT_S:
        raise UserError(field, text, "a shift of at most 24 hours", where=where)
    return seconds


class ShiftSpec(Strict):
    name: Name
    start: Annotated[str, Field(max_length=16)]
    """Time of day, HH:MM."""
    length: Annotated[str, Field(max_length=16)]
    cost: Annotated[float, Field(ge=0, le=MAX_SHIFT_COST, allow_inf_nan=False)]
    group: Annotated[str, Field(max_length=200)]
    """The skills it staffs, joined by + (``fr+es``)."""
    breaks: Annotated[str, Field(max_length=500)] = ""

    @field_validator("start", "length")
    @classmethod
    def _as_shift_files_are_checked(cls, text: str, info: ValidationInfo) -> str:
        check = time_of_day_min if info.field_name == "start" else shift_length_s
        try:
            check(info.field_name, text)
        except UserError as exc:
            raise ValueError(exc.expected) from None
        return text

    @property
    def skills(self) -> list[str]:
        return self.group.split("+")
