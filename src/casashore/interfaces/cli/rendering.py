"""What the commands print: rich tables on stdout that are never cut, JSON documents, CSV files, progress bars.

Standard library, typer and rich only: `casashore --help` loads this module.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from casashore.domain.contacts import CONTACT_WORDS, contacts_word, counted  # noqa: F401 (the words, re-exported)
from casashore.interfaces.cli.errors import fail

WIDE_OUTPUT = 10_000
"""Columns of a console that is not a terminal (a file, a pipe): rich's default of 80 would cut tables."""


class _Stdout:
    """Rich output on stdout that never cuts a table or a line.

    On a terminal, a table too wide for it has its cells folded onto more lines (never an ellipsis), numbers
    kept whole when they fit; into a file or a pipe, nothing is narrowed at all.
    """

    def print(self, *objects: Any) -> None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=WIDE_OUTPUT)
        for table in (o for o in objects if isinstance(o, Table)):
            _fold_rather_than_cut(table, console.width)
        console.print(*objects)


def _fold_rather_than_cut(table: Table, width: int) -> None:
    """Fold cells instead of cutting them with "…"; keep numbers whole if the table still fits ``width``."""
    for column in table.columns:
        column.overflow = "fold"
        column.min_width = max((len(str(c)) for c in column.cells), default=0) + 2  # rich counts the padding
    trial = Console(width=width, file=io.StringIO(), color_system=None)
    trial.print(table, crop=False)
    if max(len(line) for line in trial.file.getvalue().splitlines()) > width:
        for column in table.columns:  # too narrow even so: let rich fold the numbers too
            column.min_width = None


out = _Stdout()


def print_json(doc: Any) -> None:
    """The one JSON document of --json, alone on stdout."""
    typer.echo(json.dumps(doc))


def print_json_chunks(chunks: Iterable[str]) -> None:
    """The one JSON document of --json given in pieces (domain/json_record.py's json_chunks), written as they
    come: a month of hundreds of queues is hundreds of MB of text, never held whole."""
    pending: list[str] = []
    for chunk in chunks:
        pending.append(chunk)
        if len(pending) >= 1024:
            sys.stdout.write("".join(pending))
            pending.clear()
    pending.append("\n")
    sys.stdout.write("".join(pending))
    sys.stdout.flush()


def write_csv(path: Path, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    try:
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        fail(f"output: {str(path)!r} cannot be written ({exc.strerror})")


def write_text_chunks(path: Path, chunks: Iterable[str]) -> None:
    """A text file written as its pieces come (a CSV of a month of hundreds of queues is never held whole)."""
    try:
        with path.open("w", newline="", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
    except OSError as exc:
        fail(f"output: {str(path)!r} cannot be written ({exc.strerror})")


def table(rows: list[dict], columns: list[tuple[str, str, str]], title: str) -> None:
    """Print ``rows`` with ``columns`` as (key, header, format spec); a missing value shows as "—"."""
    shown = Table(title=title)
    for _, header, _ in columns:
        shown.add_column(header, justify="right")
    for row in rows:
        shown.add_row(*["—" if row.get(k) is None else format(row[k], f) for k, _, f in columns])
    out.print(shown)


def fmt(value: float | None, spec: str = ".4f") -> str:
    return "—" if value is None else format(value, spec)


def wait_text(seconds: float | None) -> str:
    """A wait (its value or its 95 % half-width) in a readable unit: 4.9 s, 12.5 min, 3.2 h; "—" when there is none."""
    from casashore.report.i18n import wait  # words and numbers only: no plotting

    return "—" if seconds is None else wait(seconds, "en")


def bit_rate(bps: float) -> str:
    """40e9 -> '40 Gbit/s', 87200 -> '87.2 kbit/s'."""
    for scale, unit in ((1e12, "Tbit/s"), (1e9, "Gbit/s"), (1e6, "Mbit/s"), (1e3, "kbit/s")):
        if bps >= scale:
            return f"{bps / scale:,.4g} {unit}"
    return f"{bps:g} bit/s"


@contextlib.contextmanager
def progress(total: int, quiet: bool, unit: str = "replications",
             doing: str = "simulating") -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (only on a terminal); yields the advance callback."""
    console = Console(stderr=True)
    with Progress(TextColumn(doing), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task("simulate", total=total)
        yield lambda done: bar.advance(task, done)


def say_compiling(notice: str) -> None:
    """The engines' compile notice (usecases.simulation.compile_notice), one line on stderr: a progress bar on
    the terminal keeps drawing below it, and --json's stdout stays the document alone."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"notice: {notice}", markup=False)


def say_skipped(skipped: list[dict]) -> None:
    """The queues the intraday reforecast left out, one line each (the others were answered without them)."""
    for queue in skipped:
        out.print(f"skipped: {queue['queue']} — {queue['why']}")
