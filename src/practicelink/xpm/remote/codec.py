"""XML codec: build request bodies with ElementTree, parse answers with defusedxml.

XPM answers `<Response api-method="…"><Status>OK|ERROR</Status>…</Response>`. Empty values
come as `<X />` or `<X></X>`, unset links are left out, lists may be self-closing, and
booleans are `Yes`/`No` on clients but `true`/`false` on jobs, so every reader is lenient
about shape and strict about content: anything it cannot read is an `XpmProtocolError`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .errors import XpmBusinessError, XpmProtocolError
from .records import (
    Category,
    Client,
    ClientUpdate,
    Contact,
    ContactUpdate,
    Job,
    JobAssignment,
    JobState,
    JobTask,
    JobUpdate,
    NewClient,
    NewContact,
    NewJob,
    NewJobTask,
    NewStaff,
    Ref,
    Staff,
    StaffUpdate,
    TaskType,
    Template,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

# The longest text kept from an answer, per element: what practicelink's columns hold. Longer
# text is cut (a warning is logged) so one odd record never fails every later sync; an
# email that long cannot be real and is dropped; an identifier that long is a protocol error.
TEXT_LIMIT = 255
TEXT_LIMITS = {"Email": 254, "Description": 10_000, "Address": 1_000, "PostalAddress": 1_000}
IDENTIFIER_LIMIT = 64

# (record attribute, XML tag): shared by the builders and the parsers.
STAFF_FIELDS = (
    ("uuid", "UUID"),
    ("name", "Name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("mobile", "Mobile"),
    ("address", "Address"),
    ("payroll_code", "PayrollCode"),
)
CLIENT_TEXT_FIELDS = (
    ("uuid", "UUID"),
    ("name", "Name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("address", "Address"),
)
CLIENT_WRITE_FIELDS = (
    *CLIENT_TEXT_FIELDS,
    ("account_manager_uuid", "AccountManagerUUID"),
    ("job_manager_uuid", "JobManagerUUID"),
)
# Elements of a read client that an update message does not carry (read-only or structured).
CLIENT_NOT_WRITABLE = frozenset(
    {"UUID", "IsArchived", "IsDeleted", "IsProspect", "Type", "Contacts", "Notes", "Groups"}
    | {"Relationships", "WebUrl"}
)
# Links come back as `<AccountManager><UUID/><Name/></AccountManager>` and go as `<…UUID>`.
CLIENT_LINK_INPUTS = {
    "AccountManager": "AccountManagerUUID",
    "JobManager": "JobManagerUUID",
    "BillingClient": "BillingClientUUID",
}
# The add/update message spells it WebSite; answers say Website.
CLIENT_INPUT_ALIASES = {"Website": "WebSite"}
JOB_WRITE_FIELDS = (
    ("job_number", "ID"),
    ("name", "Name"),
    ("description", "Description"),
    ("client_uuid", "ClientUUID"),
    ("contact_uuid", "ContactUUID"),
    ("start_date", "StartDate"),
    ("due_date", "DueDate"),
    ("client_order_number", "ClientNumber"),
    ("template_uuid", "TemplateUUID"),
    ("category_uuid", "CategoryUUID"),
    ("budget", "Budget"),
)

JOB_UPDATE_FIELDS = (
    ("job_id", "ID"),
    ("name", "Name"),
    ("description", "Description"),
    ("start_date", "StartDate"),
    ("due_date", "DueDate"),
    ("client_order_number", "ClientNumber"),
    ("category_uuid", "CategoryUUID"),
    ("budget", "Budget"),
)
# A contact's fields in XPM's order (IsPrimary is Yes/No).
CONTACT_FIELDS = (
    ("uuid", "UUID"),
    ("name", "Name"),
    ("mobile", "Mobile"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("position", "Position"),
    ("salutation", "Salutation"),
    ("addressee", "Addressee"),
    ("is_primary", "IsPrimary"),
)

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TRUE = frozenset({"yes", "true"})
_FALSE = frozenset({"no", "false", ""})


# --- building -----------------------------------------------------------------------------


def xml_safe(text: str) -> str:
    """Text as XML can carry it: characters XML 1.0 forbids dropped, line ends as `\\n`."""
    return _XML_ILLEGAL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def request_date(value: date) -> str:
    """Request dates are `YYYYMMDD`."""
    return value.strftime("%Y%m%d")


def request_datetime(value: datetime) -> str:
    """`modifiedsince` is `yyyy-MM-ddTHH:mm:ss` in UTC; naive values are taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _wire(value: object) -> str:
    if isinstance(value, date):
        return request_date(value)
    return xml_safe(str(value))


def _element(tag: str, fields: Iterable[tuple[str, object | None]]) -> Element:
    root = Element(tag)
    for name, value in fields:
        if value is not None:
            SubElement(root, name).text = _wire(value)
    return root


def _from(record: object, tag: str, fields: Iterable[tuple[str, str]]) -> bytes:
    return _serialise(_element(tag, ((name, getattr(record, attr, None)) for attr, name in fields)))


def _serialise(root: Element) -> bytes:
    return tostring(root, encoding="unicode").encode()


def build_staff(staff: NewStaff | StaffUpdate) -> bytes:
    return _from(staff, "Staff", STAFF_FIELDS)


def build_client(client: NewClient | ClientUpdate) -> bytes:
    return _from(client, "Client", CLIENT_WRITE_FIELDS)


def build_client_update(current: Client, update: ClientUpdate) -> bytes:
    """`update` over the full record `current` (read just before): every writable field is
    sent, so an update that blanks unsent fields loses nothing practicelink does not manage."""
    values = dict(current.writable)
    for attr, tag in CLIENT_WRITE_FIELDS:
        value = getattr(update, attr)
        if value is not None and attr != "uuid":
            values[tag] = value
    return _serialise(_element("Client", [("UUID", update.uuid), *values.items()]))


def build_job(job: NewJob) -> bytes:
    return _from(job, "Job", JOB_WRITE_FIELDS)


def build_job_task(task: NewJobTask) -> bytes:
    return _serialise(
        _element(
            "Task",
            (
                ("Job", task.job_id),
                ("TaskUUID", task.task_type_uuid),
                ("Label", task.label or None),
                ("Description", task.description or None),
                ("EstimatedMinutes", task.estimated_minutes),
                ("StartDate", task.start_date),
                ("DueDate", task.due_date),
            ),
        )
    )


def build_assignment(assignment: JobAssignment) -> bytes:
    job = _element("Job", [("ID", assignment.job_id)])
    for verb, staff_uuids in (("add", assignment.add_staff), ("remove", assignment.remove_staff)):
        for staff_uuid in staff_uuids:
            SubElement(job, verb, uuid=staff_uuid)
    for verb, task_staff in (
        ("add", assignment.add_task_staff),
        ("remove", assignment.remove_task_staff),
    ):
        for item in task_staff:
            SubElement(job, verb, {"uuid": item.staff_uuid, "task-uuid": item.task_uuid})
    for role, role_uuid in (
        ("manager", assignment.manager_uuid),
        ("partner", assignment.partner_uuid),
    ):
        if role_uuid == "":
            SubElement(job, f"remove-{role}")
        elif role_uuid is not None:
            SubElement(job, f"add-{role}", uuid=role_uuid)
    return _serialise(job)


def build_job_update(job: JobUpdate) -> bytes:
    return _from(job, "Job", JOB_UPDATE_FIELDS)


def build_job_id(job_id: str) -> bytes:
    """`<Job><ID>…</ID></Job>`, how `job.api/delete` names its job."""
    return _serialise(_element("Job", [("ID", job_id)]))


def build_staff_uuid(uuid: str) -> bytes:
    """`<Staff><UUID>…</UUID></Staff>`, how `staff.api/delete` names its staff member."""
    return _serialise(_element("Staff", [("UUID", uuid)]))


def build_contact(contact: NewContact | ContactUpdate, client_uuid: str | None = None) -> bytes:
    """A contact message; an added contact names its client as `<Client><UUID>`."""
    root = Element("Contact")
    if client_uuid is not None:
        SubElement(SubElement(root, "Client"), "UUID").text = _wire(client_uuid)
    for attr, tag in CONTACT_FIELDS[1:]:  # all but the UUID, which goes in the path
        value = getattr(contact, attr)
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        if value is not None:
            SubElement(root, tag).text = _wire(value)
    return _serialise(root)


def build_job_state(job_id: str, state_code: str) -> bytes:
    return _serialise(_element("Job", [("ID", job_id), ("State", state_code)]))


def build_apply_template(job_id: str, template_uuid: str, task_mode: str) -> bytes:
    return _serialise(
        _element("Job", [("ID", job_id), ("TemplateUUID", template_uuid), ("TaskMode", task_mode)])
    )


# --- parsing ------------------------------------------------------------------------------


def parse_response(body: bytes) -> Element:
    """The `<Response>` element of an OK answer; `XpmBusinessError` for `Status` ERROR."""
    if not body.strip():
        raise XpmProtocolError("the answer was empty")
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise XpmProtocolError(f"the XML uses a forbidden construct ({exc})") from exc
    except ParseError as exc:
        raise XpmProtocolError(f"the XML is malformed ({exc})") from exc
    if root.tag != "Response":
        raise XpmProtocolError(f"expected a <Response> element, got <{root.tag}>")
    status = (root.findtext("Status") or "").strip()
    if status == "OK":
        return root
    if status == "ERROR":
        description = (root.findtext("ErrorDescription") or "").strip()
        raise XpmBusinessError(description or "no description given")
    raise XpmProtocolError(f"unknown Status {status!r}" if status else "the answer has no Status")


def one(parent: Element, tag: str, parse: Callable[[Element], T]) -> T:
    """Parse the required child `tag` of `parent`."""
    child = parent.find(tag)
    if child is None:
        raise XpmProtocolError(f"<{parent.tag}> has no <{tag}>")
    return parse(child)


def many(parent: Element, container: str, item: str, parse: Callable[[Element], T]) -> list[T]:
    """Parse `<container><item/>…</container>`; the container itself is required."""
    found = parent.find(container)
    if found is None:
        raise XpmProtocolError(f"<{parent.tag}> has no <{container}>")
    return [parse(child) for child in found.findall(item)]


def required_text(parent: Element, tag: str) -> str:
    value = (parent.findtext(tag) or "").strip()
    if not value:
        raise XpmProtocolError(f"<{parent.tag}> has no <{tag}>{_legacy_hint(parent, tag)}")
    if len(value) > IDENTIFIER_LIMIT:
        raise XpmProtocolError(
            f"<{parent.tag}>'s <{tag}> is {len(value):,} characters long, too long for an"
            " identifier"
        )
    return value


def _legacy_hint(parent: Element, tag: str) -> str:
    """Why a `<UUID>`-style element is missing, when the record is in XPM 3.0's form."""
    legacy_tag = tag.removesuffix("UUID") + "ID"
    legacy = (parent.findtext(legacy_tag) or "").strip() if tag.endswith("UUID") else ""
    if not legacy:
        return ""
    return (
        f" but <{legacy_tag}>{legacy}</{legacy_tag}>, XPM 3.0's integer form, which"
        " practicelink cannot map to a record"
    )


def _text(parent: Element, tag: str) -> str:
    value = parent.findtext(tag) or ""
    limit = TEXT_LIMITS.get(tag, TEXT_LIMIT)
    if len(value) <= limit:
        return value
    kept = "" if tag == "Email" else value[: limit - 1] + "…"
    log.warning(
        "XPM sent a %s %s whose <%s> is %s characters long; practicelink keeps %s",
        parent.tag,
        (parent.findtext("UUID") or parent.findtext("ID") or "")[:IDENTIFIER_LIMIT],
        tag,
        f"{len(value):,}",
        f"the first {limit - 1} and an ellipsis" if kept else "none of it",
    )
    return kept


def _bool(parent: Element, tag: str) -> bool:
    value = _text(parent, tag).strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise XpmProtocolError(f"<{tag}> is not a boolean: {value!r}")


def _int(parent: Element, tag: str) -> int:
    value = _text(parent, tag).strip()
    try:
        return int(value) if value else 0
    except ValueError:
        raise XpmProtocolError(f"<{tag}> is not a whole number: {value!r}") from None


def _decimal(parent: Element, tag: str) -> Decimal | None:
    value = _text(parent, tag).strip()
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        raise XpmProtocolError(f"<{tag}> is not a number: {value!r}") from None


def parse_datetime(value: str) -> datetime | None:
    """Response dates: `yyyy-MM-ddTHH:mm:ss` or `yyyy-MM-dd`, no zone; empty is None."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        raise XpmProtocolError(f"not a date: {value!r}") from None


def _date(parent: Element, tag: str) -> date | None:
    moment = parse_datetime(_text(parent, tag))
    return moment.date() if moment else None


def parse_ref(element: Element) -> Ref:
    return Ref(uuid=required_text(element, "UUID"), name=_text(element, "Name"))


def _ref(parent: Element, tag: str) -> Ref | None:
    """An optional link: left out or empty (`<BillingClient />`) is None; otherwise it must
    carry a `<UUID>`. A link practicelink cannot map (no UUID, or 3.0's `<ID>`) is an error,
    never a silent "no partner"."""
    child = parent.find(tag)
    if child is None or (len(child) == 0 and not (child.text or "").strip()):
        return None
    try:
        return parse_ref(child)
    except XpmProtocolError as exc:
        raise XpmProtocolError(f"<{parent.tag}>'s {exc.detail}") from None


def _staff_refs(parent: Element) -> tuple[Ref, ...]:
    assigned = parent.find("Assigned")
    if assigned is None:
        return ()
    try:
        return tuple(parse_ref(staff) for staff in assigned.findall("Staff"))
    except XpmProtocolError as exc:
        raise XpmProtocolError(f"<{parent.tag}>'s <Assigned> {exc.detail}") from None


def parse_staff(element: Element) -> Staff:
    values = {attr: _text(element, tag) for attr, tag in STAFF_FIELDS}
    values["uuid"] = required_text(element, "UUID")
    return Staff(**values)


def parse_client(element: Element) -> Client:
    values = {attr: _text(element, tag) for attr, tag in CLIENT_TEXT_FIELDS}
    values["uuid"] = required_text(element, "UUID")
    return Client(
        **values,
        account_manager=_ref(element, "AccountManager"),
        job_manager=_ref(element, "JobManager"),
        is_archived=_bool(element, "IsArchived"),
        is_deleted=_bool(element, "IsDeleted"),
        is_prospect=_bool(element, "IsProspect"),
        billing_client=_ref(element, "BillingClient"),
        writable=_client_writable(element),
    )


def _client_writable(element: Element) -> tuple[tuple[str, str], ...]:
    fields = []
    for child in element:
        if child.tag in CLIENT_LINK_INPUTS:
            uuid = (child.findtext("UUID") or "").strip()
            if uuid:
                fields.append((CLIENT_LINK_INPUTS[child.tag], uuid))
        elif child.tag not in CLIENT_NOT_WRITABLE and len(child) == 0:
            fields.append((CLIENT_INPUT_ALIASES.get(child.tag, child.tag), child.text or ""))
    return tuple(fields)


def parse_job_task(element: Element) -> JobTask:
    return JobTask(
        uuid=required_text(element, "UUID"),
        task_uuid=required_text(element, "TaskUUID"),
        name=_text(element, "Name"),
        description=_text(element, "Description"),
        estimated_minutes=_int(element, "EstimatedMinutes"),
        actual_minutes=_int(element, "ActualMinutes"),
        completed=_bool(element, "Completed"),
        billable=_bool(element, "Billable"),
        start_date=_date(element, "StartDate"),
        due_date=_date(element, "DueDate"),
        assigned=_staff_refs(element),
    )


def parse_job(element: Element) -> Job:
    tasks = element.find("Tasks")
    return Job(
        id=required_text(element, "ID"),
        uuid=_text(element, "UUID").strip(),
        name=_text(element, "Name"),
        description=_text(element, "Description"),
        state=_text(element, "State"),
        client=_ref(element, "Client"),
        client_order_number=_text(element, "ClientOrderNumber"),
        budget=_decimal(element, "Budget"),
        type=_text(element, "Type"),
        start_date=_date(element, "StartDate"),
        due_date=_date(element, "DueDate"),
        completed_date=_date(element, "CompletedDate"),
        manager=_ref(element, "Manager"),
        partner=_ref(element, "Partner"),
        assigned=_staff_refs(element),
        tasks=() if tasks is None else tuple(parse_job_task(t) for t in tasks.findall("Task")),
    )


def next_page_token(response: Element) -> str | None:
    """The `pageToken` of `<Pagination><Links><Next>`; None on the last page."""
    link = (response.findtext("Pagination/Links/Next") or "").strip()
    if not link:
        return None
    for key, value in parse_qsl(urlsplit(link).query):
        if key.casefold() == "pagetoken" and value:
            return value
    raise XpmProtocolError(f"the next-page link has no pageToken: {link!r}")


def parse_contact(element: Element) -> Contact:
    values = {attr: _text(element, tag) for attr, tag in CONTACT_FIELDS if attr != "is_primary"}
    values["uuid"] = required_text(element, "UUID")
    return Contact(**values, is_primary=_bool(element, "IsPrimary"))


def parse_template(element: Element) -> Template:
    return Template(uuid=required_text(element, "UUID"), name=_text(element, "Name"))


def parse_category(element: Element) -> Category:
    return Category(uuid=required_text(element, "UUID"), name=_text(element, "Name"))


def parse_task_type(element: Element) -> TaskType:
    return TaskType(
        uuid=required_text(element, "UUID"),
        name=_text(element, "Name"),
        description=_text(element, "Description"),
    )


def parse_job_state(element: Element) -> JobState:
    return JobState(
        uuid=required_text(element, "UUID"),
        name=_text(element, "Name"),
        code=_text(element, "Code").strip(),
    )
