"""Link health: every gap appears when it exists and goes when fixed, counted with a fixed
number of queries, and another practice's records never count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practicelink.proposals.models import DeploymentStatus, Status
from practicelink.xpm import services
from practicelink.xpm.health import (
    GapKind,
    MemberState,
    gap_records,
    history,
    link_health,
    snapshot_take,
)
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientLinkMethod,
    ClientMatch,
    HealthSnapshot,
    MatchSide,
    ReviewStatus,
    Staff,
    SyncRun,
    SyncSettings,
    SyncTrigger,
)
from practicelink.xpm.tasks import sync_run_task
from tests.factories import ClientFactory, MemberFactory, PracticeFactory, make_proposal

pytestmark = pytest.mark.django_db


def staff(practice, name: str, email: str = "") -> Staff:
    return Staff.objects.create(
        practice=practice,
        uuid=f"uuid-{practice.pk}-{name}",
        name=name,
        email=email,
        email_normalised=email.lower(),
        seen_at=timezone.now(),
    )


def linked_member(practice, name: str):
    member = MemberFactory(practice=practice, name=name)
    services.link_create(
        practice=practice, member=member, staff=staff(practice, name, member.email)
    )
    return member


def xpm_link(client, uuid: str = "") -> ClientLink:
    now = timezone.now()
    return ClientLink.objects.create(
        practice=client.practice,
        client=client,
        uuid=uuid or f"c-{client.pk}",
        method=ClientLinkMethod.MATCHED,
        linked_at=now,
        synced_at=now,
        synced_name=client.name,
    )


def open_conflict(client) -> ClientConflict:
    return ClientConflict.objects.create(
        practice=client.practice,
        client=client,
        field="name",
        applied="theirs",
        policy="xpm_wins",
        created_at=timezone.now(),
    )


def accepted(client, deployment: str, *, job_staff=None):
    """An accepted proposal of `client` whose deployment ended `deployment`."""
    proposal = make_proposal(client)
    proposal.status, proposal.deployment_status = Status.ACCEPTED, deployment
    proposal.save()
    if job_staff is not None:
        proposal.jobs.get().staff.add(job_staff)
    return proposal


def counts(practice) -> dict[str, int]:
    return link_health(practice).counts()


def test_members_unlinked_say_waiting_suggested_or_blocked(practice, admin):
    SyncSettings.objects.create(practice=practice, creation_window_hours=24)
    services.link_create(practice=practice, member=admin, staff=staff(practice, "Ada", admin.email))
    waiting = MemberFactory(practice=practice, name="Wendy Wait")
    suggested = MemberFactory(practice=practice, name="Sue Suggest")
    staff(practice, "Sue in XPM", suggested.email)
    blocked = MemberFactory(practice=practice, name="Bob Block")
    other = linked_member(practice, "Olga Other")
    taken = Staff.objects.get(link__member=other)
    Staff.objects.filter(pk=taken.pk).update(email_normalised=blocked.email_normalised)
    MemberFactory(practice=practice, name="Dee Deleted", deleted_at=timezone.now())

    health = link_health(practice)
    gap = health.gap(GapKind.MEMBERS_UNLINKED)
    assert gap.count == 3
    assert gap.detail == {"waiting": 1, "suggested": 1, "blocked": 1}
    records = {m.name: m for m in gap_records(practice, gap.kind, health=health)}
    assert records["Wendy Wait"].state == MemberState.WAITING
    assert "creation window" in records["Wendy Wait"].why
    assert records["Sue Suggest"].state == MemberState.SUGGESTED
    assert [s.name for s in records["Sue Suggest"].suggested] == ["Sue in XPM"]
    assert records["Bob Block"].state == MemberState.BLOCKED
    assert "already linked to another member" in records["Bob Block"].why
    assert health.completeness.members == 5 and health.completeness.members_linked == 2

    services.suggestion_accept(
        practice=practice, member=suggested, staff=Staff.objects.get(name="Sue in XPM")
    )
    assert counts(practice)[GapKind.MEMBERS_UNLINKED] == 2
    assert waiting.pk in {m.id for m in link_health(practice).team.unlinked_members}


def test_staff_linked_to_no_member_are_offered(practice, admin):
    lone = staff(practice, "Lone Staff", "lone@example.com")
    gone = staff(practice, "Gone Staff", "gone@example.com")
    Staff.objects.filter(pk=gone.pk).update(gone_at=timezone.now())
    health = link_health(practice)
    assert health.gap(GapKind.STAFF_UNLINKED).count == 1
    assert [s.uuid for s in gap_records(practice, GapKind.STAFF_UNLINKED, health=health)] == [
        lone.uuid
    ]
    services.link_create(practice=practice, member=admin, staff=lone)
    assert counts(practice)[GapKind.STAFF_UNLINKED] == 0


def test_client_gaps_appear_and_go(practice, admin):
    pat, mia = linked_member(practice, "Pat Partner"), linked_member(practice, "Mia Manager")
    loose = MemberFactory(practice=practice, name="Lou Loose")
    complete = ClientFactory(practice=practice, name="Complete", partner=pat, manager=mia)
    xpm_link(complete)
    no_manager = ClientFactory(practice=practice, name="No manager", partner=pat)
    unlinked_role = ClientFactory(practice=practice, name="Loose", partner=loose, manager=mia)
    xpm_link(unlinked_role)
    ClientFactory(practice=practice, name="Archived", archived=True)

    health = link_health(practice)
    found = health.counts()
    assert found[GapKind.CLIENTS_UNASSIGNED] == 1
    assert found[GapKind.CLIENTS_ROLE_UNLINKED] == 1
    assert found[GapKind.CLIENTS_NOT_IN_XPM] == 1
    assert health.completeness.clients == 3 and health.completeness.clients_complete == 1
    rows = gap_records(practice, GapKind.CLIENTS_ROLE_UNLINKED, health=health)
    assert [c.name for c in rows] == ["Loose"]
    assert [c.name for c in gap_records(practice, GapKind.CLIENTS_UNASSIGNED, health=health)] == [
        "No manager"
    ]

    no_manager.manager = mia
    no_manager.save()
    xpm_link(no_manager)
    services.link_create(practice=practice, member=loose, staff=staff(practice, "Lou"))
    health = link_health(practice)
    assert health.counts()[GapKind.CLIENTS_UNASSIGNED] == 0
    assert health.counts()[GapKind.CLIENTS_ROLE_UNLINKED] == 0
    assert health.counts()[GapKind.CLIENTS_NOT_IN_XPM] == 0
    assert health.completeness.clients_share == 1.0


def test_reviews_conflicts_deployments_and_job_staff(practice, admin):
    client = ClientFactory(practice=practice, name="Acme")
    now = timezone.now()
    review = ClientMatch.objects.create(
        practice=practice,
        side=MatchSide.LOCAL,
        client=client,
        name="Acme",
        reason="near",
        created_at=now,
    )
    ClientMatch.objects.create(
        practice=practice,
        side=MatchSide.XPM,
        uuid="x1",
        name="Done",
        reason="r",
        status=ReviewStatus.IGNORED,
        created_at=now,
    )
    conflict = open_conflict(client)
    sam = MemberFactory(practice=practice, name="Sam Senior")
    proposal = accepted(client, DeploymentStatus.PARTLY, job_staff=sam)
    declined = make_proposal(client)
    declined.status = Status.DECLINED
    declined.save()
    declined.jobs.get().staff.add(MemberFactory(practice=practice, name="Old Staff"))

    health = link_health(practice)
    found = health.counts()
    assert found[GapKind.CLIENT_REVIEWS] == 1
    assert found[GapKind.CLIENT_CONFLICTS] == 1
    assert found[GapKind.DEPLOYMENTS] == 1
    assert found[GapKind.JOB_STAFF_UNLINKED] == 1
    [member] = gap_records(practice, GapKind.JOB_STAFF_UNLINKED, health=health)
    assert member.name == "Sam Senior" and member.jobs == 1

    review.status = ReviewStatus.IGNORED
    review.save()
    conflict.status = "kept_ours"
    conflict.save()
    proposal.deployment_status = DeploymentStatus.DEPLOYED
    proposal.save()
    services.link_create(practice=practice, member=sam, staff=staff(practice, "Sam"))
    found = counts(practice)
    for kind in (
        GapKind.CLIENT_REVIEWS,
        GapKind.CLIENT_CONFLICTS,
        GapKind.DEPLOYMENTS,
        GapKind.JOB_STAFF_UNLINKED,
    ):
        assert found[kind] == 0, kind


def test_another_practices_records_never_count(practice, admin):
    other = PracticeFactory(name="Other")
    MemberFactory(practice=other)
    staff(other, "Their staff", "their@example.com")
    ClientFactory(practice=other)
    services.link_create(practice=practice, member=admin, staff=staff(practice, "Ada"))
    assert link_health(practice).total == 0
    assert link_health(other).total > 0


def _population(practice, n: int) -> None:
    """n of every kind of record (and gap)."""
    now = timezone.now()
    partner = linked_member(practice, f"Partner {n}")
    for i in range(n):
        member = MemberFactory(practice=practice, name=f"M{n}-{i}")
        staff(practice, f"S{n}-{i}", f"s{n}-{i}@example.com")
        client = ClientFactory(practice=practice, name=f"C{n}-{i}", partner=partner, manager=member)
        if i % 2:
            xpm_link(client)
        ClientMatch.objects.create(
            practice=practice,
            side=MatchSide.XPM,
            uuid=f"x{n}-{i}",
            name="X",
            reason="r",
            created_at=now,
        )
        open_conflict(client)
        accepted(client, DeploymentStatus.FAILED, job_staff=member)


def _queries(practice) -> int:
    with CaptureQueriesContext(connection) as captured:
        health = link_health(practice)
        for kind in GapKind:
            gap_records(practice, kind, health=health)
    return len(captured)


def test_query_count_does_not_grow_with_records(practice, admin):
    _population(practice, 2)
    link_health(practice)  # makes the practice's sync settings once
    few = _queries(practice)
    _population(practice, 12)
    assert _queries(practice) == few
    assert link_health(practice).gap(GapKind.CLIENT_CONFLICTS).count == 14


def test_snapshot_one_point_per_day(practice, admin):
    now = timezone.now()
    snapshot_take(practice, now - timedelta(days=1))
    first = snapshot_take(practice, now)
    MemberFactory(practice=practice)
    again = snapshot_take(practice, now)
    assert again.pk == first.pk and again.members == first.members + 1
    assert HealthSnapshot.objects.filter(practice=practice).count() == 2
    assert [p.day for p in history(practice)] == sorted(p.day for p in history(practice))
    assert again.gaps[GapKind.MEMBERS_UNLINKED] == 2


def test_a_finished_sync_writes_the_days_point(practice, admin, connected):
    preview = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.API, dry_run=True)
    sync_run_task.call_local(preview.pk)
    assert not HealthSnapshot.objects.filter(practice=practice).exists()
    run = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.API)
    sync_run_task.call_local(run.pk)
    [point] = HealthSnapshot.objects.filter(practice=practice)
    assert point.day == timezone.localdate() and point.members == 1
