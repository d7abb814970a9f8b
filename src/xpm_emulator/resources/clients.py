"""client.api: list, paged-list, search, get, add, update, archive, delete, and the contact
methods (`POST contact`, `GET|PUT|DELETE contact/{uuid}`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

from xpm_emulator.models import Client, Contact, Tenant, by_name, by_uuid
from xpm_emulator.render import CLIENT_TEXT_FIELDS, CONTACT_FIELDS, YES_NO_FIELDS, web_url
from xpm_emulator.resources.base import Endpoint, XpmError, XpmRequest, required, staff_or_error
from xpm_emulator.xml import add, child_text, element

INVALID_CLIENT = "Invalid client identifier"
INVALID_CONTACT = "Invalid contact identifier"
NAME_REQUIRED = "The client name is required"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# The add message spells it WebSite; responses say Website.
INPUT_ALIASES = {"WebSite": "Website"}


def _client(tenant: Tenant, uuid: str | None) -> Client:
    client = by_uuid(tenant.clients, uuid)
    if client is None:
        raise XpmError(INVALID_CLIENT)
    return client


def _clients_element(req: XpmRequest, clients: Iterable[Client], *, detailed: bool) -> Element:
    node = element("Clients")
    node.extend(req.view.client(c, detailed=detailed) for c in by_name(clients))
    return node


def _absent(req: XpmRequest, current: str | None) -> str | None:
    """What a field the message leaves out becomes: kept, or blanked in strict update mode."""
    return None if req.config.strict_update else current


def _manager_link(req: XpmRequest, message: Element, tag: str, current: str | None) -> str | None:
    """New value of a `<AccountManagerUUID>`-style link: absent keeps, empty clears."""
    value = child_text(message, tag)
    if value is None:
        return _absent(req, current)
    if not value:
        return None
    role = tag.removesuffix("UUID")
    return staff_or_error(req.tenant, value, f"Invalid staff identifier for {role}").uuid


def _yes_no(tag: str, value: str) -> str:
    folded = value.casefold()
    if folded in ("yes", "true"):
        return "Yes"
    if folded in ("no", "false", ""):
        return "No"
    raise XpmError(f"Invalid {tag}: expected Yes or No, got {value!r}")


def _apply_fields(req: XpmRequest, client: Client, message: Element) -> None:
    """Copy the fields present in the message; absent ones keep their value (or are blanked
    in strict update mode). Everything is checked before anything changes, so a refused
    update changes nothing."""
    name = child_text(message, "Name")
    if name == "":
        raise XpmError(NAME_REQUIRED)
    account_manager = _manager_link(req, message, "AccountManagerUUID", client.account_manager_uuid)
    job_manager = _manager_link(req, message, "JobManagerUUID", client.job_manager_uuid)
    billing = child_text(message, "BillingClientUUID")
    if billing:
        billing = _client(req.tenant, billing).uuid
    details = {} if req.config.strict_update else dict(client.details)
    for child in message:
        tag = INPUT_ALIASES.get(child.tag, child.tag)
        if tag in CLIENT_TEXT_FIELDS:
            value = (child.text or "").strip()
            details[tag] = _yes_no(tag, value) if tag in YES_NO_FIELDS else value
    email = child_text(message, "Email")
    client.email = (_absent(req, client.email) or "") if email is None else email
    client.billing_client_uuid = (
        _absent(req, client.billing_client_uuid) if billing is None else billing or None
    )
    client.account_manager_uuid, client.job_manager_uuid = account_manager, job_manager
    client.name = name or client.name
    client.details = details
    client.modified_at = req.stamp


def _set_contact_fields(contact: Contact, message: Element) -> None:
    for tag, attr in CONTACT_FIELDS.items():
        value = child_text(message, tag)
        if value is not None:
            setattr(contact, attr, value)
    primary = child_text(message, "IsPrimary")
    if primary is not None:
        contact.is_primary = _yes_no("IsPrimary", primary) == "Yes"


def _contacts(message: Element) -> list[Contact]:
    contacts = []
    for item in message.findall("Contacts/Contact"):
        contact = Contact(name=required(item, "Name"))
        _set_contact_fields(contact, item)
        contacts.append(contact)
    # "If multiple contacts defined, method will interpret last primary client as Primary".
    _single_primary(contacts)
    return contacts


def _single_primary(contacts: list[Contact], keep: Contact | None = None) -> None:
    """At most one primary contact: `keep` if it is primary, else the last primary one."""
    primaries = [c for c in contacts if c.is_primary]
    if not primaries:
        return
    winner = keep if keep is not None and keep.is_primary else primaries[-1]
    for contact in primaries:
        contact.is_primary = contact is winner


def _detail(req: XpmRequest, client: Client) -> list[Element]:
    return [web_url(f"Client/{client.uuid}/Detail"), req.view.client(client, detailed=True)]


def client_list(req: XpmRequest) -> list[Element]:
    clients = req.tenant.clients
    since_text = req.query.get("modifiedsince")
    if since_text:
        try:
            since = datetime.strptime(since_text, "%Y-%m-%dT%H:%M:%S")
        except ValueError as exc:
            raise XpmError("Invalid modifiedsince: expected yyyy-MM-ddTHH:mm:ss") from exc
        # Both sides are zero-padded UTC strings of one format, so they sort as text.
        clients = [c for c in clients if c.modified_at >= since.strftime("%Y-%m-%dT%H:%M:%S")]
    return [_clients_element(req, clients, detailed=req.flag("detailed"))]


def _decode_token(token: str) -> int:
    try:
        offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise XpmError("Invalid pageToken") from exc
    if offset < 0:
        raise XpmError("Invalid pageToken")
    return offset


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def client_paged_list(req: XpmRequest) -> list[Element]:
    """Non-archived, non-deleted clients a page at a time; `<Next>` only when more remain."""
    size_text = req.query.get("pagesize", str(DEFAULT_PAGE_SIZE))
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
        raise XpmError(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    size = int(size_text)
    token = req.query.get("pagetoken")
    offset = _decode_token(token) if token else 0
    live = by_name(c for c in req.tenant.clients if not c.is_archived and not c.is_deleted)
    page = live[offset : offset + size]
    url = f"{req.api_url}/client.api/paged-list"
    pagination = element("Pagination")
    links = add(pagination, "Links")
    add(links, "First", f"{url}?{urlencode({'pageSize': size})}")
    if offset + size < len(live):
        next_query = urlencode({"pageToken": _encode_token(offset + size), "pageSize": size})
        add(links, "Next", f"{url}?{next_query}")
    return [_clients_element(req, page, detailed=False), pagination]


def client_search(req: XpmRequest) -> list[Element]:
    query = req.query.get("query", "").strip().lower()
    if not query:
        raise XpmError("The query parameter is required")
    found = [
        c
        for c in req.tenant.clients
        if not c.is_deleted and (query in c.name.lower() or query in c.email.lower())
    ]
    return [_clients_element(req, found, detailed=req.flag("detailed"))]


def client_get(req: XpmRequest) -> list[Element]:
    return _detail(req, _client(req.tenant, req.arg()))


def client_add(req: XpmRequest) -> list[Element]:
    message = req.xml("Client")
    name = child_text(message, "Name")
    if not name:
        raise XpmError(NAME_REQUIRED)
    client = Client(name=name, contacts=_contacts(message))
    _apply_fields(req, client, message)
    req.tenant.clients.append(client)
    return _detail(req, client)


def client_update(req: XpmRequest) -> list[Element]:
    message = req.xml("Client")
    client = _client(req.tenant, required(message, "UUID"))
    _apply_fields(req, client, message)
    return _detail(req, client)


def client_archive(req: XpmRequest) -> list[Element]:
    client = _client(req.tenant, required(req.xml("Client"), "UUID"))
    client.is_archived = True
    client.modified_at = req.stamp
    return _detail(req, client)


def client_delete(req: XpmRequest) -> list[Element]:
    """XPM keeps deleted clients (IsDeleted=Yes, still in client.api/list)."""
    client = _client(req.tenant, required(req.xml("Client"), "UUID"))
    client.is_deleted = True
    client.modified_at = req.stamp
    return []


def _contact_of(tenant: Tenant, uuid: str) -> tuple[Client, Contact]:
    for client in tenant.clients:
        contact = by_uuid(client.contacts, uuid)
        if contact is not None:
            return client, contact
    raise XpmError(INVALID_CONTACT)


def contact_add(req: XpmRequest) -> list[Element]:
    """`<Contact><Client><UUID/></Client><Name/>…</Contact>`: add a contact to a client."""
    message = req.xml("Contact")
    link = message.find("Client")
    client = _client(req.tenant, None if link is None else child_text(link, "UUID"))
    contact = Contact(name=required(message, "Name"))
    _set_contact_fields(contact, message)
    client.contacts.append(contact)
    _single_primary(client.contacts, keep=contact)
    client.modified_at = req.stamp
    return [req.view.contact(contact)]


def contact_get(req: XpmRequest) -> list[Element]:
    _, contact = _contact_of(req.tenant, req.arg())
    return [req.view.contact(contact)]


def contact_update(req: XpmRequest) -> list[Element]:
    message = req.xml("Contact")
    client, contact = _contact_of(req.tenant, req.arg())
    if child_text(message, "Name") == "":
        raise XpmError("The contact name is required")
    _set_contact_fields(contact, message)
    _single_primary(client.contacts, keep=contact)
    client.modified_at = req.stamp
    return [req.view.contact(contact)]


def contact_delete(req: XpmRequest) -> list[Element]:
    """Remove a contact; XPM answers with the contact it deleted."""
    client, contact = _contact_of(req.tenant, req.arg())
    client.contacts.remove(contact)
    client.modified_at = req.stamp
    return [req.view.contact(contact)]


ENDPOINTS = (
    Endpoint("client", "list", "GET", "List", client_list),
    Endpoint("client", "paged-list", "GET", "List", client_paged_list),
    Endpoint("client", "search", "GET", "Search", client_search),
    Endpoint("client", "get", "GET", "Get", client_get),
    Endpoint("client", "add", "POST", "Add", client_add),
    Endpoint("client", "update", "PUT", "Update", client_update),
    Endpoint("client", "archive", "PUT", "Archive", client_archive),
    Endpoint("client", "delete", "POST", "Delete", client_delete),
    Endpoint("client", "contact", "POST", "Contact", contact_add),
    Endpoint("client", "contact", "GET", "Contact", contact_get),
    Endpoint("client", "contact", "PUT", "Contact", contact_update),
    Endpoint("client", "contact", "DELETE", "Contact", contact_delete),
)
