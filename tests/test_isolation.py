"""The isolation promise: another practice's objects do not exist for you, in views and API."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from practicelink.clients.models import Client
from practicelink.proposals.models import Proposal, Status
from practicelink.team.models import Access, Member
from practicelink.team.services import member_delete
from tests.conftest import PASSWORD, api_for, signed_in
from tests.factories import ClientFactory, MemberFactory, PracticeFactory, make_proposal

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Theirs:
    """Practice A's objects, as practice A left them."""

    member: Member
    deleted_member: Member
    client: Client
    proposal: Proposal


@pytest.fixture
def theirs(practice, admin) -> Theirs:
    member = MemberFactory(practice=practice, name="Tara Theirs")
    deleted = MemberFactory(practice=practice, name="Dora Deleted")
    member_delete(practice=practice, member=deleted, by=admin)
    client = ClientFactory(practice=practice, name="Acme (A)", partner=member)
    return Theirs(member, deleted, client, make_proposal(client, title="A's proposal"))


@pytest.fixture
def intruder():
    """The admin of practice B, which has a member, a client and a proposal of its own."""
    other = PracticeFactory(name="Beta Ltd")
    intruder = MemberFactory(practice=other, role="admin", name="Ivan Intruder", login=PASSWORD)
    make_proposal(ClientFactory(practice=other, name="Bolt (B)"), title="B's proposal")
    return intruder


def _assert_untouched(theirs: Theirs) -> None:
    member = Member.objects.get(pk=theirs.member.pk)
    assert (member.name, member.deleted_at, member.access) == ("Tara Theirs", None, Access.NONE)
    assert Member.objects.get(pk=theirs.deleted_member.pk).deleted_at is not None
    client = Client.objects.get(pk=theirs.client.pk)
    assert (client.name, client.partner_id, client.archived) == (
        "Acme (A)",
        theirs.member.pk,
        False,
    )
    proposal = Proposal.objects.get(pk=theirs.proposal.pk)
    assert (proposal.title, proposal.status) == ("A's proposal", Status.DRAFT)


VIEWS = [
    ("get", "team:edit", "member"),
    ("post", "team:edit", "member"),
    ("post", "team:delete", "member"),
    ("post", "team:invite", "member"),
    ("post", "team:restore", "deleted_member"),
    ("get", "clients:edit", "client"),
    ("post", "clients:edit", "client"),
    ("get", "proposals:detail", "proposal"),
    ("get", "proposals:edit", "proposal"),
    ("post", "proposals:edit", "proposal"),
    ("post", "proposals:status", "proposal"),
]

FORM_DATA = {
    "name": "Hijacked",
    "email": "hijacked@example.com",
    "role": "admin",
    "title": "Hijacked",
    "status": "accepted",
    "archived": "on",
}


@pytest.mark.parametrize(("method", "view", "target"), VIEWS)
def test_views_answer_404_for_another_practices_objects(theirs, intruder, method, view, target):
    web = signed_in(intruder)
    url = reverse(view, args=[getattr(theirs, target).pk])
    response = getattr(web, method)(url, FORM_DATA if method == "post" else None)
    assert response.status_code == 404
    _assert_untouched(theirs)


@pytest.mark.parametrize(
    ("view", "shown", "hidden"),
    [
        ("team:list", "Ivan Intruder", "Tara Theirs"),
        ("clients:list", "Bolt (B)", "Acme (A)"),
        ("proposals:list", "B&#x27;s proposal", "A&#x27;s proposal"),
    ],
)
def test_lists_show_only_your_practice(theirs, intruder, view, shown, hidden):
    page = signed_in(intruder).get(reverse(view)).content.decode()
    assert shown in page
    assert hidden not in page
    assert "Alpha &amp; Co" not in page


API = [
    ("get", "member-detail", "member", None),
    ("put", "member-detail", "member", {"name": "Hijacked", "email": "h@example.com"}),
    ("patch", "member-detail", "member", {"name": "Hijacked"}),
    ("delete", "member-detail", "member", None),
    ("post", "member-restore", "deleted_member", None),
    ("post", "member-invite", "member", None),
    ("get", "client-detail", "client", None),
    ("put", "client-detail", "client", {"name": "Hijacked", "archived": True}),
    ("patch", "client-detail", "client", {"archived": True}),
    ("get", "proposal-detail", "proposal", None),
    ("put", "proposal-detail", "proposal", {"title": "Hijacked", "services": []}),
    ("patch", "proposal-detail", "proposal", {"title": "Hijacked"}),
    ("post", "proposal-status", "proposal", {"status": "accepted"}),
]


@pytest.mark.parametrize(("method", "route", "target", "body"), API)
def test_api_answers_404_for_another_practices_objects(
    theirs, intruder, method, route, target, body
):
    api = api_for(intruder)
    url = reverse(route, args=[getattr(theirs, target).pk])
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == 404
    model = {"member": "Member", "client": "Client", "proposal": "Proposal"}[route.split("-")[0]]
    assert response.json() == {"detail": f"No {model} matches the given query."}
    _assert_untouched(theirs)


@pytest.mark.parametrize(
    ("route", "field"),
    [
        ("member-list", "name"),
        ("client-list", "name"),
        ("proposal-list", "title"),
    ],
)
def test_api_lists_show_only_your_practice(theirs, intruder, route, field):
    api = api_for(intruder)
    rows = api.get(reverse(route), {"include_deleted": "true"}).json()["results"]
    expected = {
        "member-list": ["Ivan Intruder"],
        "client-list": ["Bolt (B)"],
        "proposal-list": ["B's proposal"],
    }[route]
    assert [row[field] for row in rows] == expected


def test_api_refuses_to_link_another_practices_objects(theirs, intruder):
    api = api_for(intruder)
    client = api.post(
        reverse("client-list"),
        {"name": "Sneaky", "partner": theirs.member.pk, "manager": theirs.member.pk},
        format="json",
    )
    assert client.status_code == 400
    message = f"There is no member {theirs.member.pk} in this practice."
    assert client.json() == {"partner": [message], "manager": [message]}
    proposal = api.post(
        reverse("proposal-list"),
        {
            "title": "Sneaky",
            "client": theirs.client.pk,
            "services": [{"name": "X", "quantity": "1", "price": "1"}],
        },
        format="json",
    )
    assert proposal.status_code == 400
    assert proposal.json() == {
        "client": [f'Invalid pk "{theirs.client.pk}" - object does not exist.']
    }
    assert Client.objects.filter(name="Sneaky").count() == 0
    assert Proposal.objects.filter(title="Sneaky").count() == 0
