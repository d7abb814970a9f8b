"""What real XPM answers showed (wire recordings, 2020-23) and the emulator reproduces:
empty and absent elements, the client tax block and groups, the 3.0 answer form and the
strict update mode. Element order per endpoint is pinned in tests/contract."""

from __future__ import annotations

import pytest

from tests.xpm_emulator.test_jobs import ACME, LUCAS, OLIVIA, add_job
from xpm_emulator.models import legacy_id
from xpm_emulator.seed import DEMO_TENANT_ID, seed_uuid

FERNHILL = seed_uuid("demo", "client", "Fernhill Family Trust")
BAKERY = seed_uuid("demo", "client", "Bluegum Bakery")
COMPLIANCE = seed_uuid("demo", "category", "Compliance")
YES_NO = (
    "GSTRegistered",
    "PrepareGST",
    "SignedTaxAuthority",
    "PrepareActivityStatement",
    "PrepareTaxReturn",
    "ActiveAtoClient",
)


def configure(http, **settings) -> None:
    response = http.patch("/_emulator/config", json=settings)
    assert response.status_code == 200, response.text


def test_empty_client_email_is_left_out_other_empty_fields_are_sent(api):
    root = api.ok("POST", "client.api/add", "<Client><Name>No Email Ltd</Name></Client>")
    client = root.find("Client")
    assert client.find("Email") is None
    assert client.find("Fax") is not None and client.findtext("Fax") == ""
    api.ok("PUT", "client.api/update", f"<Client><UUID>{ACME}</UUID><Email></Email></Client>")
    assert api.ok("GET", f"client.api/get/{ACME}").find("Client/Email") is None


def test_tax_block_yes_no_fields_are_never_empty(api):
    client = api.ok("GET", f"client.api/get/{ACME}").find("Client")
    assert [client.findtext(tag) for tag in YES_NO] == ["No"] * len(YES_NO)
    assert (client.findtext("BranchNumber"), client.findtext("AgencyStatus")) == ("", "Unlinked")
    body = (
        f"<Client><UUID>{ACME}</UUID><PrepareGST>yes</PrepareGST><GSTRegistered>true"
        "</GSTRegistered><PrepareTaxReturn></PrepareTaxReturn><BranchNumber>1</BranchNumber>"
        "</Client>"
    )
    client = api.ok("PUT", "client.api/update", body).find("Client")
    assert (client.findtext("PrepareGST"), client.findtext("GSTRegistered")) == ("Yes", "Yes")
    assert (client.findtext("PrepareTaxReturn"), client.findtext("BranchNumber")) == ("No", "1")
    bad = f"<Client><UUID>{ACME}</UUID><PrepareGST>maybe</PrepareGST></Client>"
    assert api.error("PUT", "client.api/update", bad) == (
        "Invalid PrepareGST: expected Yes or No, got 'maybe'"
    )


def test_detailed_clients_list_their_groups(api):
    clients = {
        c.findtext("Name"): c
        for c in api.ok("GET", "client.api/list", detailed="true").iter("Client")
    }
    groups = clients["Fernhill Family Trust"].findall("Groups/Group")
    assert [(g.findtext("UUID"), g.findtext("Name")) for g in groups] == [
        (seed_uuid("demo", "group", "Fernhill Family"), "Fernhill Family")
    ]
    assert [child.tag for child in groups[0]] == ["UUID", "Name"]
    assert clients["Acme Plumbing Ltd"].find("Groups") is not None
    assert list(clients["Acme Plumbing Ltd"].find("Groups")) == []
    assert api.ok("GET", "client.api/list").find("Clients/Client/Groups") is None


def test_groups_can_be_seeded(http, api):
    document = {
        "tenants": [
            {
                "name": "Grouped Practice",
                "tenant_id": "0c7b1a52-0000-4000-8000-000000000001",
                "clients": [{"name": "Solo Ltd", "uuid": "0c7b1a52-0000-4000-8000-0000000000c1"}],
                "client_groups": [
                    {
                        "name": "Solo Group",
                        "uuid": "0c7b1a52-0000-4000-8000-0000000000a1",
                        "client_uuids": ["0c7b1a52-0000-4000-8000-0000000000c1"],
                    }
                ],
            }
        ]
    }
    assert http.post("/_emulator/seed", json=document).status_code == 200
    token = http.post("/_emulator/tokens", json={}).json()["access_token"]
    api.token, api.tenant_id = token, "0c7b1a52-0000-4000-8000-000000000001"
    client = api.ok("GET", "client.api/get/0c7b1a52-0000-4000-8000-0000000000c1")
    assert client.findtext("Client/Groups/Group/Name") == "Solo Group"


def test_task_without_staff_has_no_assigned_and_job_has_internal_id(api):
    job_id = add_job(
        api,
        extra=f"<TemplateUUID>{seed_uuid('demo', 'template', 'Monthly Payroll')}</TemplateUUID>",
    )
    job = api.ok("GET", f"job.api/get/{job_id}").find("Job")
    task = job.find("Tasks/Task")
    assert task.find("Assigned") is None
    assert task.find("StartDate") is None and task.find("DueDate") is None
    assert job.findtext("InternalID").isdigit()
    body = (
        f'<Job><ID>{job_id}</ID><add uuid="{LUCAS}"/>'
        f'<add uuid="{LUCAS}" task-uuid="{task.findtext("UUID")}"/></Job>'
    )
    task = api.ok("PUT", "job.api/assign", body).find("Job/Tasks/Task")
    assert task.findtext("Assigned/Staff/Name") == "Lucas Rossi"


def test_unknown_query_parameters_and_detailed_false_are_ignored(api):
    plain = api.ok("GET", "client.api/list")
    odd = api.ok("GET", "client.api/list", modified_since="2030-01-01", detailed="false")
    assert len(odd.findall("Clients/Client")) == len(plain.findall("Clients/Client")) == 30
    assert odd.find("Clients/Client/Notes") is None


def test_answer_form_3_0_uses_integer_ids(http, api, tenant):
    job_id = add_job(
        api,
        extra=f"<TemplateUUID>{seed_uuid('demo', 'template', 'Monthly Payroll')}</TemplateUUID>",
    )
    api.ok("PUT", "job.api/assign", f'<Job><ID>{job_id}</ID><add-manager uuid="{OLIVIA}"/></Job>')
    configure(http, answer_form="3.0")
    staff = api.ok("GET", "staff.api/list").find("StaffList/Staff")
    assert [child.tag for child in staff][:2] == ["ID", "Name"]
    assert staff.findtext("ID").isdigit()
    client = api.ok("GET", f"client.api/get/{ACME}").find("Client")
    assert [client[0].tag, client[-1].tag] == ["ID", "UUID"]
    assert (client.findtext("ID"), client.findtext("UUID")) == (legacy_id(ACME), ACME)
    assert client.findtext("AccountManager/ID") == legacy_id(OLIVIA)
    job = api.ok("GET", f"job.api/get/{job_id}").find("Job")
    assert job.find("UUID") is None
    assert (job.findtext("Client/ID"), job.findtext("Manager/ID")) == (
        legacy_id(ACME),
        legacy_id(OLIVIA),
    )
    assert [child.tag for child in job.find("Tasks/Task")][:3] == ["ID", "Name", "TaskID"]
    # Integer IDs address records too, as on XPM 3.0.
    assert api.ok("GET", f"client.api/get/{legacy_id(ACME)}").findtext("Client/Name") == (
        "Acme Plumbing Ltd"
    )
    configure(http, answer_form="3.1")
    assert api.ok("GET", "staff.api/list").find("StaffList/Staff/UUID") is not None


def test_answer_form_is_checked(http):
    response = http.patch("/_emulator/config", json={"answer_form": "2.0"})
    assert response.status_code == 400
    assert "answer_form" in response.json()["error"]


@pytest.mark.parametrize("strict", [False, True])
def test_client_update_keeps_or_blanks_fields_not_sent(http, api, strict):
    configure(http, strict_update=strict)
    body = f"<Client><UUID>{BAKERY}</UUID><Name>Bluegum Bakery</Name></Client>"
    client = api.ok("PUT", "client.api/update", body).find("Client")
    kept = (
        client.findtext("Phone"),
        client.findtext("Email"),
        client.findtext("AccountManager/UUID"),
        client.findtext("JobManager/UUID"),
    )
    if strict:
        assert kept == ("", None, None, None)
    else:
        assert all(kept)


@pytest.mark.parametrize("strict", [False, True])
def test_job_update_keeps_or_blanks_fields_not_sent(http, api, strict):
    extra = (
        "<ClientNumber>PO-1</ClientNumber><Budget>100</Budget>"
        f"<CategoryUUID>{COMPLIANCE}</CategoryUUID>"
    )
    job_id = add_job(api, extra=extra)
    configure(http, strict_update=strict)
    body = f"<Job><ID>{job_id}</ID><Name>Renamed</Name></Job>"
    job = api.ok("PUT", "job.api/update", body).find("Job")
    fields = (job.findtext("ClientOrderNumber"), job.findtext("Budget"), job.findtext("Type"))
    assert job.findtext("Name") == "Renamed"
    assert job.findtext("Description") == "FY25"
    assert fields == (("", None, None) if strict else ("PO-1", "100.00", "Compliance"))


def test_reset_restores_the_answer_form_and_update_mode(http, emulator):
    configure(http, answer_form="3.0", strict_update=True)
    assert http.post("/_emulator/reset").status_code == 200
    config = http.get("/_emulator/config").json()
    assert (config["answer_form"], config["strict_update"]) == ("3.1", False)
    assert emulator.store.tenant(DEMO_TENANT_ID) is not None
