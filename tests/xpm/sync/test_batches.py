"""Writes in bulk: the engine's batches of local writes, and the recorder's batched events and
throttled progress (a first sync of thousands of staff or clients stays a few statements per
hundred actions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from practicelink.xpm.models import EventOutcome, SubjectKind, SyncRun, SyncTrigger
from practicelink.xpm.sync.engine import _run_step
from practicelink.xpm.sync.events import Recorder
from practicelink.xpm.sync.steps import ActionFailed, Planned, Step, Subject, SyncContext

pytestmark = pytest.mark.django_db


class Marking(Step[None]):
    """Plans five local writes; the one on "M3" cannot be done."""

    name = "marking"
    label = "Marking"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.alone: list[str] = []

    def read(self, ctx: SyncContext) -> None:
        return None

    def plan(self, ctx: SyncContext, state: None) -> list[Planned]:
        return [
            Planned("mark", Subject(SubjectKind.MEMBER, f"M{n}", id=n), f"Mark M{n}.", batch=True)
            for n in range(1, 6)
        ]

    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None:
        self.alone.append(planned.subject.label)
        if planned.subject.label == "M3":
            raise ActionFailed("M3 cannot be marked.")
        return planned.but(message=f"Marked {planned.subject.label} alone.")

    def apply_many(self, ctx: SyncContext, batch: list[Planned]) -> list[Planned | None]:
        self.batches.append([p.subject.label for p in batch])
        if any(p.subject.label == "M3" for p in batch):
            raise ActionFailed("not all of them")
        return [None] * len(batch)


class Fine(Marking):
    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None:
        raise AssertionError("a batch that succeeds is not applied again action by action")

    def apply_many(self, ctx: SyncContext, batch: list[Planned]) -> list[Planned | None]:
        self.batches.append([p.subject.label for p in batch])
        return [p.but(message=f"Marked {p.subject.label} in bulk.") for p in batch]


def context(practice: Any, *, dry_run: bool = False) -> SyncContext:
    run = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.API, dry_run=dry_run)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    return SyncContext(run, practice, None, now, dry_run, Recorder(run))  # type: ignore[arg-type]


def events(ctx: SyncContext) -> list[tuple[str, str, str]]:
    return [(e.subject_label, e.outcome, e.message) for e in ctx.run.events.order_by("id")]


def test_a_batch_is_applied_at_once_with_one_event_per_action(practice):
    ctx, step = context(practice), Fine()
    _run_step(ctx, step)
    assert step.batches == [["M1", "M2", "M3", "M4", "M5"]]
    assert events(ctx) == [(f"M{n}", "done", f"Marked M{n} in bulk.") for n in range(1, 6)]
    ctx.run.refresh_from_db()
    assert (ctx.run.progress_done, ctx.run.progress_total) == (5, 5)


def test_when_a_batch_fails_each_action_is_applied_alone_and_only_the_bad_one_fails(practice):
    ctx, step = context(practice), Marking()
    _run_step(ctx, step)
    assert step.batches == [["M1", "M2", "M3", "M4", "M5"]]
    assert step.alone == ["M1", "M2", "M3", "M4", "M5"]
    assert events(ctx) == [
        ("M1", "done", "Marked M1 alone."),
        ("M2", "done", "Marked M2 alone."),
        ("M3", EventOutcome.FAILED, "M3 cannot be marked."),
        ("M4", "done", "Marked M4 alone."),
        ("M5", "done", "Marked M5 alone."),
    ]


def test_a_preview_never_applies_a_batch(practice):
    ctx, step = context(practice, dry_run=True), Fine()
    _run_step(ctx, step)
    assert step.batches == []
    assert {outcome for _, outcome, _ in events(ctx)} == {EventOutcome.PLANNED}


def test_events_are_written_in_bulk_and_progress_a_few_times_a_second(
    practice, django_assert_num_queries, django_assert_max_num_queries
):
    run = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.API)
    clock = [0.0]
    recorder = Recorder(run, clock=lambda: clock[0])
    recorder.progress("Marking", total=300)
    planned = [Planned("mark", Subject(SubjectKind.MEMBER, f"M{n}", id=n), "") for n in range(300)]
    with django_assert_num_queries(0):
        for action in planned[:200]:
            recorder.record("marking", action, EventOutcome.DONE)
            recorder.progress(done=1)
    clock[0] = 1.0  # a second later: the progress is written, the events still wait
    with django_assert_num_queries(1):
        recorder.progress(done=1)
    run.refresh_from_db()
    assert run.progress_done == 201
    # which of them exist already (a resumed run), then INSERTs of as many rows as the
    # database takes at once (SQLite: 999 parameters): not one statement per event
    with django_assert_max_num_queries(4):
        recorder.flush()
    assert run.events.count() == 200
    run.refresh_from_db()
    assert run.progress_done == 201


def test_a_resumed_run_overwrites_the_event_it_already_wrote(practice):
    run = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.API)
    action = Planned("mark", Subject(SubjectKind.MEMBER, "M1", id=1), "Mark M1.")
    first = Recorder(run)
    first.record("marking", action, EventOutcome.FAILED)
    first.flush()
    again = Recorder(run)
    again.record("marking", action.but(message="Marked M1."), EventOutcome.DONE)
    again.flush()
    assert [(e.outcome, e.message) for e in run.events.all()] == [("done", "Marked M1.")]
