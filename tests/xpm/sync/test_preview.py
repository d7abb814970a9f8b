"""A Preview lists exactly the actions of the sync that follows it; 80 creates in one Sync now."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from practicelink.team import services as team_services
from practicelink.xpm import services
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    EventOutcome,
    StaffLink,
    SyncRun,
    SyncSettings,
    SyncStatus,
    SyncTrigger,
)
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.sync.engine import Outcome, run_execute
from tests.xpm.conftest import XpmTenant, sync

pytestmark = pytest.mark.django_db


def add(practice, name: str, email: str):
    return team_services.member_create(practice=practice, name=name, email=email)


def new_member_to_create(practice, xpm: XpmTenant) -> None:
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    add(practice, "Nora New", "nora@alpha.example")


def auto_link_and_suggestion(practice, xpm: XpmTenant) -> None:
    SyncSettings.objects.create(practice=practice, auto_link=True)
    xpm.add_staff("Ann Lee", "ann@alpha.example")
    add(practice, "Ann Lee", "ann@alpha.example")
    xpm.add_staff("Bo One", "bo@alpha.example")
    xpm.add_staff("Bo Two", "BO@alpha.example")
    add(practice, "Bo Ray", "bo@alpha.example")


def staff_renamed_gone_and_new(practice, xpm: XpmTenant) -> None:
    keep = xpm.add_staff("Kim Old", "kim@alpha.example")
    leave = xpm.add_staff("Lou Leaving", "lou@alpha.example")
    sync(practice)
    staff = {s.uuid: s for s in xpm.server.store.tenant(xpm.tenant_id).staff}
    staff[keep].name = "Kim New"
    staff[leave].deleted = True
    xpm.add_staff("Max Fresh", "max@alpha.example")


def linked_elsewhere(practice, xpm: XpmTenant) -> None:
    uuid = xpm.add_staff("Pat Shared", "pat.shared@alpha.example")
    first = add(practice, "Pat First", "pat@alpha.example")
    sync(practice)
    staff = StaffRow.objects.get(practice=practice, uuid=uuid)
    services.link_create(practice=practice, member=first, staff=staff)
    add(practice, "Pat Second", "PAT.shared@alpha.example")


SITUATIONS: list[Callable[..., None]] = [
    new_member_to_create,
    auto_link_and_suggestion,
    staff_renamed_gone_and_new,
    linked_elsewhere,
]


def actions(run: SyncRun) -> list[tuple[str, str, str, str]]:
    return sorted(run.events.values_list("step", "action", "subject_kind", "subject_label"))


@pytest.mark.parametrize("arrange", SITUATIONS, ids=lambda f: f.__name__)
def test_a_preview_lists_exactly_what_the_next_sync_does(practice, connected, xpm, arrange):
    arrange(practice, xpm)
    writes_before = xpm.writes()
    preview = sync(practice, dry_run=True)
    assert xpm.writes() == writes_before  # a Preview writes nothing in XPM
    real = sync(practice)
    assert actions(preview) == actions(real)
    assert actions(real)  # every situation has something to do
    planned = preview.events.exclude(outcome__in=[EventOutcome.SUGGESTED, EventOutcome.SKIPPED])
    assert set(planned.values_list("outcome", flat=True)) <= {EventOutcome.PLANNED}
    assert sync(practice, dry_run=True).events.filter(outcome=EventOutcome.PLANNED).count() == 0


def test_eighty_staff_at_sixty_calls_a_minute_finish_in_one_sync_now(
    practice, connected, xpm, limiter_clock
):
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    for n in range(80):
        add(practice, f"Member {n:02}", f"member{n:02}@alpha.example")
    run = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.MANUAL)
    passes = []
    for _ in range(5):
        outcome, wait = run_execute(run.pk, client_factory=client_for)
        passes.append(outcome)
        if outcome != Outcome.DEFERRED:
            break
        run.refresh_from_db()
        assert run.status == SyncStatus.DEFERRED and run.resume_at is not None
        limiter_clock.advance(wait)  # the worker is free meanwhile; time passes
        xpm.server.advance(wait)
    run.refresh_from_db()
    assert passes[0] == Outcome.DEFERRED and passes[-1] == Outcome.FINISHED
    assert run.status == SyncStatus.SUCCEEDED
    assert StaffLink.objects.filter(practice=practice).count() == 80
    assert not run.events.filter(outcome=EventOutcome.FAILED).exists()
    assert run.events.filter(action="create_staff", outcome=EventOutcome.DONE).count() == 80
    assert len(xpm.staff_emails()) == 80
    statuses = [c["status"] for c in xpm.server.calls(xpm.tenant_id)]
    assert 429 not in statuses
