"""Amounts beyond what the columns hold are refused everywhere, and nothing is stored half-way.

SQLite stores a decimal wider than its column and then cannot read it back, so one such
proposal used to break the practice's list, detail and export for good (PostgreSQL refuses it
with a 500). These run on both databases (DATABASE_URL).
"""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from practicelink.proposals.models import Proposal, Service
from practicelink.proposals.services import ServiceLine, column_limit, proposal_create
from tests.factories import ClientFactory, make_proposal

pytestmark = pytest.mark.django_db

TOO_BIG = {"name": "Everything", "quantity": "99999999", "price": "9999999999"}
TOTAL_MESSAGE = "The proposal's total cannot be more than 999,999,999,999.99."


@pytest.fixture
def acme(practice):
    return ClientFactory(practice=practice, name="Acme")


def _still_readable(web) -> None:
    """The practice's list, export and every detail page still answer."""
    assert web.get(reverse("proposals:list")).status_code == 200
    export = web.get(reverse("proposals:export"))
    assert export.status_code == 200
    b"".join(export.streaming_content)
    for pk in Proposal.objects.values_list("pk", flat=True):
        assert web.get(reverse("proposals:detail", args=[pk])).status_code == 200


def test_the_limits_come_from_the_columns():
    assert column_limit(Proposal, "total") == Decimal("999999999999.99")
    assert column_limit(Service, "price") == Decimal("9999999999.99")
    assert column_limit(Service, "quantity") == Decimal("99999999.99")


def test_api_create_beyond_the_total_is_a_400_and_stores_nothing(admin_api, admin_web, acme):
    body = {"title": "Huge", "client": acme.pk, "services": [TOO_BIG]}
    response = admin_api.post(reverse("proposal-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"services": [TOTAL_MESSAGE]}
    assert not Proposal.objects.exists()
    assert not Service.objects.exists()
    _still_readable(admin_web)
    assert admin_api.get(reverse("proposal-list")).status_code == 200


def test_api_update_beyond_the_total_changes_nothing(admin_api, admin_web, acme):
    proposal = make_proposal(acme, price="100")
    url = reverse("proposal-detail", args=[proposal.pk])
    response = admin_api.patch(url, {"services": [TOO_BIG]}, format="json")
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.total == Decimal("100.00")
    assert [(s.name, s.price) for s in proposal.services.all()] == [("Accounts", Decimal("100"))]
    _still_readable(admin_web)


def test_many_lines_that_add_up_beyond_the_total_are_refused(admin_api, acme):
    line = {"name": "Big", "quantity": "1", "price": "9999999999.99"}
    body = {"title": "Many", "client": acme.pk, "services": [line] * 101}
    response = admin_api.post(reverse("proposal-list"), body, format="json")
    assert (response.status_code, response.json()) == (400, {"services": [TOTAL_MESSAGE]})
    assert not Proposal.objects.exists()


def test_the_largest_total_the_column_holds_is_accepted(admin_api, admin_web, acme):
    line = {"name": "Big", "quantity": "100", "price": "9999999999.99"}
    body = {"title": "Largest", "client": acme.pk, "services": [line]}
    response = admin_api.post(reverse("proposal-list"), body, format="json")
    assert response.status_code == 201
    assert response.json()["total"] == "999999999999.00"
    _still_readable(admin_web)


def test_form_beyond_the_total_shows_the_error_and_stores_nothing(admin_web, acme):
    response = admin_web.post(
        reverse("proposals:create"),
        {
            "title": "Huge",
            "client": acme.pk,
            "services-TOTAL_FORMS": "1",
            "services-INITIAL_FORMS": "0",
            "services-MIN_NUM_FORMS": "1",
            "services-MAX_NUM_FORMS": "1000",
            "services-0-name": TOO_BIG["name"],
            "services-0-quantity": TOO_BIG["quantity"],
            "services-0-price": TOO_BIG["price"],
        },
    )
    assert response.status_code == 200
    assert TOTAL_MESSAGE in html.unescape(response.content.decode())
    assert not Proposal.objects.exists()
    _still_readable(admin_web)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            ServiceLine("Hours", quantity=Decimal("100000000"), price=Decimal("1")),
            "“Hours”: quantity cannot be more than 99,999,999.99.",
        ),
        (
            ServiceLine("Fee", price=Decimal("10000000000")),
            "“Fee”: price cannot be more than 9,999,999,999.99.",
        ),
    ],
)
def test_the_service_refuses_lines_its_columns_cannot_hold(practice, acme, line, message):
    """Callers other than the form and the API (e.g. a service library) are held too."""
    with pytest.raises(ValidationError) as refused:
        proposal_create(practice=practice, client=acme, title="Direct", services=[line])
    assert refused.value.message_dict == {"services": [message]}
    assert not Proposal.objects.exists()
