"""Pacing of XPM calls per tenant (60 a minute, 5,000 a day).

`RateLimiter` is the port: it is asked before every call and never sleeps; a denied
caller reschedules itself. Implementations sharing state between workers (SQLite,
Redis) implement the same two methods.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from threading import Lock
from typing import Protocol

from pyrate_limiter import Duration, InMemoryBucket, Rate, RateItem

from .errors import RateLimitDenied

MINUTE_LIMIT = 60
DAY_LIMIT = 5000


class RateLimiter(Protocol):
    def acquire(self, key: str) -> None:
        """Take one call from `key`'s allowance or raise `RateLimitDenied`."""

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

    def observe(
        self,
        key: str,
        *,
        minute_remaining: int | None,
        day_remaining: int | None,
        retry_after: float | None,
    ) -> None:
        return None


class _Window:
    """One rate on one key, in a pyrate-limiter bucket (timestamps in ms)."""

    def __init__(self, limit: int, interval: Duration) -> None:
        self.limit = limit
        self.bucket = InMemoryBucket([Rate(limit, interval)])

    def used(self, now: int) -> int:
        self.bucket.leak(now)
        return self.bucket.count()

    def take(self, key: str, now: int) -> int:
        """0 when admitted, else milliseconds until a call fits."""
        item = RateItem(key, now)
        if self.bucket.put(item):
            return 0
        return max(1, int(self.bucket.waiting(item)))

    def follow(self, key: str, now: int, remaining: int) -> None:
        """Count calls XPM saw but we did not (other processes, other apps) as made now."""
        missing = self.limit - remaining - self.used(now)
        if missing > 0:
            self.bucket.put(RateItem(key, now, weight=missing))


class InProcessRateLimiter:
    """Per-key minute and day windows in this process, plus XPM's 429 cool-downs.

    The windows are sliding, XPM's are fixed: we are never ahead of XPM.
    """

    def __init__(
        self,
        *,
        minute_limit: int = MINUTE_LIMIT,
        day_limit: int = DAY_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = (minute_limit, day_limit)
        self._clock = clock
        self._windows: dict[str, tuple[_Window, _Window]] = {}
        self._cool_down_until: dict[str, float] = {}
        self._lock = Lock()

    def _windows_for(self, key: str) -> tuple[_Window, _Window]:
        if key not in self._windows:
            minute, day = self._limits
            self._windows[key] = (_Window(minute, Duration.MINUTE), _Window(day, Duration.DAY))
        return self._windows[key]

    def acquire(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            cool_down = self._cool_down_until.get(key, 0.0) - now
            if cool_down > 0:
                raise RateLimitDenied(cool_down)
            now_ms = int(now * 1000)
            # Minute first: a call the day window then refuses leaves one stray entry in
            # the minute window, which matters little while the day is exhausted.
            for window in self._windows_for(key):
                wait_ms = window.take(key, now_ms)
                if wait_ms:
                    raise RateLimitDenied(wait_ms / 1000)

    def observe(
        self,
        key: str,
        *,
        minute_remaining: int | None,
        day_remaining: int | None,
        retry_after: float | None,
    ) -> None:
        with self._lock:
            now = self._clock()
            if retry_after is not None:
                until = now + retry_after
                self._cool_down_until[key] = max(self._cool_down_until.get(key, 0.0), until)
            now_ms = int(now * 1000)
            for window, remaining in zip(
                self._windows_for(key), (minute_remaining, day_remaining), strict=True
            ):
                if remaining is not None:
                    window.follow(key, now_ms, remaining)
