"""An unlink by hand sticks until someone links by hand again; auto-linking different names
with one email notes the difference in the run (#14 item 12)."""

from __future__ import annotations

import pytest

from practicelink.team import services as team_services
from practicelink.xpm.models import LinkMethod, StaffLink, SyncSettings
from practicelink.xpm.sync.staff.plan import UNLINKED_BY_HAND
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db

LINKS = "/api/v1/xpm/links/"


def link_of(member) -> StaffLink | None:
    return StaffLink.objects.filter(member=member).first()


def test_an_unlink_by_hand_is_not_undone_by_auto_link_until_linked_by_hand(
    admin_api, practice, connected, xpm
):
    SyncSettings.objects.create(practice=practice, auto_link=True, creation_window_hours=0)
    uuid = xpm.add_staff("Nora", "nora@alpha.example")
    nora = team_services.member_create(practice=practice, name="Nora", email="nora@alpha.example")
    sync(practice)
    assert link_of(nora).method == LinkMethod.EMAIL

    assert admin_api.delete(f"{LINKS}{nora.pk}/").status_code == 204
    run = sync(practice)
    assert link_of(nora) is None
    suggested = run.events.get(subject_kind="member", subject_id=nora.pk)
    assert suggested.action == "suggest_link" and UNLINKED_BY_HAND in suggested.message
    assert xpm.staff_emails().count("nora@alpha.example") == 1  # nor created a second time

    accepted = admin_api.post(
        f"{LINKS}accept-suggestion/", {"member": nora.pk, "staff": uuid}, format="json"
    )
    assert accepted.status_code == 201
    admin_api.delete(f"{LINKS}{nora.pk}/")
    linked = admin_api.post(LINKS, {"member": nora.pk, "staff": uuid}, format="json")
    assert linked.status_code == 201
    sync(practice)
    assert link_of(nora).method == LinkMethod.MANUAL


def test_unlinked_by_hand_without_a_staff_of_that_email_is_not_created(
    admin_api, practice, connected, xpm
):
    uuid = xpm.add_staff("Someone", "someone@alpha.example")
    bob = team_services.member_create(practice=practice, name="Bob", email="bob@alpha.example")
    sync(practice)
    assert (
        admin_api.post(LINKS, {"member": bob.pk, "staff": uuid}, format="json").status_code == 201
    )
    admin_api.delete(f"{LINKS}{bob.pk}/")
    SyncSettings.objects.update_or_create(practice=practice, defaults={"creation_window_hours": 0})
    run = sync(practice)
    event = run.events.get(subject_kind="member", subject_id=bob.pk)
    assert event.action == "no_link" and UNLINKED_BY_HAND in event.message
    assert "bob@alpha.example" not in xpm.staff_emails()


def test_auto_linking_different_names_notes_the_difference(practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, auto_link=True)
    xpm.add_staff("Bob Smith", "robert@alpha.example")
    robert = team_services.member_create(
        practice=practice, name="Robert Smith", email="robert@alpha.example"
    )
    same = team_services.member_create(practice=practice, name="Ann Lee", email="ann@alpha.example")
    xpm.add_staff("ann  LEE", "ann@alpha.example")
    run = sync(practice)
    assert link_of(robert) is not None
    message = run.events.get(action="link", subject_id=robert.pk).message
    assert message == (
        "Linked Robert Smith ↔ Bob Smith (same email). "
        "The names differ: Robert Smith here, Bob Smith in XPM."
    )
    assert "names differ" not in run.events.get(action="link", subject_id=same.pk).message
