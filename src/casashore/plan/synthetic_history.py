"""A synthetic queue's history in the workspace: the scenario's own, never another scenario's.

Several scenarios planned in one folder share its workspace, and two of them may name a queue alike (``fr-chat``
at 4,000 chats a week in one, 3,000 in the other). The synthetic file is named by a hash of everything that makes
it (plan/pipeline.py); the workspace holds one synthetic history per queue. So, for a queue the scenario asks
synthetic history for:

- the workspace holds none of its records: the file is imported;
- it holds exactly this file (same SHA-256): nothing to do;
- it holds synthetic records of another file (another scenario's spec, start or seed): they are replaced by this
  file's, in one transaction (workspace/importer.py), and the plan says so;
- it holds imported records (a call log, interval reports, a router session): refused, naming the queue and the
  workspace. Real records are never overwritten, and never mixed with generated ones.
"""

from __future__ import annotations

from pathlib import Path

from casashore.errors import Refused
from casashore.plan.scenario import PlanQueue
from casashore.workspace.importer import file_sha256
from casashore.workspace.mapping import CallMapping
from casashore.workspace.store import Workspace


def import_synthetic(workspace: Workspace, queue: PlanQueue, where: str, path: Path) -> bool:
    """Make the workspace's history of ``queue`` the synthetic file ``path`` (the scenario's ``where``, as
    ``queues[0]``, names the queue in an error); True when it replaced another synthetic history."""
    sources = workspace.queue_sources(queue.name)
    real = [s for s in sources if not s.synthetic]
    if real:
        raise Refused(f"{where}.history", "synthetic",
                      f"queue {queue.name!r} has imported records in the workspace {workspace.path} "
                      f"({real[0].source}, format {real[0].format}): a synthetic history would be mixed with them, "
                      "and imported records are never replaced. Plan from them with history = \"workspace\", or "
                      "give the synthetic queue another name, or plan in another workspace (--workspace)")
    mapping = CallMapping.model_validate({
        "time_zone": queue.client_time_zone, "country": queue.country,
        "columns": {"call_id": "call_id", "queue": "queue", "arrival": "arrival", "wait_s": "wait_s",
                    "outcome": "outcome", "handle_s": "handle_s",
                    **({"channel": "channel"} if queue.channel != "voice" else {})},
        "outcomes": {"answered": ["ANSWERED"], "abandoned": ["ABANDONED"]}})
    if sources and [s.sha256 for s in sources] == [file_sha256(path)]:
        return False  # this very file, imported already
    workspace.import_calls(path, mapping=mapping, synthetic_for=queue.name)
    return bool(sources)
