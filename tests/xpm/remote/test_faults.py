"""Faults injected into the live emulator, mapped to errors; reads retried, writes not."""

import time

import pytest

from practicelink.xpm.ratelimit import InProcessRateLimiter
from practicelink.xpm.remote import (
    NewStaff,
    RateLimitDenied,
    XpmConnectionError,
    XpmProtocolError,
    XpmRateLimited,
    XpmServerError,
    XpmTimeout,
)
from xpm_emulator.seed import DEMO_TENANT_ID

TIMEOUT = 1.0
"""Long enough for a healthy answer on a loaded CI machine; the slow fault outlasts it."""

FAILURES = [
    ("500", {}, XpmServerError),
    ("503", {}, XpmServerError),
    ("slow", {"seconds": 2 * TIMEOUT}, XpmTimeout),
    ("drop", {}, XpmConnectionError),
]


def calls_to(emulator, endpoint, expected=1):
    """The logged calls to `endpoint`, waiting up to 5 s for `expected` of them: a slow
    call is logged when the emulator finishes it, after the client has given up."""
    deadline = time.monotonic() + 5
    while True:
        calls = [c for c in emulator.calls(DEMO_TENANT_ID) if c["endpoint"] == endpoint]
        if len(calls) >= expected or time.monotonic() > deadline:
            return calls
        time.sleep(0.05)


@pytest.mark.parametrize(("kind", "options", "error"), FAILURES)
def test_transient_fault_on_a_write_is_not_retried(live_client, emulator, kind, options, error):
    emulator.add_fault("staff.api/add", kind, **options)
    with pytest.raises(error) as caught:
        live_client(timeout=TIMEOUT).staff_add(NewStaff(name="Once Only"))
    assert caught.value.transient
    assert len(calls_to(emulator, "staff.api/add")) == 1


@pytest.mark.parametrize(("kind", "options", "error"), FAILURES)
def test_read_recovers_after_one_transient_fault(
    live_client, emulator, sleeps, kind, options, error
):
    emulator.add_fault("staff.api/list", kind, **options)
    assert len(live_client(timeout=TIMEOUT).staff_list()) == 12
    faults = [c["fault"] for c in calls_to(emulator, "staff.api/list", expected=2)]
    assert sorted(faults, key=str) == sorted([kind, None], key=str)
    assert sleeps == [0.5]


@pytest.mark.parametrize(("kind", "options", "error"), FAILURES)
def test_read_gives_up_after_its_attempts(live_client, emulator, sleeps, kind, options, error):
    emulator.add_fault("staff.api/list", kind, count=None, **options)
    with pytest.raises(error):
        live_client(timeout=TIMEOUT).staff_list()
    assert len(calls_to(emulator, "staff.api/list", expected=3)) == 3
    assert sleeps == [0.5, 1.0]


def test_write_dropped_after_it_happened_is_not_repeated(xpm, emulator):
    emulator.add_fault("staff.api/add", "drop_after")
    with pytest.raises(XpmConnectionError):
        xpm.staff_add(NewStaff(name="Written Once", email="once@x.nz"))
    assert len(calls_to(emulator, "staff.api/add")) == 1
    assert [s.name for s in xpm.staff_search_by_email("once@x.nz")] == ["Written Once"]


@pytest.mark.parametrize("endpoint", ["staff.api/list", "staff.api/add"])
def test_malformed_answer(xpm, emulator, sleeps, endpoint):
    emulator.add_fault(endpoint, "malformed")
    with pytest.raises(XpmProtocolError, match="malformed") as caught:
        if endpoint == "staff.api/list":
            xpm.staff_list()
        else:
            xpm.staff_add(NewStaff(name="Half"))
    assert not caught.value.transient
    assert len(calls_to(emulator, endpoint)) == 1
    assert sleeps == []


def test_429_fault_cools_the_limiter_down(live_client, emulator, sleeps):
    emulator.add_fault("staff.api/list", "429", retry_after=7, problem="minute")
    xpm = live_client(limiter=InProcessRateLimiter())
    with pytest.raises(XpmRateLimited) as caught:
        xpm.staff_list()
    assert (caught.value.problem, caught.value.retry_after) == ("minute", 7.0)
    with pytest.raises(RateLimitDenied) as denied:
        xpm.staff_list()
    assert 6 < denied.value.retry_after <= 7
    assert len(calls_to(emulator, "staff.api/list")) == 1
    assert sleeps == []


def test_emulator_minute_limit(live_client, emulator):
    emulator.configure(minute_limit=3)
    xpm = live_client()
    for remaining in (2, 1, 0):
        xpm.template_list()
        assert xpm.quota.minute_remaining == remaining
    with pytest.raises(XpmRateLimited) as caught:
        xpm.template_list()
    assert caught.value.problem == "minute"
    assert 0 < caught.value.retry_after <= 60


def test_limiter_follows_the_emulator_headers(live_client, emulator):
    emulator.configure(minute_limit=3)
    xpm = live_client(limiter=InProcessRateLimiter())
    for _ in range(3):
        xpm.category_list()
    with pytest.raises(RateLimitDenied):
        xpm.category_list()
    assert len(calls_to(emulator, "category.api/list", expected=3)) == 3
