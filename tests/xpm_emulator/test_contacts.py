"""client.api contact methods against the in-process emulator: each answers
api-method="Contact" with the whole contact (DELETE with the one it deleted)."""

from __future__ import annotations

import pytest

from xpm_emulator.seed import seed_uuid

ACME = seed_uuid("demo", "client", "Acme Plumbing Ltd")
ACME_CONTACT = seed_uuid("demo", "contact", "Acme Plumbing Ltd")
UNKNOWN = "00000000-0000-0000-0000-000000000000"
CONTACT_TAGS = [
    "UUID",
    "Name",
    "Mobile",
    "Email",
    "Phone",
    "Position",
    "Salutation",
    "Addressee",
    "IsPrimary",
]


def add_contact(api, fields: str = "") -> str:
    body = f"<Contact><Client><UUID>{ACME}</UUID></Client><Name>Jo Smith</Name>{fields}</Contact>"
    root = api.ok("POST", "client.api/contact", body)
    assert root.get("api-method") == "Contact"
    return root.findtext("Contact/UUID")


def acme_contacts(api) -> dict[str, str]:
    contacts = api.ok("GET", f"client.api/get/{ACME}").findall("Client/Contacts/Contact")
    return {c.findtext("Name"): c.findtext("IsPrimary") for c in contacts}


def test_add_answers_the_whole_contact_and_adds_it_to_the_client(api):
    uuid = add_contact(api, "<Email>jo@acme.example</Email><Position>0</Position>")
    contact = api.ok("GET", f"client.api/contact/{uuid}").find("Contact")
    assert [child.tag for child in contact] == CONTACT_TAGS
    assert (contact.findtext("Email"), contact.findtext("Position")) == ("jo@acme.example", "0")
    assert contact.findtext("IsPrimary") == "No"
    assert acme_contacts(api) == {"Acme Contact": "Yes", "Jo Smith": "No"}


def test_update_changes_the_fields_sent_and_moves_the_primary(api):
    uuid = add_contact(api, "<Phone>09 1</Phone>")
    body = "<Contact><Name>Jo Smith-Jones</Name><IsPrimary>Yes</IsPrimary></Contact>"
    root = api.ok("PUT", f"client.api/contact/{uuid}", body)
    assert root.get("api-method") == "Contact"
    contact = root.find("Contact")
    assert [child.tag for child in contact] == CONTACT_TAGS
    assert (contact.findtext("Name"), contact.findtext("Phone")) == ("Jo Smith-Jones", "09 1")
    assert acme_contacts(api) == {"Acme Contact": "No", "Jo Smith-Jones": "Yes"}


def test_delete_answers_the_deleted_contact(api):
    uuid = add_contact(api)
    root = api.ok("DELETE", f"client.api/contact/{uuid}")
    assert root.get("api-method") == "Contact"
    assert root.findtext("Contact/UUID") == uuid
    assert root.findtext("Contact/Name") == "Jo Smith"
    assert acme_contacts(api) == {"Acme Contact": "Yes"}
    assert api.error("GET", f"client.api/contact/{uuid}") == "Invalid contact identifier"


@pytest.mark.parametrize(
    ("verb", "path", "body", "message"),
    [
        (
            "PUT",
            f"client.api/contact/{UNKNOWN}",
            "<Contact><Name>x</Name></Contact>",
            "Invalid contact identifier",
        ),
        ("DELETE", f"client.api/contact/{UNKNOWN}", None, "Invalid contact identifier"),
        (
            "PUT",
            f"client.api/contact/{ACME_CONTACT}",
            "<Contact><Name></Name></Contact>",
            "The contact name is required",
        ),
        (
            "POST",
            "client.api/contact",
            f"<Contact><Client><UUID>{UNKNOWN}</UUID></Client><Name>x</Name></Contact>",
            "Invalid client identifier",
        ),
        (
            "POST",
            "client.api/contact",
            "<Contact><Name>x</Name></Contact>",
            "Invalid client identifier",
        ),
        (
            "POST",
            "client.api/contact",
            f"<Contact><Client><UUID>{ACME}</UUID></Client></Contact>",
            "Message not in expected format. The following required element was missing - "
            "/Contact/Name",
        ),
    ],
)
def test_contact_errors_change_nothing(api, verb, path, body, message):
    assert api.error(verb, path, body) == message
    assert acme_contacts(api) == {"Acme Contact": "Yes"}
