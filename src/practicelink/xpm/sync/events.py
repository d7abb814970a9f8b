"""Writing a run's events and progress (the sync history and the live progress box)."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from practicelink.xpm.models import EventOutcome, SyncEvent, SyncRun
from practicelink.xpm.sync.steps import Planned


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, on both sides (a history shows changes only)."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before[k] for k in keys if k in before}, {k: after[k] for k in keys if k in after}


class Recorder:
    """Records a run's events, each once: a resumed run updates the event it already wrote."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run

    def record(
        self, step: str, planned: Planned, outcome: str, *, key: str | None = None
    ) -> SyncEvent:
        """Write (or, on resume, overwrite) the event of `planned`; `key`: as planned."""
        subject = planned.subject
        before, after = changed_fields(dict(planned.before), dict(planned.after))
        event, _ = SyncEvent.objects.update_or_create(
            run=self.run,
            key=key or self.key(step, planned),
            defaults={
                "practice_id": self.run.practice_id,
                "step": step,
                "action": planned.action,
                "subject_kind": subject.kind,
                "subject_id": subject.id,
                "subject_xpm_id": subject.xpm_id,
                "subject_label": subject.label,
                "before": before,
                "after": after,
                "outcome": outcome,
                "message": planned.message,
            },
        )
        return event

    @staticmethod
    def key(step: str, planned: Planned) -> str:
        """The action on its subject: the same action planned again in a run has the same key."""
        subject = planned.subject
        local = "" if subject.id is None else subject.id
        return f"{step}|{planned.action}|{subject.kind}|{local}|{subject.xpm_id}"[:255]

    def failed(self) -> int:
        return self.run.events.filter(outcome=EventOutcome.FAILED).count()

    def progress(self, step: str | None = None, *, total: int | None = None, done: int = 0) -> None:
        """Move the run's progress on and refresh its heartbeat (a stale one frees the lock)."""
        changes: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if step is not None:
            changes["step"] = step
        if total is not None:
            changes["progress_total"] = total
            changes["progress_done"] = 0
        if done:
            changes["progress_done"] = F("progress_done") + done
        SyncRun.objects.filter(pk=self.run.pk).update(**changes)
