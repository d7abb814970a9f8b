from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from practicelink.team import services
from practicelink.team.models import Access, Invitation, Member, Role
from tests.factories import MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("variant", ["Jo@Example.com", "  jo@example.com ", "JO@EXAMPLE.COM"])
def test_duplicate_email_rejected_whatever_case_and_spaces(practice, variant):
    services.member_create(practice=practice, name="Jo", email="jo@example.com")
    with pytest.raises(ValidationError) as error:
        services.member_create(practice=practice, name="Jo again", email=variant)
    assert "already uses jo@example.com" in error.value.message_dict["email"][0]
    assert Member.objects.filter(practice=practice).count() == 1


def test_email_stored_as_given_but_trimmed_and_normalised(practice):
    member = services.member_create(practice=practice, name="Jo", email="  Jo.Smith@Example.COM ")
    assert member.email == "Jo.Smith@Example.COM"
    assert member.email_normalised == "jo.smith@example.com"


def test_same_email_allowed_in_another_practice(practice):
    services.member_create(practice=practice, name="Jo", email="jo@example.com")
    other = services.member_create(practice=PracticeFactory(), name="Jo", email="JO@example.com")
    assert other.pk


def test_invalid_email_is_a_clear_error(practice):
    with pytest.raises(ValidationError) as error:
        services.member_create(practice=practice, name="Jo", email="not-an-email")
    assert error.value.message_dict["email"] == ["“not-an-email” is not a valid email address."]


def test_deleted_member_email_still_taken_with_restore_hint(practice, admin):
    member = services.member_create(practice=practice, name="Jo", email="jo@example.com")
    services.member_delete(practice=practice, member=member, by=admin)
    with pytest.raises(ValidationError) as error:
        services.member_create(practice=practice, name="Jo", email="jo@example.com")
    assert "restore them instead" in error.value.message_dict["email"][0]


def test_soft_delete_and_restore_keep_access(practice, admin, standard):
    services.member_delete(practice=practice, member=standard, by=admin)
    standard.refresh_from_db()
    assert standard.deleted_at is not None
    assert not standard.can_sign_in
    assert Member.objects.current().filter(pk=standard.pk).count() == 0
    services.member_restore(practice=practice, member=standard, by=admin)
    standard.refresh_from_db()
    assert standard.deleted_at is None
    assert standard.can_sign_in


def test_last_admin_cannot_be_deleted_or_demoted(practice, admin):
    other = MemberFactory(practice=practice, role="admin", login="pw")
    services.member_delete(practice=practice, member=other, by=admin)
    with pytest.raises(ValidationError, match="at least one admin"):
        services.member_update(
            practice=practice, member=admin, name=admin.name, email=admin.email, role=Role.STANDARD
        )


def test_member_cannot_delete_themselves(practice, admin):
    with pytest.raises(ValidationError, match="cannot delete yourself"):
        services.member_delete(practice=practice, member=admin, by=admin)


def test_member_of_other_practice_cannot_be_changed(practice, admin):
    stranger = MemberFactory(practice=PracticeFactory())
    with pytest.raises(Member.DoesNotExist):
        services.member_delete(practice=practice, member=stranger, by=admin)


def test_invitation_email_link_sets_password_once(
    practice, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = services.member_create(
            practice=practice, name="Nina", email="nina@example.com", send_invitation=True
        )
    assert member.access == Access.INVITED
    assert len(mail.outbox) == 1
    token = mail.outbox[0].body.split("/invite/")[1].split("/")[0]
    accepted = services.invitation_accept(token=token, password="a-long-Pass-phrase-9")
    assert accepted.access == Access.ACTIVE
    assert accepted.user.check_password("a-long-Pass-phrase-9")
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(token=token, password="another-long-Pass-9")


def test_invitation_expires(practice):
    member = services.member_create(practice=practice, name="Nina", email="nina@example.com")
    token = services.invitation_send(practice=practice, member=member)
    Invitation.objects.filter(member=member).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(token=token, password="a-long-Pass-phrase-9")


def test_resending_invitation_voids_the_previous_link(practice):
    member = services.member_create(practice=practice, name="Nina", email="nina@example.com")
    first = services.invitation_send(practice=practice, member=member)
    second = services.invitation_send(practice=practice, member=member)
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_lookup(first)
    assert services.invitation_lookup(second).member == member


def test_existing_login_must_sign_in_to_accept(practice, admin):
    other_practice = PracticeFactory()
    member = services.member_create(practice=other_practice, name=admin.name, email=admin.email)
    token = services.invitation_send(practice=other_practice, member=member)
    with pytest.raises(ValidationError, match="sign in first"):
        services.invitation_accept(token=token, password="whatever-long-9")
    joined = services.invitation_accept(token=token, password="", signed_in_user=admin.user)
    assert joined.user == admin.user
