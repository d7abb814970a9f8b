"""A practice with no proposals yet is told how to start, not that its filters match nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practicelink.clients.models import Client
from tests.factories import ClientFactory, make_proposal

pytestmark = pytest.mark.django_db
LIST = reverse("proposals:list")


def test_new_practice_sees_how_to_start(admin_web):
    page = admin_web.get(LIST).content.decode()
    assert "Write your first proposal" in page
    assert "No proposals yet." in page
    assert "No proposals match these filters" not in page
    assert f'href="{reverse("clients:create")}">Add your first client</a>' in page
    assert f'href="{reverse("proposals:create")}">New proposal</a>, pick the client' in page


def test_practice_with_clients_is_sent_to_new_proposal(admin_web, practice):
    ClientFactory(practice=practice)
    page = admin_web.get(LIST).content.decode()
    assert "Write your first proposal" in page
    assert "Add your first client" not in page
    assert f'Your clients are in <a href="{reverse("clients:list")}">Clients</a>' in page


def test_archived_clients_do_not_count_as_a_start(admin_web, practice):
    ClientFactory(practice=practice, archived=True)
    assert "Add your first client" in admin_web.get(LIST).content.decode()


def test_filters_that_match_nothing_say_so_once_proposals_exist(admin_web, practice):
    make_proposal(ClientFactory(practice=practice), title="Annual accounts")
    page = admin_web.get(LIST, {"q": "nothing like it"}).content.decode()
    assert "No proposals match these filters." in page
    assert "Write your first proposal" not in page


def test_htmx_filtering_of_an_empty_practice_keeps_the_start_guide(admin_web):
    response = admin_web.get(LIST, {"q": "x"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    page = response.content.decode()
    assert "<h1>" not in page
    assert "Write your first proposal" in page


def test_other_practices_proposals_do_not_hide_the_start_guide(admin_web):
    make_proposal(ClientFactory(), title="Someone else's")
    assert Client.objects.count() == 1
    assert "Write your first proposal" in admin_web.get(LIST).content.decode()
