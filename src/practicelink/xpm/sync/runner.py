"""A sync run's life: requested (queued), started under the per-practice lock, finished.

The lock is the partial unique constraint "one running run per practice", so it holds across
workers and hosts on SQLite and PostgreSQL alike. A run whose heartbeat stopped (its worker
died) is failed by the next starter, which frees the lock: a crash is repaired by the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from practicelink.team.models import Member, Practice
from practicelink.xpm.models import (
    ConnectionStatus,
    SyncRun,
    SyncStatus,
    SyncTrigger,
    XpmConnection,
)
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import RateLimitDenied, XpmClient, XpmError, XpmRateLimited
from practicelink.xpm.sync.catalogue import catalogue_reconcile
from practicelink.xpm.sync.events import progress
from practicelink.xpm.sync.staff import staff_reconcile

STALE_AFTER = timedelta(minutes=10)


class Outcome(StrEnum):
    FINISHED = "finished"
    BUSY = "busy"
    """Another run of the practice holds the lock: try again shortly."""
    DEFERRED = "deferred"
    """Out of XPM calls for now: try again after the limiter's wait."""


def sync_request(
    *,
    practice: Practice,
    trigger: str = SyncTrigger.MANUAL,
    dry_run: bool = False,
    by: Member | None = None,
) -> SyncRun:
    """Record a queued run and enqueue it once the transaction commits."""
    from practicelink.xpm.tasks import sync_run_enqueue

    connected = XpmConnection.objects.filter(
        practice=practice, status=ConnectionStatus.CONNECTED
    ).exists()
    if not connected:
        raise ValidationError("XPM is not connected: an admin can connect it in Settings > Apps.")

    run = SyncRun.objects.create(practice=practice, trigger=trigger, dry_run=dry_run, started_by=by)
    transaction.on_commit(lambda: sync_run_enqueue(run.pk, trigger))
    return run


def _take_lock(run: SyncRun, now: datetime) -> bool:
    stale = now - STALE_AFTER
    SyncRun.objects.filter(
        practice=run.practice, status=SyncStatus.RUNNING, heartbeat_at__lt=stale
    ).update(
        status=SyncStatus.FAILED, finished_at=now, error="The worker running this sync stopped."
    )
    try:
        with transaction.atomic():
            updated = SyncRun.objects.filter(pk=run.pk, status=SyncStatus.QUEUED).update(
                status=SyncStatus.RUNNING, started_at=now, heartbeat_at=now, error=""
            )
    except IntegrityError:
        return False
    return updated == 1


def _finish(run: SyncRun, status: str, error: str = "") -> None:
    counts = run.events.values("action", "outcome").annotate(n=Count("id")).order_by()
    summary = {f"{row['action']}:{row['outcome']}": row["n"] for row in counts}
    SyncRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), error=error, summary=summary, step=""
    )


def run_execute(
    run_id: int,
    *,
    client_factory: Callable[[Practice], XpmClient],
    now: datetime | None = None,
) -> tuple[Outcome, float]:
    """Run a queued sync; returns the outcome and, for busy/deferred, seconds to wait."""
    run = SyncRun.objects.select_related("practice").get(pk=run_id)
    if run.status != SyncStatus.QUEUED:
        return Outcome.FINISHED, 0
    now = now or timezone.now()
    if not _take_lock(run, now):
        return Outcome.BUSY, 5.0
    try:
        with client_factory(run.practice) as client:
            staff_reconcile(run, client, now)
            catalogue_reconcile(run, client, now)
    except (RateLimitDenied, XpmRateLimited) as denied:
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncStatus.QUEUED, step="Waiting for XPM's rate limit"
        )
        return Outcome.DEFERRED, denied.retry_after
    except (XpmError, XpmAuthError) as error:
        _finish(run, SyncStatus.FAILED, str(error))
    except Exception as error:
        _finish(run, SyncStatus.FAILED, f"Unexpected error: {error!r}")
        raise
    else:
        _finish(run, SyncStatus.SUCCEEDED)
    progress(run)
    return Outcome.FINISHED, 0
