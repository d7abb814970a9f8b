"""Settings > Team with XPM: the XPM user dropdown, link badges, suggestions, "why not?"."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.team import services as team_services
from practicelink.team.models import Access, Member
from practicelink.xpm import services
from practicelink.xpm.models import LinkChange, LinkMethod, StaffLink, SyncSettings
from practicelink.xpm.models import Staff as StaffRow
from tests.factories import MemberFactory, PracticeFactory
from tests.xpm.conftest import sync
from xpm_emulator.models import Client as EmulatedClient

pytestmark = pytest.mark.django_db

TEAM = reverse("team:list")
ADD = reverse("team:add")
WHY_NOT = reverse("xpm_team:why-not")


def staff(uuid: str) -> StaffRow:
    return StaffRow.objects.get(uuid=uuid)


def member(practice, name: str, email: str, **kwargs) -> Member:
    return team_services.member_create(practice=practice, name=name, email=email, **kwargs)


def cell(page: str, email: str) -> str:
    """The text of a member's XPM cell in the team list (tags and extra spaces removed)."""
    row = re.search(rf'<tr[^>]*data-member="{re.escape(email)}">(.*?)</tr>', page, re.S)
    assert row is not None, f"no row for {email}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return words(cells[4])


def words(markup: str) -> str:
    """The visible text of some HTML, on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def dropdown_uuids(response) -> list[str]:
    return [s.uuid for s in response.context["form"].fields["xpm_staff"].queryset]


def test_no_xpm_no_dropdown_and_no_column(admin_web):
    assert "xpm_staff" not in admin_web.get(ADD).context["form"].fields
    page = admin_web.get(TEAM).content.decode()
    assert "<th>XPM</th>" not in page
    assert "Why is this person not in the dropdown?" not in page


def test_dropdown_lists_exactly_the_unlinked_staff(admin_web, admin, practice, connected, xpm):
    free = xpm.add_staff("Free Fay", "fay@alpha.example")
    taken = xpm.add_staff("Taken Tom", "tom@alpha.example")
    kept = xpm.add_staff("Kept Kim", "kim@alpha.example")
    gone = xpm.add_staff("Gone Gus", "gus@alpha.example")
    sync(practice)
    tom = member(practice, "Tom", "tom@alpha.example")
    services.link_create(practice=practice, member=tom, staff=staff(taken))
    kim = member(practice, "Kim", "kim@alpha.example")
    services.link_create(practice=practice, member=kim, staff=staff(kept))
    team_services.member_delete(practice=practice, member=kim, by=admin)
    xpm.server.store.tenant(xpm.tenant_id).staff[:] = [
        s for s in xpm.server.store.tenant(xpm.tenant_id).staff if s.uuid != gone
    ]
    sync(practice)

    response = admin_web.get(ADD)
    assert dropdown_uuids(response) == [free]
    page = response.content.decode()
    assert 'data-name="Free Fay" data-email="fay@alpha.example"' in page
    assert "Kim" not in page and "Gus" not in page


def test_add_from_dropdown_without_invitation_creates_and_links(
    admin_web, admin, practice, connected, xpm
):
    uuid = xpm.add_staff("Nora New", "nora@alpha.example")
    sync(practice)
    response = admin_web.post(
        ADD,
        {
            "xpm_staff": staff(uuid).pk,
            "name": "Nora New",
            "email": "nora@alpha.example",
            "role": "standard",
        },
    )
    assert response.status_code == 302
    nora = Member.objects.get(practice=practice, email="nora@alpha.example")
    assert nora.access == Access.NONE
    link = StaffLink.objects.get(member=nora)
    assert (link.staff.uuid, link.method, link.linked_by) == (uuid, LinkMethod.MANUAL, admin)
    assert mail.outbox == []
    assert cell(admin_web.get(TEAM).content.decode(), nora.email) == "Linked to Nora New"


def test_picking_the_staff_alone_fills_name_and_email(admin_web, practice, connected, xpm):
    uuid = xpm.add_staff("Nora New", "Nora@Alpha.example")
    sync(practice)
    response = admin_web.post(
        ADD, {"xpm_staff": staff(uuid).pk, "name": "", "email": "", "role": "standard"}
    )
    assert response.status_code == 302
    nora = Member.objects.get(practice=practice, name="Nora New")
    assert (nora.name, nora.email) == ("Nora New", "Nora@Alpha.example")
    assert nora.xpm_link.staff.uuid == uuid


def test_failed_link_undoes_the_new_member(admin_web, practice, connected, xpm, monkeypatch):
    uuid = xpm.add_staff("Nora New", "nora@alpha.example")
    sync(practice)

    def refuse(**kwargs):
        raise ValidationError("Nora New was linked by someone else just now: reload the page.")

    monkeypatch.setattr(services.links, "link_create", refuse)
    response = admin_web.post(
        ADD,
        {
            "xpm_staff": staff(uuid).pk,
            "name": "Nora",
            "email": "nora@alpha.example",
            "role": "standard",
            "send_invitation": "on",
        },
    )
    assert response.status_code == 200
    assert "linked by someone else just now" in response.content.decode()
    assert not Member.objects.filter(practice=practice, name="Nora").exists()
    assert mail.outbox == []


def test_edit_links_changes_and_unlinks_with_a_warning_when_emails_differ(
    admin_web, admin, practice, connected, xpm
):
    first = xpm.add_staff("Lee Private", "lee.private@mail.example")
    second = xpm.add_staff("Lee Work", "lee@alpha.example")
    sync(practice)
    lee = member(practice, "Lee", "lee@alpha.example")
    edit = reverse("team:edit", args=[lee.pk])
    data = {"name": "Lee", "email": "lee@alpha.example", "role": "standard"}

    response = admin_web.post(edit, {**data, "xpm_staff": staff(first).pk}, follow=True)
    assert StaffLink.objects.get(member=lee).staff.uuid == first
    assert "Note: Lee's email (lee@alpha.example) differs from Lee Private's in XPM" in words(
        response.content.decode()
    )

    page = admin_web.get(edit)
    assert page.context["form"]["xpm_staff"].value() == staff(first).pk
    assert set(dropdown_uuids(page)) == {first, second}

    admin_web.post(edit, {**data, "xpm_staff": staff(second).pk})
    link = StaffLink.objects.get(member=lee)
    assert (link.staff.uuid, link.method) == (second, LinkMethod.MANUAL)

    admin_web.post(edit, {**data, "xpm_staff": ""})
    assert not StaffLink.objects.filter(member=lee).exists()
    history = LinkChange.objects.filter(member=lee).values_list("staff_uuid", "linked", "by")
    assert list(history) == [
        (first, True, admin.pk),
        (first, False, admin.pk),
        (second, True, admin.pk),
        (second, False, admin.pk),
    ]


def test_accepting_a_suggestion_links_by_email(admin_web, admin, practice, connected, xpm):
    uuid = xpm.add_staff("Nora New", "NORA@alpha.example")
    nora = member(practice, "Nora", "nora@alpha.example")
    sync(practice)
    page = admin_web.get(TEAM).content.decode()
    assert cell(page, nora.email) == "Suggested match Nora New <NORA@alpha.example> Accept"

    response = admin_web.post(
        reverse("xpm_team:accept", args=[nora.pk]), {"staff": uuid}, follow=True
    )
    assert "Nora is now linked to Nora New in XPM." in response.content.decode()
    link = StaffLink.objects.get(member=nora)
    assert (link.staff.uuid, link.method, link.linked_by) == (uuid, LinkMethod.EMAIL, admin)


def test_accepting_says_when_the_staffs_xpm_clients_get_the_member(
    admin_web, practice, connected, xpm
):
    uuid = xpm.add_staff("Nora New", "nora@alpha.example")
    clients = xpm.server.store.tenant(xpm.tenant_id).clients
    clients += [EmulatedClient(name=name, account_manager_uuid=uuid) for name in ("Ash", "Elm")]
    nora = member(practice, "Nora", "nora@alpha.example")
    sync(practice)
    assert not Client.objects.filter(partner=nora).exists()  # Nora was not linked yet

    accept = reverse("xpm_team:accept", args=[nora.pk])
    page = admin_web.post(accept, {"staff": uuid}, follow=True).content.decode()
    assert (
        html.unescape(page).count(
            "At the next sync, within 5 minutes, Nora becomes partner or manager of the 2 clients "
            "Nora New has in XPM (Sync now in Settings \u203a Apps does it at once)."
        )
        == 1
    )
    sync(practice)
    assert sorted(Client.objects.filter(partner=nora).values_list("name", flat=True)) == [
        "Ash",
        "Elm",
    ]


def test_accept_refuses_a_staff_with_another_email(admin_web, practice, connected, xpm):
    uuid = xpm.add_staff("Someone Else", "else@alpha.example")
    nora = member(practice, "Nora", "nora@alpha.example")
    sync(practice)
    response = admin_web.post(
        reverse("xpm_team:accept", args=[nora.pk]), {"staff": uuid}, follow=True
    )
    assert "Someone Else does not have Nora's email" in words(response.content.decode())
    assert not StaffLink.objects.exists()


def test_accept_for_another_practice_is_not_found(admin_web, practice, connected, xpm):
    uuid = xpm.add_staff("Nora New", "nora@alpha.example")
    sync(practice)
    stranger = MemberFactory(practice=PracticeFactory(), email="nora@alpha.example")
    url = reverse("xpm_team:accept", args=[stranger.pk])
    assert admin_web.post(url, {"staff": uuid}).status_code == 404
    nora = member(practice, "Nora", "nora@alpha.example")
    url = reverse("xpm_team:accept", args=[nora.pk])
    assert admin_web.post(url, {"staff": "not-a-staff"}).status_code == 404


def test_standard_member_cannot_use_the_xpm_team_pages(standard_web, admin, connected):
    assert standard_web.get(WHY_NOT, {"why_not": "x@y.example"}).status_code == 403
    accept = reverse("xpm_team:accept", args=[admin.pk])
    assert standard_web.post(accept, {"staff": "x"}).status_code == 403


def test_badges_for_every_plan(admin_web, admin, practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, creation_window_hours=24)
    linked_uuid = xpm.add_staff("Lina Linked", "lina@alpha.example")
    xpm.add_staff("Bea Taken", "bea@alpha.example")
    xpm.add_staff("Sue Suggested", "sue@alpha.example")
    sync(practice)
    lina = member(practice, "Lina", "lina@alpha.example")
    services.link_create(practice=practice, member=lina, staff=staff(linked_uuid))
    team_services.member_delete(practice=practice, member=lina, by=admin)
    bea_holder = member(practice, "Bea Holder", "bea.holder@alpha.example")
    services.link_create(
        practice=practice, member=bea_holder, staff=StaffRow.objects.get(name="Bea Taken")
    )
    bea = member(practice, "Bea", "bea@alpha.example")
    member(practice, "Sue", "sue@alpha.example")
    wendy = member(practice, "Wendy", "wendy@alpha.example")
    old = member(practice, "Carl", "carl@alpha.example")
    Member.objects.filter(pk=old.pk).update(added_at=timezone.now() - timedelta(hours=30))

    page = admin_web.get(TEAM).content.decode()
    assert cell(page, "lina@alpha.example") == "Linked to Lina Linked"
    assert cell(page, "bea.holder@alpha.example") == "Linked to Bea Taken"
    assert cell(page, bea.email) == (
        "Not linked XPM staff with this email (Bea Taken) is already linked to another member."
    )
    assert cell(page, "sue@alpha.example") == (
        "Suggested match Sue Suggested <sue@alpha.example> Accept"
    )
    create_at = date_filter(timezone.localtime(wendy.added_at + timedelta(hours=24)), "Y-m-d H:i")
    assert cell(page, wendy.email) == f"Will be created in XPM on {create_at}"
    assert cell(page, old.email) == "Will be created in XPM at the next sync"


def test_badge_when_auto_link_will_link_at_the_next_sync(admin_web, practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, auto_link=True)
    xpm.add_staff("Nora New", "nora@alpha.example")
    sync(practice)
    member(practice, "Nora", "nora@alpha.example")
    page = admin_web.get(TEAM).content.decode()
    assert cell(page, "nora@alpha.example") == "Will be linked to Nora New at the next sync"


def test_why_not_answers_in_the_team_page_and_as_a_partial(
    admin_web, admin, practice, connected, xpm
):
    page = admin_web.get(TEAM, {"why_not": "x@alpha.example"}).content.decode()
    assert "XPM has not been synced yet: press Sync now." in page

    uuid = xpm.add_staff("Gina Gone", "gina@alpha.example")
    xpm.add_staff("Fay Free", "fay@alpha.example")
    sync(practice)
    gina = member(practice, "Gina", "gina@alpha.example")
    services.link_create(practice=practice, member=gina, staff=staff(uuid))

    def answer(email: str) -> str:
        response = admin_web.get(WHY_NOT, {"why_not": email}, HTTP_HX_REQUEST="true")
        assert "<html" not in response.content.decode()
        return words(response.content.decode())

    assert answer("new@alpha.example") == (
        "No XPM staff has the email new@alpha.example yet: add them in XPM, then press Sync now."
    )
    assert answer("FAY@alpha.example") == "Fay Free is in the dropdown: pick them there."
    assert answer("gina@alpha.example") == "Already linked to Gina."
    team_services.member_delete(practice=practice, member=gina, by=admin)
    assert answer("gina@alpha.example") == (
        "Linked to the deleted member Gina: restore them to use this person. Restore Gina"
    )
    page = admin_web.get(TEAM, {"why_not": "gina@alpha.example"}).content.decode()
    assert "Linked to the deleted member Gina" in page
    assert f'action="{reverse("team:restore", args=[gina.pk])}"' in page


def test_why_not_shows_a_failed_sync(admin_web, practice, connected, xpm):
    xpm.server.add_fault("staff.api/list", "503", count=None)
    run = sync(practice)
    page = admin_web.get(TEAM, {"why_not": "x@alpha.example"}).content.decode()
    assert f"The last sync failed: {run.error}" in page


def test_restore_brings_the_link_back(admin_web, admin, practice, connected, xpm):
    uuid = xpm.add_staff("Lee Work", "lee@alpha.example")
    sync(practice)
    lee = member(practice, "Lee", "lee@alpha.example")
    services.link_create(practice=practice, member=lee, staff=staff(uuid))
    admin_web.post(reverse("team:delete", args=[lee.pk]))
    assert cell(admin_web.get(TEAM).content.decode(), lee.email) == "Linked to Lee Work"
    admin_web.post(reverse("team:restore", args=[lee.pk]))
    lee.refresh_from_db()
    assert not lee.is_deleted and lee.xpm_link.staff.uuid == uuid
    assert dropdown_uuids(admin_web.get(ADD)) == []


def test_a_staff_picked_in_another_tab_meanwhile_says_who_has_it_and_keeps_the_form(
    admin_web, practice, connected, xpm
):
    uuid = xpm.add_staff("Nora New", "nora@alpha.example")
    sync(practice)
    first = {"xpm_staff": staff(uuid).pk, "name": "Nora", "email": "nora@alpha.example"}
    assert admin_web.post(ADD, {**first, "role": "standard"}).status_code == 302
    second = {
        "xpm_staff": staff(uuid).pk,
        "name": "Nora Again",
        "email": "nora.again@alpha.example",
        "role": "admin",
        "send_invitation": "on",
    }
    response = admin_web.post(ADD, second)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "xpm_staff": [
            "Nora New was linked to Nora in the meantime: "
            "pick another XPM user or leave it not linked."
        ]
    }
    page = response.content.decode()
    assert 'value="Nora Again"' in page and 'value="nora.again@alpha.example"' in page
    assert '<option value="admin" selected>' in page
    assert re.search(r'name="send_invitation"[^>]*checked', page)
    assert not Member.objects.filter(practice=practice, name="Nora Again").exists()


def test_a_picked_staff_gone_from_xpm_or_unknown_is_named_plainly(
    admin_web, practice, connected, xpm
):
    uuid = xpm.add_staff("Gone Gus", "gus@alpha.example")
    sync(practice)
    pk = staff(uuid).pk
    StaffRow.objects.filter(pk=pk).update(gone_at=timezone.now())
    data = {"name": "Gus", "email": "gus@alpha.example", "role": "standard"}
    gone = admin_web.post(ADD, {**data, "xpm_staff": pk}).context["form"].errors["xpm_staff"]
    assert gone == ["Gone Gus is no longer in XPM: pick another XPM user or leave it not linked."]
    other = StaffRow.objects.create(
        practice=PracticeFactory(), uuid="x", name="Elsewhere", seen_at=timezone.now()
    )
    foreign = admin_web.post(ADD, {**data, "xpm_staff": other.pk}).context["form"].errors
    assert foreign["xpm_staff"] == [
        "That XPM user is not in this practice's XPM: pick one from the list."
    ]
    nonsense = admin_web.post(ADD, {**data, "xpm_staff": "abc"}).context["form"].errors
    assert nonsense["xpm_staff"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]


def test_adding_an_email_a_suggested_member_uses_points_to_their_accept_button(
    admin_web, practice, connected, xpm
):
    uuid = xpm.add_staff("Nora New", "NORA@alpha.example")
    nora = member(practice, "Nora", "nora@alpha.example")
    sync(practice)
    response = admin_web.post(
        ADD, {"xpm_staff": staff(uuid).pk, "name": "", "email": "", "role": "standard"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": [
            "Nora already uses nora@alpha.example in this practice and has a suggested match "
            "in XPM (Nora New): press Accept on Nora's row in the team list to link them."
        ]
    }
    assert Member.objects.filter(practice=practice).count() == 2  # the admin and Nora
    typed = admin_web.post(ADD, {"name": "N", "email": " Nora@Alpha.example ", "role": "standard"})
    assert "press Accept on Nora's row" in typed.context["form"].errors["email"][0]
    # Once linked, the plain duplicate message is right again.
    services.suggestion_accept(practice=practice, member=nora, staff=staff(uuid))
    again = admin_web.post(ADD, {"name": "N", "email": "nora@alpha.example", "role": "standard"})
    assert again.context["form"].errors == {
        "email": ["Nora already uses nora@alpha.example in this practice."]
    }
