import pytest
from django.urls import reverse

from practicelink.team.models import Member
from tests.conftest import PASSWORD

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
    from tests.factories import MemberFactory, PracticeFactory

    other = PracticeFactory(name="Beta Ltd")
    MemberFactory(practice=other, email=admin.email, login=PASSWORD, role="admin")
    admin_web.post(reverse("practice-switch"), {"practice": other.pk})
    page = admin_web.get(reverse("team:list")).content.decode()
    assert "Beta Ltd" in page
