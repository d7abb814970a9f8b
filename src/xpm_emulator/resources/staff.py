"""staff.api: list, get, add, update, delete, enable, disable."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from xpm_emulator.models import Staff, by_name
from xpm_emulator.render import STAFF_FIELDS, web_url
from xpm_emulator.resources.base import (
    Endpoint,
    XpmError,
    XpmRequest,
    required,
    staff_or_error,
)
from xpm_emulator.xml import child_text, element

INVALID_STAFF = "Invalid staff identifier"


def _apply_fields(staff: Staff, message: Element) -> None:
    """Copy the fields present in the message; absent ones keep their value."""
    for tag, attr in STAFF_FIELDS.items():
        value = child_text(message, tag)
        if value is not None:
            setattr(staff, attr, value)


def _addressed(req: XpmRequest) -> Staff:
    message = req.xml("Staff")
    return staff_or_error(req.tenant, required(message, "UUID"), INVALID_STAFF)


def staff_list(req: XpmRequest) -> list[Element]:
    staff_list = element("StaffList")
    live = by_name(s for s in req.tenant.staff if not s.deleted)
    staff_list.extend(req.view.staff(s) for s in live)
    return [staff_list]


def staff_get(req: XpmRequest) -> list[Element]:
    staff = staff_or_error(req.tenant, req.arg(), INVALID_STAFF)
    return [web_url(f"admin/resourceedit.aspx?id={staff.uuid}"), req.view.staff(staff)]


def staff_add(req: XpmRequest) -> list[Element]:
    message = req.xml("Staff")
    staff = Staff(name=required(message, "Name"))
    _apply_fields(staff, message)
    req.tenant.staff.append(staff)
    return [req.view.staff(staff)]


def staff_update(req: XpmRequest) -> list[Element]:
    message = req.xml("Staff")
    staff = staff_or_error(req.tenant, required(message, "UUID"), INVALID_STAFF)
    if child_text(message, "Name") == "":
        raise XpmError("The staff name cannot be empty")
    _apply_fields(staff, message)
    return [req.view.staff(staff)]


def staff_delete(req: XpmRequest) -> list[Element]:
    _addressed(req).deleted = True
    return []


def staff_enable(req: XpmRequest) -> list[Element]:
    _addressed(req).enabled = True
    return []


def staff_disable(req: XpmRequest) -> list[Element]:
    _addressed(req).enabled = False
    return []


ENDPOINTS = (
    Endpoint("staff", "list", "GET", "List", staff_list),
    Endpoint("staff", "get", "GET", "Get", staff_get),
    # Quirk observed on the wire: staff.api/add answers api-method="Get".
    Endpoint("staff", "add", "POST", "Get", staff_add),
    Endpoint("staff", "update", "PUT", "Update", staff_update),
    Endpoint("staff", "delete", "POST", "Delete", staff_delete),
    Endpoint("staff", "enable", "POST", "Enable", staff_enable),
    Endpoint("staff", "disable", "POST", "Disable", staff_disable),
)
