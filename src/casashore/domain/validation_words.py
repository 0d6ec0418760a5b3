"""What a field needs, in plain words, from a pydantic error: "a number of at least 1", never "input should be
greater than or equal to 1" nor a regular expression. The CLI's errors (domain/loading.py) and the API's
(interfaces/web/api.py) both say it with these words, so the same bad value reads the same everywhere."""

from __future__ import annotations

from casashore.domain.base import AS_OF_PATTERN, NAME_EXPECTED, NAME_PATTERN
from casashore.domain.units import CAPACITY_PATTERN

PATTERN_WORDS = {
    r"^[\w .-]+$": "a name of letters, digits, spaces, '.', '_' or '-'",
    r"^[0-9a-f]{12}$": "an id of 12 characters 0-9 and a-f, as the API lists them",
    r"^[A-Za-z]{1,8}$": "a currency code of 1 to 8 letters, such as MAD or EUR",
    r"^[A-Z]{2}$": "a two-letter ISO 3166 country code in capitals, such as FR",
    r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$": "hours HH:MM-HH:MM, such as 08:00-20:00",
    CAPACITY_PATTERN: "a capacity such as 40G, 100Mbps or 1.5e9",
    f"^{NAME_PATTERN}$": NAME_EXPECTED,
    AS_OF_PATTERN: "a date and time to the minute such as 2026-03-02T12:00, or with its offset: 2026-03-02T12:00+01:00",
}
"""Every ``pattern=`` of a model the user fills, in words (tests/test_validation_words.py checks none is left out)."""


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _limit(ctx: dict) -> str:
    for key, words in (("ge", "a number of at least {}"), ("gt", "a number above {}"),
                       ("le", "a number of at most {}"), ("lt", "a number below {}")):
        if key in ctx:
            return words.format(_number(ctx[key]))
    return "a number within its limits"


_FIXED = {
    "missing": "this field, which is required",
    "extra_forbidden": "no such field here (check its spelling and its unit suffix)",
    "int_parsing": "a whole number", "int_type": "a whole number",
    "int_from_float": "a whole number (no decimals)",
    "float_parsing": "a number", "float_type": "a number",
    "finite_number": "a finite number",
    "bool_parsing": "true or false", "bool_type": "true or false",
    "string_type": "text", "string_unicode": "text",
    "date_parsing": "a date such as 2026-12-07", "date_type": "a date such as 2026-12-07",
    "date_from_datetime_parsing": "a date such as 2026-12-07",
    "date_from_datetime_inexact": "a date such as 2026-12-07 (no time of day)",
    "dict_type": "a table of fields", "model_type": "a table of fields", "model_attributes_type": "a table of fields",
    "list_type": "a list", "json_invalid": "valid JSON",
}


def expected_words(error: dict) -> str:
    """What the field of pydantic's ``error`` (an item of ValidationError.errors()) needs, in plain words."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in _FIXED:
        return _FIXED[kind]
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _limit(ctx)
    if kind == "string_pattern_mismatch":
        return PATTERN_WORDS.get(ctx.get("pattern"), "text in the documented form")
    if kind == "string_too_short":
        return "text, not empty" if ctx.get("min_length") == 1 else f"text of at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return f"text of at most {_number(ctx['max_length'])} characters"
    if kind == "too_short":
        return f"at least {_number(ctx['min_length'])} item(s)"
    if kind == "too_long":
        return f"at most {_number(ctx['max_length'])} items"
    if kind in ("literal_error", "enum"):
        return f"one of {ctx['expected']}"
    message = error["msg"].removeprefix("Value error, ")  # our own validators' words
    return message[0].lower() + message[1:] if message else "a valid value"
