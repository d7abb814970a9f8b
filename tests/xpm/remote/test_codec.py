from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from xml.etree.ElementTree import fromstring as trusted_fromstring

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicelink.xpm.remote import codec
from practicelink.xpm.remote.errors import XpmBusinessError, XpmProtocolError
from practicelink.xpm.remote.records import (
    Category,
    Client,
    ClientUpdate,
    Job,
    JobAssignment,
    JobTask,
    NewClient,
    NewJob,
    NewJobTask,
    NewStaff,
    Ref,
    Staff,
    StaffUpdate,
    TaskStaff,
    TaskType,
    Template,
)
from tests.xpm.remote.samples import (
    CATEGORIES,
    CATEGORIES_EMPTY,
    CLIENT_GET,
    ERRORS,
    JOB_ADD_WIRE,
    JOB_GET,
    STAFF_ADD_WIRE,
    STAFF_GET,
    STAFF_LIST,
    STATE_OK,
    TASK_TYPES,
    TEMPLATES,
)

JO = Staff(uuid="f8235e1a-d383-48b7-9139-ba97ab8ca889", name="Jo Bloggs", email="jo@bloggs.net")


def test_staff_list_and_get():
    assert codec.many(
        codec.parse_response(STAFF_LIST), "StaffList", "Staff", codec.parse_staff
    ) == [JO]
    assert codec.one(codec.parse_response(STAFF_GET), "Staff", codec.parse_staff) == JO


def test_staff_add_answer_with_get_api_method():
    staff = codec.one(codec.parse_response(STAFF_ADD_WIRE), "Staff", codec.parse_staff)
    assert staff.phone == "123456789"
    assert staff.mobile == ""
    assert staff.address == "In your head"
    assert staff.payroll_code == "PC123"


def test_normalised_email():
    assert Staff(uuid="u", name="n", email="  Jo@Bloggs.NET ").normalised_email == "jo@bloggs.net"


def test_client_with_account_and_job_manager():
    client = codec.one(codec.parse_response(CLIENT_GET), "Client", codec.parse_client)
    assert client == Client(
        uuid="720c21d3-e812-4bb1-9d6b-ddeb4745e7b9",
        name="XYZ Australia, NZ Business Unit",
        email="someone@example.com",
        account_manager=Ref("dc48df15-1a5c-4675-9d82-4ca54e2c6e86", "Jo Blogs"),
        job_manager=Ref("98466a19-16df-4ded-b657-0a80ef9a2094", "John Smith"),
        billing_client=None,
    )


def test_client_without_managers_and_archived():
    body = (
        b'<Response api-method="List"><Status>OK</Status><Clients><Client><UUID>c1</UUID>'
        b"<Name>A &amp; B</Name><IsArchived>Yes</IsArchived><IsDeleted>YES</IsDeleted>"
        b"</Client></Clients></Response>"
    )
    [client] = codec.many(codec.parse_response(body), "Clients", "Client", codec.parse_client)
    assert client == Client(uuid="c1", name="A & B", is_archived=True, is_deleted=True)


def test_job_with_manager_partner_assigned_and_tasks():
    job = codec.one(codec.parse_response(JOB_GET), "Job", codec.parse_job)
    assert job == Job(
        id="J000309",
        uuid="0d3458b8-6fde-4389-8dbb-0a85804466ad",
        name="job name",
        description="description of job",
        state="Planned",
        client=Ref("210acbff-4dca-4524-a956-ad9ea5d6dbf1", "The Health Company"),
        budget=Decimal("55.00"),
        type="Website Development",
        start_date=date(2008, 8, 29),
        due_date=date(2008, 9, 29),
        completed_date=date(2008, 9, 29),
        manager=Ref("a1981f48-dc1b-456a-925b-918fa099fd42", "John Smith"),
        partner=Ref("8f60d525-75b9-4d2b-b451-14e7f718b6ef", "Jack Brown"),
        assigned=(Ref("af6f1a4a-3929-41ef-b344-68765c9d4db7", "Jo Bloggs"),),
        tasks=(
            JobTask(
                uuid="af6f1a4a-3929-41ef-b344-68765c9d4db7",
                task_uuid="f4f62087-e131-4089-be4e-28ba8b6bd3e1",
                name="Creative Direction",
                estimated_minutes=180,
                actual_minutes=100,
                completed=False,
                billable=True,
                start_date=date(2008, 8, 29),
                due_date=date(2008, 9, 29),
                assigned=(Ref("68ae87b9-8268-4fe0-a65d-c0e2ddb3d9a5", "Jo Blogs"),),
            ),
        ),
    )


def test_job_add_answer_with_empty_lists_and_no_managers():
    job = codec.one(codec.parse_response(JOB_ADD_WIRE), "Job", codec.parse_job)
    assert (job.id, job.state, job.manager, job.partner) == ("J000031", "Planned", None, None)
    assert (job.assigned, job.tasks, job.budget) == ((), (), None)


@pytest.mark.parametrize(
    ("body", "container", "item", "parse", "expected"),
    [
        (CATEGORIES_EMPTY, "Categories", "Category", codec.parse_category, []),
        (
            CATEGORIES,
            "Categories",
            "Category",
            codec.parse_category,
            [
                Category("f8235e1a-d383-48b7-9139-ba97ab8ca889", "Design"),
                Category("46e1db32-6c94-43f6-b5eb-fa082feb1fc4", "Development"),
            ],
        ),
        (
            TEMPLATES,
            "Templates",
            "Template",
            codec.parse_template,
            [Template("eac5e664-f0b6-4a11-b142-5c926fdf7016", "Brochure")],
        ),
        (
            TASK_TYPES,
            "TaskList",
            "Task",
            codec.parse_task_type,
            [
                TaskType("f8235e1a-d383-48b7-9139-ba97ab8ca889", "Concept"),
                TaskType("dc6f3aa6-14b2-47bb-9abc-9381e3af07c0", "Design"),
            ],
        ),
    ],
)
def test_lists(body, container, item, parse, expected):
    assert codec.many(codec.parse_response(body), container, item, parse) == expected


@pytest.mark.parametrize("description", sorted(ERRORS))
def test_error_envelopes(description):
    with pytest.raises(XpmBusinessError) as caught:
        codec.parse_response(ERRORS[description])
    assert caught.value.description == description
    assert not caught.value.transient
    assert description in caught.value.message


def test_status_only_answer():
    assert codec.parse_response(STATE_OK).find("Job") is None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Response><Status>OK</Status><X>&lol3;</X></Response>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Response><Status>OK</Status><X>&xxe;</X></Response>"""
DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE Response SYSTEM "http://example.com/evil.dtd">
<Response><Status>OK</Status></Response>"""


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (BILLION_LAUGHS, "forbidden"),
        (EXTERNAL_ENTITY, "forbidden"),
        (DTD_ONLY, "forbidden"),
        (b"", "empty"),
        (b"<Response><Status>OK</Status>", "malformed"),
        (b"not xml at all", "malformed"),
        (b"<Error><Status>OK</Status></Error>", "expected a <Response>"),
        (b"<Response><Staff/></Response>", "no Status"),
        (b"<Response><Status>MAYBE</Status></Response>", "unknown Status"),
    ],
)
def test_unreadable_answers_are_protocol_errors(body, fragment):
    with pytest.raises(XpmProtocolError, match=fragment) as caught:
        codec.parse_response(body)
    assert "could not understand" in caught.value.message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<Response><Status>OK</Status></Response>", "no <Staff>"),
        (b"<Response><Status>OK</Status><Staff><Name>x</Name></Staff></Response>", "no <UUID>"),
    ],
)
def test_missing_parts_are_protocol_errors(body, fragment):
    with pytest.raises(XpmProtocolError, match=fragment):
        codec.one(codec.parse_response(body), "Staff", codec.parse_staff)


@pytest.mark.parametrize(
    ("field", "value"),
    [("Completed", "perhaps"), ("EstimatedMinutes", "ten"), ("StartDate", "29/08/2008")],
)
def test_bad_values_are_protocol_errors(field, value):
    task = f"<Task><UUID>t</UUID><TaskUUID>tt</TaskUUID><{field}>{value}</{field}></Task>"
    with pytest.raises(XpmProtocolError, match=field if field != "StartDate" else "not a date"):
        codec.parse_job_task(trusted_fromstring(task))


def test_next_page_token():
    page = (
        b"<Response><Status>OK</Status><Clients /><Pagination><Links><First>x</First><Next>"
        b"https://api.xero.com/practicemanager/3.1/client.api/paged-list?pageToken=bGln&amp;"
        b"pageSize=10</Next></Links></Pagination></Response>"
    )
    assert codec.next_page_token(codec.parse_response(page)) == "bGln"
    last = b"<Response><Status>OK</Status><Clients /></Response>"
    assert codec.next_page_token(codec.parse_response(last)) is None


def test_request_dates():
    assert codec.request_date(date(2009, 10, 23)) == "20091023"
    assert codec.request_datetime(datetime(2020, 5, 5, 6, 24, 31)) == "2020-05-05T06:24:31"
    nz = timezone(timedelta(hours=12))
    assert codec.request_datetime(datetime(2020, 5, 5, 18, 0, tzinfo=nz)) == "2020-05-05T06:00:00"
    assert codec.request_datetime(datetime(2020, 5, 5, 6, tzinfo=UTC)) == "2020-05-05T06:00:00"


def test_build_new_staff():
    assert codec.build_staff(NewStaff(name="Jo", email="jo@x.nz")) == (
        b"<Staff><Name>Jo</Name><Email>jo@x.nz</Email><Phone /><Mobile /><Address />"
        b"<PayrollCode /></Staff>"
    )


def test_build_client_update_clears_and_leaves_managers():
    body = codec.build_client(ClientUpdate(uuid="c1", name="A", account_manager_uuid=""))
    assert body == b"<Client><UUID>c1</UUID><Name>A</Name><AccountManagerUUID /></Client>"
    body = codec.build_client(NewClient(name="A", job_manager_uuid="s1"))
    assert b"<JobManagerUUID>s1</JobManagerUUID>" in body
    assert b"AccountManagerUUID" not in body


def test_build_job():
    job = NewJob(
        name="Tax return",
        description="FY24",
        client_uuid="c1",
        start_date=date(2024, 7, 1),
        due_date=date(2024, 9, 30),
        job_number="PL-7",
        template_uuid="t1",
        category_uuid="k1",
        budget=Decimal("1500.00"),
    )
    assert codec.build_job(job) == (
        b"<Job><ID>PL-7</ID><Name>Tax return</Name><Description>FY24</Description>"
        b"<ClientUUID>c1</ClientUUID><StartDate>20240701</StartDate><DueDate>20240930</DueDate>"
        b"<TemplateUUID>t1</TemplateUUID><CategoryUUID>k1</CategoryUUID>"
        b"<Budget>1500.00</Budget></Job>"
    )


def test_build_assignment():
    body = codec.build_assignment(
        JobAssignment(
            job_id="J000309",
            add_staff=("s1",),
            remove_staff=("s2",),
            add_task_staff=(TaskStaff("s1", "t1"),),
            remove_task_staff=(TaskStaff("s3", "t2"),),
            manager_uuid="m1",
            partner_uuid="",
        )
    )
    assert body == (
        b'<Job><ID>J000309</ID><add uuid="s1" /><remove uuid="s2" />'
        b'<add uuid="s1" task-uuid="t1" /><remove uuid="s3" task-uuid="t2" />'
        b'<add-manager uuid="m1" /><remove-partner /></Job>'
    )


def test_build_task_state_and_template():
    task = NewJobTask(job_id="J1", task_type_uuid="tt", estimated_minutes=60)
    assert codec.build_job_task(task) == (
        b"<Task><Job>J1</Job><TaskUUID>tt</TaskUUID><EstimatedMinutes>60</EstimatedMinutes></Task>"
    )
    assert codec.build_job_state("J1", "COMPLETED") == (
        b"<Job><ID>J1</ID><State>COMPLETED</State></Job>"
    )
    assert codec.build_apply_template("J1", "t1", "AddNew") == (
        b"<Job><ID>J1</ID><TemplateUUID>t1</TemplateUUID><TaskMode>AddNew</TaskMode></Job>"
    )


def _wrapped(body: bytes) -> bytes:
    return b"<Response><Status>OK</Status>" + body + b"</Response>"


@given(name=st.text(), email=st.text())
def test_staff_round_trip(name, email):
    sent = StaffUpdate(uuid="f8235e1a-d383-48b7-9139-ba97ab8ca889", name=name, email=email)
    back = codec.one(
        codec.parse_response(_wrapped(codec.build_staff(sent))), "Staff", codec.parse_staff
    )
    assert (back.name, back.email) == (codec.xml_safe(name), codec.xml_safe(email))


XML_CHARACTERS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
)


@given(
    name=st.text(XML_CHARACTERS) | st.sampled_from(["A & B <Ltd>", 'O\'Brien "&" Co', "Ünïcødé 😀"])
)
def test_client_round_trip_is_exact_for_xml_characters(name):
    body = _wrapped(codec.build_client(ClientUpdate(uuid="c1", name=name, email=name)))
    client = codec.one(codec.parse_response(body), "Client", codec.parse_client)
    assert (client.name, client.email) == (name, name)
