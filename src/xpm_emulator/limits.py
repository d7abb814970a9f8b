"""Xero's rate limits, on the emulator clock.

Per tenant: concurrent calls, a minute window and a day window; per app (OAuth client):
a minute window across all tenants. Windows are fixed and start at the first call, so they
"reset at different times for each tenant" as Xero says. Refused calls do not count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from xpm_emulator.config import EmulatorConfig

Problem = Literal["minute", "day", "appminute", "concurrent"]


@dataclass
class Window:
    """A fixed window of `length` seconds counting calls."""

    length: float
    start: float | None = None
    count: int = 0

    def roll(self, now: float) -> None:
        if self.start is None or now >= self.start + self.length:
            self.start, self.count = now, 0

    def seconds_left(self, now: float) -> int:
        end = (self.start if self.start is not None else now) + self.length
        return max(1, math.ceil(end - now))


@dataclass
class TenantUsage:
    minute: Window = field(default_factory=lambda: Window(60))
    day: Window = field(default_factory=lambda: Window(86_400))
    in_flight: int = 0


@dataclass(frozen=True)
class Slot:
    """A granted call, in flight until released. It holds its own usage record, so a
    reset while the call runs cannot unbalance the new counters."""

    usage: TenantUsage

    def release(self) -> None:
        self.usage.in_flight -= 1


@dataclass(frozen=True)
class Refusal:
    problem: Problem
    retry_after: int | None  # seconds; only for the minute and day limits


class RateLimiter:
    def __init__(self) -> None:
        self._tenants: dict[str, TenantUsage] = {}
        self._apps: dict[str, Window] = {}

    def reset(self) -> None:
        self._tenants.clear()
        self._apps.clear()

    def acquire(
        self, config: EmulatorConfig, tenant_id: str, app_id: str, now: float
    ) -> Slot | Refusal:
        """Count a call and mark it in flight, or say which limit refuses it."""
        usage = self._tenants.setdefault(tenant_id, TenantUsage())
        app = self._apps.setdefault(app_id, Window(60))
        for window in (usage.minute, usage.day, app):
            window.roll(now)
        if usage.day.count >= config.day_limit:
            return Refusal("day", usage.day.seconds_left(now))
        if usage.minute.count >= config.minute_limit:
            return Refusal("minute", usage.minute.seconds_left(now))
        if app.count >= config.app_minute_limit:
            return Refusal("appminute", None)
        if usage.in_flight >= config.concurrent_limit:
            return Refusal("concurrent", None)
        usage.minute.count += 1
        usage.day.count += 1
        app.count += 1
        usage.in_flight += 1
        return Slot(usage)

    def headers(
        self, config: EmulatorConfig, tenant_id: str | None, app_id: str | None, now: float
    ) -> dict[str, str]:
        """The X-*Limit-Remaining headers every XPM response carries."""
        usage = self._tenants.get(tenant_id or "", TenantUsage())
        app = self._apps.get(app_id or "", Window(60))
        for window in (usage.minute, usage.day, app):
            window.roll(now)
        return {
            "x-daylimit-remaining": str(max(0, config.day_limit - usage.day.count)),
            "x-minlimit-remaining": str(max(0, config.minute_limit - usage.minute.count)),
            "x-appminlimit-remaining": str(max(0, config.app_minute_limit - app.count)),
        }
