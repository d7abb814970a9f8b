""" "Why is this person not in the dropdown?": each case its own right answer (#14 item 13)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practicelink.team import services as team_services
from practicelink.xpm import selectors, services
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.models import SyncSettings
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db


def why(practice, email: str):
    return selectors.why_not_in_dropdown(practice, email)


def test_a_member_linked_by_hand_to_a_staff_with_another_email(
    admin_web, admin_api, practice, connected, xpm
):
    uuid = xpm.add_staff("Robert Work", "bob.work@alpha.example")
    sync(practice)
    bob = team_services.member_create(practice=practice, name="Bob", email="bob@alpha.example")
    services.link_create(practice=practice, member=bob, staff=StaffRow.objects.get(uuid=uuid))
    answer = why(practice, " BOB@alpha.example")
    assert (answer.code, answer.member) == ("linked_other_email", bob)
    assert answer.message == (
        "Bob has this email and is linked to Robert Work in XPM, whose email there is "
        "bob.work@alpha.example: that staff is not in the dropdown because it is linked."
    )
    page = admin_web.get(reverse("team:list"), {"why_not": "bob@alpha.example"})
    assert answer.message in html.unescape(page.content.decode())
    api = admin_api.get("/api/v1/xpm/why-not/", {"email": "bob@alpha.example"}).json()
    assert (api["code"], api["member"]) == ("linked_other_email", bob.pk)


def test_a_member_due_for_creation_is_said_to_be_created_not_to_be_added_in_xpm(
    practice, connected, xpm
):
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    sync(practice)
    nora = team_services.member_create(practice=practice, name="Nora", email="nora@alpha.example")
    answer = why(practice, "nora@alpha.example")
    assert (answer.code, answer.member) == ("will_be_created", nora)
    assert answer.message == (
        "No XPM staff has this email yet: practicelink creates Nora in XPM at the next sync and "
        "links them (no need to add them in XPM)."
    )
    SyncSettings.objects.filter(practice=practice).update(creation_window_hours=24)
    later = timezone.localtime(nora.added_at + timedelta(hours=24))
    assert (
        f"creates Nora in XPM on {later:%Y-%m-%d %H:%M} and links"
        in why(practice, "nora@alpha.example").message
    )


def test_a_failed_sync_does_not_hide_what_is_known(practice, connected, xpm, admin):
    uuid = xpm.add_staff("Lee", "lee@alpha.example")
    sync(practice)
    lee = team_services.member_create(practice=practice, name="Lee M", email="lee.m@alpha.example")
    services.link_create(practice=practice, member=lee, staff=StaffRow.objects.get(uuid=uuid))
    xpm.server.add_fault("staff.api/list", "503", count=None)
    run = sync(practice)
    known = why(practice, "lee@alpha.example")
    assert (known.code, known.member) == ("linked", lee)
    assert known.message == (
        f"Already linked to Lee M. The last sync failed ({run.error}), so XPM may have "
        "changed since."
    )
    unknown = why(practice, "new@alpha.example")
    assert unknown.code == "sync_failed"
    assert unknown.message == f"The last sync failed: {run.error} Fix it, then Sync now."


def test_two_staff_sharing_an_email_are_both_named(practice, connected, xpm, admin):
    xpm.add_staff("Sam One", "sam@alpha.example")
    second = xpm.add_staff("Sam Two", "SAM@alpha.example")
    sync(practice)
    kim = team_services.member_create(practice=practice, name="Kim", email="kim@alpha.example")
    services.link_create(practice=practice, member=kim, staff=StaffRow.objects.get(uuid=second))
    answer = why(practice, "sam@alpha.example")
    assert answer.code == "several"
    assert answer.message == (
        "2 XPM staff have this email. Sam One is in the dropdown: pick them there. "
        "Sam Two is already linked to Kim."
    )
