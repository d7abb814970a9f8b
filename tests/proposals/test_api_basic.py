"""/api/v1/proposals/: create, update, status changes and their errors."""

from decimal import Decimal

import pytest
from django.urls import reverse

from practicelink.proposals.models import Proposal, Status
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

LIST = reverse("proposal-list")


@pytest.fixture
def acme(practice):
    return ClientFactory(practice=practice, name="Acme")


def _body(client_id: int, **changes: object) -> dict[str, object]:
    body = {
        "title": "FY26 compliance",
        "client": client_id,
        "services": [
            {"name": "Accounts", "description": "Year end", "quantity": "1", "price": "2400"},
            {"name": "Payroll", "quantity": "26", "price": "95.50"},
        ],
    }
    return {**body, **changes}


def _detail(proposal_id: int, action: str = "detail") -> str:
    return reverse(f"proposal-{action}", args=[proposal_id])


def test_create_numbers_and_totals(admin_api, practice, acme):
    first = admin_api.post(LIST, _body(acme.pk), format="json")
    second = admin_api.post(LIST, _body(acme.pk, title="Second"), format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    data = first.json()
    assert {k: data[k] for k in ("reference", "number", "title", "client", "status", "total")} == {
        "reference": "PROP-0001",
        "number": 1,
        "title": "FY26 compliance",
        "client": acme.pk,
        "status": "draft",
        "total": "4883.00",
    }
    line = ("name", "description", "quantity", "price")
    assert [{k: s[k] for k in line} for s in data["services"]] == [
        {"name": "Accounts", "description": "Year end", "quantity": "1.00", "price": "2400.00"},
        {"name": "Payroll", "description": "", "quantity": "26.00", "price": "95.50"},
    ]
    assert {(s["library_service"], s["frequency"]) for s in data["services"]} == {(None, "")}
    assert second.json()["reference"] == "PROP-0002"
    assert Proposal.objects.get(pk=data["id"]).practice == practice


def test_update_title_keeps_the_lines(admin_api, acme):
    proposal_id = admin_api.post(LIST, _body(acme.pk), format="json").json()["id"]
    response = admin_api.patch(_detail(proposal_id), {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    proposal = Proposal.objects.get(pk=proposal_id)
    assert (proposal.title, proposal.total) == ("Renamed", Decimal("4883.00"))
    assert [s.name for s in proposal.services.all()] == ["Accounts", "Payroll"]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"services": []}, {"services": ["A proposal needs at least one service."]}),
        (
            {"services": [{"name": "Tax", "quantity": "1", "price": "-1"}]},
            {"services": {"0": {"price": ["Ensure this value is greater than or equal to 0."]}}},
        ),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
    ],
)
def test_invalid_create_is_a_400(admin_api, acme, changes, errors):
    response = admin_api.post(LIST, _body(acme.pk, **changes), format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Proposal.objects.exists()


def test_status_changes_and_accepted_is_final(admin_api, acme):
    proposal_id = admin_api.post(LIST, _body(acme.pk), format="json").json()["id"]
    sent = admin_api.post(_detail(proposal_id, "status"), {"status": "sent"}, format="json")
    assert (sent.status_code, sent.json()["status"]) == (200, "sent")
    assert sent.json()["sent_at"] is not None
    accepted = admin_api.post(_detail(proposal_id, "status"), {"status": "accepted"})
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    assert accepted.json()["accepted_at"] is not None

    back = admin_api.post(_detail(proposal_id, "status"), {"status": "draft"}, format="json")
    assert back.status_code == 400
    assert back.json() == {"status": ["An accepted proposal cannot become draft."]}
    edit = admin_api.patch(_detail(proposal_id), {"title": "Changed"}, format="json")
    assert edit.status_code == 400
    assert edit.json() == {"detail": ["An accepted proposal cannot be changed."]}
    proposal = Proposal.objects.get(pk=proposal_id)
    assert (proposal.status, proposal.title) == (Status.ACCEPTED, "FY26 compliance")
