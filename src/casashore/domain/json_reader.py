"""A typed result read from its JSON text in pieces: ``read_record(kind, pieces)`` is ``kind.from_json(json.loads(
"".join(pieces)))``, the same record, without the whole text or its dict tree ever held. A warm plan reads each
stored step back (plan/pipeline.py); at a month of 300 queues the forecast step alone is 806,400 row objects,
~1 GB as dicts and ~250 MB as text, where its columns are ~90 MB. So the reader walks the record's type: a
``Rows`` field's rows are decoded a few thousand at a time straight into its columns, everything else as
``from_json`` would decode it (json_record.py's ``_decoder``), each small value by the json module's own decoder."""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from casashore.domain.columns import Codes, Column, Floats, Ints, Rows, Series, code_values, column_of
from casashore.domain.json_record import JsonRecord, _fields

R = TypeVar("R", bound=JsonRecord)

_WINDOW = 1 << 16  # text kept ahead of the reader before a value is decoded: any row, key or number fits
_ROWS_AT_ONCE = 4096  # rows decoded before they are added to their columns
_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def read_record(kind: type[R], pieces: Iterable[str]) -> R:
    """The ``kind`` record whose JSON text is ``pieces`` joined (any split)."""
    reader = _Reader(iter(pieces))
    record = _reader_for(kind)(reader)
    reader.end()
    return record


class _Reader:
    """The text as it comes, with a position; ``value()`` decodes the next JSON value whole."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces
        self._text = ""
        self._at = 0
        self._done = False

    def _more(self, ahead: int) -> None:
        """At least ``ahead`` characters after the position, or all that is left."""
        if len(self._text) - self._at >= ahead or self._done:
            return
        parts = [self._text[self._at:]]
        have = len(parts[0])
        while have < ahead:
            piece = next(self._pieces, None)
            if piece is None:
                self._done = True
                break
            parts.append(piece)
            have += len(piece)
        self._text, self._at = "".join(parts), 0

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            self._more(1)
            text, at = self._text, self._at
            while at < len(text) and text[at] in _SPACE:
                at += 1
            self._at = at
            if at < len(text) or self._done:
                return text[at] if at < len(text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise json.JSONDecodeError(f"expected {char!r}", self._text, self._at)
        self._at += 1

    def take(self, char: str) -> bool:
        """Whether the next character is ``char`` (then past it)."""
        if self.peek() == char:
            self._at += 1
            return True
        return False

    def value(self) -> Any:
        """The next value, decoded whole (a larger window until it fits)."""
        self.peek()
        ahead = _WINDOW
        while True:
            self._more(ahead)
            try:
                value, end = _DECODER.raw_decode(self._text, self._at)
            except json.JSONDecodeError:
                if self._done:
                    raise
                ahead = max(ahead * 2, len(self._text) - self._at + 1)
                continue
            if end == len(self._text) and not self._done and self._text[self._at] not in "[{\"":
                ahead = len(self._text) - self._at + 1  # a number may go on in the next piece
                continue
            self._at = end
            return value

    def items(self) -> Iterator[str]:
        """An object's keys, one at a time: the caller reads each key's value before asking for the next."""
        self.expect("{")
        if self.take("}"):
            return
        while True:
            key = self.value()
            self.expect(":")
            yield key
            if self.take("}"):
                return
            self.expect(",")

    def elements(self) -> Iterator[None]:
        """An array's elements: the caller reads each before asking for the next."""
        self.expect("[")
        if self.take("]"):
            return
        while True:
            yield None
            if self.take("]"):
                return
            self.expect(",")

    def objects(self) -> Iterator[Any]:
        """An array's elements, each decoded whole: a table's rows, hundreds of thousands of small objects, each
        decoded straight from the text while it surely lies within it (``value()`` else)."""
        self.expect("[")
        if self.take("]"):
            return
        decode = _DECODER.raw_decode
        while True:
            self._more(_WINDOW)
            text, at = self._text, self._at
            safe = len(text) if self._done else len(text) - _WINDOW // 2  # a row is far shorter than this
            try:
                if not (at < safe and text[at] == "{"):
                    raise ValueError("not a row within the text at hand")
                value, self._at = decode(text, at)
            except ValueError:  # white space first, a larger value, or bad text: the careful way
                value = self.value()
            yield value
            text, at = self._text, self._at
            if text.startswith(", ", at):  # json.dumps's separator
                self._at = at + 2
                continue
            if self.take("]"):
                return
            self.expect(",")

    def end(self) -> None:
        if self.peek() != "":
            raise json.JSONDecodeError("extra data", self._text, self._at)


Read = Callable[[_Reader], Any]


def _nullable(read: Read) -> Read:
    if read is _whole:
        return read  # a whole value may be null already
    def read_or_null(reader: _Reader) -> Any:
        if reader.peek() == "n":
            return reader.value()
        return read(reader)
    return read_or_null


@functools.cache
def _reader_for(hint: Any) -> Read:
    """How a value of type ``hint`` is read: as json_record's ``_decoder(hint)(json.loads(...))``."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        kinds = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _nullable(_reader_for(kinds[0])) if len(kinds) == 1 else _whole
    if origin is list:
        (item,) = typing.get_args(hint)
        if _reader_for(item) is _whole:
            return _nullable(lambda reader: list(reader.value()))
        inner = _nullable(_reader_for(item))
        return _nullable(lambda reader: [inner(reader) for _ in reader.elements()])
    if origin is dict:
        _, item = typing.get_args(hint)
        inner = _nullable(_reader_for(item))
        if inner is _whole:
            return _nullable(lambda reader: dict(reader.value()))
        return _nullable(lambda reader: {key: inner(reader) for key in reader.items()})
    if isinstance(hint, type) and issubclass(hint, Rows):
        return _nullable(lambda reader: _read_rows(hint, reader))
    if isinstance(hint, type) and issubclass(hint, JsonRecord):
        if all(read is _whole for read in _field_readers(hint).values()):  # scalars only (a shift's count): whole
            return _nullable(lambda reader: hint.from_json(reader.value()))
        return _nullable(lambda reader: _read_object(hint, reader))
    if isinstance(hint, type) and issubclass(hint, Series | BaseModel):
        decode = hint.from_json if issubclass(hint, Series) else hint.model_validate
        return _nullable(lambda reader: decode(reader.value()))
    return _whole


def _whole(reader: _Reader) -> Any:
    return reader.value()


@functools.cache
def _field_readers(cls: type) -> dict[str, Read]:
    hints = typing.get_type_hints(cls)
    return {field.name: _reader_for(hints[field.name]) for field in dataclasses.fields(cls)}


def _read_object(cls: type[R], reader: _Reader) -> R:
    """A record: its own fields read by type, the keys of a flattened one (and keys it does not know) whole, then
    put together as ``from_json`` does."""
    fields = _fields(cls)
    readers = _field_readers(cls)
    own = {name for name, is_flattened, _, _ in fields if not is_flattened}
    read: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for key in reader.items():
        if key in own:
            read[key] = readers[key](reader)
            data[key] = None  # present
        else:
            data[key] = reader.value()
    values = {}
    for name, is_flattened, is_optional, decode in fields:
        if is_flattened:
            values[name] = decode(data)
        elif name in read:
            values[name] = read[name]
        elif is_optional:
            values[name] = None
        else:
            raise KeyError(f"{cls.__name__}: {name!r} missing from its JSON")
    return cls(**values)


def _read_rows(cls: type[Rows], reader: _Reader) -> Rows:
    """A table's rows, ``_ROWS_AT_ONCE`` at a time into its columns: ``cls.from_json(rows)``'s columns."""
    builders: dict[str, _ColumnBuilder] | None = None
    batch: list[dict] = []

    def flush() -> None:
        nonlocal builders
        if builders is None:
            builders = {name: _ColumnBuilder() for name in batch[0]}
        for name, builder in builders.items():
            builder.add([row[name] for row in batch])
        batch.clear()

    for row in reader.objects():
        batch.append(row)
        if len(batch) == _ROWS_AT_ONCE:
            flush()
    if batch:
        flush()
    return cls({} if builders is None else {name: b.column() for name, b in builders.items()})


class _ColumnBuilder:
    """A column's values a batch at a time, each batch compact (ints, floats with nulls, or codes into the values
    seen so far); ``column()`` is ``column_of`` of all of them."""

    def __init__(self) -> None:
        self._kinds: set[type] = set()
        self._batches: list[tuple[str, Any]] = []
        self._index: dict[tuple[type, Any], int] = {}
        self._distinct: list = []

    def add(self, values: list) -> None:
        kinds = {type(v) for v in values}
        self._kinds |= kinds
        if kinds <= {int} and all(abs(v) < 2**62 for v in values):
            self._batches.append(("int", np.asarray(values, dtype=np.int64)))
        elif kinds <= {float, type(None)}:
            self._batches.append(("float", (np.array([np.nan if v is None else v for v in values], dtype=np.float64),
                                            np.array([v is None for v in values], dtype=bool))))
        else:
            self._batches.append(("codes", code_values(values, self._index, self._distinct)))

    def column(self) -> Column:
        shapes = {shape for shape, _ in self._batches}
        if shapes == {"int"} and self._kinds <= {int}:
            return Ints(np.concatenate([a for _, a in self._batches]))
        if shapes == {"float"} and float in self._kinds:
            return Floats(np.concatenate([a for _, (a, _) in self._batches]),
                          np.concatenate([m for _, (_, m) in self._batches]))
        if shapes == {"codes"}:
            return Codes(np.concatenate([a for _, a in self._batches]), self._distinct)
        return column_of(self._values())  # batches of different kinds (rare): the values once more, as column_of

    def _values(self) -> list:
        out: list = []
        for shape, batch in self._batches:
            if shape == "int":
                out.extend(batch.tolist())
            elif shape == "float":
                values, nulls = batch
                part = values.tolist()
                for i in np.flatnonzero(nulls).tolist():
                    part[i] = None
                out.extend(part)
            else:
                out.extend(self._distinct[c] for c in batch.tolist())
        return out
