"""Table statistics for SQLite's query planner, which Django never gathers.

Without them SQLite guesses, and guessed wrong for the proposals list filtered by partner
(scanning every proposal of the practice instead of the partner's clients' ones: ten times slower
at 100,000 proposals). SQLite's advice for short-lived connections is `PRAGMA optimize` just
before closing: it analyses only the tables that this connection's queries used and whose
statistics are missing or stale (the row count grew many times over), and is otherwise a
no-op of microseconds. The analysis reads whole indexes: a sampled one (`analysis_limit`)
misjudged the partner filter again at 100,000 proposals.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)


def optimize() -> None:
    """`PRAGMA optimize` on this thread's SQLite connection, if a query opened one."""
    if connection.vendor != "sqlite" or connection.connection is None:
        return
    try:
        # on the driver's connection: upkeep, not one of the request's queries
        connection.connection.execute("PRAGMA optimize")
    except sqlite3.DatabaseError:  # e.g. locked by a writer: the next request will do
        logger.info("PRAGMA optimize skipped", exc_info=True)


class OptimizeMiddleware:
    """Runs `optimize()` after each request (Django closes the connection after it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        optimize()
        return response
