import pytest
from django.urls import reverse

from practicelink.clients.models import Client
from practicelink.team.services import member_delete
from tests.factories import ClientFactory, MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_create_and_partially_update_a_client(admin_api, practice, admin, standard):
    created = admin_api.post(
        reverse("client-list"),
        {"name": "Acme", "email": "acme@example.com", "partner": admin.pk},
        format="json",
    )
    assert created.status_code == 201
    client_id = created.json()["id"]
    updated = admin_api.patch(
        reverse("client-detail", args=[client_id]),
        {"manager": standard.pk, "archived": True},
        format="json",
    )
    assert updated.status_code == 200
    client = Client.objects.get(pk=client_id)
    assert (client.practice, client.name, client.email) == (practice, "Acme", "acme@example.com")
    assert (client.partner, client.manager, client.archived) == (admin, standard, True)


def test_member_of_another_practice_is_a_400(admin_api):
    stranger = MemberFactory(practice=PracticeFactory())
    response = admin_api.post(
        reverse("client-list"), {"name": "Acme", "manager": stranger.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"manager": [f"There is no member {stranger.pk} in this practice."]}
    assert not Client.objects.exists()


def test_deleted_member_is_a_400_from_the_service(admin_api, practice, admin, standard):
    client = ClientFactory(practice=practice, name="Acme")
    member_delete(practice=practice, member=standard, by=admin)
    response = admin_api.patch(
        reverse("client-detail", args=[client.pk]), {"partner": standard.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"partner": ["Sam Standard is deleted and cannot be the partner."]}
    client.refresh_from_db()
    assert client.partner is None


def test_blank_name_is_a_400(admin_api):
    response = admin_api.post(reverse("client-list"), {"name": "  "}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["This field may not be blank."]}


def test_the_list_searches_names_and_filters_as_the_clients_screen(admin_api, practice, admin):
    ClientFactory(practice=practice, name="Bluebird Dental", partner=admin)
    ClientFactory(practice=practice, name="Blue Harbour Cafe")
    ClientFactory(practice=practice, name="Redwood Farms", partner=admin)
    ClientFactory(practice=PracticeFactory(), name="Bluebell (another practice)")
    listed = reverse("client-list")

    def names(query):
        answer = admin_api.get(listed, query)
        assert answer.status_code == 200
        return sorted(row["name"] for row in answer.json()["results"])

    assert names({"q": "blue"}) == ["Blue Harbour Cafe", "Bluebird Dental"]
    assert names({"q": "  BIRD "}) == ["Bluebird Dental"]
    assert names({"partner": admin.pk}) == ["Bluebird Dental", "Redwood Farms"]
    assert names({"q": "blue", "partner": admin.pk}) == ["Bluebird Dental"]
    assert names({"q": "nothing like it"}) == []
    stranger = MemberFactory(practice=PracticeFactory())
    refused = admin_api.get(listed, {"partner": stranger.pk})
    assert refused.status_code == 400
    assert refused.json() == {
        "partner": ["Select a valid choice. That choice is not one of the available choices."]
    }
