"""The per-call trace: every counted call of every replication, written to Parquet by DuckDB.

DuckDB here is only a Parquet writer over in-memory columns, not the workspace (no file is opened): it is a
dependency already, and pyarrow, the other writer, is not one of ours.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from casashore.errors import UserError
from casashore.simulate.engine import (
    TRACE_ANSWERED,
    TRACE_ARRIVAL_S,
    TRACE_GROUP,
    TRACE_HANDLE_S,
    TRACE_QUEUE,
    TRACE_WAIT_S,
)
from casashore.simulate.replications import Batch


def trace_columns(batch: Batch, queue_names: list[str], group_names: list[str]) -> dict[str, np.ndarray]:
    """Columns of the trace: replication, queue, arrival_s, answered, wait_s, agent_group, handle_s (seconds from the
    start of the first interval; agent_group and handle_s are empty for callers who hung up)."""
    if batch.trace is None:
        raise ValueError("the batch was run without trace=True")
    floats = np.concatenate([f for f, _ in batch.trace]) if batch.trace else np.empty((0, 3))
    ints = np.concatenate([i for _, i in batch.trace]) if batch.trace else np.empty((0, 3), np.int64)
    replication = np.repeat(np.arange(len(batch.trace)), [len(f) for f, _ in batch.trace])
    order = np.lexsort((floats[:, TRACE_ARRIVAL_S], replication))  # by replication, then arrival
    queues = np.array(queue_names, dtype=object)
    groups = np.array([*group_names, None], dtype=object)  # index -1 -> None
    return {
        "replication": replication[order],
        "queue": queues[ints[order, TRACE_QUEUE]],
        "arrival_s": floats[order, TRACE_ARRIVAL_S],
        "answered": ints[order, TRACE_ANSWERED].astype(bool),
        "wait_s": floats[order, TRACE_WAIT_S],
        "agent_group": groups[ints[order, TRACE_GROUP]],
        "handle_s": floats[order, TRACE_HANDLE_S],
    }


def write_trace(path: Path, batch: Batch, queue_names: list[str], group_names: list[str]) -> int:
    """Write the trace as one Parquet file (replaced whole, or not at all); returns the number of calls."""
    trace = trace_columns(batch, queue_names, group_names)  # noqa: F841 (read by DuckDB's replacement scan)
    partial = path.with_name(path.name + ".partial")
    try:
        duckdb.sql(f"COPY (SELECT * FROM trace) TO '{_quoted(partial)}' (FORMAT parquet)")
        partial.replace(path)
    except (duckdb.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise UserError("trace", str(path), f"a Parquet file that can be written ({exc})") from None
    return len(trace["replication"])


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
