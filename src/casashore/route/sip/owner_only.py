"""Files that hold secrets (agents' HA1s, the TLS private key) must be readable by their owner only: a key any
local user can read is a key anyone on the host can impersonate the router with."""

import stat
from pathlib import Path

from casashore.errors import UserError


def check_owner_only(field: str, path: Path) -> None:
    """A UserError naming ``field`` unless ``path`` is a regular file with no group or other permission bits."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise UserError(field, str(path), f"a readable file ({exc.strerror})") from None
    if not stat.S_ISREG(mode) or mode & 0o077:
        raise UserError(field, str(path), f"a regular file readable by its owner only (chmod 600; its mode is "
                        f"{stat.S_IMODE(mode):o})")
