import re

import pytest
from django.urls import reverse
from django.utils import timezone

from practicelink.team import services
from practicelink.team.middleware import SESSION_KEY
from practicelink.team.models import Invitation, Member
from practicelink.team.services import invitation_send
from tests.conftest import PASSWORD
from tests.factories import MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_standard_member_cannot_open_settings(standard_web):
    assert standard_web.get(reverse("team:list")).status_code == 403
    assert standard_web.get(reverse("xpm:apps")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("proposals:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_with_email_in_any_case(client, admin):
    response = client.post(
        reverse("login"), {"username": "  ADA.ADMIN@example.com ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("proposals:list")).status_code == 200


def test_deleted_member_cannot_use_the_app(client, admin, standard):
    standard.deleted_at = "2026-01-01T00:00:00Z"
    standard.save()
    client.force_login(standard.user)
    assert client.get(reverse("proposals:list")).status_code == 403


def test_add_member_form_keeps_input_on_error(admin_web, admin):
    response = admin_web.post(
        reverse("team:add"),
        {"name": "Dup", "email": admin.email.upper(), "role": "standard"},
    )
    assert response.status_code == 200
    assert "already uses" in response.content.decode()
    assert 'value="Dup"' in response.content.decode()


def test_add_member_without_invitation(admin_web, practice):
    response = admin_web.post(
        reverse("team:add"), {"name": "Quiet", "email": "quiet@example.com", "role": "standard"}
    )
    assert response.status_code == 302
    member = Member.objects.get(practice=practice, email="quiet@example.com")
    assert member.access == "none"


def test_switching_practice(admin_web, admin):
    other = PracticeFactory(name="Beta Ltd")
    MemberFactory(practice=other, email=admin.email, login=PASSWORD, role="admin")
    admin_web.post(reverse("practice-switch"), {"practice": other.pk})
    page = admin_web.get(reverse("team:list")).content.decode()
    assert "Beta Ltd" in page


@pytest.mark.parametrize(
    ("method", "view"),
    [
        ("get", "team:add"),
        ("post", "team:add"),
        ("get", "team:edit"),
        ("post", "team:edit"),
        ("post", "team:delete"),
        ("post", "team:restore"),
        ("post", "team:invite"),
    ],
)
def test_standard_member_cannot_change_the_team(standard_web, admin, method, view):
    url = reverse(view) if view == "team:add" else reverse(view, args=[admin.pk])
    data = {"name": "Changed", "email": "changed@example.com", "role": "standard"}
    response = getattr(standard_web, method)(url, data if method == "post" else None)
    assert response.status_code == 403
    admin.refresh_from_db()
    assert (admin.name, admin.role, admin.deleted_at) == ("Ada Admin", "admin", None)
    assert Member.objects.filter(practice=admin.practice).count() == 2


def _invite(member) -> str:
    return reverse(
        "invitation-accept", args=[invitation_send(practice=member.practice, member=member)]
    )


def test_invitation_link_with_unknown_token_is_gone(client):
    response = client.get(reverse("invitation-accept", args=["nope"]))
    assert response.status_code == 410
    assert response.context["error"] == "This invitation link is not valid."


def test_expired_invitation_link_is_gone(client, practice):
    url = _invite(MemberFactory(practice=practice, name="Nina"))
    Invitation.objects.update(expires_at=timezone.now())
    response = client.get(url)
    assert response.status_code == 410
    assert response.context["error"] == (
        "This invitation link has expired: ask an admin for a new one."
    )


def test_invitation_passwords_must_match(client, practice):
    nina = MemberFactory(practice=practice, name="Nina")
    response = client.post(
        _invite(nina), {"password1": "a-long-Pass-phrase-9", "password2": "a-long-Pass-phrase-8"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The two passwords differ."]
    nina.refresh_from_db()
    assert (nina.access, nina.user) == ("invited", None)


def test_invitation_refuses_a_weak_password(client, practice):
    nina = MemberFactory(practice=practice, name="Nina")
    response = client.post(_invite(nina), {"password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This password is too short. It must contain at least 8 characters."
    ]
    nina.refresh_from_db()
    assert nina.access == "invited"


def test_signed_in_person_joins_another_practice_without_a_new_password(admin_web, admin):
    beta = PracticeFactory(name="Beta Ltd")
    invited = MemberFactory(practice=beta, name="Ada Admin", email=admin.email.upper())
    url = _invite(invited)
    page = admin_web.get(url)
    assert list(page.context["form"].fields) == []
    assert "Join Beta Ltd</button>" in page.content.decode()

    response = admin_web.post(url)
    assert response.status_code == 302
    invited.refresh_from_db()
    assert (invited.access, invited.user) == ("active", admin.user)
    assert admin_web.session[SESSION_KEY] == beta.pk


def test_existing_login_not_signed_in_is_told_to_sign_in_first(client, admin):
    invited = MemberFactory(practice=PracticeFactory(), name="Ada Admin", email=admin.email)
    url = _invite(invited)
    response = client.post(
        url, {"password1": "a-long-Pass-phrase-9", "password2": "a-long-Pass-phrase-9"}
    )
    assert response.context["form"].non_field_errors() == [
        f"{admin.email} already has a practicelink login: sign in first, then open the link."
    ]
    assert not admin.user.check_password("a-long-Pass-phrase-9")


def test_a_deleted_members_row_says_no_access_until_restored(admin_web, practice, standard):
    services.member_delete(practice=practice, member=standard)
    page = admin_web.get(reverse("team:list")).content.decode()
    row = re.search(
        r'<tr class="deleted" data-member="sam.standard@example.com">.*?</tr>', page, re.S
    )
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert cells[3] == 'No access <span class="muted">(deleted; active once restored)</span>'
    services.member_restore(practice=practice, member=standard)
    page = admin_web.get(reverse("team:list")).content.decode()
    row = re.search(r'<tr class="" data-member="sam.standard@example.com">.*?</tr>', page, re.S)
    assert re.findall(r"<td>(.*?)</td>", row.group(0), re.S)[3] == "Active"
