"""Every parse path against answers in both forms XPM is known to send: the documented 3.1
form (`<UUID>`s) and the recorded one (wire order, `<X></X>` empties, and the integer `<ID>`s
of XPM 3.0). A record or link the client cannot map is a protocol error naming the element,
never a silently empty value."""

from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import fromstring as trusted_fromstring

import httpx
import pytest

from practicelink.xpm.remote import codec
from practicelink.xpm.remote.errors import XpmProtocolError
from practicelink.xpm.remote.records import (
    Client,
    Contact,
    ContactUpdate,
    JobUpdate,
    NewContact,
    Ref,
)
from tests.xpm.remote.samples import (
    CATEGORIES_30,
    CLIENT_GET_30,
    CLIENT_WITH_MANAGER_30,
    CONTACT_30,
    DELETE_OK,
    JOB_ADD_WIRE,
    JOB_GET,
    JOB_PARTNER_30,
    JOB_TASK_30,
    STAFF_LIST_30,
    TASK_TYPES_30,
    TEMPLATES_30,
)

CONTACT_DOCUMENTED = b"""<Response><Status>OK</Status><Contact>
  <UUID>10e45ad9-cd3f-42b9-9e7e-056e47c0c109</UUID>
  <Name>Samantha Benecke</Name>
  <Salutation>Sam</Salutation>
  <Addressee>Mrs S Benecke</Addressee>
  <Mobile />
  <Email />
  <Phone />
  <IsDeleted>No</IsDeleted>
  <IsPrimary>Yes</IsPrimary>
  <Position />
</Contact></Response>"""
CONTACT_RECORDED = (
    b'<Response api-method="Contact"><Status>OK</Status><Contact>'
    b"<UUID>10e45ad9-cd3f-42b9-9e7e-056e47c0c109</UUID><Name>Samantha Benecke</Name>"
    b"<Mobile></Mobile><Email></Email><Phone></Phone><Position>0</Position>"
    b"<Salutation>Sam</Salutation><Addressee>Mrs S Benecke</Addressee><IsPrimary>Yes</IsPrimary>"
    b"</Contact></Response>"
)


def _one(body: bytes, tag: str, parse):
    return codec.one(codec.parse_response(body), tag, parse)


def _job(inner: bytes) -> bytes:
    return (
        b'<Response api-method="Get"><Status>OK</Status><Job><ID>J000001</ID><Name>n</Name>'
        + inner
        + b"</Job></Response>"
    )


@pytest.mark.parametrize(
    ("body", "container", "item", "parse", "message"),
    [
        (
            STAFF_LIST_30,
            "StaffList",
            "Staff",
            codec.parse_staff,
            "<Staff> has no <UUID> but <ID>859230</ID>",
        ),
        (
            TEMPLATES_30,
            "Templates",
            "Template",
            codec.parse_template,
            "<Template> has no <UUID> but <ID>1254074</ID>",
        ),
        (
            CATEGORIES_30,
            "Categories",
            "Category",
            codec.parse_category,
            "<Category> has no <UUID> but <ID>412</ID>",
        ),
        (
            TASK_TYPES_30,
            "TaskList",
            "Task",
            codec.parse_task_type,
            "<Task> has no <UUID> but <ID>4567991</ID>",
        ),
    ],
)
def test_3_0_lists_name_the_record_they_cannot_map(body, container, item, parse, message):
    with pytest.raises(XpmProtocolError) as caught:
        codec.many(codec.parse_response(body), container, item, parse)
    assert caught.value.detail.startswith(message)
    assert "XPM 3.0's integer form" in caught.value.detail


@pytest.mark.parametrize(
    ("body", "tag", "parse", "message"),
    [
        (
            CLIENT_WITH_MANAGER_30,
            "Client",
            codec.parse_client,
            "<Client>'s <AccountManager> has no <UUID> but <ID>859230</ID>",
        ),
        (
            JOB_PARTNER_30,
            "Job",
            codec.parse_job,
            "<Job>'s <Partner> has no <UUID> but <ID>859230</ID>",
        ),
        (
            _job(b"<Client><ID>24097642</ID><Name>ABC Co</Name></Client>"),
            "Job",
            codec.parse_job,
            "<Job>'s <Client> has no <UUID> but <ID>24097642</ID>",
        ),
        (
            _job(b"<Manager><ID>859317</ID><Name>Ed Minn</Name></Manager>"),
            "Job",
            codec.parse_job,
            "<Job>'s <Manager> has no <UUID> but <ID>859317</ID>",
        ),
        (
            _job(b"<Manager><Name>Ed Minn</Name></Manager>"),
            "Job",
            codec.parse_job,
            "<Job>'s <Manager> has no <UUID>",
        ),
        (
            _job(b"<Assigned><Staff><ID>859317</ID><Name>Ed Minn</Name></Staff></Assigned>"),
            "Job",
            codec.parse_job,
            "<Job>'s <Assigned> <Staff> has no <UUID> but <ID>859317</ID>",
        ),
        (
            _job(b"<Tasks>" + JOB_TASK_30 + b"</Tasks>"),
            "Job",
            codec.parse_job,
            "<Task> has no <UUID> but <ID>164097190</ID>",
        ),
        (
            CONTACT_30,
            "Contact",
            codec.parse_contact,
            "<Contact> has no <UUID> but <ID>15412877</ID>",
        ),
    ],
)
def test_3_0_links_and_records_are_errors_not_blanks(body, tag, parse, message):
    with pytest.raises(XpmProtocolError) as caught:
        _one(body, tag, parse)
    assert caught.value.detail.startswith(message)
    assert "could not understand" in caught.value.message


def test_task_type_link_in_3_0_form_is_named():
    task = JOB_TASK_30.replace(
        b"<ID>164097190</ID>", b"<UUID>af6f1a4a-3929-41ef-b344-68765c9d4db7</UUID>"
    )
    with pytest.raises(
        XpmProtocolError, match=r"<Task> has no <TaskUUID> but <TaskID>4567991</TaskID>"
    ):
        codec.parse_job_task(trusted_fromstring(task))


def test_3_0_client_maps_by_its_trailing_uuid():
    assert _one(CLIENT_GET_30, "Client", codec.parse_client) == Client(
        uuid="0183f65c-08c6-47b7-af05-3da072e901ae", name="Get Client Test", email="NEW@EMAIL.COM"
    )


@pytest.mark.parametrize("empty", [b"<Partner />", b"<Partner></Partner>", b""])
def test_an_empty_or_absent_link_is_none(empty):
    job = _one(_job(empty), "Job", codec.parse_job)
    assert job.partner is None


def test_recorded_job_order_with_internal_id_and_raw_newlines():
    body = JOB_PARTNER_30.replace(
        b"<Partner><ID>859230</ID>", b"<Partner><UUID>8f60d525-75b9-4d2b-b451-14e7f718b6ef</UUID>"
    )
    job = _one(body, "Job", codec.parse_job)
    assert job.partner == Ref("8f60d525-75b9-4d2b-b451-14e7f718b6ef", "Dev Testing")
    assert job.description == "01 May, 2020\nhttps://example.com/proposals/27447"
    assert (job.uuid, job.client, job.client_order_number) == ("", None, "27447")
    documented = _one(JOB_GET, "Job", codec.parse_job)
    recorded = _one(JOB_ADD_WIRE, "Job", codec.parse_job)
    assert documented.client.name == "The Health Company"
    assert recorded.client.name == "ABC Co"


@pytest.mark.parametrize("body", [CONTACT_DOCUMENTED, CONTACT_RECORDED])
def test_contact_in_both_forms(body):
    contact = _one(body, "Contact", codec.parse_contact)
    assert contact == Contact(
        uuid="10e45ad9-cd3f-42b9-9e7e-056e47c0c109",
        name="Samantha Benecke",
        salutation="Sam",
        addressee="Mrs S Benecke",
        is_primary=True,
        position="0" if body is CONTACT_RECORDED else "",
    )


def test_build_contact_messages():
    assert codec.build_contact(NewContact(name="Jo", email="jo@x.nz"), "c1") == (
        b"<Contact><Client><UUID>c1</UUID></Client><Name>Jo</Name><Mobile /><Email>jo@x.nz"
        b"</Email><Phone /><Position /><Salutation /><Addressee /><IsPrimary>No</IsPrimary>"
        b"</Contact>"
    )
    assert codec.build_contact(ContactUpdate(name="Jo B", is_primary=True)) == (
        b"<Contact><Name>Jo B</Name><IsPrimary>Yes</IsPrimary></Contact>"
    )


def test_build_job_update_delete_and_staff_delete():
    update = JobUpdate(
        job_id="J000001",
        name="Tax",
        description="FY25",
        start_date=date(2025, 7, 1),
        due_date=date(2025, 9, 30),
        client_order_number="",
        budget=Decimal("10.50"),
    )
    assert codec.build_job_update(update) == (
        b"<Job><ID>J000001</ID><Name>Tax</Name><Description>FY25</Description>"
        b"<StartDate>20250701</StartDate><DueDate>20250930</DueDate><ClientNumber />"
        b"<Budget>10.50</Budget></Job>"
    )
    assert codec.build_job_id("J000001") == b"<Job><ID>J000001</ID></Job>"
    assert codec.build_staff_uuid("s1") == b"<Staff><UUID>s1</UUID></Staff>"


@pytest.mark.parametrize("answer", [DELETE_OK, JOB_ADD_WIRE.replace(b'"Add"', b'"Delete"')])
def test_job_delete_accepts_status_only_or_the_job(mock_client, answer):
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path, request.content))
        return httpx.Response(200, content=answer)

    assert mock_client(handler).job_delete("J000031") is None
    assert sent == [("POST", "/practicemanager/3.1/job.api/delete", b"<Job><ID>J000031</ID></Job>")]


def test_contact_delete_is_a_delete_without_body(mock_client):
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path, request.content, request.headers))
        return httpx.Response(200, content=CONTACT_RECORDED)

    contact = mock_client(handler).contact_delete("10e45ad9-cd3f-42b9-9e7e-056e47c0c109")
    assert contact.name == "Samantha Benecke"
    [(method, path, content, headers)] = sent
    assert (method, content) == ("DELETE", b"")
    assert path == "/practicemanager/3.1/client.api/contact/10e45ad9-cd3f-42b9-9e7e-056e47c0c109"
    assert "content-type" not in headers
