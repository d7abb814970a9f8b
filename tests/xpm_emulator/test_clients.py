"""client.api against the in-process emulator."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.xpm_emulator.conftest import mint_token
from xpm_emulator.seed import SEED_MODIFIED_AT, seed_uuid

ACME = seed_uuid("demo", "client", "Acme Plumbing Ltd")
OLIVIA = seed_uuid("demo", "staff", "Olivia Bennett")
EMMA = seed_uuid("demo", "staff", "Emma Wilson")
UNKNOWN = "00000000-0000-0000-0000-000000000000"


def test_list_has_managers_and_omits_unset_links(api):
    root = api.ok("GET", "client.api/list")
    assert root.get("api-method") == "List"
    clients = root.findall("Clients/Client")
    assert len(clients) == 30
    acme = clients[0]
    assert acme.findtext("AccountManager/Name") == "Olivia Bennett"
    assert acme.findtext("JobManager/Name") == "Liam O'Connor"
    assert acme.find("Notes") is None  # only with detailed=true
    [david] = [c for c in clients if c.findtext("Name") == "David Osei"]
    assert david.find("AccountManager") is None and david.find("JobManager") is None


def test_detailed_list_adds_notes_groups_relationships(api):
    client = api.ok("GET", "client.api/list", detailed="true").find("Clients/Client")
    assert [client.find(t) is not None for t in ("Notes", "Groups", "Relationships")] == [True] * 3


def test_modifiedsince_returns_clients_changed_since(api, http, emulator, tenant):
    later = "2030-01-01T00:00:00"
    everyone = api.ok("GET", "client.api/list", modifiedsince=SEED_MODIFIED_AT)
    assert len(everyone.findall("Clients/Client")) == 30
    assert api.ok("GET", "client.api/list", modifiedsince=later).findall("Clients/Client") == []
    emulator.clock.set(datetime(2030, 1, 1, 0, 0, 5))
    api.token = mint_token(http)["access_token"]
    api.ok("PUT", "client.api/update", f"<Client><UUID>{ACME}</UUID><Phone>1</Phone></Client>")
    changed = api.ok("GET", "client.api/list", modifiedsince=later).findall("Clients/Client")
    assert [c.findtext("UUID") for c in changed] == [ACME]
    assert tenant.clients[0].modified_at == "2030-01-01T00:00:05"
    assert api.error("GET", "client.api/list", modifiedsince="2030-01-01") == (
        "Invalid modifiedsince: expected yyyy-MM-ddTHH:mm:ss"
    )


def test_paged_list_walks_pages_with_next_links(api):
    names, params = [], {"pageSize": "12"}
    for _ in range(5):
        root = api.ok("GET", "client.api/paged-list", **params)
        names += [c.findtext("Name") for c in root.findall("Clients/Client")]
        next_link = root.findtext("Pagination/Links/Next")
        assert root.findtext("Pagination/Links/First")
        if next_link is None:
            break
        assert next_link.startswith("http://testserver/practicemanager/3.1/client.api/paged-list?")
        params = {k: v[0] for k, v in parse_qs(urlsplit(next_link).query).items()}
    assert len(names) == len(set(names)) == 30


def test_paged_list_skips_archived_and_rejects_bad_parameters(api, tenant):
    tenant.clients[0].is_archived = True
    assert len(api.ok("GET", "client.api/paged-list").findall("Clients/Client")) == 29
    assert api.error("GET", "client.api/paged-list", pageSize="501").startswith("pageSize")
    assert api.error("GET", "client.api/paged-list", pageToken="!!") == "Invalid pageToken"


def test_search_matches_name_and_email(api):
    root = api.ok("GET", "client.api/search", query="bakery")
    assert root.get("api-method") == "Search"
    assert [c.findtext("Name") for c in root.findall("Clients/Client")] == ["Bluegum Bakery"]
    assert api.error("GET", "client.api/search") == "The query parameter is required"


def test_get_and_unknown(api):
    root = api.ok("GET", f"client.api/get/{ACME}")
    assert root.findtext("WebUrl") and root.findtext("Client/Name") == "Acme Plumbing Ltd"
    assert root.find("Client/Contacts/Contact/IsPrimary").text == "Yes"
    assert api.error("GET", f"client.api/get/{UNKNOWN}") == "Invalid client identifier"


def test_add_with_managers_and_contacts(api, tenant):
    body = f"""<Client><Name>Bloggs Electrical Ltd</Name><Email>info@bloggs.example</Email>
      <WebSite>bloggs.example</WebSite><AccountManagerUUID>{OLIVIA}</AccountManagerUUID>
      <JobManagerUUID>{EMMA}</JobManagerUUID>
      <Contacts><Contact><Name>Jo</Name><IsPrimary>Yes</IsPrimary></Contact>
      <Contact><Name>Sam</Name><IsPrimary>Yes</IsPrimary></Contact></Contacts></Client>"""
    root = api.ok("POST", "client.api/add", body)
    assert root.get("api-method") == "Add"
    client = root.find("Client")
    assert client.findtext("AccountManager/UUID") == OLIVIA
    assert client.findtext("JobManager/Name") == "Emma Wilson"
    assert client.findtext("Website") == "bloggs.example"
    primaries = [c.findtext("IsPrimary") for c in client.findall("Contacts/Contact")]
    assert primaries == ["No", "Yes"]  # the last primary wins
    assert len(tenant.clients) == 31


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<Client><Email>x</Email></Client>", "The client name is required"),
        (
            f"<Client><Name>X</Name><AccountManagerUUID>{UNKNOWN}</AccountManagerUUID></Client>",
            "Invalid staff identifier for AccountManager",
        ),
        (
            f"<Client><Name>X</Name><JobManagerUUID>{UNKNOWN}</JobManagerUUID></Client>",
            "Invalid staff identifier for JobManager",
        ),
    ],
)
def test_add_errors(api, tenant, body, message):
    assert api.error("POST", "client.api/add", body) == message
    assert len(tenant.clients) == 30


def test_update_sets_and_clears_managers(api, tenant):
    body = f"<Client><UUID>{ACME}</UUID><AccountManagerUUID>{EMMA}</AccountManagerUUID></Client>"
    root = api.ok("PUT", "client.api/update", body)
    assert root.get("api-method") == "Update"
    assert root.findtext("Client/AccountManager/Name") == "Emma Wilson"
    assert root.findtext("Client/JobManager/Name") == "Liam O'Connor"  # untouched
    root = api.ok(
        "PUT", "client.api/update", f"<Client><UUID>{ACME}</UUID><JobManagerUUID/></Client>"
    )
    assert root.find("Client/JobManager") is None


def test_refused_update_changes_nothing(api, tenant):
    body = (
        f"<Client><UUID>{ACME}</UUID><Phone>999</Phone>"
        f"<JobManagerUUID>{UNKNOWN}</JobManagerUUID></Client>"
    )
    assert api.error("PUT", "client.api/update", body) == "Invalid staff identifier for JobManager"
    assert tenant.clients[0].details["Phone"] != "999"
    assert api.error("PUT", "client.api/update", f"<Client><UUID>{UNKNOWN}</UUID></Client>") == (
        "Invalid client identifier"
    )


def test_archive_and_delete(api, tenant):
    body = f"<Client><UUID>{ACME}</UUID></Client>"
    root = api.ok("PUT", "client.api/archive", body)
    assert (root.get("api-method"), root.findtext("Client/IsArchived")) == ("Archive", "Yes")
    root = api.ok("POST", "client.api/delete", body)
    assert (root.get("api-method"), len(root)) == ("Delete", 1)
    listed = api.ok("GET", "client.api/list").findall("Clients/Client")
    assert listed[0].findtext("IsDeleted") == "Yes"  # XPM keeps deleted clients in list
    assert api.ok("GET", "client.api/search", query="acme").findall("Clients/Client") == []
    assert api.error("POST", "client.api/delete", f"<Client><UUID>{UNKNOWN}</UUID></Client>")
