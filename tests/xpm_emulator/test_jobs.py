"""job.api and the catalogue lists against the in-process emulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from tests.xpm_emulator.conftest import mint_token
from xpm_emulator.seed import seed_uuid

ACME = seed_uuid("demo", "client", "Acme Plumbing Ltd")
ACME_CONTACT = seed_uuid("demo", "contact", "Acme Plumbing Ltd")
OLIVIA = seed_uuid("demo", "staff", "Olivia Bennett")
LIAM = seed_uuid("demo", "staff", "Liam O'Connor")
LUCAS = seed_uuid("demo", "staff", "Lucas Rossi")
ANNUAL = seed_uuid("demo", "template", "Annual Accounts")
TAX = seed_uuid("demo", "template", "Income Tax Return")
REVIEW = seed_uuid("demo", "task", "Partner Review")
COMPLIANCE = seed_uuid("demo", "category", "Compliance")
UNKNOWN = "00000000-0000-0000-0000-000000000000"


def job_body(job_id: str = "", extra: str = "") -> str:
    custom = f"<ID>{job_id}</ID>" if job_id else ""
    return (
        f"<Job><Name>Annual accounts 2025</Name><Description>FY25</Description>"
        f"<ClientUUID>{ACME}</ClientUUID><StartDate>20250701</StartDate>"
        f"<DueDate>20250930</DueDate>{custom}{extra}</Job>"
    )


def add_job(api, job_id: str = "", extra: str = "") -> str:
    return api.ok("POST", "job.api/add", job_body(job_id, extra)).findtext("Job/ID")


def test_add_numbers_jobs_and_reads_back_like_xpm(api):
    extra = (
        f"<ContactUUID>{ACME_CONTACT}</ContactUUID><ClientNumber>PO-7</ClientNumber>"
        f"<CategoryUUID>{COMPLIANCE}</CategoryUUID><Budget>1200</Budget>"
        f"<TemplateUUID>{ANNUAL}</TemplateUUID>"
    )
    root = api.ok("POST", "job.api/add", job_body(extra=extra))
    assert root.get("api-method") == "Add"
    job = root.find("Job")
    assert job.findtext("ID") == "J000001"
    assert job.findtext("State") == "Planned"
    assert job.findtext("StartDate") == "2025-07-01T00:00:00"
    assert job.findtext("ClientOrderNumber") == "PO-7"
    assert (job.findtext("Budget"), job.findtext("Type")) == ("1200.00", "Compliance")
    assert job.findtext("Client/Name") == "Acme Plumbing Ltd"
    assert job.findtext("Contact/UUID") == ACME_CONTACT
    assert job.find("Manager") is None and job.find("Partner") is None
    assert [t.findtext("Name") for t in job.findall("Tasks/Task")] == [
        "Bookkeeping Review",
        "Prepare Financial Statements",
        "Partner Review",
    ]
    assert add_job(api) == "J000002"


def test_custom_id_is_honoured_and_duplicates_refused(api, tenant):
    assert add_job(api, "PL-42") == "PL-42"
    assert api.error("POST", "job.api/add", job_body("PL-42")) == (
        "The job number PL-42 is already in use"
    )
    assert add_job(api, "J000001") == "J000001"
    assert add_job(api) == "J000002"  # the sequence skips taken numbers
    assert len(tenant.jobs) == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<Job><ClientUUID>x</ClientUUID></Job>", "/Job/Name"),
        (job_body().replace(ACME, UNKNOWN), "Invalid client identifier"),
        (job_body().replace("20250701", "2025-07-01"), "Invalid StartDate"),
        (job_body().replace("<DueDate>20250930</DueDate>", ""), "/Job/DueDate"),
        (job_body(extra=f"<TemplateUUID>{UNKNOWN}</TemplateUUID>"), "Invalid job template"),
        (job_body(extra=f"<CategoryUUID>{UNKNOWN}</CategoryUUID>"), "Invalid category"),
        (job_body(extra=f"<ContactUUID>{UNKNOWN}</ContactUUID>"), "Invalid contact"),
        (job_body(extra="<Budget>lots</Budget>"), "Invalid Budget"),
    ],
)
def test_add_errors(api, tenant, body, message):
    assert message in api.error("POST", "job.api/add", body)
    assert tenant.jobs == []


def test_get_and_unknown_job(api):
    job_id = add_job(api)
    root = api.ok("GET", f"job.api/get/{job_id}")
    assert root.get("api-method") == "Get"
    assert root.findtext("WebUrl").endswith(job_id)
    assert root.find("Job/Tasks") is not None
    assert api.error("GET", "job.api/get/J999999") == "Invalid job identifier"


def test_current_lists_open_jobs(api):
    first, second = add_job(api), add_job(api)
    api.ok("PUT", "job.api/state", f"<Job><ID>{second}</ID><State>COMPLETED</State></Job>")
    root = api.ok("GET", "job.api/current")
    assert root.get("api-method") == "Current"
    assert [j.findtext("ID") for j in root.findall("Jobs/Job")] == [first]
    assert root.find("Jobs/Job/Tasks") is None
    assert api.ok("GET", "job.api/current", detailed="true").find("Jobs/Job/Tasks") is not None


def test_list_filters_on_creation_date(api, http, emulator):
    emulator.clock.set(datetime(2025, 3, 10, 9, 0))
    api.token = mint_token(http)["access_token"]
    job_id = add_job(api)
    root = api.ok("GET", "job.api/list", **{"from": "20250301", "to": "20250331"})
    assert [j.findtext("ID") for j in root.findall("Jobs/Job")] == [job_id]
    root = api.ok("GET", "job.api/list", **{"from": "20250311", "to": "20260311"})
    assert root.findall("Jobs/Job") == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"to": "20250101"}, "The from parameter is required"),
        ({"from": "20250101"}, "The to parameter is required"),
        ({"from": "2025-01-01", "to": "20250101"}, "Invalid from parameter"),
        ({"from": "20250201", "to": "20250101"}, "The to date must be on or after"),
        ({"from": "20240101", "to": "20250102"}, "The maximum date range"),
        ({"from": "20240229", "to": "20250301"}, "The maximum date range"),
    ],
)
def test_list_requires_a_range_of_at_most_a_year(api, params, message):
    assert api.error("GET", "job.api/list", **params).startswith(message)


def test_update_changes_given_fields(api):
    job_id = add_job(api)
    body = (
        f"<Job><ID>{job_id}</ID><Name>Renamed</Name><DueDate>20251031</DueDate>"
        f"<CategoryID>{COMPLIANCE}</CategoryID><Budget>99.5</Budget></Job>"
    )
    root = api.ok("PUT", "job.api/update", body)
    assert root.get("api-method") == "Update"
    job = root.find("Job")
    assert (job.findtext("Name"), job.findtext("Description")) == ("Renamed", "FY25")
    assert job.findtext("DueDate") == "2025-10-31T00:00:00"
    assert (job.findtext("Type"), job.findtext("Budget")) == ("Compliance", "99.50")
    assert (
        api.error("PUT", "job.api/update", "<Job><ID>NOPE</ID></Job>") == "Invalid job identifier"
    )
    assert api.error("PUT", "job.api/update", f"<Job><ID>{job_id}</ID><Name/></Job>")


def assign(job_id: str, ops: str) -> str:
    return f"<Job><ID>{job_id}</ID>{ops}</Job>"


def test_assign_staff_manager_and_partner(api):
    job_id = add_job(api, extra=f"<TemplateUUID>{ANNUAL}</TemplateUUID>")
    ops = (
        f'<add uuid="{LUCAS}"/><add-manager uuid="{LIAM}"/><add-partner uuid="{OLIVIA}"/>'
        f'<add uuid="{LUCAS}"/>'
    )
    root = api.ok("PUT", "job.api/assign", assign(job_id, ops))
    assert root.get("api-method") == "Assign"
    job = root.find("Job")
    assert [s.findtext("UUID") for s in job.findall("Assigned/Staff")] == [LUCAS]
    assert job.findtext("Manager/Name") == "Liam O'Connor"
    assert job.findtext("Partner/Name") == "Olivia Bennett"
    task_uuid = job.find("Tasks/Task").findtext("UUID")
    root = api.ok(
        "PUT",
        "job.api/assign",
        assign(job_id, f'<add uuid="{LUCAS}" task-uuid="{task_uuid}"/>'),
    )
    staff = root.find("Job/Tasks/Task/Assigned/Staff")
    assert (staff.findtext("UUID"), staff.findtext("AllocatedMinutes")) == (LUCAS, "0")
    ops = f'<remove id="{LUCAS}"/><remove-manager/><remove-partner/>'
    job = api.ok("PUT", "job.api/assign", assign(job_id, ops)).find("Job")
    assert job.find("Assigned/Staff") is None and job.find("Manager") is None
    assert job.find("Partner") is None
    assert job.find("Tasks/Task/Assigned/Staff") is None  # off the job, off its tasks


def test_task_staff_must_be_on_the_job_unless_lenient(api, emulator):
    job_id = add_job(api, extra=f"<TemplateUUID>{ANNUAL}</TemplateUUID>")
    task_uuid = emulator.store.tenants[0].find_job(job_id).tasks[0].uuid
    op = f'<add uuid="{LUCAS}" task-uuid="{task_uuid}"/>'
    assert api.error("PUT", "job.api/assign", assign(job_id, op)) == (
        f"Staff Lucas Rossi is not assigned to job {job_id}"
    )
    # Both adds in one message work, whatever their order.
    root = api.ok("PUT", "job.api/assign", assign(job_id, op + f'<add uuid="{LUCAS}"/>'))
    assert root.findtext("Job/Tasks/Task/Assigned/Staff/UUID") == LUCAS
    api.ok("PUT", "job.api/assign", assign(job_id, f'<remove uuid="{LUCAS}"/>'))
    emulator.config = replace(emulator.config, strict_task_assignment=False)
    root = api.ok("PUT", "job.api/assign", assign(job_id, op))
    assert root.findtext("Job/Assigned/Staff/UUID") == LUCAS
    assert root.findtext("Job/Tasks/Task/Assigned/Staff/UUID") == LUCAS


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (f'<add uuid="{UNKNOWN}"/>', "Invalid staff identifier for add request"),
        (f'<add-manager uuid="{UNKNOWN}"/>', "Invalid staff identifier for add request"),
        (f'<remove uuid="{UNKNOWN}"/>', "Invalid staff identifier for remove request"),
        (f'<add uuid="{LUCAS}" task-uuid="{UNKNOWN}"/>', "Invalid task identifier"),
    ],
)
def test_assign_errors_change_nothing(api, tenant, ops, message):
    job_id = add_job(api)
    body = assign(job_id, f'<add uuid="{OLIVIA}"/>{ops}')
    assert api.error("PUT", "job.api/assign", body) == message
    assert tenant.find_job(job_id).assigned == []
    assert api.error("PUT", "job.api/assign", assign("J999", "")) == "Invalid job identifier"


def test_task_adds_a_task_and_answers_its_uuid(api, tenant):
    job_id = add_job(api)
    body = (
        f"<Task><Job>{job_id}</Job><TaskUUID>{REVIEW}</TaskUUID><Label>Final review</Label>"
        "<EstimatedMinutes>90</EstimatedMinutes><StartDate>20250901</StartDate></Task>"
    )
    root = api.ok("POST", "job.api/task", body)
    task = tenant.find_job(job_id).tasks[0]
    assert root.findtext("UUID") == task.uuid
    assert (task.name, task.estimated_minutes, task.start_date) == (
        "Final review",
        90,
        "2025-09-01",
    )
    detail = api.ok("GET", f"job.api/get/{job_id}").find("Job/Tasks/Task")
    assert detail.findtext("TaskUUID") == REVIEW
    assert detail.findtext("StartDate") == "2025-09-01T00:00:00"
    bad_type = body.replace(REVIEW, UNKNOWN)
    assert api.error("POST", "job.api/task", bad_type) == "Invalid task identifier"
    assert (
        api.error("POST", "job.api/task", body.replace(job_id, "J999")) == "Invalid job identifier"
    )
    bad_minutes = body.replace("90", "ninety")
    assert api.error("POST", "job.api/task", bad_minutes).startswith("Invalid EstimatedMinutes")


def test_state_takes_interface_codes(api, tenant):
    job_id = add_job(api)
    root = api.ok("PUT", "job.api/state", f"<Job><ID>{job_id}</ID><State>INPROGRESS</State></Job>")
    assert (root.get("api-method"), len(root)) == ("State", 1)
    assert api.ok("GET", f"job.api/get/{job_id}").findtext("Job/State") == "In Progress"
    api.ok("PUT", "job.api/state", f"<Job><ID>{job_id}</ID><State>COMPLETED</State></Job>")
    assert api.ok("GET", f"job.api/get/{job_id}").findtext("Job/CompletedDate")
    body = f"<Job><ID>{job_id}</ID><State>Done</State></Job>"
    assert api.error("PUT", "job.api/state", body) == "Invalid state code"


def test_applytemplate_add_new_and_append_existing(api):
    job_id = add_job(api, extra=f"<TemplateUUID>{ANNUAL}</TemplateUUID>")
    body = (
        f"<Job><ID>{job_id}</ID><TemplateUUID>{TAX}</TemplateUUID><TaskMode>{{}}</TaskMode></Job>"
    )
    root = api.ok("POST", "job.api/applytemplate", body.format("AppendExisting"))
    assert root.get("api-method") == "ApplyTemplate"
    names = [t.findtext("Name") for t in root.findall("Job/Tasks/Task")]
    assert names.count("Partner Review") == 1 and len(names) == 5
    root = api.ok("POST", "job.api/applytemplate", body.format("AddNew"))
    assert len(root.findall("Job/Tasks/Task")) == 8
    assert api.error("POST", "job.api/applytemplate", body.format("Sideways")).startswith(
        "Invalid TaskMode"
    )
    unknown = body.format("AddNew").replace(TAX, UNKNOWN)
    assert api.error("POST", "job.api/applytemplate", unknown) == "Invalid job template identifier"


def test_delete(api, tenant):
    job_id = add_job(api)
    root = api.ok("POST", "job.api/delete", f"<Job><ID>{job_id}</ID></Job>")
    assert (root.get("api-method"), len(root)) == ("Delete", 1)
    assert tenant.jobs == []
    body = f"<Job><ID>{job_id}</ID></Job>"
    assert api.error("POST", "job.api/delete", body) == "Invalid job identifier"


@pytest.mark.parametrize(
    ("path", "container", "count", "first"),
    [
        ("task.api/list", "TaskList/Task", 9, "Bookkeeping Review"),
        ("template.api/list", "Templates/Template", 4, "Annual Accounts"),
        ("category.api/list", "Categories/Category", 4, "Advisory"),
        ("jobstate.api/list", "JobStates/JobState", 6, "Planned"),
    ],
)
def test_catalogue_lists(api, path, container, count, first):
    root = api.ok("GET", path)
    assert root.get("api-method") == "List"
    items = root.findall(container)
    assert (len(items), items[0].findtext("Name")) == (count, first)
    assert items[0].findtext("UUID")
