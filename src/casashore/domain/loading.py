"""Reading TOML files and validating them into models: the first wrong field becomes a UserError naming its
path as written in the file (``queues[1].aht_s``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from casashore.domain.base import ScenarioError
from casashore.domain.validation_words import expected_words
from casashore.errors import MISSING, UserError

MAX_TOML_BYTES = 4 * 1024 * 1024
MAX_TOML_DEPTH = 32
"""Tables and arrays nested deeper than this are refused (a scenario needs 4): Python's TOML reader recurses."""


def parse_toml(text: str, field: str, value: object = None) -> dict:
    """TOML text as a dict; malformed, too large, too deeply nested or with integers beyond 4,300 digits, a
    UserError on ``field`` naming ``value`` (a file or an upload's name); text with no name (None) is named by
    its line the TOML reader stopped at, or by its size."""
    sized = f"{len(text):,} characters of TOML" if value is None else value
    if len(text) > MAX_TOML_BYTES:
        raise UserError(field, sized, f"TOML of at most {MAX_TOML_BYTES:,} characters")
    if _nesting(text) > MAX_TOML_DEPTH:
        raise UserError(field, sized, f"TOML with tables and arrays nested at most {MAX_TOML_DEPTH} deep")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(field, _line_of(text, str(exc)) if value is None else value, f"valid TOML ({exc})") from None
    except (ValueError, RecursionError) as exc:  # an integer of more than 4,300 digits
        raise UserError(field, sized, f"valid TOML with numbers of sane size ({str(exc)[:80]})") from None


def _line_of(text: str, message: str) -> str:
    """The line a TOML error points at ("... (at line 3, column 7)"), cut to 80 characters: the value shown."""
    found = re.search(r"at line (\d+)", message)
    lines = text.splitlines()
    line = lines[int(found.group(1)) - 1] if found and 0 < int(found.group(1)) <= len(lines) else text[:80]
    return line.strip()[:80]


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
        raise user_error(exc.errors()[0], where) from None


def validation_errors(model: type[BaseModel], data: object, where: str | None = None) -> list[UserError]:
    """Every wrong field of ``data`` as ``model`` sees it, each the UserError ``validated`` would raise (a check
    across fields, run only once the fields are right, is one error on its own); [] when ``data`` is valid."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [user_error(error, where) for error in exc.errors()]
    return []


def user_error(error: dict, where: str | None = None, root: str = "scenario") -> UserError:
    """pydantic's ``error`` as a UserError: the field's path as written, the value (never a whole parent table)
    and what the field needs in plain words; ``root`` names a check of the whole document."""
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, ScenarioError):
        path = cause.path
        if cause.relative:  # raised inside a table that does not know where it sits: its path goes first
            path = f"{_path(error['loc'], '')}.{path}".lstrip(".")
        return UserError(path, cause.value, cause.expected, where=where)
    value = MISSING if error["type"] == "missing" else error.get("input")
    if error["type"] in ("too_long", "too_short") and isinstance(value, (list, dict, str)):
        value = f"{len(value):,} items" if not isinstance(value, str) else value[:80]  # not the whole list
    return UserError(_path(error["loc"], root), value, expected_words(error), where=where)


def _path(loc: tuple, root: str) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("function-after[_empirical_has_values()]",) or "[" in str(part) or "-" in str(part):
            continue  # pydantic's internal names for union members and validators
        else:
            text += f".{part}" if text else str(part)
    return text or root
