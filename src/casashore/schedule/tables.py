"""The scheduling inputs' tables (a requirement, shift templates, agents) from a CSV file or an .xlsx workbook,
chosen by the file's suffix: a header row naming the columns, then rows of text. The readers of inputs.py and
roster.py validate the rows the same whichever the file; an error names the CSV's line, or the workbook's sheet,
row and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from casashore.errors import UserError
from casashore.schedule.xlsx_reader import MAX_XLSX_BYTES, XLS_EXPECTED, read_sheet

XLSX_SUFFIXES = (".xlsx", ".xlsm")
SHEET_NAMES = {"requirement": ("requirement", "requirements", "besoin", "besoins"),
               "shifts": ("shifts", "shift templates", "vacations", "modèles de vacation"),
               "agents": ("agents",)}
"""A workbook's sheet read for each table when it has one of these titles (any case); else its first sheet."""


@dataclass(frozen=True)
class Table:
    source: str
    """the file (or upload) named in errors"""
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    """(line or row number, text by column)"""
    sheet: str | None = None
    """the workbook's sheet; None for a CSV file"""
    letters: dict[str, str] = field(default_factory=dict)
    """column name -> its letter in the sheet"""
    header_row: int = 1

    def where(self, number: int) -> str:
        """A row as a user finds it: ``file.csv line 5`` or ``file.xlsx sheet 'Agents' row 5``."""
        if self.sheet is None:
            return f"{self.source} line {number}"
        return f"{self.source} sheet {self.sheet!r} row {number}"

    def checked(self, needed: tuple[str, ...], optional: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        """The rows, once the header holds every ``needed`` column and no column beyond ``optional``."""
        missing = [c for c in needed if c not in self.header]
        unknown = [c for c in self.header if c not in needed + optional]
        if missing or unknown:
            raise UserError("columns", ",".join(self.header), f"{','.join(needed)} (optionally {','.join(optional)})",
                            where=self.source if self.sheet is None else self.where(self.header_row))
        return self.rows

    @contextmanager
    def cells_named(self) -> Iterator[None]:
        """Inside, a UserError on a row of a sheet also names the column of its field (``row 5 column C``)."""
        try:
            yield
        except UserError as exc:
            letter = self.letters.get(exc.field)
            if self.sheet is None or letter is None or not (exc.where or "").startswith(self.where(0)[:-1]):
                raise
            raise UserError(exc.field, exc.value, exc.expected, where=f"{exc.where} column {letter}") from None


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in XLSX_SUFFIXES


def read_table(path: Path, field: str, kind: str) -> Table:
    """The table of ``path``: an .xlsx workbook's sheet for ``kind`` (SHEET_NAMES), or a CSV file."""
    if path.suffix.lower() == ".xls":  # named, not read as a CSV file and refused as one not in UTF-8
        raise UserError(field, str(path), XLS_EXPECTED)
    if is_xlsx(path):
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_XLSX_BYTES + 1)  # never more than the limit in memory
        except OSError as exc:
            raise UserError(field, str(path), f"a readable .xlsx file ({exc.strerror})") from None
        return xlsx_table(data, field, str(path), kind)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return csv_table(handle.read(), str(path))
    except UnicodeDecodeError:
        raise UserError(field, str(path), "a CSV file in UTF-8 (or an .xlsx workbook)") from None
    except OSError as exc:
        raise UserError(field, str(path), f"a readable CSV file ({exc.strerror})") from None


def csv_table(text: str, source: str) -> Table:
    reader = csv.DictReader(io.StringIO(text))
    header = [c.strip() for c in reader.fieldnames or []]
    rows = [(i + 2, {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()})
            for i, row in enumerate(reader)]
    return Table(source, header, rows)


def xlsx_table(data: bytes, field: str, source: str, kind: str) -> Table:
    """The sheet for ``kind`` of the workbook ``data`` (read as xlsx_reader.read_sheet reads it): its first row
    with a value is the header."""
    from openpyxl.utils import get_column_letter  # only when an .xlsx is read

    sheet = read_sheet(data, field, source, SHEET_NAMES.get(kind, ()))
    if not sheet.rows:
        return Table(source, [], [], sheet.name)
    header_row, header = sheet.rows[0]
    while header and not header[-1]:
        header.pop()
    table = Table(source, [], [], sheet.name)
    if "" in header:
        raise UserError("columns", ",".join(header), "a name at the top of every column",
                        where=f"{table.where(header_row)} column {get_column_letter(header.index('') + 1)}")
    rows = []
    for number, texts in sheet.rows[1:]:
        beyond = [v for v in texts[len(header):] if v]
        if beyond:
            raise UserError("columns", beyond[0], f"values only under the {len(header)} named columns",
                            where=table.where(number))
        rows.append((number, dict(zip(header, texts, strict=False))))
    letters = {name: get_column_letter(i + 1) for i, name in enumerate(header)}
    return Table(source, header, rows, sheet.name, letters, header_row)
