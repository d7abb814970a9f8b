"""The dispatcher: due practices handed out fairly, one run per practice, one dispatcher."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from practicelink.xpm.models import (
    ConnectionStatus,
    SyncRun,
    SyncSettings,
    SyncStatus,
    SyncTrigger,
    XpmConnection,
)
from practicelink.xpm.ratelimit import rate_limiter
from practicelink.xpm.services.runs import sync_request
from practicelink.xpm.sync.scheduler import dispatch, dispatch_as, lease_release, lease_take
from practicelink.xpm.tasks import PRIORITY_ASKED, sync_run_enqueue
from tests.factories import PracticeFactory

pytestmark = pytest.mark.django_db


class Enqueued(list):
    """The queue as the dispatcher sees it: records (run id, trigger) in order."""

    def __call__(self, run_id: int, trigger: str) -> None:
        self.append((run_id, trigger))


def connected_practice(name: str, *, synced_minutes_ago: float | None = None):
    practice = PracticeFactory(name=name)
    XpmConnection.objects.create(
        practice=practice, status=ConnectionStatus.CONNECTED, tenant_id=str(uuid.uuid4())
    )
    if synced_minutes_ago is not None:
        run = SyncRun.objects.create(
            practice=practice, trigger=SyncTrigger.PERIODIC, status=SyncStatus.SUCCEEDED
        )
        at = timezone.now() - timedelta(minutes=synced_minutes_ago)
        SyncRun.objects.filter(pk=run.pk).update(created_at=at)
    return practice


def queued_practices() -> list[int]:
    return list(
        SyncRun.objects.filter(status=SyncStatus.QUEUED)
        .order_by("id")
        .values_list("practice_id", flat=True)
    )


def test_least_recently_synced_first_and_at_most_a_batch_a_tick(settings):
    settings.XPM_DISPATCH_BATCH = 2
    recent = connected_practice("Recent", synced_minutes_ago=6)
    never = connected_practice("Never synced")
    oldest = connected_practice("Oldest", synced_minutes_ago=60)
    fresh = connected_practice("Synced a minute ago", synced_minutes_ago=1)
    PracticeFactory(name="Not connected")

    first = dispatch(Enqueued())
    assert first.queued == [never.pk, oldest.pk]
    assert first.waiting == [recent.pk]
    second = dispatch(Enqueued())  # the first two now have a run queued: not again
    assert second.queued == [recent.pk]
    assert queued_practices() == [never.pk, oldest.pk, recent.pk]
    assert fresh.pk not in queued_practices()


def test_each_practice_keeps_its_own_interval():
    hourly = connected_practice("Hourly", synced_minutes_ago=30)
    SyncSettings.objects.create(practice=hourly, sync_interval_minutes=60)
    quick = connected_practice("Every 5 minutes", synced_minutes_ago=30)
    assert dispatch(Enqueued()).queued == [quick.pk]


def test_never_a_second_run_for_a_practice_with_one_queued_or_running():
    queued = connected_practice("Queued", synced_minutes_ago=60)
    SyncRun.objects.create(practice=queued, trigger=SyncTrigger.MANUAL)
    running = connected_practice("Running", synced_minutes_ago=60)
    SyncRun.objects.create(
        practice=running,
        trigger=SyncTrigger.PERIODIC,
        status=SyncStatus.RUNNING,
        heartbeat_at=timezone.now(),
    )
    idle = connected_practice("Idle", synced_minutes_ago=60)
    assert dispatch(Enqueued()).queued == [idle.pk]
    assert SyncRun.objects.filter(practice__in=[queued, running]).count() == 4


def test_practices_cooling_down_or_out_of_periodic_calls_wait():
    cooling = connected_practice("Cooling down")
    spent = connected_practice("Day spent")
    fine = connected_practice("Fine")
    limiter = rate_limiter()
    limiter.observe(
        cooling.xpm_connection.tenant_id, minute_remaining=None, day_remaining=None, retry_after=60
    )
    reserve = limiter.limits.day - limiter.limits.periodic_day
    limiter.observe(
        spent.xpm_connection.tenant_id,
        minute_remaining=None,
        day_remaining=reserve,  # only the share kept for work a person asks for is left
        retry_after=None,
    )
    done = dispatch(Enqueued())
    assert done.queued == [fine.pk]
    assert sorted(done.waiting) == sorted([cooling.pk, spent.pk])


def test_a_run_whose_worker_stopped_is_queued_again_after_its_lease(settings):
    settings.XPM_RUN_LEASE_SECONDS = 60
    practice = connected_practice("Crashed")
    now = timezone.now()
    abandoned = SyncRun.objects.create(
        practice=practice,
        trigger=SyncTrigger.MANUAL,
        status=SyncStatus.RUNNING,
        heartbeat_at=now - timedelta(seconds=61),
    )
    alive = SyncRun.objects.create(
        practice=connected_practice("Alive"),
        trigger=SyncTrigger.PERIODIC,
        status=SyncStatus.RUNNING,
        heartbeat_at=now - timedelta(seconds=30),
    )
    enqueued = Enqueued()
    done = dispatch(enqueued, now)
    assert done.resumed == [abandoned.pk]
    assert enqueued == [(abandoned.pk, SyncTrigger.MANUAL)]
    abandoned.refresh_from_db()
    alive.refresh_from_db()
    assert abandoned.status == SyncStatus.QUEUED
    assert abandoned.step == "Resuming: the worker running it stopped"
    assert alive.status == SyncStatus.RUNNING
    assert practice.pk not in done.queued  # its own run resumes: no second one


def test_one_dispatcher_at_a_time_and_a_stand_by_takes_over():
    now = timezone.now()
    assert lease_take(holder="a", now=now, seconds=30)
    assert not lease_take(holder="b", now=now + timedelta(seconds=10), seconds=30)
    assert lease_take(holder="a", now=now + timedelta(seconds=20), seconds=30)  # renewed
    assert not lease_take(holder="b", now=now + timedelta(seconds=49), seconds=30)
    assert lease_take(holder="b", now=now + timedelta(seconds=51), seconds=30)  # a went quiet
    assert not lease_take(holder="a", now=now + timedelta(seconds=52), seconds=30)
    lease_release(holder="b")
    assert lease_take(holder="a", now=now + timedelta(seconds=53), seconds=30)


def test_a_stand_by_dispatcher_queues_nothing():
    connected_practice("Due")
    assert dispatch_as("active", Enqueued(), lease_seconds=30)
    SyncRun.objects.all().delete()
    assert not dispatch_as("stand-by", Enqueued(), lease_seconds=30)
    assert not SyncRun.objects.exists()


@pytest.fixture
def queue():
    """The configured queue itself (tests otherwise run tasks at once)."""
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


def test_runs_a_person_asked_for_are_taken_before_periodic_ones(
    queue, django_capture_on_commit_callbacks
):
    periodic = connected_practice("Periodic")
    asked = connected_practice("Asked")
    with django_capture_on_commit_callbacks(execute=True):
        first = sync_request(practice=periodic, trigger=SyncTrigger.PERIODIC)
        second = sync_request(practice=asked, trigger=SyncTrigger.MANUAL)
    taken = [queue.dequeue(), queue.dequeue()]
    assert [task.args for task in taken] == [(second.pk,), (first.pk,)]
    assert [task.priority for task in taken] == [PRIORITY_ASKED, 0]
    sync_run_enqueue(first.pk, SyncTrigger.PERIODIC, delay=30)  # a deferred run: later
    deferred = queue.dequeue()
    assert deferred.args == (first.pk,)
    assert 25 < (deferred.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds() <= 30
