"""Output paths checked before any work: a report that cannot be written is refused at once, not after a
minute of planning."""

from __future__ import annotations

import tempfile
from pathlib import Path

from casashore.errors import UserError


def check_writable(field: str, path: Path | None, *, workspace: bool = False) -> None:
    """Raise a UserError on ``field`` unless ``path`` can be written; leave nothing behind.

    The check opens the file for appending (made, then removed, when it did not exist), which is what writing
    it will need; permission bits alone would pass root in ``/proc``. A workspace also needs its directory
    writable: DuckDB keeps a write-ahead log next to the file.
    """
    if path is None:
        return
    if path.is_dir():
        raise UserError(field, str(path), "a file path, not a directory")
    existed = path.exists()
    try:
        with path.open("a"):
            pass
        if workspace:
            tempfile.TemporaryFile(dir=path.parent).close()
    except OSError as exc:
        raise UserError(field, str(path), f"a path where a file can be written ({exc.strerror})") from None
    finally:
        if not existed:
            path.unlink(missing_ok=True)


def check_all_writable(**paths: Path | None) -> None:
    """check_writable for each option, named by its field; ``workspace`` also for its directory."""
    for name, path in paths.items():
        check_writable(name, path, workspace=name == "workspace")
