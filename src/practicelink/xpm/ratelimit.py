"""XPM's rate limits, kept together by every process that calls XPM.

XPM allows each practice (tenant) 5 calls in flight, 60 a minute and 5,000 a day, and the app
10,000 a minute across practices. Every call asks `acquire` first; a denial raises
`RateLimitDenied` with the wait and the run is deferred (a worker never sleeps). Backends differ
only in where the counts live: this process, a SQLite file shared by the processes of one host
(the embedded default) or Redis (many hosts). The backend is chosen like Django's own:
``XPM_RATE_LIMITER = {"BACKEND": "<dotted class>", "OPTIONS": {...}}``.

The minute and day windows are pyrate-limiter buckets: sliding logs a little longer than XPM's
fixed windows, so we are never ahead of XPM. After each answer the counts follow XPM's remaining
headers (other processes and other apps spend the same quota); a 429 cools the practice down for
`Retry-After` in the shared store. A share of the day (`interactive_reserve`) is kept for work a
person asked for: periodic work sees a smaller day limit over the same bucket. In-flight calls
hold a lease with a time-to-live, so a killed process cannot keep a practice's slots.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import redis
from django.conf import settings
from django.utils.module_loading import import_string
from pyrate_limiter import AbstractBucket, Duration, InMemoryBucket, Rate, RateItem
from pyrate_limiter import RedisBucket as PyrateRedisBucket
from pyrate_limiter import SQLiteBucket as PyrateSQLiteBucket
from pyrate_limiter.buckets.redis_bucket import LuaScript

from practicelink.xpm import metrics
from practicelink.xpm.remote import RateLimitDenied

CONCURRENT_WAIT = 1.0
"""Seconds a call waits when the practice already has its calls in flight."""


@dataclass(frozen=True)
class Limits:
    concurrent: int = 5
    minute: int = 60
    day: int = 5000
    app_minute: int = 10_000
    interactive_reserve: float = 0.2
    """Share of the day kept for work a person asked for (Sync now, deployments)."""
    lease_seconds: float = 120.0
    """A call's concurrency slot frees itself after this long if its process died."""
    window_margin_seconds: float = 1.0
    """Our windows are this much longer than XPM's: its clock and ours never quite agree."""

    @property
    def periodic_day(self) -> int:
        return self.day - math.ceil(self.day * self.interactive_reserve)


@dataclass(frozen=True)
class Budget:
    """What is left of a practice's XPM calls, for the Apps page."""

    minute_remaining: int
    day_remaining: int
    day_reserved: int
    """Calls of `day_remaining` that only work a person asked for may use."""
    cooldown_seconds: float


class BucketRateLimiter(ABC):
    """The rules, over a store of buckets, cool-downs and leases that subclasses provide."""

    def __init__(
        self,
        *,
        concurrent_limit: int = Limits.concurrent,
        minute_limit: int = Limits.minute,
        day_limit: int = Limits.day,
        app_minute_limit: int = Limits.app_minute,
        interactive_reserve: float = Limits.interactive_reserve,
        lease_seconds: float = Limits.lease_seconds,
        window_margin_seconds: float = Limits.window_margin_seconds,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limits = Limits(
            concurrent=concurrent_limit,
            minute=minute_limit,
            day=day_limit,
            app_minute=app_minute_limit,
            interactive_reserve=interactive_reserve,
            lease_seconds=lease_seconds,
            window_margin_seconds=window_margin_seconds,
        )
        self._clock = clock
        margin = int(window_margin_seconds * 1000)
        self._minute_ms = Duration.MINUTE.value + margin
        self._day_ms = Duration.DAY.value + margin
        self._held: dict[str, list[str]] = {}
        self._held_lock = threading.Lock()

    # --- the store ------------------------------------------------------------------------

    @abstractmethod
    def _bucket(self, name: str, rate: Rate) -> AbstractBucket:
        """A bucket over the items stored under `name`; two rates on one name share items."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[object]:
        """Make the enclosed store operations one atomic step (where the store can)."""

    @abstractmethod
    def _cooldown_until(self, key: str) -> float: ...

    @abstractmethod
    def _cool_down(self, key: str, until: float) -> None:
        """Remember `until` unless a later cool-down is already set."""

    @abstractmethod
    def _lease_take(self, key: str, now: float) -> str | None:
        """Take one of `key`'s concurrency slots until `now + lease_seconds`, or None."""

    @abstractmethod
    def _lease_drop(self, key: str, lease: str) -> None: ...

    # --- the rules ------------------------------------------------------------------------

    def _minute(self, key: str) -> AbstractBucket:
        return self._bucket(f"{key}:minute", Rate(self.limits.minute, self._minute_ms))

    def _day(self, key: str, *, interactive: bool = True) -> AbstractBucket:
        limit = self.limits.day if interactive else self.limits.periodic_day
        return self._bucket(f"{key}:day", Rate(limit, self._day_ms))

    def _app(self) -> AbstractBucket:
        return self._bucket("app:minute", Rate(self.limits.app_minute, self._minute_ms))

    def acquire(self, key: str, *, interactive: bool = False) -> None:
        """Take a call from `key`'s allowance and a slot, or raise `RateLimitDenied`."""
        now = self._clock()
        with self._transaction():
            lease = self._admit(key, now, interactive)
        with self._held_lock:
            self._held.setdefault(key, []).append(lease)

    def _admit(self, key: str, now: float, interactive: bool) -> str:
        cooldown = self._cooldown_until(key) - now
        if cooldown > 0:
            raise _denied("cooldown", cooldown)
        lease = self._lease_take(key, now)
        if lease is None:
            raise _denied("concurrent", CONCURRENT_WAIT)
        item = RateItem(key, int(now * 1000))
        # The day last: a denial after a bucket admitted leaves a stray item there (stores
        # without transactions), and a stray minute item costs far less than a day one.
        checks = (
            ("app_minute", self._app()),
            ("minute", self._minute(key)),
            ("day" if interactive else "day_periodic", self._day(key, interactive=interactive)),
        )
        for reason, bucket in checks:
            decision = cast(Any, bucket.put_decision(item))
            if not decision.allowed:
                self._lease_drop(key, lease)
                wait_ms = decision.retry_after_ms or 1000
                if reason == "minute":
                    wait_ms = max(wait_ms, self._minute_refilled_ms(bucket, item.timestamp))
                raise _denied(reason, max(wait_ms, 1) / 1000)
        return lease

    def _minute_refilled_ms(self, bucket: AbstractBucket, now_ms: int) -> int:
        """Until the practice's whole minute is back. A deferred run resumes with a full
        minute of calls, rather than one call each time the oldest leaks out of the window
        (which would wake it once per call and spend its calls re-reading where it was)."""
        newest = cast(RateItem | None, bucket.peek(0))
        return 0 if newest is None else newest.timestamp + self._minute_ms - now_ms + 1

    def release(self, key: str) -> None:
        """The call has its answer (or failed): free its concurrency slot."""
        with self._held_lock:
            held = self._held.get(key)
            lease = held.pop() if held else None
            if held == []:
                del self._held[key]
        if lease is not None:
            self._lease_drop(key, lease)

    def observe(
        self,
        key: str,
        *,
        minute_remaining: int | None,
        day_remaining: int | None,
        retry_after: float | None,
    ) -> None:
        """Follow what XPM said: remaining quota headers, and `retry_after` after a 429."""
        now = self._clock()
        if retry_after is not None:
            self._cool_down(key, now + retry_after)
        now_ms = int(now * 1000)
        with self._transaction():
            for bucket, limit, remaining in (
                (self._minute(key), self.limits.minute, minute_remaining),
                (self._day(key), self.limits.day, day_remaining),
            ):
                if remaining is None:
                    continue
                missing = limit - remaining - self._used(bucket, now_ms)
                if missing > 0:
                    # Calls XPM saw but we did not (other apps of the practice): made now.
                    bucket.put(RateItem(key, now_ms, weight=missing))

    def _used(self, bucket: AbstractBucket, now_ms: int) -> int:
        bucket.leak(now_ms)
        return cast(int, bucket.count())

    def budget(self, key: str) -> Budget:
        now = self._clock()
        now_ms = int(now * 1000)
        with self._transaction():
            minute_used = self._used(self._minute(key), now_ms)
            day_used = self._used(self._day(key), now_ms)
        day_remaining = max(0, self.limits.day - day_used)
        return Budget(
            minute_remaining=max(0, self.limits.minute - minute_used),
            day_remaining=day_remaining,
            day_reserved=min(day_remaining, self.limits.day - self.limits.periodic_day),
            cooldown_seconds=max(0.0, self._cooldown_until(key) - now),
        )

    def cooling_down(self, key: str) -> bool:
        return self._cooldown_until(key) > self._clock()


def _cache_key(name: str, rate: Rate) -> tuple[str, int, int]:
    return name, rate.limit, rate.interval


def _denied(reason: str, wait: float) -> RateLimitDenied:
    metrics.LIMITER_WAITS.labels(reason=reason).inc()
    return RateLimitDenied(wait)


class InProcessRateLimiter(BucketRateLimiter):
    """Counts in this process only: for one process, or for tests."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._lock = threading.RLock()
        self._items: dict[str, InMemoryBucket] = {}
        self._views: dict[tuple[str, int, int], InMemoryBucket] = {}
        self._cooldowns: dict[str, float] = {}
        self._leases: dict[str, dict[str, float]] = {}

    def _bucket(self, name: str, rate: Rate) -> AbstractBucket:
        view = self._views.get(_cache_key(name, rate))
        if view is None:
            view = InMemoryBucket([rate])
            first = self._items.setdefault(name, view)
            view.items = first.items
            self._views[_cache_key(name, rate)] = view
        return view

    def _transaction(self) -> AbstractContextManager[object]:
        return self._lock

    def _cooldown_until(self, key: str) -> float:
        return self._cooldowns.get(key, 0.0)

    def _cool_down(self, key: str, until: float) -> None:
        with self._lock:
            self._cooldowns[key] = max(self._cooldowns.get(key, 0.0), until)

    def _lease_take(self, key: str, now: float) -> str | None:
        leases = {lease: until for lease, until in self._leases.get(key, {}).items() if until > now}
        self._leases[key] = leases
        if len(leases) >= self.limits.concurrent:
            return None
        lease = uuid.uuid4().hex
        leases[lease] = now + self.limits.lease_seconds
        return lease

    def _lease_drop(self, key: str, lease: str) -> None:
        with self._lock:
            self._leases.get(key, {}).pop(lease, None)


class _SQLiteStore:
    """One connection per process to the limiter's SQLite file, used by every bucket.

    pyrate-limiter's SQLite bucket commits after each put; here its commit waits for the
    outermost `with store:` (BEGIN IMMEDIATE … COMMIT, or ROLLBACK on an error), so a whole
    admission is one step across the processes of the host, and a denial leaves nothing behind.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=20)
        self.raw.execute("PRAGMA journal_mode=WAL")
        self.raw.execute("PRAGMA synchronous=NORMAL")
        self.raw.execute(
            "CREATE TABLE IF NOT EXISTS xpm_cooldown (key TEXT PRIMARY KEY, until REAL NOT NULL)"
        )
        self.raw.execute(
            "CREATE TABLE IF NOT EXISTS xpm_lease "
            "(key TEXT NOT NULL, lease TEXT PRIMARY KEY, until REAL NOT NULL)"
        )
        self.raw.execute("CREATE INDEX IF NOT EXISTS xpm_lease_key ON xpm_lease (key, until)")
        self._lock = threading.RLock()
        self._depth = 0

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        return self.raw.execute(sql, parameters)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self.raw.executemany(sql, rows)

    def commit(self) -> None:
        """Left to the outermost transaction."""

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _SQLiteStore:
        self._lock.acquire()
        if self._depth == 0:
            try:
                self.raw.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._lock.release()
                raise
        self._depth += 1
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self.raw.execute("ROLLBACK" if error_type else "COMMIT")
        finally:
            self._lock.release()


class SQLiteRateLimiter(BucketRateLimiter):
    """Counts in a SQLite file: every process of one host shares them (the embedded default)."""

    def __init__(self, *, path: str | Path, **options: Any) -> None:
        super().__init__(**options)
        self._store = _SQLiteStore(Path(path))
        self._buckets: dict[tuple[str, int, int], AbstractBucket] = {}

    def _bucket(self, name: str, rate: Rate) -> AbstractBucket:
        bucket = self._buckets.get(_cache_key(name, rate))
        if bucket is None:
            table = "xpm_bucket_" + "".join(c if c.isalnum() else "_" for c in name)
            with self._store:
                self._store.execute(f'CREATE TABLE IF NOT EXISTS "{table}" (name, item_timestamp)')
                self._store.execute(
                    f'CREATE INDEX IF NOT EXISTS "{table}_at" ON "{table}" (item_timestamp)'
                )
            store = cast(sqlite3.Connection, self._store)
            bucket = PyrateSQLiteBucket([rate], store, table, lock=self._store)
            self._buckets[_cache_key(name, rate)] = bucket
        return bucket

    def _transaction(self) -> AbstractContextManager[object]:
        return self._store

    def _cooldown_until(self, key: str) -> float:
        row = self._store.execute("SELECT until FROM xpm_cooldown WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else 0.0

    def _cool_down(self, key: str, until: float) -> None:
        with self._store:
            self._store.execute(
                "INSERT INTO xpm_cooldown (key, until) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET until = max(until, excluded.until)",
                (key, until),
            )

    def _lease_take(self, key: str, now: float) -> str | None:
        with self._store:
            self._store.execute("DELETE FROM xpm_lease WHERE key = ? AND until <= ?", (key, now))
            (held,) = self._store.execute(
                "SELECT count(*) FROM xpm_lease WHERE key = ?", (key,)
            ).fetchone()
            if held >= self.limits.concurrent:
                return None
            lease = uuid.uuid4().hex
            self._store.execute(
                "INSERT INTO xpm_lease (key, lease, until) VALUES (?, ?, ?)",
                (key, lease, now + self.limits.lease_seconds),
            )
            return lease

    def _lease_drop(self, key: str, lease: str) -> None:
        with self._store:
            self._store.execute("DELETE FROM xpm_lease WHERE lease = ?", (lease,))


_COUNT_TO_NOW = "redis.call('ZCOUNT', bucket, window_start, now)"
if _COUNT_TO_NOW not in LuaScript.PUT_ITEM:  # pragma: no cover - a pyrate-limiter upgrade
    raise ImportError("pyrate-limiter's Redis script changed: check RedisRateLimiter's copy")
_PUT_ITEM = LuaScript.PUT_ITEM.replace(
    _COUNT_TO_NOW, "redis.call('ZCOUNT', bucket, window_start, '+inf')"
)
"""pyrate-limiter's Redis admission, counting every item of the window. Its own counts items up
to the caller's clock only, so a call stamped a millisecond later by another process's clock
is not seen, and one call too many gets in."""
_TAKE_LEASE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""
_COOL_DOWN = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
"""


class RedisRateLimiter(BucketRateLimiter):
    """Counts in Redis: every process on every host shares them. Keys expire when idle."""

    def __init__(self, *, url: str, prefix: str = "practicelink:xpm", **options: Any) -> None:
        super().__init__(**options)
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._buckets: dict[tuple[str, int, int], AbstractBucket] = {}
        self._take_lease = self._redis.register_script(_TAKE_LEASE)
        self._put_item = self._redis.script_load(_PUT_ITEM)
        self._extend_cooldown = self._redis.register_script(_COOL_DOWN)

    def _key(self, name: str) -> str:
        return f"{self._prefix}:{name}"

    def _bucket(self, name: str, rate: Rate) -> AbstractBucket:
        bucket = self._buckets.get(_cache_key(name, rate))
        if bucket is None:
            bucket = PyrateRedisBucket([rate], self._redis, self._key(name), self._put_item)
            self._buckets[_cache_key(name, rate)] = bucket
        return bucket

    def _used(self, bucket: AbstractBucket, now_ms: int) -> int:
        used = super()._used(bucket, now_ms)
        self._redis.pexpire(cast(PyrateRedisBucket, bucket).bucket_key, bucket.rates[-1].interval)
        return used

    @contextmanager
    def _atomic(self) -> Iterator[object]:
        yield self

    def _transaction(self) -> AbstractContextManager[object]:
        return self._atomic()

    def _cooldown_until(self, key: str) -> float:
        value = self._redis.get(self._key(f"{key}:cooldown"))
        return float(cast(bytes, value)) if value else 0.0

    def _cool_down(self, key: str, until: float) -> None:
        ttl_ms = max(1, int((until - self._clock()) * 1000) + 1000)
        self._extend_cooldown(keys=[self._key(f"{key}:cooldown")], args=[until, ttl_ms])

    def _lease_take(self, key: str, now: float) -> str | None:
        lease = uuid.uuid4().hex
        until = now + self.limits.lease_seconds
        taken = self._take_lease(
            keys=[self._key(f"{key}:leases")],
            args=[now, self.limits.concurrent, until, lease, int(self.limits.lease_seconds * 1000)],
        )
        return lease if taken else None

    def _lease_drop(self, key: str, lease: str) -> None:
        self._redis.zrem(self._key(f"{key}:leases"), lease)


@cache
def rate_limiter() -> BucketRateLimiter:
    """This process's limiter, as `XPM_RATE_LIMITER` says (call `cache_clear` after changing it)."""
    config: dict[str, Any] = settings.XPM_RATE_LIMITER
    backend = import_string(config["BACKEND"])
    return cast(BucketRateLimiter, backend(**config.get("OPTIONS", {})))


class PracticeLimiter:
    """The limiter as one XPM client sees it: its work is a person's, or periodic."""

    def __init__(self, limiter: BucketRateLimiter, *, interactive: bool) -> None:
        self._limiter = limiter
        self._interactive = interactive

    def acquire(self, key: str) -> None:
        self._limiter.acquire(key, interactive=self._interactive)

    def release(self, key: str) -> None:
        self._limiter.release(key)

    def observe(
        self,
        key: str,
        *,
        minute_remaining: int | None,
        day_remaining: int | None,
        retry_after: float | None,
    ) -> None:
        self._limiter.observe(
            key,
            minute_remaining=minute_remaining,
            day_remaining=day_remaining,
            retry_after=retry_after,
        )
