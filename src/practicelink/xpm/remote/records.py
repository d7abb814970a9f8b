"""Typed XPM records (what XPM returns) and write inputs (what we send).

Write inputs use one convention for optional links: `None` leaves the field out of the
message, `""` sends it empty (which clears it in XPM).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


def normalise_email(email: str) -> str:
    """The form emails are compared in: trimmed and case-folded."""
    return email.strip().casefold()


@dataclass(frozen=True)
class Ref:
    """A link to another record as XPM embeds it: `<UUID>` and `<Name>`."""

    uuid: str
    name: str


StaffRef = Ref
ClientRef = Ref


@dataclass(frozen=True)
class Staff:
    uuid: str
    name: str
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: str = ""
    payroll_code: str = ""

    @property
    def normalised_email(self) -> str:
        return normalise_email(self.email)


@dataclass(frozen=True)
class Client:
    uuid: str
    name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    account_manager: StaffRef | None = None
    """Shown as "Partner" in XPM's UI."""
    job_manager: StaffRef | None = None
    is_archived: bool = False
    is_deleted: bool = False
    is_prospect: bool = False
    billing_client: ClientRef | None = None
    writable: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    """Every field an update can carry, as XPM returned it, in update-message names (links as
    `AccountManagerUUID`...): sent back whole so fields practicelink does not manage are kept."""


@dataclass(frozen=True)
class ClientPage:
    clients: tuple[Client, ...]
    next_page_token: str | None
    """None on the last page."""


@dataclass(frozen=True)
class JobTask:
    uuid: str
    """The job-task instance (used by assign `task-uuid`)."""
    task_uuid: str
    """The task type (see `task_type_list`)."""
    name: str
    description: str = ""
    estimated_minutes: int = 0
    actual_minutes: int = 0
    completed: bool = False
    billable: bool = False
    start_date: date | None = None
    due_date: date | None = None
    assigned: tuple[StaffRef, ...] = ()


@dataclass(frozen=True)
class Job:
    id: str
    """The job number (`J000309` or a custom one): how XPM addresses jobs."""
    uuid: str
    name: str
    description: str = ""
    state: str = ""
    """The state's display name, e.g. "Planned" (not the interface code)."""
    client: ClientRef | None = None
    client_order_number: str = ""
    budget: Decimal | None = None
    type: str = ""
    start_date: date | None = None
    due_date: date | None = None
    completed_date: date | None = None
    manager: StaffRef | None = None
    partner: StaffRef | None = None
    assigned: tuple[StaffRef, ...] = ()
    tasks: tuple[JobTask, ...] = ()


@dataclass(frozen=True)
class Template:
    uuid: str
    name: str


@dataclass(frozen=True)
class Category:
    uuid: str
    name: str


@dataclass(frozen=True)
class TaskType:
    uuid: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class JobState:
    uuid: str
    name: str
    code: str = ""
    """Interface code to send to `job_state`; empty when XPM does not return it."""


@dataclass(frozen=True)
class Contact:
    """A client's contact person (`client.api/contact`)."""

    uuid: str
    name: str
    mobile: str = ""
    email: str = ""
    phone: str = ""
    position: str = ""
    salutation: str = ""
    addressee: str = ""
    is_primary: bool = False


# --- write inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class NewStaff:
    name: str
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: str = ""
    payroll_code: str = ""


@dataclass(frozen=True)
class StaffUpdate:
    """Fields left as None are not sent; send the full record to be safe."""

    uuid: str
    name: str
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    address: str | None = None
    payroll_code: str | None = None


@dataclass(frozen=True)
class NewClient:
    name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    account_manager_uuid: str | None = None
    job_manager_uuid: str | None = None


@dataclass(frozen=True)
class ClientUpdate:
    """Fields left as None are not sent; `""` on a manager clears it."""

    uuid: str
    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    account_manager_uuid: str | None = None
    job_manager_uuid: str | None = None


@dataclass(frozen=True)
class NewJob:
    name: str
    description: str
    client_uuid: str
    start_date: date
    due_date: date
    job_number: str | None = None
    """A custom job number; lets a retry find the job it already created."""
    template_uuid: str | None = None
    category_uuid: str | None = None
    budget: Decimal | None = None
    client_order_number: str | None = None
    contact_uuid: str | None = None


@dataclass(frozen=True)
class TaskStaff:
    staff_uuid: str
    task_uuid: str
    """The job-task UUID (`JobTask.uuid`)."""


@dataclass(frozen=True)
class JobAssignment:
    """One `job.api/assign` message. `manager_uuid`/`partner_uuid`: None leaves, "" removes.

    XPM may require a staff on the job before a task can be allocated to them: put them
    in `add_staff` in the same message.
    """

    job_id: str
    add_staff: tuple[str, ...] = ()
    remove_staff: tuple[str, ...] = ()
    add_task_staff: tuple[TaskStaff, ...] = ()
    remove_task_staff: tuple[TaskStaff, ...] = ()
    manager_uuid: str | None = None
    partner_uuid: str | None = None


@dataclass(frozen=True)
class NewJobTask:
    job_id: str
    task_type_uuid: str
    estimated_minutes: int
    label: str = ""
    description: str = ""
    start_date: date | None = None
    due_date: date | None = None


@dataclass(frozen=True)
class JobUpdate:
    """A `job.api/update` message (the client cannot change). Fields left as None are not
    sent; XPM may blank optional fields a message leaves out, so send the full record."""

    job_id: str
    name: str
    description: str
    start_date: date
    due_date: date
    client_order_number: str | None = None
    category_uuid: str | None = None
    budget: Decimal | None = None


@dataclass(frozen=True)
class NewContact:
    name: str
    mobile: str = ""
    email: str = ""
    phone: str = ""
    position: str = ""
    salutation: str = ""
    addressee: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class ContactUpdate:
    """Fields left as None are not sent."""

    name: str | None = None
    mobile: str | None = None
    email: str | None = None
    phone: str | None = None
    position: str | None = None
    salutation: str | None = None
    addressee: str | None = None
    is_primary: bool | None = None
