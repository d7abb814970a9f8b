"""One HTTP connection pool and one TLS context per process, for every call to XPM and Xero.

Building an `httpx.Client` loads the CA bundle into a new TLS context (about 20 ms) and starts
an empty pool; the process instead keeps one transport, and each client borrows it.
"""

from __future__ import annotations

from functools import cache

import httpx

from practicelink.xpm.metrics import count_call

POOL = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)
EVENT_HOOKS = {"response": [count_call]}


class _Borrowed(httpx.BaseTransport):
    """The shared transport as a client sees it: closing the client leaves the pool open."""

    def __init__(self, shared: httpx.HTTPTransport) -> None:
        self._shared = shared

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._shared.handle_request(request)

    def close(self) -> None:
        """The pool belongs to the process."""


@cache
def shared_transport() -> httpx.BaseTransport:
    return _Borrowed(httpx.HTTPTransport(limits=POOL))


@cache
def shared_client() -> httpx.Client:
    """The process's client for XPM calls (timeouts are given per request)."""
    return httpx.Client(transport=shared_transport(), event_hooks=EVENT_HOOKS)
