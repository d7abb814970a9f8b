"""A sync run's life: queued, started under the per-practice lock, its steps in order, finished.

One run of each kind (sync, preview) per practice is queued, running or deferred at a time: a
second request gets that run back (`run_queue`).

The lock is the partial unique constraint "one running run per practice", so it holds across
workers and hosts on SQLite and PostgreSQL alike. A run whose heartbeat stopped (its worker
died) is failed by the next starter, which frees the lock: a crash is repaired by the next run.

The engine runs every registered step (`steps.STEPS`) in order and keeps each step's outcome
on the run. When XPM's rate limit is reached the run is deferred: it gives the lock back, says
when it resumes, and the next pass skips the steps already finished. Nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from practicelink.team.models import Member, Practice
from practicelink.xpm import metrics
from practicelink.xpm.models import (
    ACTIVE_STATUSES,
    ConnectionStatus,
    EventOutcome,
    StepOutcome,
    SyncRun,
    SyncStatus,
    XpmConnection,
)
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import (
    RateLimitDenied,
    XpmClient,
    XpmError,
    XpmForbiddenTenant,
    XpmRateLimited,
    XpmUnauthorized,
)
from practicelink.xpm.sync.events import Recorder
from practicelink.xpm.sync.steps import ActionFailed, Planned, Step, SyncContext, registered_steps

RUN_STOPPERS = (XpmAuthError, XpmUnauthorized, XpmForbiddenTenant)
"""Errors after which no further call can succeed: the run fails, whatever the step."""


class Outcome(StrEnum):
    FINISHED = "finished"
    BUSY = "busy"
    """Another run of the practice holds the lock: try again shortly."""
    DEFERRED = "deferred"
    """Out of XPM calls for now: try again after the limiter's wait."""


class _Deferred(Exception):
    def __init__(self, wait: float) -> None:
        self.wait = wait


class _StepFailed(Exception):
    """The step could not proceed (its read failed, or XPM refused the connection)."""


def run_queue(
    *,
    practice: Practice,
    trigger: str,
    dry_run: bool = False,
    by: Member | None = None,
) -> tuple[SyncRun, bool]:
    """Record a queued run (True), or return the run of the same kind already queued, running
    or waiting for the rate limit (False). The caller enqueues it: `services.runs` for people,
    the scheduler for periodic runs. Call inside a transaction."""
    # Requests of one practice queue behind this row lock: no two see "nothing active".
    list(Practice.objects.select_for_update().filter(pk=practice.pk).values_list("pk"))
    connected = XpmConnection.objects.filter(
        practice=practice, status=ConnectionStatus.CONNECTED
    ).exists()
    if not connected:
        raise ValidationError("XPM is not connected: an admin can connect it in Settings > Apps.")
    active = SyncRun.objects.filter(
        practice=practice, dry_run=dry_run, status__in=ACTIVE_STATUSES
    ).first()
    if active is not None:
        return active, False
    run = SyncRun.objects.create(practice=practice, trigger=trigger, dry_run=dry_run, started_by=by)
    return run, True


def heartbeat_stale_before(now: datetime) -> datetime:
    """A running sync whose heartbeat is older than this lost its worker: one rule for the
    lock a new run takes over and for the scheduler, which queues the run again."""
    return now - timedelta(seconds=settings.XPM_RUN_LEASE_SECONDS)


def _take_lock(run: SyncRun, now: datetime) -> bool:
    stale = heartbeat_stale_before(now)
    SyncRun.objects.filter(
        practice=run.practice, status=SyncStatus.RUNNING, heartbeat_at__lt=stale
    ).update(
        status=SyncStatus.FAILED, finished_at=now, error="The worker running this sync stopped."
    )
    try:
        with transaction.atomic():
            updated = SyncRun.objects.filter(
                pk=run.pk, status__in=[SyncStatus.QUEUED, SyncStatus.DEFERRED]
            ).update(
                status=SyncStatus.RUNNING,
                started_at=run.started_at or now,
                heartbeat_at=now,
                resume_at=None,
                error="",
            )
    except IntegrityError:
        return False
    return updated == 1


def _summary(run: SyncRun) -> dict[str, int]:
    """How many actions ended how: {"done": 4, "failed": 1, …}."""
    counts = dict(run.events.values_list("outcome").annotate(n=Count("id")).order_by())
    return {outcome: counts[outcome] for outcome in EventOutcome.values if outcome in counts}


def _failures(run: SyncRun) -> str:
    failed = list(run.events.filter(outcome=EventOutcome.FAILED)[:3])
    total = run.events.filter(outcome=EventOutcome.FAILED).count()
    reasons = "; ".join(f"{e.subject_label}: {e.message.rstrip('.')}" for e in failed)
    more = f" (and {total - len(failed)} more)" if total > len(failed) else ""
    noun = "action" if total == 1 else "actions"
    return f"{total} {noun} failed: {reasons}{more}."


def _finish(run: SyncRun, steps: dict[str, str], error: str = "") -> None:
    """Close the run: its status is the worst of its steps' outcomes (an `error` fails it)."""
    outcomes = set(steps.values())
    if error or StepOutcome.FAILED in outcomes:
        status = SyncStatus.FAILED
    elif StepOutcome.PARTLY_FAILED in outcomes:
        status = SyncStatus.PARTLY_FAILED
        error = error or _failures(run)
    else:
        status = SyncStatus.SUCCEEDED
    SyncRun.objects.filter(pk=run.pk).update(
        status=status,
        finished_at=timezone.now(),
        error=error,
        summary=_summary(run),
        steps=steps,
        step="",
        resume_at=None,
    )


def _defer(run: SyncRun, steps: dict[str, str], wait: float) -> None:
    resume_at = timezone.now() + timedelta(seconds=max(wait, 1.0))
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncStatus.DEFERRED, steps=steps, resume_at=resume_at, summary=_summary(run)
    )


BATCH = 250
"""The most actions `Step.apply_many` is given at once (one transaction)."""


def _runs(planned: list[Planned], *, batched: bool) -> Iterator[list[Planned]]:
    """The plan cut into runs of up to BATCH consecutive `batch` writes, other actions alone."""
    run_of: list[Planned] = []
    for action in planned:
        if batched and action.batch and action.writes and len(run_of) < BATCH:
            run_of.append(action)
            continue
        if run_of:
            yield run_of
        if batched and action.batch and action.writes:
            run_of = [action]
        else:
            run_of = []
            yield [action]
    if run_of:
        yield run_of


def _apply_batch(ctx: SyncContext, step: Step[Any], batch: list[Planned]) -> list[Planned] | None:
    """The actions done, in one transaction; None when any failed (all undone, then)."""
    try:
        with transaction.atomic():
            done = step.apply_many(ctx, batch)
    except (ActionFailed, XpmError, DatabaseError, ValidationError):
        return None
    return [result or action for action, result in zip(batch, done, strict=True)]


def _apply_one(ctx: SyncContext, step: Step[Any], action: Planned) -> None:
    """Apply (or, in a Preview, record as planned) one action, and record its event."""
    recorder = ctx.recorder
    key = recorder.key(step.name, action)
    if not action.writes:
        recorder.record(step.name, action, action.outcome, key=key)
    elif ctx.dry_run:
        recorder.record(step.name, action, EventOutcome.PLANNED, key=key)
    else:
        try:
            done = step.apply(ctx, action) or action
        except (RateLimitDenied, XpmRateLimited) as denied:
            raise _Deferred(denied.retry_after) from denied
        except RUN_STOPPERS:
            raise
        except (ActionFailed, XpmError) as error:
            failure = action.but(message=error.message)
            recorder.record(step.name, failure, EventOutcome.FAILED, key=key)
        else:
            recorder.record(step.name, done, done.outcome, key=key)


def _run_step(ctx: SyncContext, step: Step[Any]) -> StepOutcome:
    """Read, plan, apply (or, in a Preview, record as planned) each action of one step."""
    recorder = ctx.recorder
    try:
        recorder.progress(step.label, total=0)
        state = step.read(ctx)
        planned = step.plan(ctx, state)
    except (RateLimitDenied, XpmRateLimited) as denied:
        raise _Deferred(denied.retry_after) from denied
    except RUN_STOPPERS:
        raise
    except XpmError as error:
        raise _StepFailed(str(error)) from error
    recorder.progress(step.label, total=len(planned))
    try:
        for run_of in _runs(planned, batched=not ctx.dry_run):
            done = _apply_batch(ctx, step, run_of) if len(run_of) > 1 else None
            results: list[Planned | None] = [*done] if done else [None] * len(run_of)
            for action, result in zip(run_of, results, strict=True):
                if result is None:
                    _apply_one(ctx, step, action)
                else:
                    key = recorder.key(step.name, action)
                    recorder.record(step.name, result, result.outcome, key=key)
                recorder.progress(done=1)
    finally:  # the events of the actions done, whatever stopped the step
        recorder.flush()
    if ctx.run.events.filter(step=step.name, outcome=EventOutcome.FAILED).exists():
        return StepOutcome.PARTLY_FAILED
    return StepOutcome.SUCCEEDED


def run_execute(
    run_id: int,
    *,
    client_factory: Callable[[Practice], XpmClient],
    now: datetime | None = None,
) -> tuple[Outcome, float]:
    """Run (or resume) a sync; returns the outcome and, for busy/deferred, seconds to wait."""
    run = SyncRun.objects.select_related("practice").get(pk=run_id)
    if run.status not in (SyncStatus.QUEUED, SyncStatus.DEFERRED):
        return Outcome.FINISHED, 0
    now = now or timezone.now()
    if not _take_lock(run, now):
        return Outcome.BUSY, 5.0
    steps: dict[str, str] = {
        name: outcome for name, outcome in run.steps.items() if outcome != StepOutcome.DEFERRED
    }
    current = ""
    try:
        with client_factory(run.practice) as client:
            ctx = SyncContext(run, run.practice, client, now, run.dry_run, Recorder(run))
            for step in registered_steps():
                if step.name in steps:
                    continue  # finished before the run was deferred
                current = step.name
                with metrics.step_timed(step.name) as timed:
                    steps[step.name] = timed["outcome"] = _run_step(ctx, step)
    except _Deferred as deferred:
        steps[current] = StepOutcome.DEFERRED
        _defer(run, steps, deferred.wait)
        return Outcome.DEFERRED, deferred.wait
    except _StepFailed as error:
        steps[current] = StepOutcome.FAILED
        _finish(run, steps, str(error))
    except (XpmError, XpmAuthError) as error:
        if current:
            steps[current] = StepOutcome.FAILED
        _finish(run, steps, str(error))
    except Exception as error:
        if current:
            steps[current] = StepOutcome.FAILED
        _finish(run, steps, f"Unexpected error: {error!r}")
        raise
    else:
        _finish(run, steps)
    return Outcome.FINISHED, 0
