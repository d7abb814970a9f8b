import pytest
from django.urls import reverse

from practicelink.clients.models import Client
from practicelink.team.services import member_delete
from tests.factories import ClientFactory, MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db

CHOOSE_MEMBER = "Choose a current member of this practice."


def test_create_client_with_partner_and_manager(standard_web, practice, admin, standard):
    response = standard_web.post(
        reverse("clients:create"),
        {"name": "Acme", "email": "acme@example.com", "partner": admin.pk, "manager": standard.pk},
    )
    assert response.status_code == 302
    client = Client.objects.get(practice=practice)
    assert (client.name, client.partner, client.manager) == ("Acme", admin, standard)


@pytest.mark.parametrize("field", ["partner", "manager"])
def test_form_rejects_member_of_another_practice_and_keeps_input(admin_web, field):
    stranger = MemberFactory(practice=PracticeFactory())
    response = admin_web.post(reverse("clients:create"), {"name": "Acme", field: stranger.pk})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [CHOOSE_MEMBER]}
    assert 'value="Acme"' in response.content.decode()
    assert not Client.objects.exists()


def test_picker_offers_current_members_of_the_practice_only(admin_web, practice, admin, standard):
    MemberFactory(practice=PracticeFactory(), name="Stan Stranger")
    member_delete(practice=practice, member=standard, by=admin)
    form = admin_web.get(reverse("clients:create")).context["form"]
    assert list(form.fields["partner"].queryset) == [admin]
    assert list(form.fields["manager"].queryset) == [admin]


def test_edit_archives_a_client(admin_web, practice, admin):
    client = ClientFactory(practice=practice, name="Acme", partner=admin)
    response = admin_web.post(
        reverse("clients:edit", args=[client.pk]),
        {"name": "Acme", "partner": admin.pk, "archived": "on"},
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.archived, client.partner) == (True, admin)
    listing = admin_web.get(reverse("clients:list")).content.decode()
    assert 'Acme <span class="badge">archived</span>' in listing


def test_editing_keeps_a_deleted_partner_and_manager(admin_web, practice, admin, standard):
    client = ClientFactory(practice=practice, name="Acme", partner=standard, manager=standard)
    member_delete(practice=practice, member=standard, by=admin)
    form = admin_web.get(reverse("clients:edit", args=[client.pk])).context["form"]
    assert f"{standard.name} (deleted)" in str(form["partner"])

    response = admin_web.post(
        reverse("clients:edit", args=[client.pk]),
        {"name": "Acme Ltd", "partner": standard.pk, "manager": standard.pk},
    )

    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.name, client.partner, client.manager) == ("Acme Ltd", standard, standard)


def test_a_deleted_member_cannot_be_newly_assigned(admin_web, practice, admin, standard):
    client = ClientFactory(practice=practice, name="Acme", partner=admin)
    member_delete(practice=practice, member=standard, by=admin)
    response = admin_web.post(
        reverse("clients:edit", args=[client.pk]), {"name": "Acme", "partner": standard.pk}
    )
    assert response.context["form"].errors == {"partner": [CHOOSE_MEMBER]}


def test_list_filters_by_partner_and_manager_and_shows_deleted(
    admin_web, practice, admin, standard
):
    ClientFactory(practice=practice, name="Acme", partner=admin, manager=standard)
    ClientFactory(practice=practice, name="Bakery", partner=standard, manager=admin)
    member_delete(practice=practice, member=standard, by=admin)

    by_partner = admin_web.get(reverse("clients:list"), {"partner": standard.pk})
    assert [c.name for c, _ in by_partner.context["rows"]] == ["Bakery"]
    assert 'Sam Standard <span class="badge bad">deleted</span>' in by_partner.content.decode()
    by_manager = admin_web.get(reverse("clients:list"), {"manager": standard.pk, "q": "ac"})
    assert [c.name for c, _ in by_manager.context["rows"]] == ["Acme"]
