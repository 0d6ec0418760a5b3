"""Rows held as columns: the plan's per-interval results (a month of 300 queues is 806,400 forecast and as many
simulated queue-intervals) as one numpy array per measure instead of a record per interval, which cost ~3 KB a
row as Python objects and as much again as their JSON dicts. A ``Rows`` is a sequence of its row records (built
one at a time when a reader asks), its JSON is exactly the list of those records' JSON, and ``iter_json`` writes
that JSON in pieces so that no whole text or dict tree of it is ever held (domain/json_record.py's ``json_chunks``).

A column keeps its values' JSON exactly: whole numbers as int64 (written as ints), numbers with a null mask
(written as floats, or null), and anything else (names, ISO times, a holiday) as codes into the distinct values,
which a month of 300 queues shares across queues (one site time per interval, one client time per zone)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, Self

import numpy as np

_CHUNK = 2048  # rows turned into Python values at once when written: bounded, and fast


class Column:
    """One field's values; ``values(start, stop)`` gives them as the JSON had them."""

    def __len__(self) -> int:
        raise NotImplementedError

    def values(self, start: int, stop: int) -> list:
        raise NotImplementedError

    def array(self) -> np.ndarray:
        """The values as numbers, null as NaN (numeric columns only)."""
        raise TypeError(f"{type(self).__name__} holds no numbers")

    def take(self, index: np.ndarray) -> Column:
        """The values at ``index`` (positions), in that order."""
        raise NotImplementedError


class Ints(Column):
    def __init__(self, values: np.ndarray) -> None:
        self._a = np.ascontiguousarray(values, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._a)

    def values(self, start: int, stop: int) -> list:
        return self._a[start:stop].tolist()

    def array(self) -> np.ndarray:
        return self._a

    def take(self, index: np.ndarray) -> Ints:
        return Ints(self._a[index])


class Floats(Column):
    """Numbers written as floats; where ``nulls`` is set, null. NaN stays NaN where it is not a null."""

    def __init__(self, values: np.ndarray, nulls: np.ndarray | None = None) -> None:
        self._a = np.ascontiguousarray(values, dtype=np.float64)
        self._nulls = nulls if nulls is not None and nulls.any() else None

    @classmethod
    def finite_or_null(cls, values: np.ndarray) -> Floats:
        """JSON's rule for a measure (units.json_number): NaN and infinities are null."""
        values = np.asarray(values, dtype=np.float64)
        return cls(values, ~np.isfinite(values))

    def __len__(self) -> int:
        return len(self._a)

    def values(self, start: int, stop: int) -> list:
        out = self._a[start:stop].tolist()
        if self._nulls is not None:
            for i in np.flatnonzero(self._nulls[start:stop]).tolist():
                out[i] = None
        return out

    def array(self) -> np.ndarray:
        if self._nulls is None:
            return self._a
        return np.where(self._nulls, np.nan, self._a)

    def take(self, index: np.ndarray) -> Floats:
        return Floats(self._a[index], None if self._nulls is None else self._nulls[index])


def code_values(values: Iterable[Any], index: dict[tuple[type, Any], int], distinct: list) -> np.ndarray:
    """Each value's index among ``distinct``, which grows (with ``index``, its lookup) by the values not seen yet:
    shared across batches by a reader that codes a column a piece at a time."""
    codes = []
    for value in values:
        key = (type(value), value)  # by type too: 1 and 1.0 are the same key but not the same JSON
        if key not in index:
            index[key] = len(distinct)
            distinct.append(value)
        codes.append(index[key])
    return np.asarray(codes, dtype=np.int64)


class Codes(Column):
    """Values by their index among the distinct values (names, ISO times, ints mixed with floats)."""

    def __init__(self, codes: np.ndarray, distinct: Sequence[Any]) -> None:
        self._distinct = list(distinct)
        dtype = np.uint8 if len(self._distinct) <= 256 else np.uint16 if len(self._distinct) <= 65536 else np.int32
        self._codes = np.ascontiguousarray(codes, dtype=dtype)

    @classmethod
    def of(cls, values: Iterable[Any]) -> Codes:
        distinct: list = []
        return cls(code_values(values, {}, distinct), distinct)

    def __len__(self) -> int:
        return len(self._codes)

    def values(self, start: int, stop: int) -> list:
        distinct = self._distinct
        return [distinct[c] for c in self._codes[start:stop].tolist()]

    def array(self) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in self._distinct], dtype=np.float64)[self._codes]

    def take(self, index: np.ndarray) -> Codes:
        return Codes(self._codes[index], self._distinct)

    def distinct(self) -> list:
        """The distinct values the codes point into (some perhaps no longer used after ``take``)."""
        return list(self._distinct)

    def codes(self) -> np.ndarray:
        return self._codes

    def coded_pair(self) -> tuple[np.ndarray, list]:
        return self._codes, self.distinct()


def column_of(values: Sequence[Any]) -> Column:
    """The cheapest column that gives ``values`` back exactly (a stored step's rows read back)."""
    kinds = {type(v) for v in values}
    if kinds <= {int}:
        return Ints(np.asarray(values, dtype=np.int64)) if all(abs(v) < 2**62 for v in values) else Codes.of(values)
    if kinds <= {float, type(None)} and float in kinds:
        return Floats(np.array([np.nan if v is None else v for v in values], dtype=np.float64),
                      np.array([v is None for v in values], dtype=bool))
    return Codes.of(values)


class Rows(Sequence):
    """A table of rows of ``row_type`` (a JsonRecord whose JSON is flat: one key per column), held as columns.
    Subclasses name the row type; ``len``, indexing and iteration give row records, ``column(name)`` an array."""

    row_type: ClassVar[type]

    def __init__(self, columns: dict[str, Column]) -> None:
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"{type(self).__name__}: columns of lengths {sorted(lengths)}")
        self._columns = columns
        self._length = lengths.pop() if lengths else 0

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._length))]
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError(i)
        return self.row_type.from_json({name: c.values(i, i + 1)[0] for name, c in self._columns.items()})

    def __iter__(self) -> Iterator:
        for row in self.json_rows():
            yield self.row_type.from_json(row)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rows):
            return NotImplemented
        return type(self) is type(other) and len(self) == len(other) and all(
            a == b for a, b in zip(self.json_rows(), other.json_rows(), strict=True))

    __hash__ = None  # type: ignore[assignment]

    def column(self, name: str) -> np.ndarray:
        """A numeric column as an array (null as NaN)."""
        return self._columns[name].array()

    def values(self, name: str) -> list:
        """A column's values as the JSON has them."""
        return self._columns[name].values(0, self._length)

    def coded(self, name: str) -> tuple[np.ndarray, list]:
        """A column of names or times as (codes, distinct values): read per distinct value, not per row."""
        column = self._columns[name]
        if isinstance(column, Codes):
            return column.codes(), column.distinct()
        return Codes.of(column.values(0, self._length)).coded_pair()

    def take(self, index: np.ndarray) -> Self:
        """The rows at ``index`` (positions), in that order."""
        return type(self)({name: c.take(np.asarray(index, dtype=np.int64)) for name, c in self._columns.items()})

    def json_rows(self) -> Iterator[dict[str, Any]]:
        """Each row's JSON object, built a chunk of rows at a time."""
        names = list(self._columns)
        for start in range(0, self._length, _CHUNK):
            stop = min(start + _CHUNK, self._length)
            for values in zip(*(self._columns[n].values(start, stop) for n in names), strict=True):
                yield dict(zip(names, values, strict=True))

    def to_json(self) -> list[dict[str, Any]]:
        return list(self.json_rows())

    def iter_json(self) -> Iterator[str]:
        """``json.dumps(self.to_json())`` in pieces."""
        if not self._length:
            yield "[]"
            return
        yield "["
        first = True
        for row in self.json_rows():
            yield json.dumps(row) if first else ", " + json.dumps(row)
            first = False
        yield "]"

    @classmethod
    def of_rows(cls, rows: Sequence[Any]) -> Self:
        """``rows`` as a table: already one, or a list of row records (or of their JSON objects)."""
        if isinstance(rows, cls):
            return rows
        return cls.from_json([r if isinstance(r, dict) else r.to_json() for r in rows])

    @classmethod
    def from_json(cls, rows: Sequence[dict[str, Any]]) -> Self:
        """The table of ``rows`` (a stored step's or a --json's list of row objects)."""
        names = [n for n in rows[0]] if rows else []
        return cls({name: column_of([r[name] for r in rows]) for name in names})


class Series(Sequence):
    """A list of numbers per interval (a skill's requirement, a queue's calls, the agents at work) held as one
    read-only float64 array: 8 bytes a value instead of ~32 as Python floats (a month of 300 queues holds ~10 such
    lists per skill). It reads as the list it stands for: indexing and iteration give Python floats, ``==``
    compares with a list, ``np.asarray`` gives the array without a copy (read-only: change a copy, ``np.array``),
    and its JSON (``tolist()``) is the list's, byte for byte. Values that are not all floats (ints or nulls, as a
    hand-written JSON may have) are kept as the list they were, so that their JSON does not change either."""

    __slots__ = ("_a", "_list")

    def __init__(self, values: Any) -> None:
        if isinstance(values, Series):
            self._a, self._list = values._a, values._list
            return
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            values = np.array(values, dtype=np.float64).ravel()
        else:
            values = values.tolist() if isinstance(values, np.ndarray) else list(values)
            if not all(isinstance(v, float) for v in values):
                self._a, self._list = None, values
                return
            values = np.array(values, dtype=np.float64)
        values.flags.writeable = False
        self._a, self._list = values, None

    @classmethod
    def from_json(cls, values: Sequence[Any]) -> Series:
        return cls(values)

    def to_json(self) -> list:
        return self.tolist()

    def tolist(self) -> list:
        return self._a.tolist() if self._list is None else list(self._list)

    def __len__(self) -> int:
        return len(self._a) if self._list is None else len(self._list)

    def __getitem__(self, i):  # type: ignore[override]
        if self._list is not None:
            return self._list[i]
        return self._a[i].tolist()  # a Python float, or a list for a slice

    def __iter__(self) -> Iterator:
        if self._list is not None:
            yield from self._list
            return
        for start in range(0, len(self._a), _CHUNK):
            yield from self._a[start:start + _CHUNK].tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = self._a if self._list is None else np.array(self._list, dtype=np.float64)
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Series | list | tuple):
            return self.tolist() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Series({self.tolist()!r})"
