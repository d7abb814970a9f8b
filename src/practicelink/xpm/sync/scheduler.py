"""Which practices sync next, and the one dispatcher that queues their runs.

The dispatcher hands due practices out least-recently-synced first (round-robin over the
practices), at most `XPM_DISPATCH_BATCH` a tick, so thousands of practices never flood the
queue and a busy practice cannot starve the others: each practice has at most one run queued
or running, and a run that is out of XPM calls is deferred rather than holding a worker.
Practices that XPM cooled down, or whose periodic share of the day is spent, wait for the next
tick. Runs a person asked for (Sync now, API, deployments) are queued at a higher priority.

Exactly one dispatcher is active: each tick it takes or renews a lease row in the database
(held for three ticks, at least a minute); another scheduler process stands by until the lease
lapses or its holder stops and hands it over. A run whose worker died (its
heartbeat older than `XPM_RUN_LEASE_SECONDS`) is queued again, and resumes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, close_old_connections, transaction
from django.db.models import Max, Q
from django.utils import timezone

from practicelink.team.models import Practice
from practicelink.xpm import metrics
from practicelink.xpm.models import (
    ACTIVE_STATUSES,
    ConnectionStatus,
    DispatcherLease,
    SyncRun,
    SyncSettings,
    SyncStatus,
    SyncTrigger,
    XpmConnection,
)
from practicelink.xpm.ratelimit import rate_limiter
from practicelink.xpm.sync.engine import heartbeat_stale_before, run_queue

logger = logging.getLogger(__name__)

LEASE_NAME = "dispatcher"
DEFAULT_INTERVAL_MINUTES = SyncSettings._meta.get_field("sync_interval_minutes").get_default()

Enqueue = Callable[[int, str], None]
"""Puts a run (id, trigger) on the queue: `practicelink.xpm.tasks.sync_run_enqueue`."""


@dataclass
class Dispatch:
    """What one tick did."""

    queued: list[int] = field(default_factory=list)
    """Practices given a periodic run, in the order they were queued."""
    resumed: list[int] = field(default_factory=list)
    """Runs queued again because their worker stopped."""
    waiting: list[int] = field(default_factory=list)
    """Due practices left for a later tick: cooling down, out of calls, or over the batch."""


def holder_name() -> str:
    """This process, as the lease records it."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_take(*, holder: str, now: datetime, seconds: float) -> bool:
    """Take the dispatcher lease, or renew it when `holder` has it; False if another has it."""
    until = now + timedelta(seconds=seconds)
    held = DispatcherLease.objects.filter(name=LEASE_NAME).filter(
        Q(holder=holder) | Q(until__lte=now)
    )
    if held.update(holder=holder, until=until):
        return True
    try:
        with transaction.atomic():
            DispatcherLease.objects.create(name=LEASE_NAME, holder=holder, until=until)
    except IntegrityError:
        return False
    return True


def lease_release(*, holder: str) -> None:
    """Let a stand-by take over at once (a scheduler that stops cleanly)."""
    DispatcherLease.objects.filter(name=LEASE_NAME, holder=holder).delete()


def runs_abandoned_resume(now: datetime, enqueue: Enqueue) -> list[int]:
    """Queue again the running syncs whose worker stopped heartbeating (killed, host lost)."""
    stale = heartbeat_stale_before(now)
    resumed = []
    abandoned = SyncRun.objects.filter(status=SyncStatus.RUNNING, heartbeat_at__lt=stale)
    for pk, trigger in abandoned.values_list("pk", "trigger"):
        # Only if still abandoned: the worker may have finished or heartbeated since.
        if abandoned.filter(pk=pk).update(
            status=SyncStatus.QUEUED, step="Resuming: the worker running it stopped"
        ):
            enqueue(pk, trigger)
            resumed.append(pk)
            logger.warning("sync run resumed", extra={"run_id": pk, "reason": "worker stopped"})
    return resumed


def _last_runs() -> dict[int, datetime]:
    return dict(
        SyncRun.objects.filter(dry_run=False)
        .values("practice_id")
        .annotate(at=Max("created_at"))
        .values_list("practice_id", "at")
    )


def practices_due(now: datetime) -> list[tuple[int, str]]:
    """Connected practices whose interval has passed and that have no run queued or running,
    least recently synced first: `(practice id, tenant id)`."""
    connected = dict(
        XpmConnection.objects.filter(status=ConnectionStatus.CONNECTED).values_list(
            "practice_id", "tenant_id"
        )
    )
    busy = set(
        SyncRun.objects.filter(status__in=ACTIVE_STATUSES).values_list("practice_id", flat=True)
    )
    intervals = dict(
        SyncSettings.objects.filter(practice_id__in=connected).values_list(
            "practice_id", "sync_interval_minutes"
        )
    )
    last = _last_runs()
    never = datetime.min.replace(tzinfo=now.tzinfo)
    due = []
    for practice_id, tenant_id in connected.items():
        interval = timedelta(minutes=intervals.get(practice_id, DEFAULT_INTERVAL_MINUTES))
        previous = last.get(practice_id)
        if practice_id not in busy and (previous is None or previous + interval <= now):
            due.append((previous or never, practice_id, tenant_id))
    due.sort()
    return [(practice_id, tenant_id) for _, practice_id, tenant_id in due]


def _may_call(tenant_id: str) -> bool:
    """Not cooling down after a 429, and some of the day left for periodic work."""
    budget = rate_limiter().budget(tenant_id)
    return budget.cooldown_seconds <= 0 and budget.day_remaining > budget.day_reserved


def dispatch(enqueue: Enqueue, now: datetime | None = None) -> Dispatch:
    """One tick: resume abandoned runs, then queue periodic runs for due practices, fairly."""
    now = now or timezone.now()
    done = Dispatch(resumed=runs_abandoned_resume(now, enqueue))
    due = practices_due(now)
    practices = Practice.objects.in_bulk([practice_id for practice_id, _ in due])
    for practice_id, tenant_id in due:
        if len(done.queued) >= settings.XPM_DISPATCH_BATCH or not _may_call(tenant_id):
            done.waiting.append(practice_id)
            continue
        try:
            with transaction.atomic():
                run, _ = run_queue(practice=practices[practice_id], trigger=SyncTrigger.PERIODIC)
                transaction.on_commit(partial(enqueue, run.pk, run.trigger))
        except ValidationError:  # disconnected since we looked
            continue
        done.queued.append(practice_id)
        logger.info("sync run queued", extra={"practice_id": practice_id, "run_id": run.pk})
    metrics.DISPATCHED.inc(len(done.queued))
    return done


def dispatch_as(
    holder: str, enqueue: Enqueue, *, lease_seconds: float, now: datetime | None = None
) -> bool:
    """Dispatch if `holder` is (or becomes) the active dispatcher; False when standing by."""
    now = now or timezone.now()
    if not lease_take(holder=holder, now=now, seconds=lease_seconds):
        return False
    dispatch(enqueue, now)
    return True


def scheduler_serve(
    enqueue: Enqueue, *, stop: threading.Event, interval: float | None = None
) -> None:
    """The `practicelink scheduler` loop: dispatch every `interval` seconds while active."""
    interval = interval or settings.XPM_DISPATCH_SECONDS
    holder = holder_name()
    active: bool | None = None
    while not stop.is_set():
        close_old_connections()
        try:
            now_active = dispatch_as(holder, enqueue, lease_seconds=max(interval * 3, 60))
        except DatabaseError:
            logger.exception("dispatcher tick failed; trying again next tick")
        else:
            if now_active != active:
                state = "active" if now_active else "standing by (another scheduler is active)"
                logger.info(f"dispatcher {state}", extra={"holder": holder})
                active = now_active
        stop.wait(interval)
    close_old_connections()
    lease_release(holder=holder)
