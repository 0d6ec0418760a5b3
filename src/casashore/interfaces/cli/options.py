"""Options several commands share, declared once so that their names and help read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casashore.usecases.execution import MAX_WORKERS  # the standard library only

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
InputOpt = Annotated[Path | None, typer.Option(
    "--input", help="CSV file, one case per row, columns named like the long options (service_level).")]
OutputOpt = Annotated[Path | None, typer.Option("--output", help="Also write the results as CSV to this file.")]
PlotOpt = Annotated[Path | None, typer.Option("--plot", help="Also draw the figure into this HTML file "
                                                              "(self-contained, opens offline).")]
WorkspaceOpt = Annotated[Path, typer.Option("--workspace", help="The workspace DuckDB file (made on first "
                                                                 "import).")]
QueueOpt = Annotated[list[str] | None, typer.Option(
    "--queue", help="A queue to use; repeat for several (--queue PS --queue NW) [default: every queue of the "
                    "workspace].")]
IntervalOpt = Annotated[str, typer.Option(help="Interval length: 15m, 30m or 1h.")]


def workers_option(help_text: str) -> typer.models.OptionInfo:
    """`--workers N`: a whole number of local processes. Taken as text and checked by the use case
    (usecases/execution.py's worker_count): 0, 300 and "two" get the same one message, with the range."""
    return typer.Option(metavar="N", help=f"{help_text} From 1 to {MAX_WORKERS}.")


WorkersOpt = Annotated[str | None, workers_option("Local processes for the queues' batches [default: all cores from "
                                                  "60 queues on]; the figures do not depend on it.")]
SchedulerOpt = Annotated[str | None, typer.Option(help="dask.distributed scheduler address (tcp://host:8786): "
                                                       "batches of 5 queues per task, the same figures.")]
RecordsOpt = Annotated[str | None, typer.Option(
    "--records", "--records-url", metavar="postgresql://USER@HOST/DB",
    help="A centre's records in PostgreSQL (`route serve --records`): its calls (route_calls, answered and "
         "abandoned ones offered, by route_queues' zones) added to the workspace's history, which is left out "
         "when the file does not exist. The password is never printed; keep it out of the URL (~/.pgpass or "
         "PGPASSWORD).")]
CentreOpt = Annotated[str, typer.Option("--centre", help="With --records: the centre's name ([router] centre of "
                                                          "the centre file).")]
