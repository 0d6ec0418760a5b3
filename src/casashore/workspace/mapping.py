"""How a call log's columns become workspace calls: a TOML mapping, or a built-in preset.

A mapping names the file's columns for each workspace field, the format of its timestamps and their time zone,
and which outcome values mean answered or abandoned. The importer turns it into one SQL projection that DuckDB
runs over the file, so no Python loop touches the rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from casashore.domain.base import Strict, TimeZoneName
from casashore.domain.loading import read_toml, validated

Column = Annotated[str, Field(min_length=1, max_length=200)]


def _one_character(delimiter: str) -> str:
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise ValueError("one character, not a quote or a line break, such as , or ; or a tab")
    return delimiter


Delimiter = Annotated[str, AfterValidator(_one_character)]
TimestampFormat = Annotated[str, Field(min_length=2, max_length=100)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
OutcomeValue = Annotated[str, Field(max_length=200)]


class Columns(Strict):
    """The file's column for each field (handle_s, agent and channel may be absent; without a channel column, or
    in an empty cell, a call is voice)."""

    call_id: Column
    queue: Column
    arrival: Column
    wait_s: Column
    outcome: Column
    handle_s: Column | None = None
    agent: Column | None = None
    channel: Column | None = None
    """voice, chat or email (any case), one per queue"""


class Outcomes(Strict):
    answered: list[OutcomeValue] = Field(min_length=1, max_length=100)
    abandoned: list[OutcomeValue] = Field(min_length=1, max_length=100)


class CallMapping(Strict):
    format: Literal["csv", "parquet"] = "csv"
    delimiter: Delimiter = ","
    time_zone: TimeZoneName
    """Time zone of the file's timestamps, such as Europe/Paris (the client's, as ACDs usually export)."""
    timestamp_format: TimestampFormat = "%Y-%m-%d %H:%M:%S"
    country: Country | None = None
    """The client's country (ISO 3166 code such as FR), for its public holidays."""
    columns: Columns
    outcomes: Outcomes


class IntervalColumns(Strict):
    """The file's column for each field of an interval aggregate (only queue, start and offered required)."""

    queue: Column
    start: Column
    offered: Column
    answered: Column | None = None
    abandoned: Column | None = None
    aht_s: Column | None = None
    asa_s: Column | None = None
    channel: Column | None = None
    """voice, chat or email (any case), one per queue; absent or empty: voice"""


class IntervalMapping(Strict):
    """A report of calls per queue and interval (what many ACDs export instead of call records)."""

    kind: Literal["intervals"]
    format: Literal["csv", "parquet"] = "csv"
    delimiter: Delimiter = ","
    time_zone: TimeZoneName
    timestamp_format: TimestampFormat = "%Y-%m-%d %H:%M"
    interval_min: int = Field(gt=0, le=1440)
    country: Country | None = None
    columns: IntervalColumns

    @field_validator("interval_min")
    @classmethod
    def _divides_a_day(cls, minutes: int) -> int:
        if 1440 % minutes:
            raise ValueError("minutes dividing a day: 15, 30, 60 ...")
        return minutes


def load_mapping(path: Path) -> CallMapping | IntervalMapping:
    data = read_toml(path, "mapping")
    if data.get("kind", "calls") == "intervals":
        return validated(IntervalMapping, data, where=str(path))
    data.pop("kind", None)
    return validated(CallMapping, data, where=str(path))


def _ident(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def channel_projection(column: str | None) -> str:
    """The channel of a row: the column's value in lower case, voice where the column or the cell is empty."""
    if column is None:
        return "'voice'"
    return f"coalesce(nullif(lower(trim(CAST({_ident(column)} AS VARCHAR))), ''), 'voice')"


def projection(mapping: CallMapping) -> dict[str, str]:
    """SQL expressions over the file's (text) columns for each workspace field; NULL marks an invalid value."""
    col = mapping.columns
    answered = ", ".join(_literal(v) for v in mapping.outcomes.answered)
    abandoned = ", ".join(_literal(v) for v in mapping.outcomes.abandoned)
    outcome = f"trim(CAST({_ident(col.outcome)} AS VARCHAR))"
    return {
        "call_key": f"CAST({_ident(col.call_id)} AS VARCHAR)",
        "queue": f"nullif(trim(CAST({_ident(col.queue)} AS VARCHAR)), '')",
        "arrival_at": f"timezone({_literal(mapping.time_zone)}, try_strptime(CAST({_ident(col.arrival)} AS VARCHAR), "
                      f"{_literal(mapping.timestamp_format)}))",
        "outcome": f"CASE WHEN {outcome} IN ({answered}) THEN 'answered' WHEN {outcome} IN ({abandoned}) "
                   f"THEN 'abandoned' ELSE 'other' END",
        "wait_s": f"TRY_CAST({_ident(col.wait_s)} AS DOUBLE)",
        "handle_s": f"TRY_CAST({_ident(col.handle_s)} AS DOUBLE)" if col.handle_s else "NULL::DOUBLE",
        "agent": f"CAST({_ident(col.agent)} AS VARCHAR)" if col.agent else "NULL::VARCHAR",
        "channel": channel_projection(col.channel),
    }


ANONYMOUS_BANK_ZONE = "Asia/Jerusalem"


def anonymous_bank_projection() -> dict[str, str]:
    """The 1999 Anonymous Bank log (Technion SEE lab): tab-separated, one row per call that left the VRU.

    A call asks for an agent when it leaves the VRU (``vru_exit``; ``q_start`` when it queued, the same
    instant); ``type`` is the queue (PS regular, PE regular in English, NW new customers, NE stock exchange,
    IN internet, TT callers who left a message); ``outcome`` AGENT = answered, HANG = abandoned, PHANTOM = a
    ghost call (kept as 'other', out of the offered calls); ``q_time`` the wait; ``ser_time`` the handle time.
    The calls of one line are numbered, so ``vru+line`` and ``call_id`` together identify a call.
    """
    start = "CASE WHEN q_start <> '0:00:00' THEN q_start ELSE vru_exit END"
    return {
        "call_key": '"vru+line" || \':\' || call_id',
        "queue": "nullif(trim(type), '')",
        "arrival_at": f"timezone('{ANONYMOUS_BANK_ZONE}', try_strptime(date || ' ' || {start}, '%y%m%d %H:%M:%S'))",
        "outcome": "CASE outcome WHEN 'AGENT' THEN 'answered' WHEN 'HANG' THEN 'abandoned' ELSE 'other' END",
        "wait_s": "TRY_CAST(q_time AS DOUBLE)",
        "handle_s": "CASE WHEN outcome = 'AGENT' THEN TRY_CAST(ser_time AS DOUBLE) END",
        "agent": "CASE WHEN server <> 'NO_SERVER' THEN server END",
        "channel": "'voice'",
    }


PRESETS = {"anonymous-bank": (anonymous_bank_projection, "\t", ANONYMOUS_BANK_ZONE, "IL")}


def interval_projection(mapping: IntervalMapping) -> dict[str, str]:
    """SQL expressions for an interval report's fields; NULL marks an invalid value."""
    col = mapping.columns

    def number(name: str | None) -> str:
        return f"TRY_CAST({_ident(name)} AS DOUBLE)" if name else "NULL::DOUBLE"

    return {
        "queue": f"nullif(trim(CAST({_ident(col.queue)} AS VARCHAR)), '')",
        "local_start": f"try_strptime(CAST({_ident(col.start)} AS VARCHAR), {_literal(mapping.timestamp_format)})",
        "offered": number(col.offered),
        "answered": number(col.answered),
        "abandoned": number(col.abandoned),
        "aht_s": number(col.aht_s),
        "asa_s": number(col.asa_s),
        "channel": channel_projection(col.channel),
    }
