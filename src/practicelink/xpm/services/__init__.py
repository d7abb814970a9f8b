"""Writes about XPM, practice first: links (`links`), sync requests (`runs`).

The link services are re-exported here because the team page, the API and the staff step
all use them; `runs` is imported by its full name (it enqueues tasks, the step must not).
"""

from .links import (
    LinkResult,
    link_create,
    link_delete,
    link_replace,
    suggestion_accept,
)

__all__ = [
    "LinkResult",
    "link_create",
    "link_delete",
    "link_replace",
    "suggestion_accept",
]
