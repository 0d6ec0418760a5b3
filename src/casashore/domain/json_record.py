"""Typed results that are also their JSON: a dataclass whose fields, in order, are the keys of its JSON object.
``to_json()`` gives exactly the dict the plan and the simulator printed before they had types (values are kept as
they are, never converted, so the bytes do not change), and ``from_json()`` rebuilds the record from that dict (a
stored step, a plan's --json output). In the domain because the plan and the simulator both build on it. Two field
options cover the shapes their JSON has: ``optional_key()`` for a key that is absent rather than null, and
``flattened()`` for a group of keys written inline in the parent object."""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, Self

from pydantic import BaseModel

from casashore.domain.columns import Rows, Series

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
        for name, is_flattened, is_optional, _ in _fields(type(self)):
            value = getattr(self, name)
            if is_flattened:
                out.update(value.to_json())
            elif not (is_optional and value is None):
                out[name] = _encode(value)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """The record of ``data``; keys it does not know are ignored (the CLI's JSON adds ``report``)."""
        values = {}
        for name, is_flattened, is_optional, decode in _fields(cls):
            if is_flattened:
                values[name] = decode(data)
            elif name in data:
                values[name] = decode(data[name])
            elif is_optional:
                values[name] = None
            else:
                raise KeyError(f"{cls.__name__}: {name!r} missing from its JSON")
        return cls(**values)


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, bool, bool, Callable[[Any], Any]], ...]:
    """Per field of a record class, once: its name, whether flattened or an optional key, and its decoder (a plan
    of a month holds hundreds of thousands of records and numbers: reading the type hints per value cost more
    than the rest of the step)."""
    hints = typing.get_type_hints(cls)
    return tuple((field.name, bool(field.metadata.get(_FLATTENED)), bool(field.metadata.get(_OPTIONAL_KEY)),
                  _decoder(hints[field.name])) for field in dataclasses.fields(cls))


_SCALARS = (float, int, str, bool, type(None))


def _encode(value: Any) -> Any:
    if isinstance(value, JsonRecord | Rows | Series):
        return value.to_json()
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [v if type(v) in _SCALARS else _encode(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _SCALARS else _encode(v) for k, v in value.items()}
    return value


def _as_is(value: Any) -> Any:
    return value  # a number, a string, a bool: as it was


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """How a JSON value of type ``hint`` becomes the field's value (None stays None)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        kinds = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decoder(kinds[0]) if len(kinds) == 1 else _as_is  # X | None; a union of scalars as it was
    if origin is list:
        (item,) = typing.get_args(hint)
        inner = _decoder(item)
        if inner is _as_is:
            return lambda value: None if value is None else list(value)
        return lambda value: None if value is None else [None if v is None else inner(v) for v in value]
    if origin is dict:
        _, item = typing.get_args(hint)
        inner = _decoder(item)
        return lambda value: None if value is None else {k: None if v is None else inner(v) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, JsonRecord | Rows | Series):
        return lambda value: None if value is None else hint.from_json(value)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return lambda value: None if value is None else hint.model_validate(value)
    return _as_is


def json_chunks(value: Any) -> Iterator[str]:
    """``json.dumps(value)`` in pieces, for a record (or a dict or list holding records): the same text, byte for
    byte, without its whole dict tree or its whole text held at once (a month of 300 queues is ~700 MB of JSON). A
    hash or a compressor takes the pieces as they come (plan/pipeline.py, workspace/store.py), the CLI prints them."""
    if isinstance(value, Rows):
        yield from value.iter_json()
    elif isinstance(value, Series):
        yield json.dumps(value.tolist())
    elif isinstance(value, JsonRecord):
        yield from _object_chunks(_record_items(value))
    elif isinstance(value, dict):
        if all(type(v) in _SCALARS for v in value.values()):
            yield json.dumps(value)
        else:
            yield from _object_chunks(value.items())
    elif isinstance(value, list | tuple):
        if all(type(v) in _SCALARS for v in value):
            yield json.dumps(value)
        else:
            yield "["
            for i, item in enumerate(value):
                if i:
                    yield ", "
                yield from json_chunks(item)
            yield "]"
    elif isinstance(value, BaseModel):
        yield json.dumps(value.model_dump())
    else:
        yield json.dumps(value)


def json_chunks_after(head: dict[str, Any], record: JsonRecord) -> Iterator[str]:
    """``json.dumps({**head, **record.to_json()})`` in pieces (the plan's --json: its report path, then the plan)."""
    yield from _object_chunks([*head.items(), *_record_items(record)])


def _record_items(record: JsonRecord) -> Iterator[tuple[str, Any]]:
    """A record's keys and values in its JSON's order (flattened records inline), values not yet encoded."""
    for name, is_flattened, is_optional, _ in _fields(type(record)):
        value = getattr(record, name)
        if is_flattened:
            yield from _record_items(value)
        elif not (is_optional and value is None):
            yield name, value


def _object_chunks(items: Any) -> Iterator[str]:
    yield "{"
    for i, (key, value) in enumerate(items):
        yield (", " if i else "") + json.dumps({key: None})[1:-5]  # '"key": ', as json.dumps writes any key
        yield from json_chunks(value)
    yield "}"
