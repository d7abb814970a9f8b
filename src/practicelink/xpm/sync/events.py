"""Writing a run's events and progress (the sync history and the live progress box)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from django.db.models import F
from django.utils import timezone

from practicelink.rows import db_value, insert_rows
from practicelink.xpm.models import EventOutcome, SyncEvent, SyncRun
from practicelink.xpm.sync.steps import Planned


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, on both sides (a history shows changes only)."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before[k] for k in keys if k in before}, {k: after[k] for k in keys if k in after}


class Recorder:
    """Records a run's events, each once: a resumed run updates the event it already wrote.

    Events are written in batches (`BATCH` at a time, and whenever `flush` is called: the
    engine does after each step), and progress at most every `PROGRESS_EVERY` seconds: one
    INSERT and one UPDATE per action cost more than the action itself in a first sync of
    thousands of staff or clients. They are inserted as plain rows (`practicelink.rows`): a
    first sync writes one per staff or client read.
    """

    BATCH = 500
    PROGRESS_EVERY = 0.25  # seconds: the progress box polls once a second

    def __init__(self, run: SyncRun, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.run = run
        self._clock = clock
        self._pending: dict[str, dict[str, Any]] = {}
        self._written: set[str] = set()
        self._resumed: bool | None = None
        """The run had events before this recorder wrote any (known at the first write)."""
        self._step: str | None = None
        self._total: int | None = None
        self._done = 0
        self._written_at = -math.inf

    def record(self, step: str, planned: Planned, outcome: str, *, key: str | None = None) -> None:
        """Write (or, on resume, overwrite) the event of `planned`; `key`: as planned."""
        subject = planned.subject
        before, after = changed_fields(dict(planned.before), dict(planned.after))
        key = key or self.key(step, planned)
        self._pending[key] = {
            "practice_id": self.run.practice_id,
            "step": step,
            "action": planned.action,
            "subject_kind": str(subject.kind),  # plain text: rows go to a bare cursor
            "subject_id": subject.id,
            "subject_xpm_id": subject.xpm_id,
            "subject_label": subject.label,
            "before": before,
            "after": after,
            "outcome": str(outcome),
            "message": planned.message,
        }
        if len(self._pending) >= self.BATCH:
            self._write_events()

    @staticmethod
    def key(step: str, planned: Planned) -> str:
        """The action on its subject: the same action planned again in a run has the same key."""
        subject = planned.subject
        local = "" if subject.id is None else subject.id
        return f"{step}|{planned.action}|{subject.kind}|{local}|{subject.xpm_id}"[:255]

    def failed(self) -> int:
        self.flush()
        return self.run.events.filter(outcome=EventOutcome.FAILED).count()

    def progress(self, step: str | None = None, *, total: int | None = None, done: int = 0) -> None:
        """Move the run's progress on and refresh its heartbeat (a stale one frees the lock).

        A new step or total is written at once; counting `done` only every PROGRESS_EVERY."""
        self._done += done
        if step is not None:
            self._step = step
        if total is not None:
            self._total, self._done = total, 0
        if step is not None or total is not None:
            self._write_progress(reset=total is not None)
        elif self._clock() - self._written_at >= self.PROGRESS_EVERY:
            self._write_progress()

    def flush(self) -> None:
        """Write every event and the progress counted so far."""
        self._write_events()
        if self._done:
            self._write_progress()

    def _write_progress(self, *, reset: bool = False) -> None:
        changes: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if self._step is not None:
            changes["step"] = self._step
        if reset:
            changes["progress_total"] = self._total
            changes["progress_done"] = 0
        if self._done:
            changes["progress_done"] = F("progress_done") + self._done
        SyncRun.objects.filter(pk=self.run.pk).update(**changes)
        self._step, self._done, self._written_at = None, 0, self._clock()

    def _write_events(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        stored = self._stored(list(pending))
        now = db_value(SyncEvent, "created_at", timezone.now())
        fresh = ((key, event) for key, event in pending.items() if key not in stored)
        insert_rows(
            SyncEvent,
            ("run", "key", "created_at", *UPDATED_FIELDS),
            ((self.run.pk, key, now, *_prepared(event)) for key, event in fresh),
        )
        for key in stored:  # a resumed run: the event of that action is overwritten
            SyncEvent.objects.filter(run=self.run, key=key).update(**pending[key])
        self._written.update(pending)

    def _stored(self, keys: list[str]) -> set[str]:
        """Which of `keys` this run already has an event for: written by this recorder, or by
        an earlier pass of the run (asked of the database only when there was one)."""
        if self._resumed is None:
            self._resumed = self.run.events.exists()
        stored = {key for key in keys if key in self._written}
        if self._resumed:
            earlier = SyncEvent.objects.filter(run=self.run, key__in=keys)
            stored.update(earlier.values_list("key", flat=True))
        return stored


#: what a resumed run overwrites in an event it already wrote (in the order `record` gives them)
UPDATED_FIELDS = (
    "practice_id",
    "step",
    "action",
    "subject_kind",
    "subject_id",
    "subject_xpm_id",
    "subject_label",
    "before",
    "after",
    "outcome",
    "message",
)


def _prepared(event: dict[str, Any]) -> list[Any]:
    """An event's values in the order of UPDATED_FIELDS, as the database takes them."""
    return [
        db_value(SyncEvent, name, value) if name in ("before", "after") else value
        for name, value in event.items()
    ]
