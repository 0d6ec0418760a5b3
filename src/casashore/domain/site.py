"""The site (seats, floor, cost, shrinkage, its time zone) and its link over the cable (capacity, codec, layer,
headroom, and the grade of service of its phone lines)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from casashore.domain.base import Label, Strict, TimeZoneName
from casashore.domain.units import capacity_bps


class Site(Strict):
    name: Label = "site"
    time_zone: TimeZoneName = "Africa/Casablanca"
    seats: Annotated[int, Field(ge=1, le=1_000_000)]
    floor_m2_per_seat: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 7.0
    cost_per_agent_hour: Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)] = 0.0
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{1,8}$")] = "MAD"
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.3
    """Share of paid time agents are not on the phones (breaks beyond the scheduled ones, training, absence)."""


class Link(Strict):
    capacity: Annotated[str, Field(max_length=32)] = "1G"
    """The cable or circuit, such as 40G."""
    codec: Annotated[str, Field(max_length=32)] = "G.711"
    layer: Literal["payload", "ip", "ethernet", "wire"] = "ethernet"
    headroom: Annotated[float, Field(ge=0, lt=1)] = 0.2
    blocking: Annotated[float, Field(gt=0, lt=1)] = 0.001
    """Grade of service for phone lines (Erlang B)."""

    _capacity_ok = field_validator("capacity")(lambda v: (capacity_bps("link.capacity", v), v)[1])

    @property
    def capacity_bps(self) -> float:
        return capacity_bps("link.capacity", self.capacity)
