"""domain/json_reader.py: a typed result read from its JSON text in pieces is the record ``from_json(json.loads)``
gives, its JSON byte for byte, whatever the pieces' split and whatever the kinds of a column's values across the
batches of rows it is read in."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

import numpy as np
import pytest

import casashore.domain.json_reader as json_reader
from casashore.domain.columns import Codes, Floats, Ints, Series
from casashore.domain.json_reader import read_record
from casashore.domain.json_record import JsonRecord, json_chunks, optional_key
from casashore.forecast.intervals import ForecastIntervals
from casashore.plan.result import Forecast, Schedule, ShiftCount, UncoverableInterval
from casashore.simulate.results import SimulatedCentre
from casashore.workspace.store import _packed, _packed_pieces, _unpacked_pieces


@dataclass(frozen=True)
class _Mixed(JsonRecord):
    """Fields of every shape the readers know, and a table whose columns change kind between batches."""
    title: str
    table: ForecastIntervals
    nested: list[Forecast] | None
    by_name: dict[str, Series]
    plain: dict[str, int]
    maybe: list[float | None] | None = optional_key()


def _row(i: int) -> dict:
    return {"queue": f"q{i % 3}", "start": f"2026-01-05T{i % 24:02d}:00:00+01:00",
            "site_start": f"2026-01-05T{i % 24:02d}:00:00", "interval_min": 60 if i < 7 else 2**63 + i,
            "model": "AutoETS", "calls": float(i) / 3, "calls_lo_80": None if i % 4 else 1.5,
            "calls_hi_80": i if i > 9 else float(i), "calls_lo_95": None, "calls_hi_95": 1e300 * 10 if i == 2 else 2.0,
            "aht_s": None if i % 2 else 180.25, "holiday": None if i % 5 else "New Year"}


def _text() -> str:
    rows = [_row(i) for i in range(13)]
    forecast = {"models": {"q0": "AutoETS"}, "intervals": [_row(i) for i in range(3)]}
    return json.dumps({"title": "x\u00e9\\\"}", "unknown": [{"a": [1, 2]}], "table": rows,
                       "nested": [forecast, None], "by_name": {"a": [0.5, 1.0], "b": [1, None]},
                       "plain": {"n": 3}, "maybe": [1.0, None, 2.5]})


def _json(record: JsonRecord) -> str:
    return "".join(json_chunks(record))


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1 << 20])
def test_a_record_read_in_pieces_is_the_one_read_whole(monkeypatch, size):
    monkeypatch.setattr(json_reader, "_ROWS_AT_ONCE", 4)  # batches of 4 rows: the kinds change between them
    text = _text()
    whole = _Mixed.from_json(json.loads(text))
    pieces = [text[i:i + size] for i in range(0, len(text), size)]
    read = read_record(_Mixed, pieces)
    assert _json(read) == _json(whole)
    columns = read.table._columns
    # The columns are the ones column_of chooses for all the values at once.
    assert {name: type(c) for name, c in columns.items()} == {name: type(c) for name, c in whole.table._columns.items()}
    assert isinstance(columns["calls"], Floats) and isinstance(columns["interval_min"], Codes)
    assert isinstance(columns["calls_hi_80"], Codes) and isinstance(columns["calls_lo_95"], Codes)
    assert read.nested[1] is None and read.maybe == [1.0, None, 2.5] and read.by_name["b"] == [1, None]


def test_an_int_column_and_an_empty_table():
    text = json.dumps({"models": {}, "intervals": []})
    assert _json(read_record(Forecast, [text])) == text
    centre = {"replications": 2, "queues": [], "groups": [{"group": "g", "occupancy": None, "occupancy_ci95": 0.1,
                                                          "intervals": [{"interval": i, "occupancy": 0.5,
                                                                         "occupancy_ci95": None} for i in range(5)]}],
              "calls_simulated": 7}
    read = read_record(SimulatedCentre, [json.dumps(centre)])
    assert isinstance(read.groups[0].intervals._columns["interval"], Ints)
    assert _json(read) == json.dumps(centre)


def test_a_stored_schedule_read_from_its_compressed_pieces():
    schedule = Schedule(status="optimal", gap=None, cost=1.5, objective=1.5, bound=1.0, stopped_by="gap",
                        solver="highs", uncoverable=[UncoverableInterval(skill="fr", start="2026-01-05T08:00:00")],
                        counts=[ShiftCount(shift="early", day=d, agents=d + 1) for d in range(3)],
                        scheduled={"fr": np.arange(3000) / 7}, at_work={"fr": [1.0] * 3000},
                        on_shift_total=[2.0] * 3000, paid_hours=12.5)
    packed = _packed(json_chunks(schedule))
    assert zlib.decompress(packed).decode() == _json(schedule)
    stored = list(_packed_pieces(json_chunks(schedule), size=500))  # rows of 500 compressed bytes, as stored
    assert len(stored) > 2 and b"".join(stored) == packed
    read = read_record(Schedule, _unpacked_pieces(stored, piece=1000))
    assert read == schedule and _json(read) == _json(schedule)


@pytest.mark.parametrize("text", ['{"models": {}, "intervals": [}', '{"models": {}} x', '{"models": {}',
                                  '{"intervals": []}'])
def test_bad_text_is_refused_as_json_loads_would(text):
    with pytest.raises((json.JSONDecodeError, KeyError)):
        read_record(Forecast, [text])
