"""Fault points: the places where an XPM write has happened and our commit has not yet.

Each such place calls `after_write(point)`. In production `hook` is None and nothing happens
(one global lookup). Crash-safety tests set `hook` to make the worker die right there, skipping
our commit, and check that the retry neither duplicates nor loses the change
(tests/xpm/test_crash_safety.py, one test per point; README, Reliability).
"""

from __future__ import annotations

from collections.abc import Callable

POINTS: tuple[str, ...] = (
    "staff.api/add",
    "client.api/add",
    "client.api/update",
    "job.api/add",
    "job.api/assign",
    "job.api/assign task",
)
"""Every fault point: the XPM write that has just been made."""

hook: Callable[[str], None] | None = None


def after_write(point: str) -> None:
    """Called right after XPM accepted a write, before practicelink records it."""
    if hook is not None:
        hook(point)
