import pytest
from django.core.exceptions import ValidationError

from practicelink.clients.models import Client
from practicelink.clients.services import client_create, client_update
from practicelink.team.services import member_delete
from tests.factories import ClientFactory, MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(practice):
    return MemberFactory(practice=practice, name="Pat Partner")


def test_create_with_partner_and_manager(practice, partner, standard):
    client = client_create(
        practice=practice,
        name="  Acme Ltd ",
        email=" acme@example.com ",
        partner=partner,
        manager=standard,
    )
    client.refresh_from_db()
    assert (client.name, client.email) == ("Acme Ltd", "acme@example.com")
    assert (client.practice, client.partner, client.manager) == (practice, partner, standard)
    assert client.archived is False


@pytest.mark.parametrize("field", ["partner", "manager"])
def test_member_of_another_practice_is_rejected(practice, field):
    stranger = MemberFactory(practice=PracticeFactory(), name="Stan Stranger")
    with pytest.raises(ValidationError) as error:
        client_create(practice=practice, name="Acme", **{field: stranger})
    assert error.value.message_dict == {field: [f"The {field} must be a member of Alpha & Co."]}
    assert not Client.objects.exists()


@pytest.mark.parametrize("field", ["partner", "manager"])
def test_deleted_member_is_rejected(practice, admin, partner, field):
    member_delete(practice=practice, member=partner, by=admin)
    with pytest.raises(ValidationError) as error:
        client_create(practice=practice, name="Acme", **{field: partner})
    assert error.value.message_dict == {
        field: [f"Pat Partner is deleted and cannot be the {field}."]
    }


def test_update_rejects_member_of_another_practice_and_keeps_the_client(practice, partner):
    client = ClientFactory(practice=practice, name="Acme", partner=partner)
    stranger = MemberFactory(practice=PracticeFactory())
    with pytest.raises(ValidationError) as error:
        client_update(practice=practice, client=client, name="Renamed", manager=stranger)
    assert error.value.message_dict == {"manager": ["The manager must be a member of Alpha & Co."]}
    client.refresh_from_db()
    assert (client.name, client.partner, client.manager) == ("Acme", partner, None)


def test_archive_and_unarchive(practice, partner):
    client = ClientFactory(practice=practice, name="Acme", partner=partner)
    client_update(practice=practice, client=client, name="Acme", partner=partner, archived=True)
    client.refresh_from_db()
    assert (client.archived, client.partner) == (True, partner)
    client_update(practice=practice, client=client, name="Acme", partner=partner)
    client.refresh_from_db()
    assert client.archived is False


@pytest.mark.parametrize(
    ("name", "email", "errors"),
    [
        ("  ", "", {"name": ["A client needs a name."]}),
        ("Acme", "not-an-email", {"email": ["“not-an-email” is not a valid email address."]}),
    ],
)
def test_invalid_fields_are_clear_errors(practice, name, email, errors):
    with pytest.raises(ValidationError) as error:
        client_create(practice=practice, name=name, email=email)
    assert error.value.message_dict == errors


def test_client_of_another_practice_cannot_be_updated(practice):
    foreign = ClientFactory(practice=PracticeFactory(), name="Foreign")
    with pytest.raises(Client.DoesNotExist):
        client_update(practice=practice, client=foreign, name="Hijacked")
    foreign.refresh_from_db()
    assert foreign.name == "Foreign"
