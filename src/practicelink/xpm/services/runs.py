"""Asking for a sync: record a queued run and hand it to a worker once committed."""

from __future__ import annotations

from django.db import transaction

from practicelink.team.models import Member, Practice
from practicelink.xpm.models import SyncRun, SyncStatus, SyncTrigger
from practicelink.xpm.sync.engine import run_queue
from practicelink.xpm.tasks import sync_run_enqueue


@transaction.atomic
def sync_request(
    *,
    practice: Practice,
    trigger: str = SyncTrigger.MANUAL,
    dry_run: bool = False,
    by: Member | None = None,
) -> SyncRun:
    """Queue a sync (or a Preview) of the practice and return it. While one of the same kind is
    queued, running or waiting for XPM's rate limit, that one is returned: a double click
    queues one run. A waiting run is handed to a worker again (running it twice is safe), so
    a task lost from the queue never leaves Sync now without effect."""
    run, _ = run_queue(practice=practice, trigger=trigger, dry_run=dry_run, by=by)
    if run.status != SyncStatus.RUNNING:
        transaction.on_commit(lambda: sync_run_enqueue(run.pk, run.trigger))
    return run
