"""The records the emulator keeps.

XPM data lives per tenant (a practice). Identity records (OAuth clients, grants, codes,
tokens) belong to the Xero identity stand-in. Times are epoch seconds of the emulator clock;
XPM dates are ISO strings (`2024-05-31`) and rendered the XPM way on output.
Collections are plain lists so a posted seed or a snapshot reads naturally as JSON.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar
from uuid import uuid4


def new_uuid() -> str:
    """A fresh lower-case UUID string, the XPM 3.1 identifier format."""
    return str(uuid4())


def legacy_id(uuid: str) -> str:
    """The stable integer ID a record carries in XPM 3.0's form (3.0 used integer IDs)."""
    return str(zlib.crc32(uuid.strip().lower().encode()) % 90_000_000 + 10_000_000)


class HasUuid(Protocol):
    uuid: str


class HasName(Protocol):
    name: str


Item = TypeVar("Item", bound=HasUuid)
Named = TypeVar("Named", bound=HasName)


def by_uuid(items: Iterable[Item], uuid: str | None) -> Item | None:
    """The item with this UUID (case-insensitive, as GUIDs are), or None.

    An all-digits identifier is taken as the item's 3.0 integer ID (see `legacy_id`).
    """
    if not uuid:
        return None
    wanted = uuid.strip().lower()
    if wanted.isdigit():
        return next((item for item in items if legacy_id(item.uuid) == wanted), None)
    return next((item for item in items if item.uuid.lower() == wanted), None)


def by_name(items: Iterable[Named]) -> list[Named]:
    """XPM's list order: by name, case-insensitively (`Test` before `test`)."""
    return sorted(items, key=lambda item: (item.name.casefold(), item.name))


@dataclass
class Staff:
    name: str
    uuid: str = field(default_factory=new_uuid)
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: str = ""
    payroll_code: str = ""
    enabled: bool = True
    deleted: bool = False


@dataclass
class Contact:
    name: str
    uuid: str = field(default_factory=new_uuid)
    is_primary: bool = False
    salutation: str = ""
    addressee: str = ""
    phone: str = ""
    mobile: str = ""
    email: str = ""
    position: str = ""


@dataclass
class ClientGroup:
    """A client group (`<Groups><Group>` on a detailed client); seeded, not editable."""

    name: str
    uuid: str = field(default_factory=new_uuid)
    client_uuids: list[str] = field(default_factory=list)


@dataclass
class Client:
    name: str
    uuid: str = field(default_factory=new_uuid)
    email: str = ""
    # Every other free-text client field, keyed by its XPM element name (Phone, City, ...).
    details: dict[str, str] = field(default_factory=dict)
    account_manager_uuid: str | None = None
    job_manager_uuid: str | None = None
    billing_client_uuid: str | None = None
    is_prospect: bool = False
    is_archived: bool = False
    is_deleted: bool = False
    contacts: list[Contact] = field(default_factory=list)
    # UTC `yyyy-MM-ddTHH:mm:ss`, what `client.api/list?modifiedsince=` compares against.
    modified_at: str = "2025-01-01T00:00:00"


@dataclass
class JobTask:
    task_type_uuid: str
    name: str
    uuid: str = field(default_factory=new_uuid)
    description: str = ""
    estimated_minutes: int = 0
    actual_minutes: int = 0
    completed: bool = False
    billable: bool = True
    folder: str = ""
    start_date: str | None = None
    due_date: str | None = None
    assigned: list[str] = field(default_factory=list)


@dataclass
class Job:
    id: str
    name: str
    client_uuid: str
    start_date: str
    due_date: str
    created_on: str
    uuid: str = field(default_factory=new_uuid)
    description: str = ""
    state: str = "PLANNED"
    client_order_number: str = ""
    budget: str | None = None
    category_uuid: str | None = None
    contact_uuid: str | None = None
    completed_date: str | None = None
    manager_uuid: str | None = None
    partner_uuid: str | None = None
    assigned: list[str] = field(default_factory=list)
    tasks: list[JobTask] = field(default_factory=list)


@dataclass
class TaskType:
    name: str
    uuid: str = field(default_factory=new_uuid)
    description: str = ""


@dataclass
class Template:
    name: str
    uuid: str = field(default_factory=new_uuid)
    task_type_uuids: list[str] = field(default_factory=list)


@dataclass
class Category:
    name: str
    uuid: str = field(default_factory=new_uuid)


@dataclass
class JobState:
    name: str
    code: str
    uuid: str = field(default_factory=new_uuid)
    # A closed job leaves job.api/current; COMPLETED also stamps CompletedDate.
    closed: bool = False


def standard_job_states() -> list[JobState]:
    """The job states a new practice starts with (XPM lets each practice edit them)."""
    return [
        JobState("Planned", "PLANNED"),
        JobState("In Progress", "INPROGRESS"),
        JobState("Confirmed", "CONFIRMED"),
        JobState("Waiting on Client", "WAITING"),
        JobState("Completed", "COMPLETED", closed=True),
        JobState("Cancelled", "CANCELLED", closed=True),
    ]


@dataclass
class Tenant:
    name: str
    tenant_id: str = field(default_factory=new_uuid)
    staff: list[Staff] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    task_types: list[TaskType] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    client_groups: list[ClientGroup] = field(default_factory=list)
    job_states: list[JobState] = field(default_factory=standard_job_states)
    next_job_number: int = 1

    def find_staff(self, uuid: str | None) -> Staff | None:
        """A staff member that has not been deleted."""
        staff = by_uuid(self.staff, uuid)
        return staff if staff and not staff.deleted else None

    def find_job(self, job_id: str | None) -> Job | None:
        """A job by its number (`J000001` or a custom ID)."""
        return next((job for job in self.jobs if job.id == (job_id or "").strip()), None)

    def find_state(self, code: str) -> JobState | None:
        wanted = code.strip().upper()
        return next((state for state in self.job_states if state.code.upper() == wanted), None)


@dataclass
class OAuthClient:
    client_id: str
    # None: a public client (PKCE, no secret), like Xero's "mobile or desktop" apps.
    client_secret: str | None = None
    # Empty: any http(s) redirect on 127.0.0.1 / localhost / [::1].
    redirect_uris: list[str] = field(default_factory=list)


@dataclass
class Connection:
    tenant_id: str
    auth_event_id: str
    created_at: str
    id: str = field(default_factory=new_uuid)


@dataclass
class Grant:
    """One consent (an auth event): the tenants it reaches and its refresh-token chain."""

    client_id: str
    scope: str
    created_at: str
    id: str = field(default_factory=new_uuid)
    connections: list[Connection] = field(default_factory=list)
    revoked: bool = False

    def reaches(self, tenant_id: str) -> bool:
        wanted = tenant_id.strip().lower()
        return any(conn.tenant_id.lower() == wanted for conn in self.connections)


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    scope: str
    tenant_ids: list[str]
    expires_at: float
    code_challenge: str | None = None


@dataclass
class AccessToken:
    grant_id: str
    expires_at: float


@dataclass
class RefreshToken:
    grant_id: str
    expires_at: float
    # Set at first use; the token keeps working until rotated_at + refresh grace.
    rotated_at: float | None = None


@dataclass
class CallRecord:
    """One request to the XPM API, as tests want to assert on it."""

    seq: int
    time: str
    method: str
    path: str  # after the version: "job.api/get/J000001"
    endpoint: str  # resource.api/method: "job.api/get"
    query: dict[str, str]
    tenant_id: str | None
    status: int
    body: str
    fault: str | None = None
