"""The data folder, the database, the queue and the keys are the owner's alone."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from tests.test_commands import PRACTICELINK, _env

PRIVATE = {
    ".": 0o700,
    "practicelink.sqlite3": 0o600,
    "huey.sqlite3": 0o600,
    "ratelimit.sqlite3": 0o600,
    "secret_key": 0o600,
    "encryption_key": 0o600,
    "demo_login.txt": 0o600,
}


def _practicelink(data_dir: Path, *args: str) -> None:
    done = subprocess.run(
        [PRACTICELINK, *args],
        cwd=data_dir.parent,
        env=_env(data_dir),
        umask=0o022,  # a usual umask: files would be world-readable unless made private
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr


def _modes(data_dir: Path) -> dict[str, int]:
    return {
        str(path.relative_to(data_dir)): stat.S_IMODE(path.stat().st_mode)
        for path in [data_dir, *data_dir.iterdir()]
        if path.is_file() or path == data_dir
    }


def test_a_fresh_data_folder_is_readable_by_the_owner_only(tmp_path):
    data_dir = tmp_path / "var"
    _practicelink(data_dir, "demo")
    modes = _modes(data_dir)
    assert {name: modes.get(name) for name in PRIVATE} == PRIVATE
    # Everything else SQLite made (-wal, -shm) followed the database's mode.
    assert {name: mode for name, mode in modes.items() if mode & 0o077} == {}


def test_an_older_readable_data_folder_is_tightened_at_start(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    database = data_dir / "practicelink.sqlite3"
    database.touch(mode=0o644)
    (data_dir / "secret_key").write_text("an old key kept from before\n")
    (data_dir / "secret_key").chmod(0o644)
    _practicelink(data_dir, "manage", "check")
    modes = _modes(data_dir)
    assert (modes["."], modes["practicelink.sqlite3"], modes["secret_key"]) == (0o700, 0o600, 0o600)
    assert (data_dir / "secret_key").read_text() == "an old key kept from before\n"
