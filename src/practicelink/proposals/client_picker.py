"""The client picker: a type-ahead select for a practice's clients, in the proposals list's
filters and in the proposal form.

A practice may have thousands of clients: rendering each as an <option> on every request
cost more than all of the proposals page's queries together. A search box asks
`proposals:client-options` for the clients whose name holds what was typed and fills the
select with them; the page itself holds the chosen client and, in the form, the first few.
"""

from __future__ import annotations

from enum import StrEnum
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from practicelink.clients.models import Client

#: how many clients the picker offers at once (type more to narrow)
CLIENT_OPTIONS_LIMIT = 50


class Purpose(StrEnum):
    """What a picker is for, which decides its empty option and its clients."""

    FILTER = "filter"
    """Narrow a list: "Any client", archived clients included (they have proposals)."""
    CHOICE = "choice"
    """Choose a proposal's client: "Choose a client", archived clients left out."""

    @property
    def empty_label(self) -> str:
        return "Any client" if self is Purpose.FILTER else "Choose a client"


def chosen_client(clients: QuerySet[Client], value: object) -> Client | None:
    """The client of `clients` a picker's value names (an id), if any."""
    if value is None or not str(value).isdigit():
        return None
    return clients.select_related(None).filter(pk=int(str(value))).only("pk", "name").first()


def client_option_tags(
    clients: QuerySet[Client], chosen: Client | None, purpose: Purpose = Purpose.FILTER
) -> SafeString:
    """The picker's options: the empty one, the chosen client, then `clients` (at most
    CLIENT_OPTIONS_LIMIT, and a hint when there are more)."""
    found = list(clients.select_related(None).only("pk", "name")[: CLIENT_OPTIONS_LIMIT + 1])
    more = len(found) > CLIENT_OPTIONS_LIMIT
    shown = [c for c in found[:CLIENT_OPTIONS_LIMIT] if chosen is None or c.pk != chosen.pk]
    html = format_html('<option value="">{}</option>', purpose.empty_label)
    if chosen is not None:
        html += format_html('<option value="{}" selected>{}</option>', chosen.pk, chosen.name)
    html += format_html_join("", '<option value="{}">{}</option>', ((c.pk, c.name) for c in shown))
    if more:
        html += format_html(
            "<option disabled>{}</option>", "More clients match: type more of the name"
        )
    return html


class ClientPicker(forms.Select):
    """A search box and a select of the clients it found. As a filter the select starts with
    the chosen client alone (the list's server time counts); as a choice it also starts with
    the first CLIENT_OPTIONS_LIMIT clients, so a small practice just picks."""

    def __init__(self, purpose: Purpose = Purpose.FILTER) -> None:
        super().__init__()
        self.purpose = purpose

    def render(
        self,
        name: str,
        value: object,
        attrs: dict[str, object] | None = None,
        renderer: object = None,
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        select_id = str(final_attrs.get("id", f"id_{name}"))
        clients = cast(ModelChoiceIterator, self.choices).queryset
        chosen = chosen_client(clients, value)
        offered = clients if self.purpose is Purpose.CHOICE else Client.objects.none()
        options = client_option_tags(offered, chosen, self.purpose)
        # The search box belongs to no form (form="..." names none), so it is never submitted
        # and the list's own change trigger ignores it (see proposal_list.html).
        search = format_html(
            '<input type="search" name="client_search" form="client-search" '
            'aria-label="Find a client by name" placeholder="Type to find a client" '
            'autocomplete="off" hx-get="{}?{}" hx-sync="this:replace" hx-target="#{}" '
            'hx-include="#{}" hx-trigger="focus once, input changed delay:300ms, search">',
            reverse("proposals:client-options"),
            urlencode({"purpose": self.purpose.value}),
            select_id,
            select_id,
        )
        select = format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)
        return format_html('<span class="picker">{}{}</span>', search, select)
