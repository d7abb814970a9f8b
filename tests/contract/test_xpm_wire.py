"""The XPM wire contract: for every endpoint practicelink uses, the answer in full (status,
headers, envelope, element paths in order), asked of the emulator and read by the client's own
parser. A drift in either, the emulator from recorded XPM or the client from the emulator,
fails here. The shapes follow the XPM 3.1 documentation and the recorded answers (element
order, `api-method` values, left-out empty elements); 3.0 is the same with `ID` for `UUID`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from practicelink.xpm.remote import codec
from xpm_emulator.seed import DEMO_TENANT_ID
from xpm_emulator.testing import EmulatorHandle, running_emulator

HEADERS = {
    "content-type",
    "xero-correlation-id",
    "cache-control",
    "pragma",
    "expires",
    "x-daylimit-remaining",
    "x-minlimit-remaining",
    "x-appminlimit-remaining",
}
LIMIT_HEADERS = {h for h in HEADERS if h.startswith("x-") and h.endswith("limit-remaining")}
JOB = "PL-7-1"
TODAY = datetime.now(UTC).date()

STAFF = "UUID, Name, Email, Phone, Mobile, Address, PayrollCode"
CONTACT = "UUID, Name, Mobile, Email, Phone, Position, Salutation, Addressee, IsPrimary"
CLIENT_HEAD = (
    "UUID, Name, Email, Address, City, Region, PostCode, Country, PostalAddress, PostalCity,"
    " PostalRegion, PostalPostCode, PostalCountry, Phone, Fax, Website, ReferralSource,"
    " ExportCode, IsProspect, IsArchived, IsDeleted, TaxNumber, CompanyNumber, BusinessNumber,"
    " BranchNumber, GSTRegistered, PrepareGST, SignedTaxAuthority, AgencyStatus,"
    " PrepareActivityStatement, PrepareTaxReturn, ActiveAtoClient, AccountManager, JobManager,"
    " Contacts"
)
CLIENT_DETAIL = f"{CLIENT_HEAD}, Notes, Groups, Relationships"
# A client added without an email: XPM leaves the empty <Email> out.
NEW_CLIENT = CLIENT_DETAIL.replace(" Email,", "").replace(" AccountManager, JobManager,", "")
CLIENT_LINKS = {"AccountManager": "UUID, Name", "JobManager": "UUID, Name"}
JOB_HEAD = "ID, UUID, Name, Description, Client, ClientOrderNumber, State, StartDate, DueDate"
JOB_TAIL = "InternalID, Manager, Partner, Assigned, Tasks, Milestones, Notes"
TASK = "UUID, Name, TaskUUID, EstimatedMinutes, ActualMinutes, Description, Completed, Billable"
STAFFED_JOB = {
    "Response": "Status, WebUrl, Job",
    "Response/Job": f"{JOB_HEAD}, {JOB_TAIL}",
    "Response/Job/Client": "UUID, Name",
    "Response/Job/Manager": "UUID, Name",
    "Response/Job/Partner": "UUID, Name",
    "Response/Job/Assigned": "Staff",
    "Response/Job/Assigned/Staff": "UUID, Name",
    "Response/Job/Tasks": "Task",
    # Allocated to nobody: no <Assigned>; unscheduled: no dates.
    "Response/Job/Tasks/Task": f"{TASK}, Folder",
}
# The same job inside `<Jobs>`, as the lists give it.
JOBS = {k.replace("Response/", "Response/Jobs/"): v for k, v in STAFFED_JOB.items() if "/" in k}


def shape(root: Element) -> dict[str, str]:
    """Each element path → its children's tags in order (`Tag*`: several in a row)."""
    found: dict[str, str] = {}

    def walk(element: Element, path: str) -> None:
        tags: list[str] = []
        for child in element:
            if tags and tags[-1].rstrip("*") == child.tag:
                tags[-1] = f"{child.tag}*"
            else:
                tags.append(child.tag)
        if tags:
            found.setdefault(path, ", ".join(tags))
        firsts = {}
        for child in element:
            firsts.setdefault(child.tag, child)
        for tag, child in firsts.items():
            walk(child, f"{path}/{tag}")

    walk(root, root.tag)
    return found


@dataclass
class Wire:
    """Raw HTTP to the emulator's demo practice, and the ids a scenario made."""

    http: httpx.Client
    ids: dict[str, str] = field(default_factory=dict)

    def call(self, verb: str, path: str, body: str | None = None, **params: str) -> httpx.Response:
        return self.http.request(verb, path.format(**self.ids), content=body, params=params)

    def ok(self, verb: str, path: str, body: str | None = None, **params: str) -> Element:
        answer = self.call(verb, path, body.format(**self.ids) if body else None, **params)
        assert answer.status_code == 200, answer.text
        root = fromstring(answer.content)
        assert root.findtext("Status") == "OK", answer.text
        return root


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(seed="demo") as handle:
        yield handle


@pytest.fixture(scope="module")
def pool(emulator: EmulatorHandle) -> Iterator[httpx.Client]:
    """One client for the module, as the app keeps one pool: a client per test cost a TLS
    context each."""
    with httpx.Client(base_url=f"{emulator.api_url}/") as http:
        yield http


@pytest.fixture
def wire(emulator: EmulatorHandle, pool: httpx.Client) -> Iterator[Wire]:
    """A fresh demo practice with a client contact and a staffed job with one task."""
    emulator.reset()
    access, _ = emulator.issue_token([DEMO_TENANT_ID])
    pool.cookies.clear()  # nothing carried over from the previous test but the connections
    pool.headers = httpx.Headers(
        {"Authorization": f"Bearer {access}", "xero-tenant-id": DEMO_TENANT_ID}
    )
    wire = Wire(pool)
    root = wire.ok("GET", "staff.api/list")
    wire.ids["staff"] = root.findtext("StaffList/Staff/UUID") or ""
    root = wire.ok("GET", "client.api/list")
    wire.ids["client"] = root.findtext("Clients/Client/UUID") or ""
    task_type = wire.ok("GET", "task.api/list").findtext("TaskList/Task/UUID") or ""
    wire.ids["task_type"] = task_type
    wire.ids["template"] = wire.ok("GET", "template.api/list").findtext(".//UUID") or ""
    contact = wire.ok(
        "POST",
        "client.api/contact",
        "<Contact><Client><UUID>{client}</UUID></Client><Name>Cara Contact</Name></Contact>",
    )
    wire.ids["contact"] = contact.findtext("Contact/UUID") or ""
    wire.ok(
        "POST",
        "job.api/add",
        f"<Job><ID>{JOB}</ID><Name>Annual accounts</Name><Description>FY25</Description>"
        "<ClientUUID>{client}</ClientUUID><StartDate>20250701</StartDate>"
        "<DueDate>20250930</DueDate></Job>",
    )
    wire.ok(
        "PUT",
        "job.api/assign",
        f'<Job><ID>{JOB}</ID><add uuid="{{staff}}"/><add-manager uuid="{{staff}}"/>'
        '<add-partner uuid="{staff}"/></Job>',
    )
    wire.ok(
        "POST",
        "job.api/task",
        f"<Task><Job>{JOB}</Job><TaskUUID>{task_type}</TaskUUID>"
        "<EstimatedMinutes>60</EstimatedMinutes></Task>",
    )
    yield wire


@dataclass(frozen=True)
class Contract:
    verb: str
    path: str
    api_method: str
    shape: dict[str, str]
    read: Callable[[Element], Any]
    """The client's own parser of this answer (what `XpmClient` does with it)."""
    body: str | None = None
    params: dict[str, str] = field(default_factory=dict)


def _status(root: Element) -> str:
    return root.findtext("Status") or ""


def _list(container: str, item: str, parse: Callable[[Element], Any]) -> Callable[..., Any]:
    return lambda root: codec.many(root, container, item, parse)


def _one(tag: str, parse: Callable[[Element], Any]) -> Callable[..., Any]:
    return lambda root: codec.one(root, tag, parse)


CONTRACTS = {
    "staff list": Contract(
        "GET",
        "staff.api/list",
        "List",
        {
            "Response": "Status, StaffList",
            "Response/StaffList": "Staff*",
            "Response/StaffList/Staff": STAFF,
        },
        _list("StaffList", "Staff", codec.parse_staff),
    ),
    "staff get": Contract(
        "GET",
        "staff.api/get/{staff}",
        "Get",
        {"Response": "Status, WebUrl, Staff", "Response/Staff": STAFF},
        _one("Staff", codec.parse_staff),
    ),
    # Recorded quirk: staff.api/add answers api-method="Get".
    "staff add": Contract(
        "POST",
        "staff.api/add",
        "Get",
        {"Response": "Status, Staff", "Response/Staff": STAFF},
        _one("Staff", codec.parse_staff),
        body="<Staff><Name>Nina New</Name><Email>nina@demo.example</Email></Staff>",
    ),
    "staff update": Contract(
        "PUT",
        "staff.api/update",
        "Update",
        {"Response": "Status, Staff", "Response/Staff": STAFF},
        _one("Staff", codec.parse_staff),
        body="<Staff><UUID>{staff}</UUID><Name>Olivia Bennett-Ray</Name></Staff>",
    ),
    "staff delete": Contract(
        "POST",
        "staff.api/delete",
        "Delete",
        {"Response": "Status"},
        _status,
        body="<Staff><UUID>{staff}</UUID></Staff>",
    ),
    "client list": Contract(
        "GET",
        "client.api/list",
        "List",
        {
            "Response": "Status, Clients",
            "Response/Clients": "Client*",
            "Response/Clients/Client": CLIENT_DETAIL,
            **{f"Response/Clients/Client/{k}": v for k, v in CLIENT_LINKS.items()},
            "Response/Clients/Client/Contacts": "Contact*",
            "Response/Clients/Client/Contacts/Contact": CONTACT,
        },
        _list("Clients", "Client", codec.parse_client),
        params={"detailed": "true"},
    ),
    "client paged list": Contract(
        "GET",
        "client.api/paged-list",
        "List",
        {
            "Response": "Status, Clients, Pagination",
            "Response/Clients": "Client*",
            "Response/Clients/Client": CLIENT_HEAD,
            **{f"Response/Clients/Client/{k}": v for k, v in CLIENT_LINKS.items()},
            "Response/Clients/Client/Contacts": "Contact*",
            "Response/Clients/Client/Contacts/Contact": CONTACT,
            "Response/Pagination": "Links",
            "Response/Pagination/Links": "First, Next",
        },
        lambda root: (
            codec.many(root, "Clients", "Client", codec.parse_client),
            codec.next_page_token(root),
        ),
        params={"pageSize": "2"},
    ),
    "client search": Contract(
        "GET",
        "client.api/search",
        "Search",
        {
            "Response": "Status, Clients",
            "Response/Clients": "Client",
            "Response/Clients/Client": CLIENT_HEAD,
            **{f"Response/Clients/Client/{k}": v for k, v in CLIENT_LINKS.items()},
            "Response/Clients/Client/Contacts": "Contact*",
            "Response/Clients/Client/Contacts/Contact": CONTACT,
        },
        _list("Clients", "Client", codec.parse_client),
        params={"query": "Acme"},
    ),
    "client get": Contract(
        "GET",
        "client.api/get/{client}",
        "Get",
        {
            "Response": "Status, WebUrl, Client",
            "Response/Client": CLIENT_DETAIL,
            **{f"Response/Client/{k}": v for k, v in CLIENT_LINKS.items()},
            "Response/Client/Contacts": "Contact*",
            "Response/Client/Contacts/Contact": CONTACT,
        },
        _one("Client", codec.parse_client),
    ),
    "client add": Contract(
        "POST",
        "client.api/add",
        "Add",
        {"Response": "Status, WebUrl, Client", "Response/Client": NEW_CLIENT},
        _one("Client", codec.parse_client),
        body="<Client><Name>Newcombe Holdings</Name></Client>",
    ),
    "client update": Contract(
        "PUT",
        "client.api/update",
        "Update",
        {
            "Response": "Status, WebUrl, Client",
            "Response/Client": CLIENT_DETAIL,
            **{f"Response/Client/{k}": v for k, v in CLIENT_LINKS.items()},
            "Response/Client/Contacts": "Contact*",
            "Response/Client/Contacts/Contact": CONTACT,
        },
        _one("Client", codec.parse_client),
        body="<Client><UUID>{client}</UUID><Name>Acme Plumbing Pty Ltd</Name></Client>",
    ),
    **{
        f"contact {name}": Contract(
            verb,
            path,
            "Contact",
            {"Response": "Status, Contact", "Response/Contact": CONTACT},
            _one("Contact", codec.parse_contact),
            body=body,
        )
        for name, verb, path, body in (
            (
                "add",
                "POST",
                "client.api/contact",
                "<Contact><Client><UUID>{client}</UUID></Client><Name>Ada</Name></Contact>",
            ),
            ("get", "GET", "client.api/contact/{contact}", None),
            ("update", "PUT", "client.api/contact/{contact}", "<Contact><Name>Cy</Name></Contact>"),
            ("delete", "DELETE", "client.api/contact/{contact}", None),
        )
    },
    "job add": Contract(
        "POST",
        "job.api/add",
        "Add",
        {
            "Response": "Status, WebUrl, Job",
            "Response/Job": f"{JOB_HEAD}, InternalID, Assigned, Tasks, Milestones, Notes",
            "Response/Job/Client": "UUID, Name",
        },
        _one("Job", codec.parse_job),
        body="<Job><ID>PL-8-1</ID><Name>Tax return</Name><ClientUUID>{client}</ClientUUID>"
        "<StartDate>20250701</StartDate><DueDate>20250930</DueDate></Job>",
    ),
    "job get": Contract(
        "GET", f"job.api/get/{JOB}", "Get", STAFFED_JOB, _one("Job", codec.parse_job)
    ),
    "job update": Contract(
        "PUT",
        "job.api/update",
        "Update",
        STAFFED_JOB,
        _one("Job", codec.parse_job),
        body=f"<Job><ID>{JOB}</ID><Name>Annual accounts FY25</Name></Job>",
    ),
    "job assign": Contract(
        "PUT",
        "job.api/assign",
        "Assign",
        STAFFED_JOB,
        _one("Job", codec.parse_job),
        body=f'<Job><ID>{JOB}</ID><add uuid="{{staff}}"/></Job>',
    ),
    "job task": Contract(
        "POST",
        "job.api/task",
        "Task",
        {"Response": "Status, UUID"},
        lambda root: codec.required_text(root, "UUID"),
        body=f"<Task><Job>{JOB}</Job><TaskUUID>{{task_type}}</TaskUUID></Task>",
    ),
    "job state": Contract(
        "PUT",
        "job.api/state",
        "State",
        {"Response": "Status"},
        _status,
        body=f"<Job><ID>{JOB}</ID><State>COMPLETED</State></Job>",
    ),
    "job apply template": Contract(
        "POST",
        "job.api/applytemplate",
        "ApplyTemplate",
        {**STAFFED_JOB, "Response/Job/Tasks": "Task*"},
        _one("Job", codec.parse_job),
        body=f"<Job><ID>{JOB}</ID><TemplateUUID>{{template}}</TemplateUUID>"
        "<TaskMode>AddNew</TaskMode></Job>",
    ),
    "job delete": Contract(
        "POST",
        "job.api/delete",
        "Delete",
        {"Response": "Status"},
        _status,
        body=f"<Job><ID>{JOB}</ID></Job>",
    ),
    "jobs current": Contract(
        "GET",
        "job.api/current",
        "Current",
        {
            "Response": "Status, Jobs",
            "Response/Jobs": "Job",
            **JOBS,
        },
        _list("Jobs", "Job", codec.parse_job),
        params={"detailed": "true"},
    ),
    "jobs list": Contract(
        "GET",
        "job.api/list",
        "List",
        {
            "Response": "Status, Jobs",
            "Response/Jobs": "Job",
            # Not detailed: no tasks, milestones or notes.
            **{k: v for k, v in JOBS.items() if "/Tasks" not in k},
            "Response/Jobs/Job": f"{JOB_HEAD}, InternalID, Manager, Partner, Assigned",
        },
        _list("Jobs", "Job", codec.parse_job),
        # Jobs created in the range: the scenario's job, created today.
        params={"from": f"{TODAY - timedelta(days=30):%Y%m%d}", "to": f"{TODAY:%Y%m%d}"},
    ),
    "templates": Contract(
        "GET",
        "template.api/list",
        "List",
        {
            "Response": "Status, Templates",
            "Response/Templates": "Template*",
            "Response/Templates/Template": "UUID, Name",
        },
        _list("Templates", "Template", codec.parse_template),
    ),
    "categories": Contract(
        "GET",
        "category.api/list",
        "List",
        {
            "Response": "Status, Categories",
            "Response/Categories": "Category*",
            "Response/Categories/Category": "UUID, Name",
        },
        _list("Categories", "Category", codec.parse_category),
    ),
    "task types": Contract(
        "GET",
        "task.api/list",
        "List",
        {
            "Response": "Status, TaskList",
            "Response/TaskList": "Task*",
            "Response/TaskList/Task": "UUID, Name, Description",
        },
        _list("TaskList", "Task", codec.parse_task_type),
    ),
    "job states": Contract(
        "GET",
        "jobstate.api/list",
        "List",
        {
            "Response": "Status, JobStates",
            "Response/JobStates": "JobState*",
            "Response/JobStates/JobState": "UUID, Name",
        },
        _list("JobStates", "JobState", codec.parse_job_state),
    ),
}


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=CONTRACTS.keys())
def test_the_answer_in_full(wire, contract):
    body = contract.body.format(**wire.ids) if contract.body else None
    answer = wire.call(contract.verb, contract.path, body, **contract.params)
    assert answer.status_code == 200, answer.text
    assert set(answer.headers) >= HEADERS, HEADERS - set(answer.headers)
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert answer.content.startswith(f'<Response api-method="{contract.api_method}">'.encode())
    root = codec.parse_response(answer.content)  # the client's own envelope check
    assert shape(root) == contract.shape
    assert contract.read(root)


@pytest.mark.parametrize(
    ("kind", "status", "detail"),
    [("500", 500, "An error occurred"), ("503", 503, "ServiceNotAvailable")],
)
def test_a_gateway_error_is_problem_json_naming_its_correlation_id(
    wire, emulator, kind, status, detail
):
    emulator.add_fault("staff.api/list", kind)
    answer = wire.call("GET", "staff.api/list")
    assert (answer.status_code, answer.json()["Detail"]) == (status, detail)
    assert answer.json()["Instance"] == answer.headers["xero-correlation-id"]
    assert set(answer.headers) >= HEADERS - {"content-type"}


def test_a_401_carries_no_limit_headers_and_a_403_only_the_app_minute_one(wire, emulator):
    refused = wire.http.get("staff.api/list", headers={"Authorization": "Bearer nonsense"})
    assert refused.status_code == 401
    assert refused.json()["Instance"] == refused.headers["xero-correlation-id"]
    assert not LIMIT_HEADERS & set(refused.headers)
    forbidden = wire.http.get("staff.api/list", headers={"xero-tenant-id": "someone-else"})
    assert forbidden.status_code == 403
    assert LIMIT_HEADERS & set(forbidden.headers) == {"x-appminlimit-remaining"}


def test_a_429_is_empty_with_retry_after_and_the_limit_named(wire, emulator):
    emulator.add_fault("staff.api/list", "429", retry_after=7, problem="minute")
    answer = wire.call("GET", "staff.api/list")
    assert (answer.status_code, answer.content) == (429, b"")
    assert (answer.headers["retry-after"], answer.headers["x-rate-limit-problem"]) == (
        "7",
        "minute",
    )


@pytest.mark.parametrize(
    ("path", "container"),
    [
        ("staff.api/list", "StaffList/Staff"),
        ("client.api/list", "Clients/Client"),
        ("template.api/list", "Templates/Template"),
        ("category.api/list", "Categories/Category"),
    ],
)
def test_lists_come_sorted_by_name_case_insensitively(wire, path, container):
    names = [e.findtext("Name") or "" for e in wire.ok("GET", path).findall(container)]
    assert len(names) > 1
    assert names == sorted(names, key=str.casefold)


def test_unknown_query_parameters_are_ignored(wire):
    plain = shape(wire.ok("GET", "client.api/list"))
    assert shape(wire.ok("GET", "client.api/list", modified_since="2020-01-01")) == plain
