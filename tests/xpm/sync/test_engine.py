"""The sync engine against the emulator: step order, lock takeover, deferral, partial failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from practicelink.team import services as team_services
from practicelink.team.models import Member
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    EventOutcome,
    StaffLink,
    StepOutcome,
    SyncRun,
    SyncSettings,
    SyncStatus,
    SyncTrigger,
)
from practicelink.xpm.services.runs import sync_request
from practicelink.xpm.sync.engine import Outcome, run_execute
from practicelink.xpm.sync.steps import registered_steps
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def queued(practice, *, dry_run: bool = False) -> SyncRun:
    return SyncRun.objects.create(practice=practice, trigger=SyncTrigger.API, dry_run=dry_run)


def execute(run: SyncRun, **kwargs) -> Outcome:
    outcome, _ = run_execute(run.pk, client_factory=client_for, **kwargs)
    run.refresh_from_db()
    return outcome


def reads(xpm) -> list[str]:
    return [c["endpoint"] for c in xpm.server.calls(xpm.tenant_id) if c["method"] == "GET"]


def test_steps_run_in_registry_order_and_each_outcome_is_kept(practice, connected, xpm):
    xpm.add_staff("Fresh Face", "fresh@alpha.example")
    run = queued(practice)
    assert execute(run) == Outcome.FINISHED
    names = [step.name for step in registered_steps()]
    assert names[0] == "staff" and "catalogue" in names
    assert set(run.steps) == set(names)  # PostgreSQL's jsonb keeps no key order: events do
    assert set(run.steps.values()) == {StepOutcome.SUCCEEDED}
    assert run.status == SyncStatus.SUCCEEDED
    assert reads(xpm)[0] == "staff.api/list"
    steps_in_event_order = list(dict.fromkeys(run.events.values_list("step", flat=True)))
    assert steps_in_event_order == [n for n in names if n in steps_in_event_order]
    assert steps_in_event_order[:1] == ["staff"]


def test_a_stale_run_is_failed_and_its_lock_taken_over(practice, connected, xpm):
    now = timezone.now()
    dead = SyncRun.objects.create(
        practice=practice,
        trigger=SyncTrigger.PERIODIC,
        status=SyncStatus.RUNNING,
        started_at=now - stale_after() * 2,
        heartbeat_at=now - stale_after() - timedelta(seconds=1),
    )
    run = queued(practice)
    assert execute(run, now=now) == Outcome.FINISHED
    dead.refresh_from_db()
    assert dead.status == SyncStatus.FAILED
    assert dead.error == "The worker running this sync stopped."
    assert run.status == SyncStatus.SUCCEEDED


def test_a_live_run_keeps_the_lock(practice, connected, xpm):
    now = timezone.now()
    SyncRun.objects.create(
        practice=practice,
        trigger=SyncTrigger.PERIODIC,
        status=SyncStatus.RUNNING,
        started_at=now,
        heartbeat_at=now - stale_after() + timedelta(seconds=30),
    )
    run = queued(practice)
    assert execute(run, now=now) == Outcome.BUSY
    assert run.status == SyncStatus.QUEUED
    assert xpm.server.calls(xpm.tenant_id) == []


def test_rate_limit_defers_the_run_which_resumes_where_it_stopped(
    practice, connected, xpm, limiter_clock
):
    xpm.add_staff("Fresh Face", "fresh@alpha.example")
    xpm.server.add_fault("category.api/list", "429", retry_after=30)
    run = queued(practice)
    assert execute(run) == Outcome.DEFERRED
    assert run.status == SyncStatus.DEFERRED
    assert run.steps == {"staff": StepOutcome.SUCCEEDED, "catalogue": StepOutcome.DEFERRED}
    assert run.resume_at is not None
    assert timedelta(seconds=25) < run.resume_at - timezone.now() <= timedelta(seconds=30)
    assert not run.events.filter(outcome=EventOutcome.FAILED).exists()

    xpm.server.clear_calls()
    assert execute(run) == Outcome.DEFERRED  # still cooling down: nothing sent
    assert xpm.server.calls(xpm.tenant_id) == []
    limiter_clock.advance(30)
    assert execute(run) == Outcome.FINISHED
    assert run.status == SyncStatus.SUCCEEDED
    assert run.resume_at is None
    assert "staff.api/list" not in reads(xpm)  # the staff step had finished
    assert run.events.filter(action="staff_new").count() == 1


def test_a_resumed_step_writes_its_events_once(practice, connected, xpm, limiter_clock):
    member = MemberFactory(practice=practice, name="Nora New", email="nora@alpha.example")
    xpm.add_staff("Nora N.", "nora@alpha.example")  # a suggestion, recorded every pass
    xpm.server.add_fault("staff.api/list", "429", count=1)
    run = queued(practice)
    assert execute(run) == Outcome.DEFERRED
    limiter_clock.advance(1)
    assert execute(run) == Outcome.FINISHED
    assert run.events.filter(action="suggest_link", subject_id=member.pk).count() == 1
    assert run.status == SyncStatus.SUCCEEDED


def test_a_failed_action_makes_the_run_partly_failed_and_says_why(practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    for name in ("Ann Lee", "Bob Ray"):
        team_services.member_create(
            practice=practice, name=name, email=f"{name.split()[0].lower()}@alpha.example"
        )
    xpm.server.add_fault("staff.api/add", "500", count=1)
    run = queued(practice)
    assert execute(run) == Outcome.FINISHED
    assert run.status == SyncStatus.PARTLY_FAILED
    assert run.steps["staff"] == StepOutcome.PARTLY_FAILED
    assert run.steps["catalogue"] == StepOutcome.SUCCEEDED
    failed = run.events.get(outcome=EventOutcome.FAILED)
    assert (failed.action, failed.subject_label) == ("create_staff", "Ann Lee")
    assert run.error == "1 action failed: Ann Lee: XPM had a server error (HTTP 500)."
    assert StaffLink.objects.filter(member__name="Bob Ray").exists()

    again = queued(practice)
    assert execute(again) == Outcome.FINISHED
    assert again.status == SyncStatus.SUCCEEDED
    assert StaffLink.objects.filter(practice=practice).count() == 2


def test_xpm_refusing_the_connection_fails_the_run(practice, connected, xpm):
    xpm.server.add_fault("staff.api/list", "503", count=None)
    run = queued(practice)
    assert execute(run) == Outcome.FINISHED
    assert run.status == SyncStatus.FAILED
    assert run.steps == {"staff": StepOutcome.FAILED}
    assert "503" in run.error


def test_sync_now_twice_returns_the_run_already_queued(practice, connected, admin):
    first = sync_request(practice=practice, by=admin)
    second = sync_request(practice=practice, by=admin)
    assert second.pk == first.pk
    preview = sync_request(practice=practice, dry_run=True, by=admin)
    assert preview.pk != first.pk
    SyncRun.objects.filter(pk=first.pk).update(status=SyncStatus.RUNNING)
    assert sync_request(practice=practice).pk == first.pk
    SyncRun.objects.filter(pk=first.pk).update(status=SyncStatus.DEFERRED)
    assert sync_request(practice=practice).pk == first.pk
    SyncRun.objects.filter(pk=first.pk).update(status=SyncStatus.PARTLY_FAILED)
    assert sync_request(practice=practice).pk != first.pk
    assert Member.objects.filter(practice=practice).count() == 1


def stale_after() -> timedelta:
    return timedelta(seconds=django_settings.XPM_RUN_LEASE_SECONDS)
