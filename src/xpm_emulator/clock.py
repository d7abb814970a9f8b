"""The emulator's clock: wall-clock time plus an adjustable offset.

Everything time-dependent (token expiry, rate-limit windows, client modified stamps, job
creation dates) reads this clock, so tests can jump ahead while a demo server keeps ticking
in real time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """A movable UTC clock."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def timestamp(self) -> float:
        """Seconds since the epoch, as the emulator sees them."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """The current emulator time, timezone-aware UTC."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative number)."""
        with self._lock:
            self._offset += seconds

    def set(self, when: datetime) -> None:
        """Jump to `when` (a naive datetime is taken as UTC); time keeps flowing from there."""
        moment = when if when.tzinfo else when.replace(tzinfo=UTC)
        with self._lock:
            self._offset = moment.timestamp() - time.time()

    def reset(self) -> None:
        """Go back to real time."""
        with self._lock:
            self._offset = 0.0
