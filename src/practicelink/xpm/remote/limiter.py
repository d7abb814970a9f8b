"""Pacing of XPM calls per tenant: the port the transport asks before every call.

It never sleeps: a denied call raises `RateLimitDenied` and the caller reschedules itself. The
implementations that share their counts between workers live in `practicelink.xpm.ratelimit`.
"""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    def acquire(self, key: str) -> None:
        """Take one call from `key`'s allowance and a concurrency slot, or raise
        `RateLimitDenied`."""

    def release(self, key: str) -> None:
        """The call acquired for `key` is over: free its concurrency slot."""

    def observe(
        self,
        key: str,
        *,
        minute_remaining: int | None,
        day_remaining: int | None,
        retry_after: float | None,
    ) -> None:
        """Follow what XPM said: remaining quota headers, and `retry_after` after a 429."""


class NoLimit:
    """Allows everything: for tests and tools that do not care about pacing."""

    def acquire(self, key: str) -> None:
        return None

    def release(self, key: str) -> None:
        return None

    def observe(
        self,
        key: str,
        *,
        minute_remaining: int | None,
        day_remaining: int | None,
        retry_after: float | None,
    ) -> None:
        return None
