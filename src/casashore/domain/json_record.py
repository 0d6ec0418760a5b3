"""Typed results that are also their JSON: a dataclass whose fields, in order, are the keys of its JSON object.
``to_json()`` gives exactly the dict the plan and the simulator printed before they had types (values are kept as
they are, never converted, so the bytes do not change), and ``from_json()`` rebuilds the record from that dict (a
stored step, a plan's --json output). In the domain because the plan and the simulator both build on it. Two field
options cover the shapes their JSON has: ``optional_key()`` for a key that is absent rather than null, and
``flattened()`` for a group of keys written inline in the parent object."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Self

from pydantic import BaseModel

_OPTIONAL_KEY = "optional_key"
_FLATTENED = "flattened"


def optional_key() -> Any:
    """A field whose key is left out of the JSON when it is None (and None when its key is absent)."""
    return dataclasses.field(default=None, metadata={_OPTIONAL_KEY: True})


def flattened() -> Any:
    """A record field whose keys are written inline, at this field's place, in the parent's JSON object."""
    return dataclasses.field(metadata={_FLATTENED: True})


@dataclasses.dataclass(frozen=True)
class JsonRecord:
    """Base of the typed results (the plan's steps, the simulator's runs): subclasses are frozen dataclasses."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.metadata.get(_FLATTENED):
                out.update(value.to_json())
            elif not (field.metadata.get(_OPTIONAL_KEY) and value is None):
                out[field.name] = _encode(value)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """The record of ``data``; keys it does not know are ignored (the CLI's JSON adds ``report``)."""
        hints = _hints(cls)
        values = {}
        for field in dataclasses.fields(cls):
            if field.metadata.get(_FLATTENED):
                values[field.name] = _decode(hints[field.name], data)
            elif field.name in data:
                values[field.name] = _decode(hints[field.name], data[field.name])
            elif field.metadata.get(_OPTIONAL_KEY):
                values[field.name] = None
            else:
                raise KeyError(f"{cls.__name__}: {field.name!r} missing from its JSON")
        return cls(**values)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _encode(value: Any) -> Any:
    if isinstance(value, JsonRecord):
        return value.to_json()
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        kinds = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decode(kinds[0], value) if len(kinds) == 1 else value  # X | None; a union of scalars as it was
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_decode(item, v) for v in value]
    if origin is dict:
        _, item = typing.get_args(hint)
        return {k: _decode(item, v) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, JsonRecord):
        return hint.from_json(value)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return hint.model_validate(value)
    return value  # a number, a string, a bool: as it was
