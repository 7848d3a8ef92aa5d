"""Files that hold keys, codes or personal data: readable and writable by their owner alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["owner_only"]


def owner_only(path: str | Path) -> Path:
    """Create the file 0600 if it is missing (whatever the umask), or take group and others off it.

    Call it before SQLite opens a database there: SQLite gives the -wal and
    -shm files it makes the database file's own permissions.
    """
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077 and path.stat().st_uid == os.getuid():
            path.chmod(mode & 0o700)
    return path
