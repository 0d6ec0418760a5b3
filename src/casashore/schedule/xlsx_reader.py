"""One sheet of an .xlsx workbook as rows of text, read defensively: the file is a user's upload, and an .xlsx is a
zip of XML parts.

Before openpyxl sees a byte, the archive is checked: its size, its number of entries, the total size its entries
inflate to, and each entry's compression ratio (a zip bomb inflates a few kilobytes into gigabytes). The sizes
checked are the ones the archive declares; Python's zipfile stops inflating an entry at its declared size and
refuses it when the data does not match (its CRC), so the declared sizes bound what is inflated. openpyxl then
opens the same bytes read-only (streamed, the sheet never built in memory), with ``data_only`` (a formula cell
reads as the value Excel saved with it: nothing is evaluated) and ``keep_links=False`` (links to other workbooks
are not read, let alone followed). XML entity tricks (billion laughs) are refused by defusedxml, which openpyxl
uses when it is installed. Rows and columns are bounded too.

Cells become the text a CSV would hold, so that the CSV readers' validation applies unchanged: numbers as
written (``44``, ``0.25``), times as ``HH:MM``, dates as ``2026-03-06`` and date-times as ISO text.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from casashore.errors import UserError

MAX_XLSX_BYTES = 16 * 1024 * 1024
MAX_ENTRIES = 1_000
MAX_INFLATED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
"""Inflated over compressed size, per entry: a sheet of one number repeated compresses about 100 times, a bomb
thousands of times."""
RATIO_FROM_BYTES = 1024 * 1024
"""Entries inflating to less than this are not held to the ratio: small parts compress oddly and cannot hurt."""
MAX_ROWS = 100_000
MAX_COLUMNS = 64


@dataclass(frozen=True)
class Sheet:
    name: str
    """the sheet's title"""
    rows: list[tuple[int, list[str]]]
    """(row number in the sheet, one text per column), rows with no value left out"""


OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
"""The first bytes of an Excel 97-2003 .xls file (an OLE2 compound file), which openpyxl does not read."""
XLS_EXPECTED = ("an .xlsx workbook (Excel 97-2003 .xls files are not supported: open it in Excel or LibreOffice "
                "and save it as .xlsx, Excel Workbook)")


def check_archive(data: bytes, field: str, source: str, *, max_bytes: int = MAX_XLSX_BYTES,
                  max_entries: int = MAX_ENTRIES, max_inflated: int = MAX_INFLATED_BYTES,
                  max_ratio: float = MAX_RATIO) -> None:
    """Refuse (UserError on ``field``) what is not a zip, or is larger, holds more entries, inflates to more or
    compresses better than the limits: before any XML is parsed."""
    if len(data) > max_bytes:
        raise UserError(field, source, f"an .xlsx file of at most {max_bytes:,} bytes")
    if data.startswith(OLE2_MAGIC):
        raise UserError(field, source, XLS_EXPECTED)
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UserError(field, source, "an .xlsx workbook (a zip archive; save it from Excel or LibreOffice as "
                        ".xlsx)") from None
    if len(entries) > max_entries:
        raise UserError(field, source, f"an .xlsx workbook of at most {max_entries} parts ({len(entries)} here)")
    inflated = sum(e.file_size for e in entries)
    if inflated > max_inflated:
        raise UserError(field, source, f"an .xlsx workbook inflating to at most {max_inflated:,} bytes "
                        f"({inflated:,} here)")
    for entry in entries:
        if entry.file_size >= RATIO_FROM_BYTES and entry.file_size > max_ratio * max(entry.compress_size, 1):
            raise UserError(field, source, f"an .xlsx workbook whose parts compress at most {max_ratio:g} times "
                            f"({entry.filename} inflates {entry.file_size / max(entry.compress_size, 1):,.0f} "
                            "times: a zip bomb?)")


def read_sheet(data: bytes, field: str, source: str, prefer: tuple[str, ...] = (), *, max_rows: int = MAX_ROWS,
               max_columns: int = MAX_COLUMNS) -> Sheet:
    """The rows of the sheet whose title is one of ``prefer`` (any case), else of the first sheet, as text; the
    archive is checked first (check_archive)."""
    check_archive(data, field, source)
    from openpyxl import load_workbook  # only when an .xlsx is read: the CLI's --help stays light

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            sheets = book.worksheets
            if not sheets:
                raise UserError(field, source, "a workbook with a sheet")
            wanted = [s for s in sheets if s.title.strip().lower() in prefer]
            sheet = (wanted or sheets)[0]
            # Rows are read no wider than the limit (openpyxl pads each row to the width asked); the width the
            # sheet declares (its dimension, which Excel and LibreOffice write) says whether there is more.
            if (sheet.max_column or 0) > max_columns:
                raise UserError(field, source, f"a sheet of at most {max_columns} columns ({sheet.title!r} spans "
                                f"{sheet.max_column})")
            rows = []
            for number, values in enumerate(sheet.iter_rows(max_row=max_rows + 1, max_col=max_columns + 1,
                                                            values_only=True), start=1):
                texts = [_text(v) for v in values]
                if not any(texts):
                    continue
                if number > max_rows:
                    raise UserError(field, source, f"a sheet of at most {max_rows:,} rows ({sheet.title!r} has more)")
                if len(texts) > max_columns and texts[max_columns]:
                    raise UserError(field, source, f"a sheet of at most {max_columns} columns ({sheet.title!r} "
                                    "has more)")
                rows.append((number, texts[:max_columns]))
            return Sheet(sheet.title, rows)
        finally:
            book.close()
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a malformed part: all are the file's
        cause = _root(exc)
        text = " ".join(str(cause).split())[:120]
        raise UserError(field, source, f"a readable .xlsx workbook ({type(cause).__name__}: {text})") from None


def _root(exc: BaseException) -> BaseException:
    """The first error of a chain: openpyxl wraps what went wrong (an XML parser's refusal) in a ValueError."""
    seen = {id(exc)}
    while (inner := exc.__cause__ or exc.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        exc = inner
    return exc


def _text(value: object) -> str:
    """A cell as CSV text: what the same value typed in a CSV file would read as."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        # Excel has no date type apart from date-times: a date reads as its midnight, written as the date alone.
        return value.date().isoformat() if value.time() == time() else value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):  # a duration cell ([h]:mm): seconds, as the duration fields accept
        return f"{value.total_seconds():g}"
    return str(value).strip()
