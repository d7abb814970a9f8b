"""A client name another client already has (but for case and spacing) is warned about: the
existing client is offered, and a second one is saved only when asked for."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from practicelink.clients.models import Client
from practicelink.clients.services import DuplicateClientName, client_create, client_update
from tests.factories import ClientFactory, PracticeFactory

pytestmark = pytest.mark.django_db
WARNING = "“Bluebird Dental” already exists. Use it, or save “bluebird  dental” as another client."


@pytest.fixture
def bluebird(practice, admin):
    return ClientFactory(practice=practice, name="Bluebird Dental", partner=admin)


def test_service_refuses_the_same_name_but_for_case_and_spacing(practice, bluebird):
    with pytest.raises(DuplicateClientName) as refused:
        client_create(practice=practice, name="  bluebird  dental ")
    assert refused.value.existing == [bluebird]
    assert refused.value.message_dict == {"name": [WARNING]}
    assert Client.objects.filter(practice=practice).count() == 1


def test_service_saves_a_second_client_when_asked(practice, bluebird):
    second = client_create(practice=practice, name=" bluebird dental ", allow_duplicate=True)
    assert second.name == "bluebird dental"
    assert Client.objects.filter(practice=practice).count() == 2


def test_similar_names_and_other_practices_are_not_duplicates(practice, bluebird):
    ClientFactory(practice=PracticeFactory(), name="Acme Ltd")
    assert client_create(practice=practice, name="Bluebird Dental Group").pk
    assert client_create(practice=practice, name="Bluebird.Dental").pk
    assert client_create(practice=practice, name="acme ltd").pk


def test_renaming_onto_another_client_is_warned_but_other_edits_are_not(practice, bluebird):
    other = ClientFactory(practice=practice, name="Blue Bird")
    with pytest.raises(ValidationError):
        client_update(practice=practice, client=other, name="BLUEBIRD DENTAL")
    twin = client_create(practice=practice, name="Bluebird Dental", allow_duplicate=True)
    client_update(practice=practice, client=twin, name="Bluebird Dental", email="b@example.com")
    twin.refresh_from_db()
    assert twin.email == "b@example.com"


def test_form_warns_offers_the_existing_client_and_keeps_the_input(
    admin_web, practice, bluebird, admin
):
    response = admin_web.post(
        reverse("clients:create"),
        {"name": "bluebird  dental", "email": "front@bluebird.example", "partner": admin.pk},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert WARNING in page
    assert (
        f'<a href="{reverse("clients:edit", args=[bluebird.pk])}">Open Bluebird Dental</a>' in page
    )
    assert f"partner {admin.name}" in page
    assert 'value="front@bluebird.example"' in page
    assert '<button type="submit" name="allow_duplicate" value="on">' in page
    assert Client.objects.filter(practice=practice).count() == 1


def test_form_saves_another_client_when_the_button_is_pressed(admin_web, practice, bluebird):
    response = admin_web.post(
        reverse("clients:create"), {"name": "bluebird  dental", "allow_duplicate": "on"}
    )
    assert response.status_code == 302
    assert sorted(Client.objects.filter(practice=practice).values_list("name", flat=True)) == [
        "Bluebird Dental",
        "bluebird  dental",
    ]


def test_edit_form_warns_before_renaming_onto_another_client(admin_web, practice, bluebird):
    other = ClientFactory(practice=practice, name="Blue Bird")
    response = admin_web.post(reverse("clients:edit", args=[other.pk]), {"name": "Bluebird Dental"})
    assert response.status_code == 200
    assert "Open Bluebird Dental" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Blue Bird"


def test_api_refuses_with_the_existing_clients_until_allowed(admin_api, practice, bluebird):
    url = reverse("client-list")
    refused = admin_api.post(url, {"name": "bluebird  dental"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "name": [WARNING],
        "existing": [{"id": bluebird.pk, "name": "Bluebird Dental"}],
    }
    saved = admin_api.post(url, {"name": "bluebird dental", "allow_duplicate": True}, format="json")
    assert saved.status_code == 201
    assert "allow_duplicate" not in saved.json()
    assert Client.objects.filter(practice=practice).count() == 2
