"""Every rule of SPEC §2 (linking members and XPM staff), against the emulator over HTTP."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from practicelink.team import services as team_services
from practicelink.team.models import Member
from practicelink.xpm import selectors, services
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    EventOutcome,
    LinkMethod,
    StaffLink,
    SyncRun,
    SyncSettings,
    SyncStatus,
    SyncTrigger,
)
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.sync.engine import Outcome, run_execute
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db


def add_member(practice, name: str, email: str, *, hours_ago: float = 0) -> Member:
    member = team_services.member_create(practice=practice, name=name, email=email)
    Member.objects.filter(pk=member.pk).update(added_at=timezone.now() - timedelta(hours=hours_ago))
    member.refresh_from_db()
    return member


def linked_staff_uuid(member: Member) -> str | None:
    link = StaffLink.objects.filter(member=member).select_related("staff").first()
    return link.staff.uuid if link else None


def test_member_created_in_xpm_at_24_hours_not_at_23h59(practice, connected, xpm):
    member = add_member(practice, "Nora New", "nora@alpha.example")
    sync(practice, now=member.added_at + timedelta(hours=23, minutes=59))
    assert "nora@alpha.example" not in xpm.staff_emails()
    assert linked_staff_uuid(member) is None

    run = sync(practice, now=member.added_at + timedelta(hours=24))
    assert xpm.staff_emails().count("nora@alpha.example") == 1
    link = StaffLink.objects.get(member=member)
    assert link.method == LinkMethod.CREATED
    created = run.events.filter(action="create_staff", outcome=EventOutcome.DONE)
    assert created.filter(subject_id=member.pk).count() == 1


def test_creation_window_zero_means_next_sync(practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    add_member(practice, "Quick Quinn", "quinn@alpha.example")
    sync(practice)
    assert xpm.staff_emails() == ["quinn@alpha.example"]


def test_staff_created_once_across_two_syncs(practice, connected, xpm):
    add_member(practice, "Nora New", "nora@alpha.example", hours_ago=30)
    sync(practice)
    second = sync(practice)
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert xpm.writes() == ["staff.api/add"]
    assert not second.events.filter(action="create_staff").exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_create_once(practice, connected, xpm):
    add_member(practice, "Nora New", "nora@alpha.example", hours_ago=30)
    runs = [
        SyncRun.objects.create(practice=practice, trigger=SyncTrigger.PERIODIC) for _ in range(2)
    ]
    outcomes: list[Outcome] = []
    start = threading.Barrier(2)

    def worker(run_id: int) -> None:
        start.wait()
        try:
            outcomes.append(run_execute(run_id, client_factory=client_for)[0])
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker, args=(run.pk,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["busy", "finished"], ["finished", "finished"])
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert xpm.writes() == ["staff.api/add"]


def test_manual_link_with_another_email_inside_window_prevents_creation(
    practice, connected, xpm, admin
):
    uuid = xpm.add_staff("Nora N.", "nora.personal@mail.example")
    member = add_member(practice, "Nora New", "nora@alpha.example")
    sync(practice)
    staff = StaffRow.objects.get(uuid=uuid)
    result = services.link_create(practice=practice, member=member, staff=staff, by=admin)
    assert "differs" in result.warning

    sync(practice, now=member.added_at + timedelta(hours=48))
    assert "nora@alpha.example" not in xpm.staff_emails()

    services.link_delete(practice=practice, member=member, by=admin)
    sync(practice, now=member.added_at + timedelta(hours=72))
    assert "nora@alpha.example" not in xpm.staff_emails()


def test_same_email_in_other_case_suggests_and_never_creates(practice, connected, xpm):
    uuid = xpm.add_staff("Nora New", "  NORA@Alpha.example ")
    member = add_member(practice, "Nora New", "nora@alpha.example", hours_ago=30)
    run = sync(practice)
    assert xpm.writes() == []
    assert linked_staff_uuid(member) is None
    suggestion = run.events.get(action="suggest_link", subject_id=member.pk)
    assert suggestion.outcome == EventOutcome.SUGGESTED
    assert suggestion.subject_xpm_id == uuid


def test_auto_link_on_links_exactly_one_unlinked_staff_with_the_email(practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, auto_link=True)
    uuid = xpm.add_staff("Nora New", "Nora@alpha.example")
    member = add_member(practice, "Nora New", "nora@alpha.example")
    sync(practice)
    assert linked_staff_uuid(member) == uuid
    assert StaffLink.objects.get(member=member).method == LinkMethod.EMAIL


def test_two_staff_with_the_email_are_never_auto_linked(practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, auto_link=True)
    first = xpm.add_staff("Nora New", "nora@alpha.example")
    second = xpm.add_staff("Nora (old)", "nora@alpha.example")
    member = add_member(practice, "Nora New", "nora@alpha.example", hours_ago=30)
    run = sync(practice)
    assert linked_staff_uuid(member) is None
    assert xpm.writes() == []
    suggestions = run.events.filter(action="suggest_link")
    suggested = set(suggestions.values_list("subject_xpm_id", flat=True))
    assert suggested == {first, second}


def test_deleted_member_never_created_keeps_link_and_staff_stays_out_of_dropdown(
    practice, connected, xpm, admin
):
    gone = add_member(practice, "Gone Gary", "gary@alpha.example", hours_ago=30)
    team_services.member_delete(practice=practice, member=gone, by=admin)
    linked = add_member(practice, "Linked Lee", "lee@alpha.example")
    uuid = xpm.add_staff("Lee", "lee@alpha.example")
    sync(practice)
    services.link_create(
        practice=practice, member=linked, staff=StaffRow.objects.get(uuid=uuid), by=admin
    )
    team_services.member_delete(practice=practice, member=linked, by=admin)

    sync(practice, now=timezone.now() + timedelta(days=3))
    assert "gary@alpha.example" not in xpm.staff_emails()
    assert linked_staff_uuid(linked) == uuid
    assert uuid not in set(selectors.staff_unlinked(practice).values_list("uuid", flat=True))

    team_services.member_restore(practice=practice, member=linked, by=admin)
    linked.refresh_from_db()
    assert linked_staff_uuid(linked) == uuid
    assert not linked.is_deleted


def test_crash_after_staff_add_then_retry_gives_one_staff(practice, connected, xpm):
    member = add_member(practice, "Nora New", "nora@alpha.example", hours_ago=30)
    xpm.server.add_fault("staff.api/add", "drop_after")
    lost = sync(practice)
    assert lost.events.get(action="create_staff").outcome == EventOutcome.UNCERTAIN
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert linked_staff_uuid(member) is None

    retry = sync(practice)
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert xpm.writes() == ["staff.api/add"]
    assert StaffLink.objects.get(member=member).method == LinkMethod.CREATED
    assert retry.events.get(action="link").outcome == EventOutcome.DONE


def test_staff_added_in_xpm_appears_in_dropdown_after_sync(practice, connected, xpm):
    sync(practice)
    assert list(selectors.staff_unlinked(practice)) == []
    uuid = xpm.add_staff("Fresh Face", "fresh@alpha.example")
    run = sync(practice)
    assert [s.uuid for s in selectors.staff_unlinked(practice)] == [uuid]
    assert run.events.get(action="staff_new").subject_xpm_id == uuid


def test_xpm_down_fails_the_run_with_the_reason_and_loses_nothing(practice, connected, xpm, admin):
    member = add_member(practice, "Linked Lee", "lee@alpha.example")
    uuid = xpm.add_staff("Lee", "lee@alpha.example")
    sync(practice)
    services.link_create(
        practice=practice, member=member, staff=StaffRow.objects.get(uuid=uuid), by=admin
    )

    xpm.server.add_fault("staff.api/list", "503", count=None)
    run = sync(practice)
    assert run.status == SyncStatus.FAILED
    assert "503" in run.error
    assert linked_staff_uuid(member) == uuid
    assert StaffRow.objects.get(uuid=uuid).gone_at is None
    answer = selectors.why_not_in_dropdown(practice, "someone@alpha.example")
    assert answer.code == "sync_failed"
    assert run.error in answer.message


def test_dry_run_changes_nothing(practice, connected, xpm):
    xpm.add_staff("Existing", "existing@alpha.example")
    member = add_member(practice, "Nora New", "nora@alpha.example", hours_ago=30)
    run = sync(practice, dry_run=True)
    assert run.status == SyncStatus.SUCCEEDED
    assert xpm.writes() == []
    assert StaffRow.objects.count() == 0
    assert linked_staff_uuid(member) is None
    assert run.events.get(subject_id=member.pk).outcome == EventOutcome.PLANNED


def test_staff_removed_from_xpm_is_tombstoned_and_keeps_its_link(practice, connected, xpm, admin):
    member = add_member(practice, "Linked Lee", "lee@alpha.example")
    uuid = xpm.add_staff("Lee", "lee@alpha.example")
    sync(practice)
    services.link_create(
        practice=practice, member=member, staff=StaffRow.objects.get(uuid=uuid), by=admin
    )
    xpm.server.store.tenant(xpm.tenant_id).staff.clear()
    run = sync(practice)
    assert StaffRow.objects.get(uuid=uuid).gone_at is not None
    assert linked_staff_uuid(member) == uuid
    assert "kept linked to Linked Lee" in run.events.get(action="staff_gone").message


@pytest.mark.parametrize(
    ("arrange", "code"),
    [
        ("nothing", "not_in_xpm"),
        ("unlinked", "available"),
        ("linked", "linked"),
        ("linked_deleted", "linked_to_deleted"),
    ],
)
def test_why_not_in_dropdown(practice, connected, xpm, admin, arrange, code):
    if arrange != "nothing":
        uuid = xpm.add_staff("Pat", "pat@alpha.example")
    sync(practice)
    if arrange.startswith("linked"):
        member = add_member(practice, "Pat Member", "pat.member@alpha.example")
        services.link_create(
            practice=practice, member=member, staff=StaffRow.objects.get(uuid=uuid), by=admin
        )
        if arrange == "linked_deleted":
            team_services.member_delete(practice=practice, member=member, by=admin)
    answer = selectors.why_not_in_dropdown(practice, " PAT@alpha.example")
    assert answer.code == code
    if arrange.startswith("linked"):
        assert answer.member.name == "Pat Member"


def test_a_staff_links_to_one_member_and_a_member_to_one_staff(practice, connected, xpm, admin):
    from django.core.exceptions import ValidationError

    first = xpm.add_staff("One", "one@alpha.example")
    second = xpm.add_staff("Two", "two@alpha.example")
    sync(practice)
    a = add_member(practice, "A", "a@alpha.example")
    b = add_member(practice, "B", "b@alpha.example")
    services.link_create(
        practice=practice, member=a, staff=StaffRow.objects.get(uuid=first), by=admin
    )
    with pytest.raises(ValidationError, match="already linked to A"):
        services.link_create(
            practice=practice, member=b, staff=StaffRow.objects.get(uuid=first), by=admin
        )
    with pytest.raises(ValidationError, match="A is already linked"):
        services.link_create(
            practice=practice, member=a, staff=StaffRow.objects.get(uuid=second), by=admin
        )
