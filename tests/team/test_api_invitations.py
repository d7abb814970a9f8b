"""Invitations through the API: admins see each one sent, accepted or expired; nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practicelink.team.services import invitation_accept, invitation_send
from tests.conftest import api_for
from tests.factories import MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db

INVITATIONS = reverse("invitation-list")


@pytest.fixture
def invited(practice, admin):
    """Bea: invited twice (the first link expired by the second); Cy: invited and accepted."""
    bea = MemberFactory(practice=practice, name="Bea Invited")
    cy = MemberFactory(practice=practice, name="Cy Accepted")
    invitation_send(practice=practice, member=bea, invited_by=admin)
    invitation_send(practice=practice, member=bea, invited_by=admin)
    invitation_accept(
        token=invitation_send(practice=practice, member=cy, invited_by=admin),
        password="x-Y-z-123456",
    )
    return bea, cy


def _listed(api, query=""):
    answer = api.get(INVITATIONS + query)
    assert answer.status_code == 200
    return [(row["member_name"], row["status"]) for row in answer.json()["results"]]


def test_admins_see_every_invitation_with_its_status_newest_first(admin, invited):
    assert _listed(api_for(admin)) == [
        ("Cy Accepted", "accepted"),
        ("Bea Invited", "sent"),
        ("Bea Invited", "expired"),
    ]
    row = api_for(admin).get(INVITATIONS).json()["results"][0]
    assert {"member", "email", "created_at", "expires_at", "used_at"} <= set(row)
    assert row["email"] == "cy.accepted@example.com" and row["used_at"] is not None


@pytest.mark.parametrize("status", ["sent", "accepted", "expired"])
def test_status_filters_the_list(admin, invited, status):
    assert [s for _, s in _listed(api_for(admin), f"?status={status}")] == [status]


def test_standard_members_may_not_see_invitations(standard, invited):
    answer = api_for(standard).get(INVITATIONS)
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Only admins can do this."}


def test_another_practices_invitation_is_a_404(admin, invited):
    other = PracticeFactory(name="Beta Ltd")
    intruder = MemberFactory(practice=other, role="admin", login="pw-123-456-789")
    mine = api_for(admin).get(INVITATIONS).json()["results"][0]["id"]
    assert api_for(intruder).get(reverse("invitation-detail", args=[mine])).status_code == 404
    assert _listed(api_for(intruder)) == []
