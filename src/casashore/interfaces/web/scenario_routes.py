"""The API's scenario documents, both ways: a scenario as JSON (the TOML's tables and keys) or TOML checked field
by field without storing anything, and turned from one writing into the other (the form page's TOML tab).
Stored scenarios (POST /api/scenarios) stay in api.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI
from pydantic import BaseModel, Field, model_validator

from casashore.domain.base import ScenarioError, Strict
from casashore.errors import MISSING
from casashore.usecases import scenarios

MAX_TOML_CHARS = 256 * 1024
"""As an upload's TOML (api.MAX_UPLOAD_BYTES)."""
SCENARIO_JSON = ("The plan scenario as JSON: the TOML's tables and keys (site, link, plan, queues, shifts, "
                 "shift_patterns, rules; docs/plan.md), dates as ISO text; null means the key is not given")


class ScenarioText(Strict):
    toml: Annotated[str, Field(min_length=1, max_length=MAX_TOML_CHARS, description="The scenario as TOML text")]


class TomlText(BaseModel):
    toml: str
    """The scenario as TOML text (empty for an empty scenario)."""


class ScenarioJson(Strict):
    scenario: Annotated[dict[str, Any], Field(description=SCENARIO_JSON)]


class ScenarioCheckRequest(Strict):
    """The scenario to check: ``scenario`` (JSON) or ``toml`` (text), one of the two."""
    scenario: Annotated[dict[str, Any] | None, Field(description=SCENARIO_JSON)] = None
    toml: Annotated[str | None, Field(min_length=1, max_length=MAX_TOML_CHARS)] = None

    @model_validator(mode="after")
    def _one_writing(self) -> ScenarioCheckRequest:
        one_writing(self.scenario, self.toml)
        return self


def one_writing(scenario: object, toml: object) -> None:
    """A request gives its scenario one way: ``scenario`` (JSON) or ``toml`` (text), named in the error."""
    if scenario is None and toml is None:
        raise ScenarioError("scenario", MISSING, "the scenario as JSON in scenario, or as TOML text in toml")
    if scenario is not None and toml is not None:
        raise ScenarioError("toml", "given with scenario", "the scenario as JSON in scenario or as TOML text in "
                            "toml, one of the two, not both")


class FieldError(BaseModel):
    field: str
    """The field's path as written in the scenario: ``site.seats``, ``shift_patterns[1].every``."""
    message: str
    """What `casashore plan` prints for it."""


class ScenarioCheck(BaseModel):
    ok: bool
    errors: list[FieldError]
    """Every wrong field (a check across fields, made once the fields are right, comes alone)."""
    shifts: int | None
    """Shift templates the scenario makes, [[shifts]] and patterns together, when it is valid."""
    pattern_shifts: list[int | None]
    """For each of shift_patterns, the shifts it expands to (null while that pattern has a wrong field)."""


def add_scenario_routes(app: FastAPI, guarded: dict) -> None:
    """Register the three operations on ``app``, guarded as the stored scenarios are (token off loopback)."""

    @app.post("/api/scenarios/validate", response_model=ScenarioCheck, **guarded)
    def validate_scenario(req: ScenarioCheckRequest) -> dict:
        """Check a scenario without storing it: ok, or every wrong field with the CLI's message."""
        if req.toml is not None:
            return scenarios.check_scenario_toml(req.toml)
        return scenarios.check_scenario(req.scenario)

    @app.post("/api/scenarios/toml", response_model=TomlText, **guarded)
    def scenario_to_toml(req: ScenarioJson) -> dict:
        """The TOML text of a scenario given as JSON (written whether or not it is valid)."""
        return {"toml": scenarios.scenario_toml(req.scenario)}

    @app.post("/api/scenarios/parse", response_model=ScenarioJson, **guarded)
    def scenario_from_toml(req: ScenarioText) -> dict:
        """The JSON of a scenario given as TOML text (malformed TOML: 400 naming ``toml``)."""
        return {"scenario": scenarios.scenario_from_toml(req.toml)}
