"""Choosing a proposal's client in the form: a type-ahead that starts with the first clients,
so a small practice just picks and a large one types; archived clients are never offered."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, PracticeFactory, make_proposal

pytestmark = pytest.mark.django_db

NEW = "/proposals/new/"
OPTIONS_URL = reverse("proposals:client-options")


def _offered(html: str) -> list[str]:
    """The names in the form's client select, empty option included."""
    select = re.search(r'<select name="client"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the form has a client select"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def _proposal_data(client_pk: int) -> dict[str, object]:
    return {
        "title": "Accounts",
        "client": client_pk,
        "job_structure": "single",
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-0-name": "Accounts",
        "services-0-quantity": "1",
        "services-0-price": "100",
    }


def test_a_small_practice_picks_from_every_client_but_the_archived(admin_web, practice):
    ClientFactory(practice=practice, name="Acme Ltd")
    ClientFactory(practice=practice, name="Bluebird Dental")
    ClientFactory(practice=practice, name="Gone Ltd", archived=True)
    offered = _offered(admin_web.get(NEW).content.decode())
    assert offered == ["Choose a client", "Acme Ltd", "Bluebird Dental"]


def test_a_large_practice_gets_the_first_clients_and_types_for_the_others(admin_web, practice):
    ClientFactory.create_batch(60, practice=practice, name="Aardvark Holdings")
    last = ClientFactory(practice=practice, name="Zed Partners")
    html = admin_web.get(NEW).content.decode()
    offered = _offered(html)
    assert offered[0] == "Choose a client" and offered.count("Aardvark Holdings") == 50
    assert offered[-1] == "More clients match: type more of the name"
    assert f"{OPTIONS_URL}?purpose=choice" in html  # the search box asks for choosable ones

    found = admin_web.get(OPTIONS_URL, {"purpose": "choice", "client_search": "zed"})
    assert found.content.decode() == (
        f'<option value="">Choose a client</option><option value="{last.pk}">Zed Partners</option>'
    )
    # a client beyond the first page of options is a valid choice, and shown chosen on edit
    response = admin_web.post(NEW, _proposal_data(last.pk))
    assert response.status_code == 302
    proposal = practice.proposals.get()
    assert proposal.client == last
    edit = admin_web.get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert f'<option value="{last.pk}" selected>Zed Partners</option>' in edit


def test_the_search_never_offers_an_archived_client_to_choose(admin_web, practice):
    gone = ClientFactory(practice=practice, name="Gone Ltd", archived=True)
    as_choice = admin_web.get(OPTIONS_URL, {"purpose": "choice", "client_search": "gone"})
    assert "Gone Ltd" not in as_choice.content.decode()
    as_filter = admin_web.get(OPTIONS_URL, {"client_search": "gone"})  # its proposals remain
    assert f'<option value="{gone.pk}">Gone Ltd</option>' in as_filter.content.decode()
    refused = admin_web.post(NEW, _proposal_data(gone.pk))
    assert "Select a valid choice" in refused.content.decode()


def test_an_unknown_purpose_is_a_clear_error(admin_web):
    response = admin_web.get(OPTIONS_URL, {"purpose": "everything"})
    assert response.status_code == 400
    assert response.content.decode() == "purpose: one of filter, choice"


def test_another_practices_client_is_never_named_in_the_form(admin_web, practice):
    theirs = ClientFactory(practice=PracticeFactory(name="Beta"), name="Their Client")
    mine = ClientFactory(practice=practice, name="My Client")
    proposal = make_proposal(mine)
    html = admin_web.get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    assert "Their Client" not in html
    refused = admin_web.post(NEW, _proposal_data(theirs.pk))
    assert "Select a valid choice" in refused.content.decode()
