"""The shared XPM rate limiter: each backend enforces the same rules, across processes too."""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import override_settings

from practicelink.xpm.ratelimit import (
    BucketRateLimiter,
    InProcessRateLimiter,
    RedisRateLimiter,
    SQLiteRateLimiter,
    rate_limiter,
)
from practicelink.xpm.remote import NoLimit, RateLimitDenied

MakeLimiter = Callable[..., BucketRateLimiter]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("REDIS_URL is not set: the Redis backend needs a Redis server")
    return url


def factory(kind: str, tmp_path: Path, clock: FakeClock) -> MakeLimiter:
    """Limiters of one backend; with SQLite and Redis, all of them share counts as the
    processes of a deployment would (one file, one Redis prefix)."""
    shared: dict[str, object] = {}
    if kind == "sqlite":
        shared = {"path": tmp_path / "ratelimit.sqlite3"}
    elif kind == "redis":
        shared = {"url": redis_url(), "prefix": f"test:{uuid.uuid4().hex}"}
    backend = {
        "in-process": InProcessRateLimiter,
        "sqlite": SQLiteRateLimiter,
        "redis": RedisRateLimiter,
    }[kind]

    def build(**options: object) -> BucketRateLimiter:
        return backend(**shared, clock=clock, **options)

    return build


@pytest.fixture(params=["in-process", "sqlite", "redis"])
def make(request, tmp_path: Path, clock: FakeClock) -> MakeLimiter:
    return factory(request.param, tmp_path, clock)


@pytest.fixture(params=["sqlite", "redis"])
def make_shared(request, tmp_path: Path, clock: FakeClock) -> MakeLimiter:
    return factory(request.param, tmp_path, clock)


def observe(limiter, key="t", *, minute=None, day=None, retry_after=None):
    limiter.observe(key, minute_remaining=minute, day_remaining=day, retry_after=retry_after)


def call(limiter: BucketRateLimiter, key: str = "t", *, interactive: bool = False) -> None:
    """One whole call: acquire, then the answer arrives."""
    limiter.acquire(key, interactive=interactive)
    limiter.release(key)


def test_minute_limit_denies_without_sleeping(make, clock):
    limiter = make()
    for _ in range(60):
        call(limiter)
    started = time.monotonic()
    with pytest.raises(RateLimitDenied) as denied:
        call(limiter)
    assert time.monotonic() - started < 0.5
    # Our minute is a second longer than XPM's: the two clocks never quite agree.
    assert 60 < denied.value.retry_after <= 61.001
    assert denied.value.transient
    call(limiter, "other tenant")
    clock.advance(denied.value.retry_after)
    call(limiter)


def test_a_denied_call_waits_until_the_whole_minute_is_back(make, clock):
    limiter = make(minute_limit=3)
    for _ in range(3):
        call(limiter)
        clock.advance(10)
    with pytest.raises(RateLimitDenied) as denied:
        call(limiter)
    # The oldest call leaves the window in 41 s, the newest in 51 s: the run comes back then,
    # with the minute's three calls at once.
    assert denied.value.retry_after == pytest.approx(51, abs=0.01)
    clock.advance(denied.value.retry_after)
    for _ in range(3):
        call(limiter)


def test_day_keeps_a_reserve_for_work_a_person_asked_for(make):
    limiter = make(minute_limit=1000, day_limit=10, interactive_reserve=0.2)
    for _ in range(8):
        call(limiter)
    with pytest.raises(RateLimitDenied) as denied:
        call(limiter)
    assert denied.value.retry_after > 86_000
    budget = limiter.budget("t")
    assert (budget.day_remaining, budget.day_reserved, budget.cooldown_seconds) == (2, 2, 0)
    call(limiter, interactive=True)
    call(limiter, interactive=True)
    with pytest.raises(RateLimitDenied):
        call(limiter, interactive=True)


def test_follows_minute_remaining(make, clock):
    limiter = make()
    call(limiter)
    observe(limiter, minute=10, day=4990)  # other workers used 49 more this minute
    for _ in range(10):
        call(limiter)
    with pytest.raises(RateLimitDenied) as denied:
        call(limiter)
    clock.advance(denied.value.retry_after)
    call(limiter)


def test_follows_day_remaining_without_starving_the_minute(make):
    limiter = make()
    observe(limiter, minute=59, day=2)
    call(limiter, interactive=True)
    call(limiter, interactive=True)
    with pytest.raises(RateLimitDenied) as denied:
        call(limiter, interactive=True)
    assert denied.value.retry_after > 86_000


def test_more_remaining_than_we_counted_changes_nothing(make):
    limiter = make(minute_limit=2)
    call(limiter)
    observe(limiter, minute=60, day=5000)
    call(limiter)
    with pytest.raises(RateLimitDenied):
        call(limiter)


def test_cool_down_after_429(make, clock):
    limiter = make()
    observe(limiter, minute=0, day=4539, retry_after=22)
    with pytest.raises(RateLimitDenied) as denied:
        call(limiter)
    assert denied.value.retry_after == 22
    assert limiter.budget("t").cooldown_seconds == 22
    clock.advance(21.5)
    with pytest.raises(RateLimitDenied) as denied:
        call(limiter)
    assert denied.value.retry_after == pytest.approx(0.5)
    clock.advance(60)
    call(limiter)
    call(limiter, "other tenant")


def test_shorter_cool_down_does_not_shorten_a_longer_one(make, clock):
    limiter = make()
    observe(limiter, retry_after=30)
    observe(limiter, retry_after=1)
    clock.advance(2)
    with pytest.raises(RateLimitDenied):
        call(limiter)
    assert limiter.cooling_down("t")


def test_five_calls_in_flight_at_most(make, clock):
    limiter = make()
    for _ in range(5):
        limiter.acquire("t")
    with pytest.raises(RateLimitDenied) as denied:
        limiter.acquire("t")
    assert denied.value.retry_after == 1.0
    call(limiter, "other tenant")
    limiter.release("t")
    limiter.acquire("t")


def test_a_dead_process_slots_free_themselves_after_the_lease(make, clock):
    limiter = make(lease_seconds=30)
    for _ in range(5):
        limiter.acquire("t")  # never released: the process was killed
    clock.advance(29)
    with pytest.raises(RateLimitDenied):
        limiter.acquire("t")
    clock.advance(2)
    limiter.acquire("t")


def test_app_minute_limit_across_practices(make):
    limiter = make(app_minute_limit=3)
    for key in ("a", "b", "c"):
        call(limiter, key)
    with pytest.raises(RateLimitDenied):
        call(limiter, "d")


def test_two_processes_share_the_counts(make_shared, clock):
    one, two = make_shared(minute_limit=10), make_shared(minute_limit=10)
    for _ in range(5):
        call(one)
        call(two)
    with pytest.raises(RateLimitDenied):
        call(one)
    clock.advance(62)
    observe(two, retry_after=5)
    with pytest.raises(RateLimitDenied) as denied:  # the 429 two saw cools one down too
        call(one)
    assert denied.value.retry_after == 5
    for _ in range(2):
        one.acquire("u")
        two.acquire("u")
    one.acquire("u")
    with pytest.raises(RateLimitDenied) as denied:  # five calls in flight between them
        two.acquire("u")
    assert denied.value.retry_after == 1.0
    assert one.budget("u").minute_remaining == two.budget("u").minute_remaining == 5


def test_no_limit():
    limiter = NoLimit()
    for _ in range(100):
        limiter.acquire("t")
        limiter.release("t")
    observe(limiter, minute=0, retry_after=60)
    limiter.acquire("t")


def _spend(options: dict[str, object], attempts: int, admitted) -> None:
    backend = RedisRateLimiter if "url" in options else SQLiteRateLimiter
    limiter = backend(**options)
    for _ in range(attempts):
        try:
            limiter.acquire("t")
        except RateLimitDenied:
            continue
        limiter.release("t")
        with admitted.get_lock():
            admitted.value += 1


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_budget_holds_across_real_processes(backend, tmp_path):
    """Four processes race for one practice's minute: together they get exactly its limit."""
    options: dict[str, object] = {"minute_limit": 25}
    if backend == "sqlite":
        options["path"] = str(tmp_path / "ratelimit.sqlite3")
    else:
        options.update(url=redis_url(), prefix=f"test:{uuid.uuid4().hex}")
    context = multiprocessing.get_context("spawn")
    admitted = context.Value("i", 0)
    processes = [context.Process(target=_spend, args=(options, 15, admitted)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    assert admitted.value == 25


def test_backend_comes_from_the_setting(tmp_path):
    setting = {
        "BACKEND": "practicelink.xpm.ratelimit.SQLiteRateLimiter",
        "OPTIONS": {"path": tmp_path / "limits.sqlite3", "minute_limit": 7},
    }
    rate_limiter.cache_clear()
    try:
        with override_settings(XPM_RATE_LIMITER=setting):
            limiter = rate_limiter()
            assert isinstance(limiter, SQLiteRateLimiter)
            assert limiter.limits.minute == 7
    finally:
        rate_limiter.cache_clear()
