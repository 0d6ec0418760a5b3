"""What `casashore import` and `casashore history` do: a call log into the workspace, all or nothing; what
happened per queue and interval, and how patient callers were. Also the choices the history commands share:
which queues, what interval, how many days."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from casashore.domain.units import duration_s, interval_min, whole
from casashore.errors import UserError
from casashore.history.measures import interval_history, queue_summaries
from casashore.usecases.output_paths import check_all_writable
from casashore.workspace.importer import ImportResult
from casashore.workspace.mapping import IntervalMapping, load_mapping
from casashore.workspace.store import Workspace


def days(field: str, text: str) -> int:
    """Whole days from 14d, 14 or 2w."""
    text = text.strip().lower()
    scale = {"d": 1, "w": 7}.get(text[-1:], 1)
    return whole(field, text.rstrip("dw"), low=1) * scale


def chosen_queues(workspace: Workspace, asked: list[str] | None) -> list[str]:
    """The workspace's queues, or those asked for; an unknown name is a UserError listing the known ones."""
    known = workspace.queue_names()
    for name in asked or []:
        if name not in known:
            raise UserError("queue", name, "a queue of the workspace: " + (", ".join(known) or "none yet"))
    return sorted(set(asked)) if asked else known


def import_log(file: Path, workspace: Path, *, format: str | None, mapping: Path | None) -> ImportResult:
    """Import a call log (or an interval report) into the workspace, all of it or nothing."""
    if (format is None) == (mapping is None):
        raise UserError("format", format, "either --format NAME or --mapping FILE.toml")
    check_all_writable(workspace=workspace)
    chosen = load_mapping(mapping) if mapping is not None else None
    created = not workspace.exists()
    opened = Workspace.open(workspace)
    try:
        if isinstance(chosen, IntervalMapping):
            return opened.import_intervals(file, chosen)
        return opened.import_calls(file, preset=format, mapping=chosen)
    except UserError:
        if created:  # a refused first import leaves no empty workspace behind to be mistaken for one
            opened.close()
            for path in (workspace, workspace.with_name(workspace.name + ".wal")):
                path.unlink(missing_ok=True)
        raise
    finally:
        opened.close()


class History(NamedTuple):
    queues: list[dict]
    """Per queue: offered, P(abandon), patience by two estimators, what its records are and what they cannot give."""
    intervals: list[dict]
    """Per queue and interval, in the queue's time zone."""


def history(workspace: Path, *, interval: str, target: str, queues: list[str] | None, plot: Path | None,
            deadline: str | None = None) -> History:
    """What happened per queue and interval; ``plot`` also gets the weekday x time-of-day heatmap. ``deadline``:
    what an email item's service level is measured against (none without it)."""
    minutes = interval_min(interval)
    target_s = duration_s("target", target, allow_zero=True)
    deadline_s = duration_s("deadline", deadline) if deadline is not None else None
    with Workspace.open(workspace, read_only=True) as opened:
        chosen = chosen_queues(opened, queues)
        rows = (interval_history(opened, interval_min=minutes, target_s=target_s, deadline_s=deadline_s)
                if not queues else
                [row for name in chosen for row in interval_history(opened, interval_min=minutes, target_s=target_s,
                                                                    queue=name, deadline_s=deadline_s)])
        summaries = queue_summaries(opened, rows, deadline_s)
    if plot is not None:
        if not rows:
            raise UserError("plot", str(plot), "a workspace with records to draw (it holds no call records or interval "
                            "reports of the queues asked for: casashore import first)")
        from casashore.report.figures import weekly_heatmap, write_figure  # plotly: only for --plot

        write_figure(weekly_heatmap(rows, {q["queue"]: q["channel"] for q in summaries}), plot)
    return History(summaries, rows)
