"""Park scenarios as an .xlsx workbook: the scenarios listed, their comparison month by month, and each
scenario's park summary, hiring plans, contracts and buildings (the --csv tables, formatted). Sheets are named by
the scenario's number (a file name may not fit Excel's 31 characters nor its forbidden ones). English only; the
same scenarios give the same bytes."""

from __future__ import annotations

from datetime import datetime

from casashore.growth.run import GrowthResult
from casashore.report import xlsx_style as style

SHARES = {"service_level", "total", "leave", "holidays", "ramadan", "share", "staffed_ratio"}
MONEY = {"labour_cost", "revenue", "penalties", "bonuses", "margin", "salaries", "hiring_cost", "overtime_cost",
         "bonus", "penalty"}
COUNTS = {"hires", "classes", "seats_needed", "seats_busiest_hour", "on_shift_peak", "seats_open", "seats_short",
          "lines"}


def growth_workbook(results: list[GrowthResult], comparison: dict) -> bytes:
    book = style.new_book()
    index = style.sheet(book, "Scenarios", ["scenario", "name", "currency", "first month", "months"])
    for i, result in enumerate(results, start=1):
        index.append([i, result.name, result.currency, result.months[0], len(result.months)])
    style.widths(index)
    names = comparison["scenarios"]
    header = ["figure", "month", *names, *[f"{n} - {names[0]}" for n in names[1:]]]
    compared = style.sheet(book, "Comparison", header, freeze="C2")
    for row in comparison["rows"]:
        compared.append([row["figure"], row["month"], *row["values"], *row["differences"][1:]])
    for row_cells in compared.iter_rows(min_row=2):
        spec = _format(row_cells[0].value, results[0].currency)
        for cell in row_cells[2:]:
            cell.number_format = spec
    style.widths(compared)
    style.for_print(compared, title_columns="A:B")
    for i, result in enumerate(results, start=1):
        doc = result.to_json()
        tables = {
            "summary": doc["summary"],
            "hiring": [{"operator": p["operator"], "language": p["language"]} | r
                       for p in doc["hiring"] for r in p["months"]],
            "contracts": [{"client": c["client"], "operator": c["operator"]} | r
                          for c in doc["contracts"] for r in c["months"]],
            "space": [{"building": b["building"]} | r for b in doc["buildings"] for r in b["months"]],
        }
        for table, rows in tables.items():
            _table(book, f"{i} {table}", rows, result.currency)
    first = results[0].months[0]
    return style.as_bytes(book, datetime(int(first[:4]), int(first[5:7]), 1))


def _format(key: str, currency: str) -> str:
    if key in SHARES:
        return style.PERCENT
    if key in MONEY:
        return style.currency(currency)
    if key in COUNTS:
        return style.COUNT
    return "#,##0.0"


def _table(book, title: str, rows: list[dict], currency: str) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    ws = style.sheet(book, title, columns)
    for row in rows:
        ws.append([row.get(k) for k in columns])
    style.number_formats(ws, {i: _format(k, currency) for i, k in enumerate(columns, start=1)
                              if not isinstance(rows[0].get(k), str)} if rows else {})
    style.widths(ws)
    style.for_print(ws)
