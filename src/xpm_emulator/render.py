"""XPM records as the XML elements XPM answers with.

Element names, order and omissions follow real XPM answers (wire recordings of 2020-23) where
they exist, and the 3.1 documentation otherwise. A `View` renders either the documented 3.1
form (`<UUID>` identifiers) or the recorded 3.0 form (integer `<ID>`s), which the control
API can switch to so a client's handling of both can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from xpm_emulator.models import Client, Contact, Job, JobTask, Staff, Tenant, by_uuid, legacy_id
from xpm_emulator.xml import add, element, true_false, xpm_date, yes_no

# Staff element name -> Staff attribute, in XPM's order.
STAFF_FIELDS = {
    "Name": "name",
    "Email": "email",
    "Phone": "phone",
    "Mobile": "mobile",
    "Address": "address",
    "PayrollCode": "payroll_code",
}
# Individuals only (and AU tax): sent between Name and Email, and only when set.
INDIVIDUAL_FIELDS = ("Title", "Gender", "FirstName", "LastName", "OtherName", "DateOfBirth")
# Always sent, `<X></X>` when empty.
ADDRESS_FIELDS = (
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
)
# The tax block, in the recorded order. "yes/no" fields read Yes or No, never empty;
# "optional" ones (not in any recording) are sent only when set.
TAX_FIELDS = {
    "TaxNumber": "text",
    "CompanyNumber": "text",
    "BusinessNumber": "text",
    "BranchNumber": "text",
    "BusinessStructure": "optional",
    "BalanceMonth": "optional",
    "GSTRegistered": "yes/no",
    "PrepareGST": "yes/no",
    "GSTPeriod": "optional",
    "GSTBasis": "optional",
    "ProvisionalTaxBasis": "optional",
    "ProvisionalTaxRatio": "optional",
    "SignedTaxAuthority": "yes/no",
    "TaxAgent": "optional",
    "AgencyStatus": "text",
    "ReturnType": "optional",
    "PrepareActivityStatement": "yes/no",
    "PrepareTaxReturn": "yes/no",
    "ActiveAtoClient": "yes/no",
}
TAX_DEFAULTS = {"AgencyStatus": "Unlinked"}
YES_NO_FIELDS = frozenset(tag for tag, kind in TAX_FIELDS.items() if kind == "yes/no")
# Every free-text client field kept in Client.details.
CLIENT_TEXT_FIELDS = (*INDIVIDUAL_FIELDS, *ADDRESS_FIELDS, *TAX_FIELDS)
# Contact element name -> Contact attribute, in the recorded order (IsPrimary follows).
CONTACT_FIELDS = {
    "Name": "name",
    "Mobile": "mobile",
    "Email": "email",
    "Phone": "phone",
    "Position": "position",
    "Salutation": "salutation",
    "Addressee": "addressee",
}
WEB_URL = "https://app.practicemanager.xero.com"


def web_url(path: str) -> Element:
    return element("WebUrl", f"{WEB_URL}/{path}")


@dataclass(frozen=True)
class View:
    """How one answer renders records: the tenant's data, in the 3.1 or the 3.0 form."""

    tenant: Tenant
    legacy: bool = False

    def identifier(self, uuid: str, tag: str = "UUID") -> Element:
        """A record's identifier: `<UUID>` (3.1) or `<ID>` with an integer (3.0)."""
        if self.legacy:
            return element(tag.removesuffix("UUID") + "ID", legacy_id(uuid))
        return element(tag, uuid)

    def key(self, parent: Element, uuid: str, tag: str = "UUID") -> None:
        parent.append(self.identifier(uuid, tag))

    def link(self, parent: Element, tag: str, uuid: str, name: str) -> Element:
        """`<tag><UUID/><Name/></tag>`, XPM's reference to another record."""
        node = add(parent, tag)
        self.key(node, uuid)
        add(node, "Name", name)
        return node

    def staff_link(self, parent: Element, tag: str, uuid: str | None) -> Element | None:
        """A staff link, left out when unset (as XPM does)."""
        staff = by_uuid(self.tenant.staff, uuid)
        return None if staff is None else self.link(parent, tag, staff.uuid, staff.name)

    def staff(self, staff: Staff) -> Element:
        node = element("Staff")
        self.key(node, staff.uuid)
        for tag, attr in STAFF_FIELDS.items():
            add(node, tag, getattr(staff, attr))
        return node

    def contact(self, contact: Contact) -> Element:
        node = element("Contact")
        self.key(node, contact.uuid)
        for tag, attr in CONTACT_FIELDS.items():
            add(node, tag, getattr(contact, attr))
        add(node, "IsPrimary", yes_no(contact.is_primary))
        return node

    def client(self, client: Client, *, detailed: bool) -> Element:
        node = element("Client")
        if self.legacy:
            add(node, "ID", legacy_id(client.uuid))
        else:
            add(node, "UUID", client.uuid)
        add(node, "Name", client.name)
        for tag in INDIVIDUAL_FIELDS:
            if client.details.get(tag):
                add(node, tag, client.details[tag])
        if client.email:  # left out when empty, unlike the other fields
            add(node, "Email", client.email)
        for tag in ADDRESS_FIELDS:
            add(node, tag, client.details.get(tag, ""))
        add(node, "IsProspect", yes_no(client.is_prospect))
        add(node, "IsArchived", yes_no(client.is_archived))
        add(node, "IsDeleted", yes_no(client.is_deleted))
        for tag, kind in TAX_FIELDS.items():
            value = client.details.get(tag) or TAX_DEFAULTS.get(tag, "")
            if kind == "yes/no":
                add(node, tag, value if value in ("Yes", "No") else "No")
            elif kind == "text" or value:
                add(node, tag, value)
        self.staff_link(node, "AccountManager", client.account_manager_uuid)
        self.staff_link(node, "JobManager", client.job_manager_uuid)
        contacts = add(node, "Contacts")
        contacts.extend(self.contact(contact) for contact in client.contacts)
        billing = by_uuid(self.tenant.clients, client.billing_client_uuid)
        if billing is not None:
            self.link(node, "BillingClient", billing.uuid, billing.name)
        if detailed:
            add(node, "Notes")
            groups = add(node, "Groups")
            for group in self.tenant.client_groups:
                if client.uuid in group.client_uuids:
                    self.link(groups, "Group", group.uuid, group.name)
            add(node, "Relationships")
        if self.legacy:
            add(node, "UUID", client.uuid)  # 3.0 clients carry their UUID last
        return node

    def task(self, task: JobTask) -> Element:
        node = element("Task")
        self.key(node, task.uuid)
        add(node, "Name", task.name)
        self.key(node, task.task_type_uuid, "TaskUUID")
        add(node, "EstimatedMinutes", str(task.estimated_minutes))
        add(node, "ActualMinutes", str(task.actual_minutes))
        add(node, "Description", task.description)
        add(node, "Completed", true_false(task.completed))
        add(node, "Billable", true_false(task.billable))
        add(node, "Folder", task.folder)
        if task.start_date:
            add(node, "StartDate", xpm_date(task.start_date))
        if task.due_date:
            add(node, "DueDate", xpm_date(task.due_date))
        if task.assigned:  # no <Assigned> at all when nobody is allocated
            assigned = add(node, "Assigned")
            for uuid in task.assigned:
                item = self.staff_link(assigned, "Staff", uuid)
                if item is not None:
                    # XPM has no documented way to set it; what it reports is unconfirmed.
                    add(item, "AllocatedMinutes", "0")
        return node

    def job(self, job: Job, *, detailed: bool) -> Element:
        tenant = self.tenant
        node = element("Job")
        add(node, "ID", job.id)
        if not self.legacy:
            add(node, "UUID", job.uuid)
        add(node, "Name", job.name)
        add(node, "Description", job.description)
        client = by_uuid(tenant.clients, job.client_uuid)
        if client is not None:
            self.link(node, "Client", client.uuid, client.name)
            contact = by_uuid(client.contacts, job.contact_uuid)
            if contact is not None:
                self.link(node, "Contact", contact.uuid, contact.name)
        add(node, "ClientOrderNumber", job.client_order_number)
        state = tenant.find_state(job.state)
        add(node, "State", state.name if state else job.state)
        if job.budget is not None:
            add(node, "Budget", job.budget)
        category = by_uuid(tenant.categories, job.category_uuid)
        if category is not None:
            add(node, "Type", category.name)
        add(node, "StartDate", xpm_date(job.start_date))
        add(node, "DueDate", xpm_date(job.due_date))
        if job.completed_date:
            add(node, "CompletedDate", xpm_date(job.completed_date))
        add(node, "InternalID", legacy_id(job.uuid))
        self.staff_link(node, "Manager", job.manager_uuid)
        self.staff_link(node, "Partner", job.partner_uuid)
        assigned = add(node, "Assigned")
        for uuid in job.assigned:
            self.staff_link(assigned, "Staff", uuid)
        if detailed:
            tasks = add(node, "Tasks")
            tasks.extend(self.task(task) for task in job.tasks)
            add(node, "Milestones")
            add(node, "Notes")
        return node

    def named(self, tag: str, uuid: str, name: str) -> Element:
        """A catalogue entry (template, category, task type, job state)."""
        node = element(tag)
        self.key(node, uuid)
        add(node, "Name", name)
        return node
