"""client.api: list, paged-list, search, get, add, update, archive, delete."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

from xpm_emulator.models import Client, Contact, Tenant, by_uuid
from xpm_emulator.render import CLIENT_TEXT_FIELDS, CONTACT_FIELDS, client_element, web_url
from xpm_emulator.resources.base import Endpoint, XpmError, XpmRequest, required, staff_or_error
from xpm_emulator.xml import add, child_text, element

INVALID_CLIENT = "Invalid client identifier"
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


def _clients_element(clients: Iterable[Client], tenant: Tenant, *, detailed: bool) -> Element:
    node = element("Clients")
    node.extend(client_element(c, tenant, detailed=detailed) for c in clients)
    return node


def _manager_link(req: XpmRequest, message: Element, tag: str, current: str | None) -> str | None:
    """New value of a `<AccountManagerUUID>`-style link: absent keeps, empty clears."""
    value = child_text(message, tag)
    if value is None:
        return current
    if not value:
        return None
    role = tag.removesuffix("UUID")
    return staff_or_error(req.tenant, value, f"Invalid staff identifier for {role}").uuid


def _apply_fields(req: XpmRequest, client: Client, message: Element) -> None:
    """Copy the fields present in the message (absent ones keep their value).

    Links are checked before anything changes, so a refused update changes nothing.
    """
    name = child_text(message, "Name")
    if name == "":
        raise XpmError(NAME_REQUIRED)
    account_manager = _manager_link(req, message, "AccountManagerUUID", client.account_manager_uuid)
    job_manager = _manager_link(req, message, "JobManagerUUID", client.job_manager_uuid)
    billing = child_text(message, "BillingClientUUID")
    if billing is not None:
        client.billing_client_uuid = _client(req.tenant, billing).uuid if billing else None
    client.account_manager_uuid, client.job_manager_uuid = account_manager, job_manager
    client.name = name or client.name
    email = child_text(message, "Email")
    client.email = client.email if email is None else email
    for child in message:
        tag = INPUT_ALIASES.get(child.tag, child.tag)
        if tag in CLIENT_TEXT_FIELDS:
            client.details[tag] = (child.text or "").strip()
    client.modified_at = req.stamp


def _contacts(message: Element) -> list[Contact]:
    contacts = []
    for item in message.findall("Contacts/Contact"):
        contact = Contact(name=required(item, "Name"))
        for tag, attr in CONTACT_FIELDS.items():
            value = child_text(item, tag)
            if value is not None:
                setattr(contact, attr, value)
        contact.is_primary = child_text(item, "IsPrimary") == "Yes"
        contacts.append(contact)
    # "If multiple contacts defined, method will interpret last primary client as Primary".
    primaries = [c for c in contacts if c.is_primary]
    for contact in primaries[:-1]:
        contact.is_primary = False
    return contacts


def _detail(client: Client, tenant: Tenant) -> list[Element]:
    return [web_url(f"Client/{client.uuid}/Detail"), client_element(client, tenant, detailed=True)]


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
    return [_clients_element(clients, req.tenant, detailed=req.flag("detailed"))]


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
    live = [c for c in req.tenant.clients if not c.is_archived and not c.is_deleted]
    page = live[offset : offset + size]
    url = f"{req.api_url}/client.api/paged-list"
    pagination = element("Pagination")
    links = add(pagination, "Links")
    add(links, "First", f"{url}?{urlencode({'pageSize': size})}")
    if offset + size < len(live):
        next_query = urlencode({"pageToken": _encode_token(offset + size), "pageSize": size})
        add(links, "Next", f"{url}?{next_query}")
    return [_clients_element(page, req.tenant, detailed=False), pagination]


def client_search(req: XpmRequest) -> list[Element]:
    query = req.query.get("query", "").strip().lower()
    if not query:
        raise XpmError("The query parameter is required")
    found = [
        c
        for c in req.tenant.clients
        if not c.is_deleted and (query in c.name.lower() or query in c.email.lower())
    ]
    return [_clients_element(found, req.tenant, detailed=req.flag("detailed"))]


def client_get(req: XpmRequest) -> list[Element]:
    return _detail(_client(req.tenant, req.arg()), req.tenant)


def client_add(req: XpmRequest) -> list[Element]:
    message = req.xml("Client")
    name = child_text(message, "Name")
    if not name:
        raise XpmError(NAME_REQUIRED)
    client = Client(name=name, contacts=_contacts(message))
    _apply_fields(req, client, message)
    req.tenant.clients.append(client)
    return _detail(client, req.tenant)


def client_update(req: XpmRequest) -> list[Element]:
    message = req.xml("Client")
    client = _client(req.tenant, required(message, "UUID"))
    _apply_fields(req, client, message)
    return _detail(client, req.tenant)


def client_archive(req: XpmRequest) -> list[Element]:
    client = _client(req.tenant, required(req.xml("Client"), "UUID"))
    client.is_archived = True
    client.modified_at = req.stamp
    return _detail(client, req.tenant)


def client_delete(req: XpmRequest) -> list[Element]:
    """XPM keeps deleted clients (IsDeleted=Yes, still in client.api/list)."""
    client = _client(req.tenant, required(req.xml("Client"), "UUID"))
    client.is_deleted = True
    client.modified_at = req.stamp
    return []


ENDPOINTS = (
    Endpoint("client", "list", "GET", "List", client_list),
    Endpoint("client", "paged-list", "GET", "List", client_paged_list),
    Endpoint("client", "search", "GET", "Search", client_search),
    Endpoint("client", "get", "GET", "Get", client_get),
    Endpoint("client", "add", "POST", "Add", client_add),
    Endpoint("client", "update", "PUT", "Update", client_update),
    Endpoint("client", "archive", "PUT", "Archive", client_archive),
    Endpoint("client", "delete", "POST", "Delete", client_delete),
)
