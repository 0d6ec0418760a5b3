"""CSV batch input: one case per row, columns named like the command's long options."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from casashore.errors import UserError

# Columns that label a row and are passed through to the output untouched.
LABEL_COLUMNS = ("start", "queue", "label", "interval_start")


def read_cases(path: Path, known: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of ``path`` as (line number, {option: text}), empty cells dropped; UserError on a bad file.

    Column names may use ``-`` or ``_`` (``service-level`` or ``service_level``). Unknown columns are an error,
    so that a misspelt target is never silently ignored.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise UserError("input", str(path), f"a readable CSV file ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise UserError("input", str(path), "a CSV file with a header row") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UserError("input", str(path), f"a CSV file ({exc})") from None
        names = [h.strip().lower().replace("-", "_") for h in header]
        allowed = set(known) | set(LABEL_COLUMNS)
        for name in names:
            if name not in allowed:
                raise UserError("column", name, f"one of {', '.join(sorted(allowed))}", where=f"{path} line 1")
        cases = []
        try:
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(names):
                    raise UserError("row", ",".join(row), f"{len(names)} cells like the header",
                                    where=f"{path} line {line}")
                cases.append((line, {n: c.strip() for n, c in zip(names, row, strict=True) if c.strip()}))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UserError("input", str(path), f"a CSV file ({exc})", where=f"line {reader.line_num}") from None
    if not cases:
        raise UserError("input", str(path), "a CSV file with at least one data row")
    return cases


def labelled_cases(path: Path, fields: tuple[str, ...], parse: Callable[[dict], Any]) -> list[tuple[dict, Any]]:
    """Each row of ``path`` parsed into a case, with its label columns apart; a wrong cell names its line."""
    parsed = []
    for line, raw in read_cases(path, fields):
        labels = {k: raw.pop(k) for k in LABEL_COLUMNS if k in raw}
        try:
            parsed.append((labels, parse(raw)))
        except UserError as exc:
            raise UserError(exc.field, exc.value, exc.expected, where=f"{path} line {line}") from None
    return parsed


def solve_labelled(solve: Callable[[list[Any]], list[dict]], labelled: list[tuple[dict, Any]]) -> list[dict]:
    """``solve`` over the cases, each result led by its row's labels (start, queue ...)."""
    results = solve([case for _, case in labelled])
    return [{**labels, **result} for (labels, _), result in zip(labelled, results, strict=True)]
