"""Writing a run's events and progress (the sync log and the live progress bar)."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from practicelink.team.models import Member
from practicelink.xpm.models import SyncEvent, SyncRun


def event(
    run: SyncRun,
    action: str,
    outcome: str,
    *,
    member: Member | None = None,
    staff_uuid: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> SyncEvent:
    return SyncEvent.objects.create(
        run=run,
        practice=run.practice,
        action=action,
        outcome=outcome,
        member=member,
        staff_uuid=staff_uuid,
        before=before or {},
        after=after or {},
        message=message,
    )


def progress(
    run: SyncRun, step: str | None = None, *, total: int | None = None, done: int = 0
) -> None:
    """Move the run's progress on and refresh its heartbeat (a stale heartbeat frees the lock)."""
    changes: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if step is not None:
        changes["step"] = step
    if total is not None:
        changes["progress_total"] = total
        changes["progress_done"] = 0
    if done:
        changes["progress_done"] = F("progress_done") + done
    SyncRun.objects.filter(pk=run.pk).update(**changes)
