"""The domain, as pydantic models: queues, agent groups and the scenario that joins them.

A scenario is a TOML file; every field carries its unit in its name (``aht_s``, ``interval_min``). Validation
reports the first wrong field by its path, such as ``queues[1].aht_s``, and nothing runs.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from casashore.errors import MISSING, UserError

MAX_DURATION_S = 1e7
"""About 116 days: no handle time, patience or target of a call centre comes near it."""
MAX_CALLS_PER_INTERVAL = 1e7
MAX_AGENTS = 1_000_000
PositiveSeconds = Annotated[float, Field(gt=0, le=MAX_DURATION_S, allow_inf_nan=False)]
Count = Annotated[float, Field(ge=0, le=MAX_CALLS_PER_INTERVAL, allow_inf_nan=False)]

NAME_PATTERN = r"[A-Za-z0-9_](?:[A-Za-z0-9_.+ -]{0,62}[A-Za-z0-9_.+-])?"
"""Names of queues, skills, groups and shifts are data, never paths: 1 to 64 ASCII letters, digits and
``_ . + -`` with inner spaces; no ``/`` or ``\\``, no leading ``.`` or space (so never ``..``), no trailing space."""
NAME_EXPECTED = ("a name of 1 to 64 letters, digits, spaces and _ . + - (no / or \\, not starting with . or a "
                 "space)")
_NAME = re.compile(NAME_PATTERN)
SKILL_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}"
"""A skill is joined to others with + (``fr+es``), so it has none, nor spaces: 1 to 32 characters."""
_SKILL = re.compile(SKILL_PATTERN)
MAX_LABEL = 200


def safe_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(NAME_EXPECTED)
    return name


def safe_skill(name: str) -> str:
    if not _SKILL.fullmatch(name):
        raise ValueError("a skill of 1 to 32 letters, digits and _ . - (no spaces, no +; not starting with .)")
    return name


def _printable(text: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"text of at most {MAX_LABEL} characters without control characters")
    return text


Name = Annotated[str, AfterValidator(safe_name)]
"""A name that may end up in a file name, a URL or a table key: see NAME_PATTERN."""
Skill = Annotated[str, AfterValidator(safe_skill)]
Label = Annotated[str, Field(max_length=MAX_LABEL), AfterValidator(_printable)]
"""Free text shown to people (a site's or client's name): bounded, no control characters."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class Queue(Strict):
    """A stream of calls needing one skill: a client's line in one language."""

    name: Name
    skill: Skill
    calls: Annotated[list[Count], Field(max_length=MAX_INTERVALS)]
    """Calls offered per interval: one number for every interval, or one per interval."""

    _one_or_many = field_validator("calls", mode="before")(lambda v: v if isinstance(v, list) else [v])
    aht_s: PositiveSeconds
    handle: Duration = Duration()
    patience_s: PositiveSeconds | None = None
    """Mean patience of callers; absent means they never hang up."""
    patience: Duration = Duration()
    target_s: Annotated[float, Field(ge=0, le=MAX_DURATION_S, allow_inf_nan=False)] = 20.0
    service_level: Annotated[float, Field(gt=0, lt=1)] = 0.8
    """Share of offered calls to answer within target_s: the goal staffing aims at."""
    forecast_cv: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.0
    """Uncertainty of the forecast: each replication scales the queue's volumes by a gamma factor with mean 1
    and this coefficient of variation (0: the forecast is the Poisson mean)."""
    client_time_zone: str | None = None


def _whole_seconds(minutes: float) -> float:
    if minutes * 60 < 1:
        raise ValueError("minutes of at least one second (1/60)")
    return minutes


def _delay_domain(seconds: float) -> float:
    if not (seconds <= MAX_DURATION_S or seconds == math.inf):
        raise ValueError(f"seconds in [0, {MAX_DURATION_S:.0e}], or inf (never)")
    return seconds


class AgentGroup(Strict):
    """Agents with the same skills: they are interchangeable for routing."""

    name: Name
    skills: dict[Skill, Annotated[int, Field(ge=1)]]
    """Skill -> priority (1 is served first by this group's freed agents)."""
    delay_s: dict[str, Annotated[float, Field(ge=0), AfterValidator(_delay_domain)]] = {}
    """Skill -> seconds a call must have waited before this group takes it (overflow, skill relaxation)."""
    agents: Annotated[list[Annotated[int, Field(ge=0, le=MAX_AGENTS)]], Field(max_length=MAX_INTERVALS)] = [0]
    """Agents on seat: one number for every interval, or one per interval."""
    _one_or_many = field_validator("agents", mode="before")(lambda v: v if isinstance(v, list) else [v])

    cost: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)] = 1.0
    """Relative cost of an agent of this group (multi-skill agents usually cost more)."""


MAX_QUEUES = 100
MAX_GROUPS = 200
MAX_INTERVALS = 35_136
"""A leap year of quarter-hours: the longest run of intervals a scenario may hold."""
MAX_REPLICATIONS = 100_000


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
    queues: list[Queue] = Field(min_length=1, max_length=MAX_QUEUES)
    groups: list[AgentGroup] = Field(min_length=1, max_length=MAX_GROUPS)
    simulation: Simulation = Simulation()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        _check_unique("queues", [q.name for q in self.queues])
        _check_unique("groups", [g.name for g in self.groups])
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


class ScenarioError(ValueError):
    """A scenario field that is wrong; ``path`` names it as it is written in the TOML file."""

    def __init__(self, path: str, value: object, expected: str):
        self.path, self.value, self.expected = path, value, expected
        super().__init__(f"{path}: {value!r} is not valid; expected {expected}")


def _check_unique(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ScenarioError(f"{what}[{i}].name", name, "a name not used twice")
        seen.add(name)


MAX_TOML_BYTES = 4 * 1024 * 1024
MAX_TOML_DEPTH = 32
"""Tables and arrays nested deeper than this are refused (a scenario needs 4): Python's TOML reader recurses."""


def parse_toml(text: str, field: str, value: object) -> dict:
    """TOML text as a dict; malformed, too large, too deeply nested or with integers beyond 4,300 digits, a
    UserError on ``field`` naming ``value`` (a file or an upload's name)."""
    if len(text) > MAX_TOML_BYTES:
        raise UserError(field, value, f"TOML of at most {MAX_TOML_BYTES:,} characters")
    if _nesting(text) > MAX_TOML_DEPTH:
        raise UserError(field, value, f"TOML with tables and arrays nested at most {MAX_TOML_DEPTH} deep")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(field, value, f"valid TOML ({exc})") from None
    except (ValueError, RecursionError) as exc:  # an integer of more than 4,300 digits
        raise UserError(field, value, f"valid TOML with numbers of sane size ({str(exc)[:80]})") from None


def _nesting(text: str) -> int:
    """An upper bound of the nesting of inline arrays and tables (brackets inside strings count too: a bound,
    which real scenarios stay far below)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def read_toml(path: Path, field: str) -> dict:
    """A TOML file's contents; an unreadable or malformed file is a UserError on ``field``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(field, str(path), "a TOML file in UTF-8") from None
    except OSError as exc:
        raise UserError(field, str(path), f"a readable TOML file ({exc.strerror})") from None
    return parse_toml(text, field, str(path))


def validated(model: type[BaseModel], data: dict, where: str | None = None):
    """``model`` validated from ``data``; the first wrong field becomes a UserError naming its path."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, ScenarioError):
            raise UserError(cause.path, cause.value, cause.expected, where=where) from None
        value = MISSING if error["type"] == "missing" else error.get("input")  # not the whole parent table
        raise UserError(_path(error["loc"]), value, _expected(error), where=where) from None


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; any mistake becomes a UserError naming the field's path."""
    return scenario_from_dict(read_toml(path, "scenario"), where=str(path))


def scenario_from_dict(data: dict, where: str | None = None) -> Scenario:
    return validated(Scenario, data, where)


def _known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"an IANA time zone such as Europe/Paris, not {name!r}") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]
"""An IANA time zone name, such as Europe/Paris or Africa/Casablanca."""


def _path(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("function-after[_empirical_has_values()]",) or "[" in str(part) or "-" in str(part):
            continue  # pydantic's internal names for union members and validators
        else:
            text += f".{part}" if text else str(part)
    return text or "scenario"


def _expected(error: dict) -> str:
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        return "no such field here (check its spelling and its unit suffix)"
    if error["type"] == "missing":
        return "this field, which is required"
    message = message.removeprefix("Value error, ")
    return message[0].lower() + message[1:] if message else "a valid value"
