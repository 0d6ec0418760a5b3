"""Where the intraday commands read calls: the workspace alone, or with ``records`` (a centre's PostgreSQL
records, `route serve --records`) that centre's calls added to the workspace's history — the workspace left out
when it does not exist. The PostgreSQL URL's password is never shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import NamedTuple

from casashore.errors import UserError
from casashore.forecast.call_records import AddedRecords, CallRecords
from casashore.route.centre_records import without_password
from casashore.workspace.store import Workspace

CENTRE = re.compile(r"[\w.-]{1,60}")


class Sources(NamedTuple):
    calls: CallRecords
    workspace: Workspace | None
    read: list[str]
    """What is read, as shown: the workspace's path, the PostgreSQL URL without its password and the centre."""
    events: object
    """Where the router's events are (``adherence_events``): the centre's PostgreSQL records when read, else the
    workspace."""


def check_records_url(records: str) -> str:
    if not records.startswith(("postgresql://", "postgres://")) or len(records) > 2_000:
        raise UserError("records", without_password(records[:200]),
                        "a URL such as postgresql://casashore@127.0.0.1/casashore")
    return records


@contextmanager
def opened_records(workspace: Path, records: str | None, centre: str) -> Iterator[Sources]:
    """The calls to read, the workspace (None when only PostgreSQL's records are read) and what is read, closed
    afterwards."""
    if records is None:
        with Workspace.open(workspace, read_only=True) as opened:
            yield Sources(opened, opened, [str(workspace)], opened)
        return
    check_records_url(records)
    if not CENTRE.fullmatch(centre):
        raise UserError("centre", centre[:80], "1 to 60 letters, digits, '_', '.' or '-' ([router] centre)")
    from casashore.route.centre_reads import CentreReads  # psycopg: only with --records

    with ExitStack() as stack:
        reads = stack.enter_context(CentreReads(records, centre))
        opened = stack.enter_context(Workspace.open(workspace, read_only=True)) if workspace.exists() else None
        if not reads.queue_names() and opened is None:
            raise UserError("records", without_password(records), f"the records of a centre named {centre!r} "
                                                                  "(--centre, [router] centre)")
        shown = f"{without_password(records)} (centre {centre})"
        yield Sources(reads if opened is None else AddedRecords(opened, reads), opened,
                      [shown] if opened is None else [str(workspace), shown], reads)
