"""Huey tasks: thin, ids in, safe to run twice. Rules live in `sync/`.

Services enqueue these tasks (`services.runs`), so nothing here imports the services.
"""

from __future__ import annotations

import logging
import socket
import time
from functools import partial

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from practicelink.clients.models import Client
from practicelink.xpm import metrics
from practicelink.xpm.gateway import client_for
from practicelink.xpm.health import snapshot_take
from practicelink.xpm.models import SyncRun, SyncTrigger
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import XpmError
from practicelink.xpm.sync.clients.pairs import client_push
from practicelink.xpm.sync.deployments.deploy import proposal_deploy
from practicelink.xpm.sync.engine import Outcome, run_execute
from practicelink.xpm.sync.scheduler import dispatch_as

logger = logging.getLogger(__name__)

PRIORITY_ASKED = 10
"""Work a person asked for (Sync now, API, deployments, a client's change) is taken before
periodic runs."""
PERIODIC_HOLDER = f"huey-periodic:{socket.gethostname()}"
"""The dispatcher lease holder when a worker's own periodic tick dispatches (embedded mode)."""


def sync_run_enqueue(run_id: int, trigger: str, *, delay: float | None = None) -> None:
    """Queue a run, ahead of periodic work when a person asked for it."""
    priority = 0 if trigger == SyncTrigger.PERIODIC else PRIORITY_ASKED
    if delay is None:
        sync_run_task(run_id, priority=priority)
    else:
        sync_run_task.schedule((run_id,), delay=delay, priority=priority)


@db_task()
def sync_run_task(run_id: int) -> None:
    """Run a queued sync; when the practice is busy or out of XPM calls, try again later
    (a deferred run resumes where it stopped)."""
    run = SyncRun.objects.select_related("practice").get(pk=run_id)
    practice_id, trigger = run.practice_id, run.trigger
    interactive = trigger != SyncTrigger.PERIODIC  # a person asked: it may spend the reserve
    started = time.monotonic()
    outcome, wait = run_execute(run_id, client_factory=partial(client_for, interactive=interactive))
    label = outcome.value
    if outcome == Outcome.FINISHED:
        label = SyncRun.objects.values_list("status", flat=True).get(pk=run_id)
        if not run.dry_run:
            snapshot_take(run.practice)  # the day's point of the Link health history
    metrics.RUN_SECONDS.labels(outcome=label).observe(time.monotonic() - started)
    logger.info(
        "sync run %s",
        label,
        extra={"practice_id": practice_id, "run_id": run_id, "retry_in": round(wait, 1)},
    )
    if outcome != Outcome.FINISHED and not sync_run_task.huey.immediate:
        sync_run_enqueue(run_id, trigger, delay=max(wait, 1.0))


@db_task(priority=PRIORITY_ASKED)
def deployment_task(proposal_id: int) -> None:
    """Deploy an accepted proposal's jobs; transient problems are tried again later."""
    wait = proposal_deploy(proposal_id)
    if wait is not None and not deployment_task.huey.immediate:
        deployment_task.schedule((proposal_id,), delay=wait)


@db_periodic_task(crontab(minute="*"))
def sync_tick() -> None:
    """The embedded dispatcher: a worker with periodic tasks on queues due practices, unless a
    `practicelink scheduler` holds the dispatcher lease."""
    dispatch_as(PERIODIC_HOLDER, sync_run_enqueue, lease_seconds=90)


@db_task(priority=PRIORITY_ASKED)
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
