"""What the scenario form asks: a plan scenario, as JSON (the TOML's tables and keys) or as TOML text, checked
field by field with the messages `casashore plan` prints, and turned from one writing into the other."""

from __future__ import annotations

from datetime import date, datetime, time

import tomli_w
from pydantic import ValidationError

from casashore.domain.loading import MAX_TOML_BYTES, MAX_TOML_DEPTH, parse_toml, validation_errors
from casashore.domain.shift_pattern import ShiftPattern
from casashore.errors import UserError
from casashore.plan.scenario import MAX_SHIFTS, PlanScenario, plan_scenario_from_dict


def check_scenario(data: dict) -> dict:
    """Every wrong field of ``data`` (``field`` and the CLI's ``message``), the shifts it makes when it is right,
    and each pattern's count of shifts when that pattern is right (the form's preview, whatever else is wrong)."""
    try:
        _check_depth(data, "scenario")
        errors = validation_errors(PlanScenario, data)
    except UserError as exc:
        errors = [exc]
    shifts = None if errors else len(plan_scenario_from_dict(data).shifts)
    return {"ok": not errors, "errors": [{"field": e.field, "message": str(e)} for e in errors], "shifts": shifts,
            "pattern_shifts": _pattern_counts(data)}


def check_scenario_toml(text: str, name: str | None = None) -> dict:
    """As check_scenario, from TOML text: malformed TOML is the one error, on ``toml`` (naming ``name``, else the
    line the TOML reader stopped at)."""
    try:
        data = parse_toml(text, "toml", name)
    except UserError as exc:
        return {"ok": False, "errors": [{"field": exc.field, "message": str(exc)}], "shifts": None,
                "pattern_shifts": []}
    return check_scenario(scenario_json(data))


def scenario_from_toml(text: str, name: str | None = None) -> dict:
    """The scenario of TOML text as JSON: the same tables and keys, dates and times as ISO text."""
    return scenario_json(parse_toml(text, "toml", name))


def scenario_toml(data: dict) -> str:
    """The TOML text of a scenario given as JSON. A JSON null is a key not written (TOML has none); the plan's
    ``start`` is written as a TOML date. Written whatever its validity: the form shows a wrong scenario's TOML too."""
    _check_depth(data, "scenario")
    plain = _without_nulls(data, "")
    plan = plain.get("plan")
    if isinstance(plan, dict) and isinstance(plan.get("start"), str):
        try:
            plain["plan"] = {**plan, "start": date.fromisoformat(plan["start"])}
        except ValueError:
            pass  # left as text: validation names plan.start
    text = tomli_w.dumps(plain)
    if len(text) > MAX_TOML_BYTES:
        raise UserError("scenario", f"{len(text):,} characters of TOML", f"at most {MAX_TOML_BYTES:,}")
    return text


def valid_scenario_toml(data: dict, name: str) -> tuple[PlanScenario, str]:
    """A scenario given as JSON, validated (the first wrong field raised, as the CLI does), and its TOML."""
    text = scenario_toml(data)
    return plan_scenario_from_dict(parse_toml(text, "scenario", name), where=name), text


def scenario_json(value: object) -> object:
    """TOML's values as JSON's: dates, times and date-times as ISO text."""
    if isinstance(value, dict):
        return {key: scenario_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scenario_json(item) for item in value]
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _pattern_counts(data: dict) -> list[int | None]:
    patterns = data.get("shift_patterns") if isinstance(data, dict) else None
    if not isinstance(patterns, list) or len(patterns) > MAX_SHIFTS:  # beyond the limit, which is the error
        return []
    counts: list[int | None] = []
    for raw in patterns:
        try:
            counts.append(ShiftPattern.model_validate(raw).count)
        except ValidationError:
            counts.append(None)
    return counts


def _check_depth(value: object, field: str, depth: int = 0) -> None:
    """Refuse nesting deeper than a TOML scenario may have (the writer and the validation recurse)."""
    if depth > MAX_TOML_DEPTH:
        raise UserError(field, "…", f"tables and arrays nested at most {MAX_TOML_DEPTH} deep")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        _check_depth(item, field, depth + 1)


def _without_nulls(value: object, path: str) -> object:
    if isinstance(value, dict):
        return {key: _without_nulls(item, f"{path}.{key}" if path else key) for key, item in value.items()
                if item is not None}
    if isinstance(value, list):
        if any(item is None for item in value):
            raise UserError(path, None, "a list without nulls (TOML has no null)")
        return [_without_nulls(item, f"{path}[{i}]") for i, item in enumerate(value)]
    return value
