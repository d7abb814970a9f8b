"""XML in and out, the XPM way.

Requests are parsed with defusedxml (entity bombs and external entities are refused);
responses are built with ElementTree and sent without an XML declaration or whitespace,
as XPM does: `<Response api-method="Get"><Status>OK</Status>...</Response>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class MalformedXml(ValueError):
    """The request body is not well-formed (or is hostile) XML."""


def parse(body: bytes) -> Element:
    try:
        return fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise MalformedXml(str(exc)) from exc


def child_text(parent: Element, tag: str) -> str | None:
    """Stripped text of the first `tag` child; "" for an empty element, None when absent."""
    child = parent.find(tag)
    if child is None:
        return None
    return (child.text or "").strip()


def add(parent: Element, tag: str, text: str | None = None) -> Element:
    child = SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def element(tag: str, text: str | None = None) -> Element:
    node = Element(tag)
    node.text = text
    return node


def add_link(parent: Element, tag: str, uuid: str, name: str) -> Element:
    """`<tag><UUID>…</UUID><Name>…</Name></tag>`, XPM's reference to another record."""
    link = add(parent, tag)
    add(link, "UUID", uuid)
    add(link, "Name", name)
    return link


def envelope(api_method: str | None, children: Iterable[Element] = ()) -> bytes:
    root = Element("Response", {"api-method": api_method} if api_method else {})
    add(root, "Status", "OK")
    root.extend(children)
    return tostring(root, encoding="utf-8", xml_declaration=False)


def error_envelope(api_method: str | None, message: str) -> bytes:
    root = Element("Response", {"api-method": api_method} if api_method else {})
    add(root, "Status", "ERROR")
    add(root, "ErrorDescription", message)
    return tostring(root, encoding="utf-8", xml_declaration=False)


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def true_false(value: bool) -> str:
    return "true" if value else "false"


def xpm_date(iso_day: str) -> str:
    """ISO `2024-05-31` as XPM writes dates in responses: `2024-05-31T00:00:00`."""
    return f"{iso_day}T00:00:00"


def xpm_datetime(moment: datetime) -> str:
    """`yyyy-MM-ddTHH:mm:ss`, no zone (XPM's response and modifiedsince format)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def parse_compact_date(text: str) -> date:
    """XPM request dates: `YYYYMMDD`. Raises ValueError otherwise."""
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return datetime.strptime(text, "%Y%m%d").date()
