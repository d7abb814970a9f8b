"""The client methods for staff delete, client contacts, job update and delete, and the
client against the emulator's 3.0 answer form and strict update mode, over real HTTP."""

from datetime import timedelta
from decimal import Decimal

import pytest

from practicelink.xpm.remote import (
    ContactUpdate,
    JobUpdate,
    NewContact,
    NewStaff,
    XpmBusinessError,
    XpmProtocolError,
)
from tests.xpm.remote.test_live import TODAY, client_named, new_job, staff_named


def test_staff_delete(xpm):
    added = xpm.staff_add(NewStaff(name="Temp Person"))
    xpm.staff_delete(added.uuid)
    assert added.uuid not in {s.uuid for s in xpm.staff_list()}
    with pytest.raises(XpmBusinessError, match="Invalid staff identifier"):
        xpm.staff_delete(added.uuid)


def test_contacts_add_get_update_delete(xpm):
    bakery = client_named(xpm, "Bluegum Bakery")
    added = xpm.contact_add(bakery.uuid, NewContact(name="Jo Baker", email="jo@bakery.example"))
    assert (added.name, added.email, added.is_primary) == ("Jo Baker", "jo@bakery.example", False)
    assert xpm.contact_get(added.uuid) == added
    updated = xpm.contact_update(added.uuid, ContactUpdate(phone="09 555", is_primary=True))
    assert (updated.name, updated.phone, updated.is_primary) == ("Jo Baker", "09 555", True)
    assert xpm.contact_delete(added.uuid) == updated
    with pytest.raises(XpmBusinessError, match="Invalid contact identifier"):
        xpm.contact_get(added.uuid)


def _full_update(job, **changes) -> JobUpdate:
    values = {
        "job_id": job.id,
        "name": job.name,
        "description": job.description,
        "start_date": job.start_date,
        "due_date": job.due_date,
        "client_order_number": job.client_order_number,
        "budget": job.budget,
    }
    return JobUpdate(**{**values, **changes})


@pytest.mark.parametrize("strict", [False, True])
def test_job_update_of_the_full_record_is_safe_in_both_update_modes(
    xpm, emulator, catalogue, strict
):
    job = xpm.job_add(new_job(xpm, catalogue, client_order_number="PO-9"))
    emulator.configure(strict_update=strict)
    due = TODAY + timedelta(days=60)
    changed = xpm.job_update(
        _full_update(job, due_date=due, category_uuid=catalogue["categories"]["Tax"].uuid)
    )
    assert (changed.due_date, changed.client_order_number) == (due, "PO-9")
    assert (changed.budget, changed.type) == (Decimal("1250.00"), "Tax")
    assert xpm.job_get(job.id) == changed


def test_job_update_leaving_fields_out_loses_them_in_strict_mode(xpm, emulator, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue, client_order_number="PO-9"))
    emulator.configure(strict_update=True)
    changed = xpm.job_update(_full_update(job, client_order_number=None, budget=None))
    assert (changed.client_order_number, changed.budget, changed.type) == ("", None, "")


def test_job_delete(xpm, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue))
    xpm.job_delete(job.id)
    assert xpm.job_get(job.id) is None
    with pytest.raises(XpmBusinessError, match="Invalid job identifier"):
        xpm.job_delete(job.id)


def test_3_0_answers_fail_loudly_naming_the_element(xpm, emulator, catalogue):
    job = xpm.job_add(new_job(xpm, catalogue))
    emulator.configure(answer_form="3.0")
    with pytest.raises(XpmProtocolError, match=r"<Staff> has no <UUID> but <ID>\d+</ID>"):
        xpm.staff_list()
    with pytest.raises(XpmProtocolError, match=r"<Client>'s <AccountManager> has no <UUID>"):
        xpm.client_list()
    with pytest.raises(XpmProtocolError, match=r"<Job>'s <Client> has no <UUID> but <ID>"):
        xpm.job_get(job.id)
    with pytest.raises(XpmProtocolError, match=r"<Template> has no <UUID> but <ID>"):
        xpm.template_list()
    [david] = [c for c in xpm.client_search("David Osei")]
    assert david.account_manager is None  # no links: mapped by the 3.0 client's trailing UUID
    assert david.name == "David Osei" and len(david.uuid) == 36
    emulator.configure(answer_form="3.1")
    assert staff_named(xpm, "Olivia Bennett").uuid
