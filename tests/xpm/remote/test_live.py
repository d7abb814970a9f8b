"""Every `XpmClient` method against the emulator, over real HTTP."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from practicelink.xpm.remote import (
    ClientUpdate,
    JobAssignment,
    NewClient,
    NewJob,
    NewJobTask,
    NewStaff,
    Ref,
    StaffUpdate,
    TaskStaff,
    XpmBusinessError,
    XpmForbiddenTenant,
    XpmTokenExpired,
    XpmUnauthorized,
)
from xpm_emulator.seed import DEMO_TENANT_ID, SECOND_TENANT_ID

TODAY = date.today()


def staff_named(xpm, name):
    return next(s for s in xpm.staff_list() if s.name == name)


def client_named(xpm, name):
    [client] = xpm.client_search(name)
    return client


def test_staff_list_and_get(xpm):
    staff = xpm.staff_list()
    assert len(staff) == 12
    olivia = staff_named(xpm, "Olivia Bennett")
    assert olivia.payroll_code == "P001"
    assert xpm.staff_get(olivia.uuid) == olivia
    assert xpm.quota.minute_remaining is not None


def test_staff_get_unknown(xpm):
    with pytest.raises(XpmBusinessError) as caught:
        xpm.staff_get("00000000-0000-0000-0000-000000000000")
    assert caught.value.description == "Invalid staff identifier"


def test_staff_add_update_and_search_by_email(xpm, emulator):
    added = xpm.staff_add(NewStaff(name="Zoë O'Hara & Co", email="Zoe@Example.COM", mobile="021"))
    assert (added.name, added.email, added.mobile) == ("Zoë O'Hara & Co", "Zoe@Example.COM", "021")
    assert xpm.staff_search_by_email("  zoe@example.com ") == [added]
    updated = xpm.staff_update(StaffUpdate(uuid=added.uuid, name="Zoë O'Hara", email="zoe@x.nz"))
    assert (updated.name, updated.email, updated.mobile) == ("Zoë O'Hara", "zoe@x.nz", "021")
    assert xpm.staff_search_by_email("zoe@example.com") == []
    assert xpm.staff_get(added.uuid) == updated


def test_staff_update_errors(xpm):
    olivia = staff_named(xpm, "Olivia Bennett")
    with pytest.raises(XpmBusinessError, match="name cannot be empty"):
        xpm.staff_update(StaffUpdate(uuid=olivia.uuid, name=""))


def test_client_list_with_partner_and_manager(xpm):
    clients = xpm.client_list()
    assert len(clients) == 30
    assert all(c.account_manager and c.job_manager for c in clients[:5])
    assert len(xpm.client_list(detailed=True)) == 30


def test_client_list_modified_since(xpm):
    assert xpm.client_list(modified_since=datetime(2025, 1, 2, tzinfo=UTC)) == []
    bakery = client_named(xpm, "Bluegum Bakery")
    xpm.client_update(ClientUpdate(uuid=bakery.uuid, name="Bluegum Bakery", phone="09 555"))
    since = datetime.now(UTC) - timedelta(minutes=5)
    assert [c.name for c in xpm.client_list(modified_since=since)] == ["Bluegum Bakery"]


def test_client_paged_list(xpm):
    names, token, pages = [], None, 0
    while True:
        page = xpm.client_paged_list(page_size=12, page_token=token)
        names += [c.name for c in page.clients]
        pages += 1
        if page.next_page_token is None:
            break
        token = page.next_page_token
    assert pages == 3
    assert names == [c.name for c in xpm.client_list()]


def test_client_paged_list_bad_token(xpm):
    with pytest.raises(XpmBusinessError, match="pageToken"):
        xpm.client_paged_list(page_token="%%%")


def test_client_search_and_get(xpm):
    bakery = client_named(xpm, "bakery")
    assert bakery.name == "Bluegum Bakery"
    assert xpm.client_get(bakery.uuid) == bakery
    assert xpm.client_search("no such client") == []
    with pytest.raises(XpmBusinessError, match="Invalid client identifier"):
        xpm.client_get("00000000-0000-0000-0000-000000000000")


def test_client_add_and_update_partner_and_manager(xpm):
    partner = staff_named(xpm, "James Carter")
    manager = staff_named(xpm, "Emma Wilson")
    added = xpm.client_add(
        NewClient(
            name="Ngā Tāonga <Trust>",
            email="office@taonga.nz",
            account_manager_uuid=partner.uuid,
            job_manager_uuid=manager.uuid,
        )
    )
    assert added.name == "Ngā Tāonga <Trust>"
    assert added.account_manager == Ref(partner.uuid, partner.name)
    assert added.job_manager == Ref(manager.uuid, manager.name)
    updated = xpm.client_update(
        ClientUpdate(uuid=added.uuid, name=added.name, account_manager_uuid="")
    )
    assert (updated.account_manager, updated.job_manager) == (None, added.job_manager)
    assert updated.email == "office@taonga.nz"
    assert xpm.client_get(added.uuid) == updated


def test_client_update_from_the_full_record_keeps_unmanaged_fields(xpm, emulator):
    """The record read just before goes back whole: phone, country, partner stay as they were
    even though only the manager changes."""
    manager = staff_named(xpm, "Emma Wilson")
    current = xpm.client_get(client_named(xpm, "bakery").uuid)
    body = xpm.client_update(
        ClientUpdate(uuid=current.uuid, name=current.name, job_manager_uuid=manager.uuid),
        current=current,
    )
    assert body.job_manager == Ref(manager.uuid, manager.name)
    assert (body.phone, body.account_manager, body.email) == (
        current.phone,
        current.account_manager,
        current.email,
    )
    sent = emulator.calls()[-1]["body"]
    for tag in ("<Phone>", "<Country>Australia</Country>", "<AccountManagerUUID>", "<Email>"):
        assert tag in sent


def test_client_add_with_unknown_manager(xpm):
    with pytest.raises(XpmBusinessError, match="Invalid staff identifier"):
        xpm.client_add(NewClient(name="X", account_manager_uuid="nobody"))


def test_catalogues(xpm, catalogue):
    assert set(catalogue["templates"]) == {
        "Annual Accounts",
        "Income Tax Return",
        "GST / BAS Return",
        "Monthly Payroll",
    }
    assert set(catalogue["categories"]) == {"Compliance", "Tax", "Advisory", "Bookkeeping"}
    assert "Prepare Tax Return" in catalogue["task_types"]
    assert "Completed" in {s.name for s in xpm.job_state_list()}


def new_job(xpm, catalogue, **changes):
    values = {
        "name": "Income tax 2025",
        "description": "Individual return",
        "client_uuid": client_named(xpm, "Bluegum Bakery").uuid,
        "start_date": TODAY,
        "due_date": TODAY + timedelta(days=30),
        "job_number": "PL-0001",
        "template_uuid": catalogue["templates"]["Income Tax Return"].uuid,
        "category_uuid": catalogue["categories"]["Tax"].uuid,
        "budget": Decimal("1250.00"),
    }
    return NewJob(**{**values, **changes})


def test_job_add_and_get(xpm, catalogue):
    assert xpm.job_get("PL-0001") is None
    job = xpm.job_add(new_job(xpm, catalogue))
    assert (job.id, job.name, job.state, job.type) == (
        "PL-0001",
        "Income tax 2025",
        "Planned",
        "Tax",
    )
    assert (job.budget, job.start_date, job.due_date) == (
        Decimal("1250.00"),
        TODAY,
        TODAY + timedelta(days=30),
    )
    assert job.client.name == "Bluegum Bakery"
    assert [t.name for t in job.tasks] == ["Prepare Tax Return", "Partner Review", "Lodge Return"]
    assert xpm.job_get("PL-0001") == job


def test_job_add_errors(xpm, catalogue):
    xpm.job_add(new_job(xpm, catalogue))
    with pytest.raises(XpmBusinessError, match="already in use"):
        xpm.job_add(new_job(xpm, catalogue))
    with pytest.raises(XpmBusinessError, match="Invalid client identifier"):
        xpm.job_add(new_job(xpm, catalogue, job_number=None, client_uuid="nobody"))


def test_job_get_unknown_is_none(xpm):
    assert xpm.job_get("J999999") is None


def test_job_current_list_and_state(xpm, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue, template_uuid=None))
    assert [j.id for j in xpm.job_current()] == [job.id]
    [current] = xpm.job_current(detailed=True)
    assert current.tasks == ()
    assert [j.id for j in xpm.job_list(TODAY - timedelta(days=1), TODAY)] == [job.id]
    assert xpm.job_list(TODAY + timedelta(days=1), TODAY + timedelta(days=2)) == []
    xpm.job_state(job.id, "COMPLETED")
    assert xpm.job_get(job.id).state == "Completed"
    assert xpm.job_get(job.id).completed_date == TODAY
    assert xpm.job_current() == []


def test_job_state_and_list_errors(xpm, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue))
    with pytest.raises(XpmBusinessError) as caught:
        xpm.job_state(job.id, "NOT-A-STATE")
    assert caught.value.description == "Invalid state code"
    with pytest.raises(XpmBusinessError, match="Invalid job identifier"):
        xpm.job_state("J999999", "COMPLETED")
    with pytest.raises(XpmBusinessError, match="one year"):
        xpm.job_list(TODAY - timedelta(days=400), TODAY)


def test_job_assign_partner_manager_staff_and_tasks(xpm, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue))
    partner, manager = staff_named(xpm, "Olivia Bennett"), staff_named(xpm, "Noah Patel")
    lucas, chloe = staff_named(xpm, "Lucas Rossi"), staff_named(xpm, "Chloe Martin")
    first_task = job.tasks[0]
    assigned = xpm.job_assign(
        JobAssignment(
            job_id=job.id,
            add_staff=(lucas.uuid, chloe.uuid),
            add_task_staff=(TaskStaff(lucas.uuid, first_task.uuid),),
            manager_uuid=manager.uuid,
            partner_uuid=partner.uuid,
        )
    )
    assert (assigned.partner, assigned.manager) == (
        Ref(partner.uuid, partner.name),
        Ref(manager.uuid, manager.name),
    )
    assert assigned.assigned == (Ref(lucas.uuid, lucas.name), Ref(chloe.uuid, chloe.name))
    assert assigned.tasks[0].assigned == (Ref(lucas.uuid, lucas.name),)
    changed = xpm.job_assign(
        JobAssignment(
            job_id=job.id,
            remove_staff=(chloe.uuid,),
            remove_task_staff=(TaskStaff(lucas.uuid, first_task.uuid),),
            manager_uuid="",
        )
    )
    assert (changed.manager, changed.partner) == (None, assigned.partner)
    assert changed.assigned == (Ref(lucas.uuid, lucas.name),)
    assert changed.tasks[0].assigned == ()
    assert xpm.job_get(job.id) == changed


def test_job_assign_errors(xpm, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue))
    with pytest.raises(XpmBusinessError) as caught:
        xpm.job_assign(JobAssignment(job_id=job.id, add_staff=("nobody",)))
    assert caught.value.description == "Invalid staff identifier for add request"
    with pytest.raises(XpmBusinessError) as caught:
        xpm.job_assign(JobAssignment(job_id="J999999", add_staff=("nobody",)))
    assert caught.value.description == "Invalid job identifier"
    grace = staff_named(xpm, "Grace Kim")
    with pytest.raises(XpmBusinessError, match="not assigned to job"):
        xpm.job_assign(
            JobAssignment(job_id=job.id, add_task_staff=(TaskStaff(grace.uuid, job.tasks[0].uuid),))
        )


def test_job_add_task_and_apply_template(xpm, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue, template_uuid=None))
    review = catalogue["task_types"]["Partner Review"]
    task_uuid = xpm.job_add_task(
        NewJobTask(
            job_id=job.id,
            task_type_uuid=review.uuid,
            estimated_minutes=90,
            label="Final review",
            due_date=TODAY + timedelta(days=20),
        )
    )
    [task] = xpm.job_get(job.id).tasks
    assert (task.uuid, task.task_uuid, task.name) == (task_uuid, review.uuid, "Final review")
    assert (task.estimated_minutes, task.due_date) == (90, TODAY + timedelta(days=20))
    with pytest.raises(XpmBusinessError, match="Invalid task identifier"):
        xpm.job_add_task(NewJobTask(job_id=job.id, task_type_uuid="nope", estimated_minutes=1))
    templated = xpm.job_apply_template(
        job.id, catalogue["templates"]["Income Tax Return"].uuid, task_mode="AppendExisting"
    )
    assert [t.name for t in templated.tasks] == [
        "Final review",
        "Prepare Tax Return",
        "Lodge Return",
    ]
    with pytest.raises(XpmBusinessError, match="Invalid job template identifier"):
        xpm.job_apply_template(job.id, "nope")


def test_expired_token(xpm, emulator):
    emulator.advance(1801)
    with pytest.raises(XpmTokenExpired):
        xpm.staff_list()


def test_unknown_token(live_client):
    with pytest.raises(XpmUnauthorized):
        live_client(token="not-a-token").staff_list()


def test_tenant_not_granted(live_client):
    with pytest.raises(XpmForbiddenTenant):
        live_client(tenant_id=SECOND_TENANT_ID).staff_list()


def test_tenants_are_apart(live_client, emulator):
    second_token, _ = emulator.issue_token([SECOND_TENANT_ID])
    second = live_client(tenant_id=SECOND_TENANT_ID, token=second_token)
    assert len(second.staff_list()) == 3
    assert DEMO_TENANT_ID != SECOND_TENANT_ID
