import time

import pytest

from practicelink.xpm.remote import InProcessRateLimiter, NoLimit, RateLimitDenied


def observe(limiter, key="t", *, minute=None, day=None, retry_after=None):
    limiter.observe(key, minute_remaining=minute, day_remaining=day, retry_after=retry_after)


def test_minute_limit_denies_without_sleeping(clock):
    limiter = InProcessRateLimiter(clock=clock)
    for _ in range(60):
        limiter.acquire("t")
    started = time.monotonic()
    with pytest.raises(RateLimitDenied) as denied:
        limiter.acquire("t")
    assert time.monotonic() - started < 0.1
    assert 59 < denied.value.retry_after <= 60.001
    assert denied.value.transient
    limiter.acquire("other tenant")
    clock.advance(denied.value.retry_after)
    limiter.acquire("t")


def test_day_limit(clock):
    limiter = InProcessRateLimiter(minute_limit=1000, day_limit=3, clock=clock)
    for _ in range(3):
        limiter.acquire("t")
    with pytest.raises(RateLimitDenied) as denied:
        limiter.acquire("t")
    assert denied.value.retry_after > 86_000


def test_follows_minute_remaining(clock):
    limiter = InProcessRateLimiter(clock=clock)
    limiter.acquire("t")
    observe(limiter, minute=10, day=4990)  # other workers used 49 more this minute
    for _ in range(10):
        limiter.acquire("t")
    with pytest.raises(RateLimitDenied) as denied:
        limiter.acquire("t")
    clock.advance(denied.value.retry_after)
    limiter.acquire("t")


def test_follows_day_remaining_without_starving_the_minute(clock):
    limiter = InProcessRateLimiter(clock=clock)
    observe(limiter, minute=59, day=2)
    limiter.acquire("t")
    limiter.acquire("t")
    with pytest.raises(RateLimitDenied) as denied:
        limiter.acquire("t")
    assert denied.value.retry_after > 86_000


def test_more_remaining_than_we_counted_changes_nothing(clock):
    limiter = InProcessRateLimiter(minute_limit=2, clock=clock)
    limiter.acquire("t")
    observe(limiter, minute=60, day=5000)
    limiter.acquire("t")
    with pytest.raises(RateLimitDenied):
        limiter.acquire("t")


def test_cool_down_after_429(clock):
    limiter = InProcessRateLimiter(clock=clock)
    observe(limiter, minute=0, day=4539, retry_after=22)
    with pytest.raises(RateLimitDenied) as denied:
        limiter.acquire("t")
    assert denied.value.retry_after == 22
    clock.advance(21.5)
    with pytest.raises(RateLimitDenied) as denied:
        limiter.acquire("t")
    assert denied.value.retry_after == pytest.approx(0.5)
    clock.advance(60)
    limiter.acquire("t")
    limiter.acquire("other tenant")


def test_shorter_cool_down_does_not_shorten_a_longer_one(clock):
    limiter = InProcessRateLimiter(clock=clock)
    observe(limiter, retry_after=30)
    observe(limiter, retry_after=1)
    clock.advance(2)
    with pytest.raises(RateLimitDenied):
        limiter.acquire("t")


def test_no_limit():
    limiter = NoLimit()
    for _ in range(100):
        limiter.acquire("t")
    observe(limiter, minute=0, retry_after=60)
    limiter.acquire("t")
