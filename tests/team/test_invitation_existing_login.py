"""An invitation for an email that already signs in says so at once: sign in, then join.
It never asks that person for a new password."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from practicelink.team.services import invitation_send
from tests.conftest import PASSWORD, signed_in
from tests.factories import MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def beta_invite(admin):
    """Ada (admin of Alpha & Co, with a login) invited to Beta Ltd under the same email."""
    beta = PracticeFactory(name="Beta Ltd")
    invited = MemberFactory(practice=beta, name="Ada Admin", email=admin.email)
    token = invitation_send(practice=beta, member=invited)
    return invited, reverse("invitation-accept", args=[token])


def test_first_visit_asks_to_sign_in_not_for_a_password(client, admin, beta_invite):
    _, url = beta_invite
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert f"{admin.email} already has a practicelink login" in html
    assert list(page.context["form"].fields) == []
    assert 'type="password"' not in html
    assert "Set password and sign in" not in html
    login = f"{reverse('login')}?next={quote(url, safe='')}"
    assert f'href="{login}">Sign in as {admin.email}</a>' in html


def test_signing_in_comes_back_to_the_invitation_and_joins(client, admin, beta_invite):
    invited, url = beta_invite
    login = f"{reverse('login')}?next={quote(url, safe='')}"
    assert f'name="next" value="{url}"' in client.get(login).content.decode()
    signed = client.post(login, {"username": admin.email, "password": PASSWORD, "next": url})
    assert signed.status_code == 302
    assert signed["Location"] == url
    assert "Join Beta Ltd</button>" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    invited.refresh_from_db()
    assert (invited.access, invited.user) == ("active", admin.user)


def test_someone_signed_in_with_another_login_is_offered_to_sign_out(practice, beta_invite):
    other = MemberFactory(practice=practice, name="Olive Other", login="another-long-pass")
    invited, url = beta_invite
    html = signed_in(other).get(url).content.decode()
    assert f"You are signed in as {other.email}." in html
    assert f"Sign out, then sign in as {invited.email}</button>" in html
    assert 'type="password"' not in html


def test_an_email_without_a_login_still_chooses_a_password(client, practice):
    nina = MemberFactory(practice=practice, name="Nina New")
    url = reverse("invitation-accept", args=[invitation_send(practice=practice, member=nina)])
    page = client.get(url)
    assert list(page.context["form"].fields) == ["password1", "password2"]
    assert "already has a practicelink login" not in page.content.decode()
