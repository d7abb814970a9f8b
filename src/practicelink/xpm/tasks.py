"""Huey tasks: thin, ids in, safe to run twice. Rules live in `sync/`."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db.models import Max
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from practicelink.clients.models import Client
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    ConnectionStatus,
    SyncRun,
    SyncStatus,
    SyncTrigger,
    XpmConnection,
)
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import XpmError
from practicelink.xpm.selectors import sync_settings
from practicelink.xpm.sync.clients.pairs import client_push
from practicelink.xpm.sync.deployments.step import proposal_deploy
from practicelink.xpm.sync.runner import Outcome, run_execute, sync_request


@db_task()
def sync_run_task(run_id: int) -> None:
    """Run a queued sync; when the practice is busy or out of XPM calls, try again later."""
    trigger = SyncRun.objects.values_list("trigger", flat=True).get(pk=run_id)
    interactive = trigger != SyncTrigger.PERIODIC  # a person asked: it may spend the reserve
    outcome, wait = run_execute(run_id, client_factory=partial(client_for, interactive=interactive))
    if outcome != Outcome.FINISHED and not sync_run_task.huey.immediate:
        sync_run_task.schedule((run_id,), delay=max(wait, 1.0))


@db_task()
def deployment_task(proposal_id: int) -> None:
    """Deploy an accepted proposal's jobs; transient problems are tried again later."""
    wait = proposal_deploy(proposal_id)
    if wait is not None and not deployment_task.huey.immediate:
        deployment_task.schedule((proposal_id,), delay=wait)


@db_periodic_task(crontab(minute="*"))
def sync_tick() -> None:
    """Queue a sync for every connected practice whose interval has passed since its last run."""
    now = timezone.now()
    connected = XpmConnection.objects.filter(status=ConnectionStatus.CONNECTED).select_related(
        "practice"
    )
    last = dict(
        SyncRun.objects.filter(dry_run=False)
        .values("practice_id")
        .annotate(at=Max("created_at"))
        .values_list("practice_id", "at")
    )
    busy = set(
        SyncRun.objects.filter(status__in=[SyncStatus.QUEUED, SyncStatus.RUNNING]).values_list(
            "practice_id", flat=True
        )
    )
    for connection in connected:
        practice = connection.practice
        interval = timedelta(minutes=sync_settings(practice).sync_interval_minutes)
        previous = last.get(practice.pk)
        if practice.pk not in busy and (previous is None or previous + interval <= now):
            sync_request(practice=practice, trigger=SyncTrigger.PERIODIC)


@db_task()
def client_push_task(client_id: int) -> None:
    """Send a change made here to XPM at once. If XPM fails or is busy, nothing is lost: the
    client still differs from what was last synced, so the next sync sends it again."""
    client = Client.objects.select_related("practice").filter(pk=client_id).first()
    if client is None:
        return
    try:
        with client_for(client.practice, interactive=True) as xpm:
            client_push(practice=client.practice, client=client, xpm=xpm)
    except (XpmError, XpmAuthError):
        return
