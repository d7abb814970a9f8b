"""XPM records as the XML elements XPM answers with (element names and order per xpm-api.md)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from xpm_emulator.models import Client, Job, JobTask, Staff, Tenant, by_uuid
from xpm_emulator.xml import add, add_link, element, true_false, xpm_date, yes_no

# Staff element name -> Staff attribute, in XPM's order.
STAFF_FIELDS = {
    "Name": "name",
    "Email": "email",
    "Phone": "phone",
    "Mobile": "mobile",
    "Address": "address",
    "PayrollCode": "payroll_code",
}
# Free-text client fields kept in Client.details, in XPM's order.
CLIENT_TEXT_FIELDS = (
    "Title",
    "Gender",
    "FirstName",
    "LastName",
    "OtherName",
    "DateOfBirth",
    "Address",
    "City",
    "Region",
    "PostCode",
    "Country",
    "PostalAddress",
    "PostalCity",
    "PostalRegion",
    "PostalPostCode",
    "PostalCountry",
    "Phone",
    "Fax",
    "Website",
    "ReferralSource",
    "ExportCode",
    "TaxNumber",
    "CompanyNumber",
    "BusinessNumber",
    "BusinessStructure",
    "BalanceMonth",
    "PrepareGST",
    "GSTRegistered",
    "GSTPeriod",
    "GSTBasis",
    "ProvisionalTaxBasis",
    "ProvisionalTaxRatio",
    "SignedTaxAuthority",
    "TaxAgent",
    "AgencyStatus",
    "ReturnType",
    "PrepareActivityStatement",
    "PrepareTaxReturn",
)
CONTACT_FIELDS = {
    "Name": "name",
    "Salutation": "salutation",
    "Addressee": "addressee",
    "Mobile": "mobile",
    "Email": "email",
    "Phone": "phone",
    "Position": "position",
}
WEB_URL = "https://app.practicemanager.xero.com"


def web_url(path: str) -> Element:
    return element("WebUrl", f"{WEB_URL}/{path}")


def staff_element(staff: Staff) -> Element:
    node = element("Staff")
    add(node, "UUID", staff.uuid)
    for tag, attr in STAFF_FIELDS.items():
        add(node, tag, getattr(staff, attr))
    return node


def _staff_link(parent: Element, tag: str, tenant: Tenant, uuid: str | None) -> None:
    """A `{UUID, Name}` staff link, left out when unset (as XPM does)."""
    staff = by_uuid(tenant.staff, uuid)
    if staff is not None:
        add_link(parent, tag, staff.uuid, staff.name)


def client_element(client: Client, tenant: Tenant, *, detailed: bool) -> Element:
    node = element("Client")
    add(node, "UUID", client.uuid)
    add(node, "Name", client.name)
    add(node, "Email", client.email)
    for tag in CLIENT_TEXT_FIELDS:
        add(node, tag, client.details.get(tag, ""))
    add(node, "IsProspect", yes_no(client.is_prospect))
    add(node, "IsArchived", yes_no(client.is_archived))
    add(node, "IsDeleted", yes_no(client.is_deleted))
    _staff_link(node, "AccountManager", tenant, client.account_manager_uuid)
    _staff_link(node, "JobManager", tenant, client.job_manager_uuid)
    contacts = add(node, "Contacts")
    for contact in client.contacts:
        item = add(contacts, "Contact")
        add(item, "UUID", contact.uuid)
        for tag, attr in CONTACT_FIELDS.items():
            add(item, tag, getattr(contact, attr))
        add(item, "IsDeleted", "No")
        add(item, "IsPrimary", yes_no(contact.is_primary))
    billing = by_uuid(tenant.clients, client.billing_client_uuid)
    if billing is not None:
        add_link(node, "BillingClient", billing.uuid, billing.name)
    if detailed:
        for tag in ("Notes", "Groups", "Relationships"):
            add(node, tag)
    return node


def _task_element(task: JobTask, tenant: Tenant) -> Element:
    node = element("Task")
    add(node, "UUID", task.uuid)
    add(node, "TaskUUID", task.task_type_uuid)
    add(node, "Name", task.name)
    add(node, "Description", task.description)
    add(node, "EstimatedMinutes", str(task.estimated_minutes))
    add(node, "ActualMinutes", str(task.actual_minutes))
    add(node, "Completed", true_false(task.completed))
    add(node, "Billable", true_false(task.billable))
    add(node, "Folder", task.folder)
    if task.start_date:
        add(node, "StartDate", xpm_date(task.start_date))
    if task.due_date:
        add(node, "DueDate", xpm_date(task.due_date))
    assigned = add(node, "Assigned")
    for uuid in task.assigned:
        staff = by_uuid(tenant.staff, uuid)
        if staff is not None:
            item = add_link(assigned, "Staff", staff.uuid, staff.name)
            # XPM has no documented way to set it; what it reports is unconfirmed.
            add(item, "AllocatedMinutes", "0")
    return node


def job_element(job: Job, tenant: Tenant, *, detailed: bool) -> Element:
    node = element("Job")
    add(node, "ID", job.id)
    add(node, "UUID", job.uuid)
    add(node, "Name", job.name)
    add(node, "Description", job.description)
    state = tenant.find_state(job.state)
    add(node, "State", state.name if state else job.state)
    add(node, "ClientOrderNumber", job.client_order_number)
    if job.budget is not None:
        add(node, "Budget", job.budget)
    category = by_uuid(tenant.categories, job.category_uuid)
    if category is not None:
        add(node, "Type", category.name)
    add(node, "StartDate", xpm_date(job.start_date))
    add(node, "DueDate", xpm_date(job.due_date))
    if job.completed_date:
        add(node, "CompletedDate", xpm_date(job.completed_date))
    client = by_uuid(tenant.clients, job.client_uuid)
    if client is not None:
        add_link(node, "Client", client.uuid, client.name)
        contact = by_uuid(client.contacts, job.contact_uuid)
        if contact is not None:
            add_link(node, "Contact", contact.uuid, contact.name)
    _staff_link(node, "Manager", tenant, job.manager_uuid)
    _staff_link(node, "Partner", tenant, job.partner_uuid)
    assigned = add(node, "Assigned")
    for uuid in job.assigned:
        _staff_link(assigned, "Staff", tenant, uuid)
    if detailed:
        tasks = add(node, "Tasks")
        tasks.extend(_task_element(task, tenant) for task in job.tasks)
        add(node, "Milestones")
        add(node, "Notes")
    return node
