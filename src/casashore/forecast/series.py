"""Call counts per queue and interval from the workspace, as the long table forecasting libraries expect.

Intervals are cut in each queue's time zone (wall time) and the grid is complete: an interval without calls
(a night, a closed Saturday) is a zero, not a missing row. Around a daylight-saving switch the wall-time grid
has a skipped hour (zeros) and a doubled one (both hours' calls in one interval), the usual convention of ACD
reports; forecasts leave the skipped hour out and give the doubled one's calls to its first occurrence.
"""

from __future__ import annotations

import pandas as pd

from casashore.domain.units import day_interval_min
from casashore.errors import UserError
from casashore.forecast.call_records import CallRecords, NoCalls


def interval_counts(workspace: CallRecords, interval_min: int, queue: str | None = None, *,
                    queues: list[str] | None = None) -> pd.DataFrame:
    """Columns ``unique_id`` (queue), ``ds`` (interval start, queue's wall time), ``y`` (offered calls),
    ``answered`` and ``handle_s`` (total handle time of answered calls), every interval of every whole day.
    Call records and imported interval reports (whose interval divides ``interval_min``) are added up.
    Every queue, or ``queue``, or those of ``queues``."""
    day_interval_min("interval", interval_min)
    if queue is not None:
        queues = [queue]
    frame = workspace.counts_per_interval(interval_min, queues)
    if frame.empty and not queues:
        raise NoCalls
    present = set(frame["unique_id"].unique())
    for name in queues or ():
        if name not in present:
            raise UserError("queue", name, "a queue with calls in the workspace")
    return frame
