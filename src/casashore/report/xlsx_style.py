"""The look shared by the workbooks casashore writes (workbook.py, roster_workbook.py): bold headers on a tinted
row, frozen panes, column widths from the contents, number formats, fills; and a workbook as bytes."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

HEADER_FILL = PatternFill("solid", start_color="DDE4EE")
SHORT_FILL = PatternFill("solid", start_color="F4C7C3")
"""Requirement above the agents scheduled (and goals missed): the report's red, lightened."""
OFF_FILL = PatternFill("solid", start_color="EEEEEE")
AWAY_FILL = PatternFill("solid", start_color="FCE8B2")
BOLD = Font(bold=True)

PERCENT = "0.0%"
AGENTS = "0.0"
HOURS = "0.0"
COUNT = "0"
CALLS = "#,##0.0"
SECONDS = "0"
DATE = {"en": "yyyy-mm-dd", "fr": "dd/mm/yyyy"}
DATE_TIME = {"en": "yyyy-mm-dd hh:mm", "fr": "dd/mm/yyyy hh:mm"}
DAY_HEADER = {"en": "ddd yyyy-mm-dd", "fr": "ddd dd/mm"}


def currency(code: str) -> str:
    """Thousands and two decimals followed by the site's currency (a code of letters only: domain/site.py)."""
    return f'#,##0.00 "{code}"'


def sheet(book: Workbook, title: str, header: Sequence[str], *, freeze: str = "A2") -> Worksheet:
    """A new sheet with its bold header row, frozen below the header (and left of ``freeze``'s column)."""
    ws = book.create_sheet(title[:31])
    ws.append(list(header))
    for cell in ws[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = freeze
    return ws


def number_formats(ws: Worksheet, formats: dict[int, str], first_row: int = 2) -> None:
    """Column (1-based) -> number format, on every row below the header."""
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if cell.column in formats:
                cell.number_format = formats[cell.column]


def widths(ws: Worksheet, *, least: int = 8, most: int = 48) -> None:
    """Each column as wide as its longest text (numbers at their formatted size, roughly), within bounds."""
    longest: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                text = cell.value if isinstance(cell.value, str) else f"{cell.value:}"
                size = max(len(part) for part in str(text).split("\n"))
                if cell.row == 1:  # headers wrap: half their length is enough
                    size = max(least, (size + 1) // 2)
                longest[cell.column] = max(longest.get(cell.column, 0), size)
    for column, size in longest.items():
        ws.column_dimensions[get_column_letter(column)].width = min(most, max(least, size + 2))


def bold_rows(ws: Worksheet, rows: Iterable[int]) -> None:
    for r in rows:
        for cell in ws[r]:
            cell.font = BOLD


def for_print(ws: Worksheet, *, title_columns: str | None = None) -> None:
    """Landscape, one page wide, the header row (and the first columns) repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    if title_columns:
        ws.print_title_cols = title_columns


def new_book() -> Workbook:
    """A workbook without openpyxl's default empty sheet."""
    book = Workbook()
    book.remove(book.active)
    return book


def as_bytes(book: Workbook, stamp: datetime) -> bytes:
    """The workbook's file, the same bytes for the same contents: its properties dated ``stamp`` (the plan's
    first day, not the clock) and its zip entries dated 1980-01-01 (zipfile dates them now otherwise). openpyxl's
    save dates the `modified` property now whatever it was set to: it is written again with ``stamp``."""
    book.properties.created = book.properties.modified = stamp
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    written = io.BytesIO()
    book.save(written)
    fixed = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + modified + rb"\g<2>",
                              data)
            target.writestr(zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED)
    return fixed.getvalue()
