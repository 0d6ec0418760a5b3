"""The shared validation of every casashore model: the strict base class, names, labels, time zones and the
documented domains of durations. A field's rule is written here once and every model uses it."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from casashore.domain.units import MAX_DURATION_S, MIN_DURATION_S

MAX_CALL_S = 86_400
"""A day: the bound of a handle time and of a service target (no call lasts or waits longer by design)."""
MAX_LABEL = 200

NAME_PATTERN = r"[A-Za-z0-9_](?:[A-Za-z0-9_.+ -]{0,62}[A-Za-z0-9_.+-])?"
AS_OF_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:00)?(Z|[+-]\d{2}:\d{2})?$"
"""An as-of time to the minute, with or without an offset (the intraday reforecast and re-plan)."""
"""Names of queues, skills, groups and shifts are data, never paths: 1 to 64 ASCII letters, digits and
``_ . + -`` with inner spaces; no ``/`` or ``\\``, no leading ``.`` or space (so never ``..``), no trailing space."""
NAME_EXPECTED = ("a name of 1 to 64 letters, digits, spaces and _ . + - (no / or \\, not starting with . or a "
                 "space)")
SKILL_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}"
"""A skill is joined to others with + (``fr+es``), so it has none, nor spaces: 1 to 32 characters."""
SKILL_EXPECTED = "a skill of 1 to 32 letters, digits and _ . - (no spaces, no +; not starting with .)"
ROUTE_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
"""The router's queue, agent and skill names are narrower than NAME_PATTERN: they appear in URL paths, Redis
keys and SIP user parts, so no spaces and no ``+``, and a letter or digit first."""
ROUTE_NAME_EXPECTED = "a letter or digit followed by up to 62 letters, digits, '_', '.' or '-'"


def matching(pattern: str, expected: str) -> AfterValidator:
    """A string check whose error says in words what is allowed (never the regular expression)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(expected)
        return value

    return AfterValidator(check)


def _printable(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"text of at most {MAX_LABEL} characters without control characters")
    return text


def _known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"an IANA time zone such as Europe/Paris, not {name!r}") from None
    return name


Name = Annotated[str, matching(NAME_PATTERN, NAME_EXPECTED)]
"""A name that may end up in a file name, a URL or a table key: see NAME_PATTERN."""
Skill = Annotated[str, matching(SKILL_PATTERN, SKILL_EXPECTED)]
RouteName = Annotated[str, matching(ROUTE_NAME_PATTERN, ROUTE_NAME_EXPECTED)]
"""A queue, agent or skill name of the router: see ROUTE_NAME_PATTERN."""
Label = Annotated[str, Field(max_length=MAX_LABEL), AfterValidator(_printable)]
"""Free text shown to people (a site's or client's name): bounded, no control characters."""
TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]
"""An IANA time zone name, such as Europe/Paris or Africa/Casablanca."""

def _at_least_a_millisecond(seconds: float) -> float:
    if seconds < MIN_DURATION_S:
        raise ValueError("a duration of at least 1 ms (0.001 seconds)")
    return seconds


PositiveSeconds = Annotated[float, Field(gt=0, le=MAX_DURATION_S, allow_inf_nan=False),
                            AfterValidator(_at_least_a_millisecond)]
"""A duration of a call centre's calls (patience, an observed duration): [1 ms, 1e7] seconds, the domain every
typed duration has (units.py), below which the Erlang kernels' arithmetic breaks down."""
HandleSeconds = Annotated[float, Field(gt=0, le=MAX_CALL_S, allow_inf_nan=False),
                          AfterValidator(_at_least_a_millisecond)]
"""A mean handle time: [1 ms, 86,400] seconds."""
TargetSeconds = Annotated[float, Field(ge=0, le=MAX_CALL_S, allow_inf_nan=False)]
"""A service-level target: [0, 86,400] seconds (0: answered at once)."""
Share = Annotated[float, Field(gt=0, lt=1)]
"""A share strictly between 0 and 1 (a service-level goal)."""


class Strict(BaseModel):
    """Every casashore model: unknown fields are refused (a misspelt unit suffix is an error, not ignored) and
    validated values do not change afterwards."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioError(ValueError):
    """A scenario field that is wrong; ``path`` names it as it is written in the TOML file."""

    def __init__(self, path: str, value: object, expected: str, *, relative: bool = False):
        # relative: ``path`` is within the table that raised it (``groups``), placed after that table's path
        self.path, self.value, self.expected, self.relative = path, value, expected, relative
        super().__init__(f"{path}: {value!r} is not valid; expected {expected}")


def check_unique(what: str, names: list[str]) -> None:
    """Refuse a name used twice in the list ``what`` (the error names the second one's path)."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ScenarioError(f"{what}[{i}].name", name, "a name not used twice")
        seen.add(name)
