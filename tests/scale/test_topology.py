"""Many practices, several workers, one scheduler: every practice converges within XPM's limits.

Real processes (three `practicelink worker --no-periodic`, two `practicelink scheduler`) share the
test database, a queue and the rate limiter, against an emulator that refuses with 429 what
goes over XPM's limits. Each practice's sync needs more calls than its minute allows.
"""

from __future__ import annotations

import signal
import time
from collections import defaultdict

import pytest

from practicelink.xpm.models import ACTIVE_STATUSES, SyncRun, SyncStatus, XpmConnection
from tests.scale.topology import (
    call_seconds,
    member_emails,
    practice_in_xpm,
    running,
    shared_store,
    staff_emails,
    wait_until,
)
from tests.xpm.conftest import sync
from xpm_emulator.testing import running_emulator

# One at a time (they start real processes and wait on XPM's minute), on PostgreSQL or SQLite.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("topology")]

PRACTICES = 20
MEMBERS = 3
FIRST_CALL_WITHIN = 45.0
"""Seconds after the first practice's first XPM call by which every practice has had its own
(the processes' start-up, slow on a loaded machine, is not counted)."""


@pytest.fixture
def xpm_server():
    with running_emulator() as handle:
        yield handle


def calls_one_sync_makes(xpm, settings) -> int:
    """Sync one practice like the others here, unlimited, and count its XPM calls."""
    settings.XPM_API_URL = xpm.api_url
    settings.XPM_IDENTITY_URL = xpm.base_url
    practice, tenant = practice_in_xpm(xpm, "Sample", MEMBERS)
    sync(practice)
    XpmConnection.objects.filter(practice=practice).delete()
    return len(xpm.calls(tenant))


def one_run_at_most_per_practice() -> None:
    waiting = SyncRun.objects.filter(status__in=ACTIVE_STATUSES)
    per_practice = defaultdict(int)
    for practice_id in waiting.values_list("practice_id", flat=True):
        per_practice[practice_id] += 1
    assert max(per_practice.values(), default=0) <= 1, per_practice


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_every_practice_converges_within_xpm_limits(store, tmp_path, xpm_server, settings):
    shared = shared_store(store)
    calls = calls_one_sync_makes(xpm_server, settings)
    minute = calls - 1  # one call more than a minute allows
    assert calls > minute
    xpm_server.configure(minute_limit=minute)
    practices = [practice_in_xpm(xpm_server, f"Practice {n}", MEMBERS) for n in range(PRACTICES)]
    xpm_server.clear_calls()

    with running(
        tmp_path, xpm_server, shared, XPM_MINUTE_LIMIT=str(minute), HUEY_WORKERS="2"
    ) as topology:
        for number in range(3):
            topology.start(f"worker-{number}", "worker", "--no-periodic")
        topology.start("scheduler-a", "scheduler", "--interval", "1")
        topology.start("scheduler-b", "scheduler", "--interval", "1")

        def converged() -> bool:
            return all(
                staff_emails(xpm_server, tenant) == member_emails(practice)
                and practice.xpm_sync_runs.filter(status=SyncStatus.SUCCEEDED).exists()
                for practice, tenant in practices
            )

        def invariants() -> None:
            topology.alive()
            one_run_at_most_per_practice()

        wait_until(converged, 240, invariants)
        logs = {name: topology.log(name) for name in ("scheduler-a", "scheduler-b")}
        active = [name for name, log in logs.items() if "dispatcher active" in log]
        assert len(active) == 1, logs
        (standby,) = set(logs) - set(active)
        assert "dispatcher standing by" in logs[standby]
        topology.stop(active[0])  # a clean stop hands over at once
        wait_until(lambda: "dispatcher active" in topology.log(standby), 20, topology.alive)

    by_tenant = defaultdict(list)
    for call in xpm_server.calls():
        by_tenant[call["tenant_id"]].append(call)
    assert not [call for call in xpm_server.calls() if call["status"] == 429]
    first_call = min(call_seconds(call) for call in xpm_server.calls())
    for practice, tenant in practices:
        assert staff_emails(xpm_server, tenant) == member_emails(practice)  # each once
        assert practice.xpm_sync_runs.count() == 1  # no second run was queued
        times = sorted(call_seconds(call) for call in by_tenant[tenant])
        assert len(times) > minute  # it needed more than a minute's budget
        busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
        assert busiest <= minute
        assert times[0] - first_call < FIRST_CALL_WITHIN


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_killed_workers_run_completes_after_its_lease(store, tmp_path, xpm_server):
    shared = shared_store(store)
    practice, tenant = practice_in_xpm(xpm_server, "Crash", MEMBERS)
    # The first staff list hangs, so the worker is killed in the middle of the run.
    xpm_server.add_fault("staff.api/list", "slow", count=1, seconds=20)
    with running(tmp_path, xpm_server, shared, XPM_RUN_LEASE_SECONDS="3") as topology:
        topology.start("worker-killed", "worker", "--no-periodic")
        topology.start("scheduler", "scheduler", "--interval", "1")
        runs = practice.xpm_sync_runs
        wait_until(lambda: runs.filter(status=SyncStatus.RUNNING).exists(), 60, topology.alive)
        run = runs.get()
        time.sleep(1)  # inside the hanging call
        topology.stop("worker-killed", signal.SIGKILL)
        topology.start("worker", "worker", "--no-periodic")
        wait_until(lambda: runs.filter(status=SyncStatus.SUCCEEDED).exists(), 90, topology.alive)
    assert list(runs.values_list("pk", flat=True)) == [run.pk]  # the same run, resumed
    assert staff_emails(xpm_server, tenant) == member_emails(practice)
