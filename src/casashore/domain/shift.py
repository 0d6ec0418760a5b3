"""A shift template as a scenario writes it: a name, a start time, a length, a cost and the skill group it
staffs, with its breaks (schedule/inputs.py turns it into the solver's template)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from casashore.domain.base import Name, Strict
from casashore.domain.units import duration_s
from casashore.errors import UserError

MAX_SHIFT_S = 86_400


class ShiftSpec(Strict):
    name: Name
    start: Annotated[str, Field(pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")]
    """Time of day, HH:MM."""
    length: Annotated[str, Field(max_length=16)]
    cost: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
    group: Annotated[str, Field(max_length=200)]
    """The skills it staffs, joined by + (``fr+es``)."""
    breaks: Annotated[str, Field(max_length=500)] = ""

    @field_validator("length")
    @classmethod
    def _at_most_a_day(cls, length: str) -> str:
        try:
            seconds = duration_s("length", length)
        except UserError as exc:
            raise ValueError(exc.expected) from None
        if seconds > MAX_SHIFT_S:
            raise ValueError("a shift length of at most 24h, such as 8h or 7h30m")
        return length

    @property
    def skills(self) -> list[str]:
        return self.group.split("+")
