"""The data folder holds secrets: keys, the SQLite database, the queue, the demo login.

Everything practicelink keeps there is for its own user only: the folder is created 0700 and
each file 0600 *before* anything is written to it (SQLite's `-wal` and `-shm` files take the
database file's mode). A folder or file from an older version that others could read is
tightened at start, when it is ours to change.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def _tighten(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(mode)


def private_dir(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """`path`, created empty if missing (an empty file is an empty SQLite database)."""
    path.touch(mode=PRIVATE_FILE, exist_ok=True)
    _tighten(path, PRIVATE_FILE)
    return path


def private_text(path: Path, make: str) -> str:
    """The text in `path`, first writing `make` there when the file is new or empty."""
    private_file(path)
    if not path.read_text().strip():
        path.write_text(make)
    return path.read_text().strip()
