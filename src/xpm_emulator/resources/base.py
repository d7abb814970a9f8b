"""What every XPM endpoint handler gets and returns.

A handler takes an `XpmRequest` and returns the elements that follow `<Status>OK</Status>`,
or raises `XpmError`, which becomes HTTP 200 with `<Status>ERROR</Status>` and its message
(XPM's way of reporting business errors).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree.ElementTree import Element

from xpm_emulator.config import EmulatorConfig
from xpm_emulator.models import Staff, Tenant
from xpm_emulator.render import View
from xpm_emulator.xml import MalformedXml, child_text, parse, parse_compact_date, xpm_datetime

NOT_EXPECTED_FORMAT = "Message not in expected format"


class XpmError(Exception):
    """A business error, answered as `<Status>ERROR</Status><ErrorDescription>`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class XpmRequest:
    tenant: Tenant
    args: list[str]  # path segments after the method: ["J000001"] for job.api/get/J000001
    query: Mapping[str, str]  # keys lower-cased (ASP.NET matches query names loosely)
    body: bytes
    now: datetime
    config: EmulatorConfig
    api_url: str  # https://host/practicemanager/3.1, for links in responses

    def xml(self, root: str) -> Element:
        """The request body, which must be an XML document with this root element."""
        try:
            document = parse(self.body)
        except MalformedXml as exc:
            raise XpmError(f"{NOT_EXPECTED_FORMAT}. {exc}") from exc
        if document.tag != root:
            raise XpmError(f"{NOT_EXPECTED_FORMAT}. The root element must be <{root}>")
        return document

    def arg(self) -> str:
        """The identifier after the method (`get/{uuid}`)."""
        if len(self.args) != 1 or not self.args[0]:
            raise XpmError("An identifier is required")
        return self.args[0]

    @property
    def view(self) -> View:
        """Renders this tenant's records in the configured answer form."""
        return View(self.tenant, legacy=self.config.answer_form == "3.0")

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() == "true"

    @property
    def stamp(self) -> str:
        return xpm_datetime(self.now)

    @property
    def today(self) -> date:
        return self.now.date()


Handler = Callable[[XpmRequest], list[Element]]


@dataclass(frozen=True)
class Endpoint:
    resource: str  # "staff" for staff.api
    method: str  # "add" for staff.api/add
    verb: str
    api_method: str  # the root's api-method attribute
    handler: Handler


def required(parent: Element, tag: str) -> str:
    value = child_text(parent, tag)
    if not value:
        raise XpmError(
            f"{NOT_EXPECTED_FORMAT}. The following required element was missing - "
            f"/{parent.tag}/{tag}"
        )
    return value


def request_date(parent: Element, tag: str) -> str | None:
    """An optional `YYYYMMDD` date element as an ISO date; None when absent or empty."""
    text = child_text(parent, tag)
    if not text:
        return None
    try:
        return parse_compact_date(text).isoformat()
    except ValueError as exc:
        raise XpmError(f"Invalid {tag}: expected YYYYMMDD, got {text!r}") from exc


def staff_or_error(tenant: Tenant, uuid: str | None, message: str) -> Staff:
    staff = tenant.find_staff(uuid)
    if staff is None:
        raise XpmError(message)
    return staff
