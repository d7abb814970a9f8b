"""REST API of the XPM integration (/api/v1/xpm/...), against the emulator over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from practicelink.team import services as team_services
from practicelink.team.models import Member
from practicelink.xpm import services
from practicelink.xpm.models import LinkChange, StaffLink, SyncRun, SyncStatus, SyncTrigger
from practicelink.xpm.models import Staff as StaffRow
from tests.conftest import api_for
from tests.factories import MemberFactory, PracticeFactory
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/xpm/members/"
UNLINKED = "/api/v1/xpm/staff/unlinked/"
LINKS = "/api/v1/xpm/links/"
WHY_NOT = "/api/v1/xpm/why-not/"
SYNCS = "/api/v1/xpm/syncs/"


def member(practice, name: str, email: str) -> Member:
    return team_services.member_create(practice=practice, name=name, email=email)


def link(practice, person: Member, uuid: str) -> None:
    services.link_create(practice=practice, member=person, staff=StaffRow.objects.get(uuid=uuid))


@pytest.fixture
def stranger():
    """An admin of another practice, with a member and a staff of their own."""
    other = PracticeFactory(name="Beta Ltd")
    admin = MemberFactory(practice=other, role="admin", login="pw-of-beta-admin")
    staff = StaffRow.objects.create(
        practice=other, uuid="beta-staff", name="Beta Staff", seen_at=timezone.now()
    )
    return admin, staff


def test_members_with_their_link_and_plan(admin_api, admin, practice, connected, xpm):
    lee_uuid = xpm.add_staff("Lee Work", "lee@alpha.example")
    sue_uuid = xpm.add_staff("Sue", "SUE@alpha.example")
    sync(practice)
    lee = member(practice, "Lee", "lee.private@mail.example")
    link(practice, lee, lee_uuid)
    team_services.member_delete(practice=practice, member=lee, by=admin)
    sue = member(practice, "Sue", "sue@alpha.example")
    wendy = member(practice, "Wendy", "wendy@alpha.example")

    response = admin_api.get(MEMBERS)
    assert response.status_code == 200
    by_id = {row["id"]: row for row in response.data["results"]}
    assert set(by_id) == {admin.pk, lee.pk, sue.pk, wendy.pk}
    assert by_id[lee.pk]["deleted"] is True
    assert by_id[lee.pk]["plan"] is None
    assert by_id[lee.pk]["link"]["staff"] == {
        "uuid": lee_uuid,
        "name": "Lee Work",
        "email": "lee@alpha.example",
    }
    assert by_id[lee.pk]["link"]["method"] == "manual"
    assert by_id[sue.pk]["link"] is None
    assert by_id[sue.pk]["plan"]["kind"] == "suggest"
    assert by_id[sue.pk]["plan"]["suggested"] == [
        {"uuid": sue_uuid, "name": "Sue", "email": "SUE@alpha.example"}
    ]
    assert by_id[wendy.pk]["plan"]["kind"] == "wait"
    create_at = by_id[wendy.pk]["plan"]["create_at"]
    assert create_at == (wendy.added_at + timedelta(hours=24)).isoformat().replace("+00:00", "Z")

    one = admin_api.get(f"{MEMBERS}{sue.pk}/")
    assert one.status_code == 200
    assert one.data == by_id[sue.pk]


def test_unlinked_staff_is_the_dropdown(admin_api, admin, practice, connected, xpm):
    free = xpm.add_staff("Free Fay", "fay@alpha.example")
    kept = xpm.add_staff("Kept Kim", "kim@alpha.example")
    sync(practice)
    kim = member(practice, "Kim", "kim@alpha.example")
    link(practice, kim, kept)
    team_services.member_delete(practice=practice, member=kim, by=admin)
    response = admin_api.get(UNLINKED)
    assert response.status_code == 200
    assert response.data["results"] == [
        {"uuid": free, "name": "Free Fay", "email": "fay@alpha.example"}
    ]


def test_link_warns_when_emails_differ_and_unlink_keeps_history(
    admin_api, admin, practice, connected, xpm
):
    uuid = xpm.add_staff("Nora N.", "nora.personal@mail.example")
    sync(practice)
    nora = member(practice, "Nora", "nora@alpha.example")

    created = admin_api.post(LINKS, {"member": nora.pk, "staff": uuid}, format="json")
    assert created.status_code == 201
    assert created.data["member"] == nora.pk
    assert created.data["staff"]["uuid"] == uuid
    assert created.data["method"] == "manual"
    assert created.data["linked_by"] == admin.pk
    assert created.data["warning"] == (
        "Note: Nora's email (nora@alpha.example) differs from Nora N.'s in XPM "
        "(nora.personal@mail.example)."
    )
    assert admin_api.get(f"{LINKS}{nora.pk}/").data["staff"]["uuid"] == uuid

    taken = {"member": admin.pk, "staff": uuid}
    again = admin_api.post(LINKS, taken, format="json")
    assert again.status_code == 400
    assert again.data == {"detail": ["Nora N. is already linked to Nora."]}

    assert admin_api.delete(f"{LINKS}{nora.pk}/").status_code == 204
    assert not StaffLink.objects.filter(member=nora).exists()
    assert list(LinkChange.objects.filter(member=nora).values_list("linked", flat=True)) == [
        True,
        False,
    ]
    assert admin_api.delete(f"{LINKS}{nora.pk}/").status_code == 404


def test_link_needs_a_member_and_a_staff(admin_api, connected):
    response = admin_api.post(LINKS, {}, format="json")
    assert response.status_code == 400
    assert set(response.data) == {"member", "staff"}


def test_restore_brings_the_link_back(admin_api, admin, practice, connected, xpm):
    uuid = xpm.add_staff("Lee Work", "lee@alpha.example")
    sync(practice)
    lee = member(practice, "Lee", "lee@alpha.example")
    link(practice, lee, uuid)
    assert admin_api.delete(f"/api/v1/members/{lee.pk}/").status_code == 204
    assert admin_api.get(f"{MEMBERS}{lee.pk}/").data["deleted"] is True
    assert admin_api.post(f"/api/v1/members/{lee.pk}/restore/").status_code == 200
    state = admin_api.get(f"{MEMBERS}{lee.pk}/").data
    assert (state["deleted"], state["link"]["staff"]["uuid"]) == (False, uuid)


def test_why_not(admin_api, admin, practice, connected, xpm):
    uuid = xpm.add_staff("Gina", "gina@alpha.example")
    sync(practice)
    gina = member(practice, "Gina", "gina@alpha.example")
    link(practice, gina, uuid)
    team_services.member_delete(practice=practice, member=gina, by=admin)

    response = admin_api.get(WHY_NOT, {"email": " GINA@alpha.example"})
    assert response.status_code == 200
    assert response.data == {
        "code": "linked_to_deleted",
        "message": "Linked to the deleted member Gina: restore them to use this person.",
        "member": gina.pk,
    }
    missing = admin_api.get(WHY_NOT, {"email": "new@alpha.example"}).data
    assert (missing["code"], missing["member"]) == ("not_in_xpm", None)
    assert admin_api.get(WHY_NOT).status_code == 400


def test_sync_and_dry_run_in_the_background(
    admin_api, admin, practice, connected, xpm, django_capture_on_commit_callbacks
):
    uuid = xpm.add_staff("Fresh Face", "fresh@alpha.example")
    with django_capture_on_commit_callbacks(execute=True):
        preview = admin_api.post(SYNCS, {"dry_run": True}, format="json")
    assert preview.status_code == 202
    assert (preview.data["trigger"], preview.data["dry_run"]) == (SyncTrigger.API, True)
    assert preview.data["started_by"] == admin.pk
    assert not StaffRow.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        started = admin_api.post(SYNCS, {}, format="json")
    assert started.status_code == 202
    assert started.data["dry_run"] is False

    run = admin_api.get(f"{SYNCS}{started.data['id']}/").data
    assert run["status"] == SyncStatus.SUCCEEDED
    assert run["finished_at"] is not None
    staff_events = [e for e in run["events"] if e["action"].startswith("staff")]
    assert [(e["action"], e["subject_xpm_id"]) for e in staff_events] == [("staff_new", uuid)]
    assert [r["id"] for r in admin_api.get(SYNCS).data["results"]] == [
        started.data["id"],
        preview.data["id"],
    ]
    assert "events" not in admin_api.get(SYNCS).data["results"][0]


def test_a_failed_sync_shows_why(admin_api, practice, connected, xpm):
    xpm.server.add_fault("staff.api/list", "503", count=None)
    run = sync(practice)
    data = admin_api.get(f"{SYNCS}{run.pk}/").data
    assert data["status"] == SyncStatus.FAILED
    assert "503" in data["error"]


def test_another_practice_is_not_found(admin_api, practice, connected, xpm, stranger):
    other_admin, other_staff = stranger
    uuid = xpm.add_staff("Ours", "ours@alpha.example")
    sync(practice)
    ours = member(practice, "Ours", "ours@alpha.example")
    theirs_run = SyncRun.objects.create(practice=other_admin.practice, trigger=SyncTrigger.API)
    services.link_create(practice=other_admin.practice, member=other_admin, staff=other_staff)

    assert admin_api.get(f"{MEMBERS}{other_admin.pk}/").status_code == 404
    assert admin_api.get(f"{LINKS}{other_admin.pk}/").status_code == 404
    assert admin_api.delete(f"{LINKS}{other_admin.pk}/").status_code == 404
    assert admin_api.get(f"{SYNCS}{theirs_run.pk}/").status_code == 404
    their_member = {"member": other_admin.pk, "staff": uuid}
    assert admin_api.post(LINKS, their_member, format="json").status_code == 404
    their_staff = {"member": ours.pk, "staff": other_staff.uuid}
    assert admin_api.post(LINKS, their_staff, format="json").status_code == 404
    assert theirs_run.pk not in [r["id"] for r in admin_api.get(SYNCS).data["results"]]
    assert StaffLink.objects.filter(practice=practice).count() == 0

    theirs = api_for(other_admin).get(MEMBERS).data["results"]
    assert [row["id"] for row in theirs] == [other_admin.pk]


def test_standard_members_can_neither_read_nor_change(standard, admin, practice, connected, xpm):
    """The xpm API is Settings > Apps and the team's XPM column: admins only, as in the UI."""
    uuid = xpm.add_staff("Nora", "nora@alpha.example")
    sync(practice)
    api = api_for(standard)
    for path in (MEMBERS, UNLINKED, f"{WHY_NOT}?email=x@alpha.example", SYNCS, LINKS):
        assert api.get(path).status_code == 403, path
    link_body = {"member": standard.pk, "staff": uuid}
    assert api.post(LINKS, link_body, format="json").status_code == 403
    link(practice, admin, uuid)
    assert api.delete(f"{LINKS}{admin.pk}/").status_code == 403
    assert api.post(SYNCS, {}, format="json").status_code == 403
    assert StaffLink.objects.filter(member=admin).exists()
    assert SyncRun.objects.filter(trigger=SyncTrigger.API).count() == 1  # the helper's own run


def test_schema_documents_the_xpm_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in (MEMBERS, f"{LINKS}{{member_id}}/", UNLINKED, WHY_NOT, f"{SYNCS}{{id}}/"):
        assert f"  {path}:\n" in schema
