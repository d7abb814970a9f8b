"""A practice's XPM limits hold when many processes call XPM for it at once.

Four real processes of three threads each call one tenant of a real emulator (which refuses
with 429 whatever goes over XPM's limits) through the XPM client and the shared limiter: the
emulator sees exactly the minute's budget, never more than five calls at once, and no 429.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from practicelink.xpm.ratelimit import CONCURRENT_WAIT, RedisRateLimiter, SQLiteRateLimiter
from practicelink.xpm.remote import RateLimitDenied, XpmClient
from xpm_emulator.config import EmulatorConfig
from xpm_emulator.testing import running_emulator

MINUTE_LIMIT = 12
PROCESSES, THREADS = 4, 3
SLOW_SECONDS = 0.4
"""Each call takes this long at the emulator, so the threads' calls overlap."""


def _call_for_a_while(options: dict[str, Any], api_url: str, tenant: str, token: str, out) -> None:
    """One process: threads calling `staff.api/list` until the minute's budget is spent."""
    backend = RedisRateLimiter if "url" in options else SQLiteRateLimiter
    limiter = backend(**options)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def caller() -> None:
        deadline = time.monotonic() + 6 * SLOW_SECONDS + 3
        with XpmClient(api_url, tenant, lambda: token, limiter=limiter) as client:
            while time.monotonic() < deadline:
                try:
                    client.staff_list()
                    outcome = "called"
                except RateLimitDenied as denied:
                    outcome = "concurrent" if denied.retry_after == CONCURRENT_WAIT else "minute"
                with lock:
                    outcomes[outcome] += 1
                if outcome != "called":
                    time.sleep(0.05)  # a test's caller, not a worker: it may wait

    threads = [threading.Thread(target=caller) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(dict(outcomes))


def _backend_options(backend: str, tmp_path: Path) -> dict[str, Any]:
    if backend == "sqlite":
        return {"path": str(tmp_path / "ratelimit.sqlite3")}
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("REDIS_URL is not set: the Redis limiter needs a Redis server")
    return {"url": url, "prefix": f"test:{uuid.uuid4().hex}"}


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_minute_and_concurrent_limits_hold_across_processes(backend, tmp_path):
    options = {**_backend_options(backend, tmp_path), "minute_limit": MINUTE_LIMIT}
    with running_emulator(EmulatorConfig(minute_limit=MINUTE_LIMIT)) as xpm:
        tenant = str(uuid.uuid4())
        xpm.seed({"tenants": [{"name": "Busy XPM", "tenant_id": tenant}]})
        token, _ = xpm.issue_token([tenant])
        xpm.add_fault("staff.api/list", "slow", count=None, seconds=SLOW_SECONDS)
        context = multiprocessing.get_context("spawn")
        out = context.Queue()
        processes = [
            context.Process(
                target=_call_for_a_while, args=(options, xpm.api_url, tenant, token, out)
            )
            for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        outcomes: Counter[str] = Counter()
        for _ in processes:
            outcomes.update(out.get(timeout=120))
        for process in processes:
            process.join(30)
            assert process.exitcode == 0
        calls = xpm.calls(tenant)
    assert [call["status"] for call in calls] == [200] * MINUTE_LIMIT  # no 429, none over
    assert outcomes["called"] == MINUTE_LIMIT
    assert outcomes["concurrent"] > 0  # twelve threads pressed against the five slots
    assert outcomes["minute"] > 0
