"""The proposals list's filters and sorting: one FilterSet for the screen, the CSV and the API."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django_filters.fields import ModelChoiceField
from django_filters.widgets import DateRangeWidget

from practicelink.clients.models import Client
from practicelink.proposals.models import Proposal, Status
from practicelink.team.models import Member

#: "PROP-0012", "prop 12", "#12" or "12" → proposal number 12
NUMBER_QUERY = re.compile(r"^(?:prop[-\s]?|#)?0*(\d{1,9})$", re.IGNORECASE)

#: URL value → the proposal field it sorts by
SORT_FIELDS = {
    "number": "number",
    "title": "title",
    "client": "client__name",
    "status": "status",
    "total": "total",
    "created": "created_at",
    "sent": "sent_at",
    "accepted": "accepted_at",
}


def _members(request: HttpRequest | None) -> QuerySet[Member]:
    """The current practice's members (deleted ones too: they may still be a client's partner)."""
    practice = getattr(request, "practice", None)
    return Member.objects.filter(practice=practice) if practice else Member.objects.none()


def _clients(request: HttpRequest | None) -> QuerySet[Client]:
    practice = getattr(request, "practice", None)
    return Client.objects.filter(practice=practice) if practice else Client.objects.none()


class MemberChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name} (deleted)" if obj.is_deleted else obj.name


class MemberFilter(django_filters.ModelChoiceFilter):
    field_class = MemberChoiceField


def _date_range(field_name: str, label: str) -> django_filters.DateFromToRangeFilter:
    """From/to date inputs (`<name>_after`, `<name>_before`), both days included."""
    widget = DateRangeWidget()
    for subwidget, end in zip(widget.widgets, ("from", "to"), strict=True):
        subwidget.input_type = "date"
        subwidget.attrs["aria-label"] = f"{label} {end}"
    return django_filters.DateFromToRangeFilter(field_name=field_name, label=label, widget=widget)


class ProposalOrdering(django_filters.OrderingFilter):
    """Sort with empty dates last in both directions and the number as tie-breaker.

    The tie-breaker keeps pages stable (no row on two pages) and makes the CSV's order
    identical to the screen's on every database.
    """

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        ordering = []
        for param in value:
            descending = param.startswith("-")
            field = F(self.param_map[param.lstrip("-")])
            ordering.append(
                field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
            )
        tie_breaker = "number" if value[0].endswith("number") else "-number"
        return qs.order_by(*ordering, tie_breaker)


class ProposalFilterSet(django_filters.FilterSet):
    """Partner and manager are the client's. Pickers only offer the request's practice."""

    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Number, title or client"}),
    )
    partner = MemberFilter(
        field_name="client__partner", queryset=_members, null_label="No partner", label="Partner"
    )
    manager = MemberFilter(
        field_name="client__manager", queryset=_members, null_label="No manager", label="Manager"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label="Status", widget=forms.CheckboxSelectMultiple
    )
    client = django_filters.ModelChoiceFilter(queryset=_clients, label="Client")
    created = _date_range("created_at", "Created")
    sent = _date_range("sent_at", "Sent")
    accepted = _date_range("accepted_at", "Accepted")
    sort = ProposalOrdering(fields=[(field, name) for name, field in SORT_FIELDS.items()])

    class Meta:
        model = Proposal
        fields: list[str] = []

    def search(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        """Number (PROP-0012 or 12), title or client name; case-insensitive."""
        value = value.strip()
        if not value:
            return queryset
        match = Q(title__icontains=value) | Q(client__name__icontains=value)
        number = NUMBER_QUERY.match(value)
        if number:
            match |= Q(number=int(number.group(1)))
        return queryset.filter(match)

    def filters_without_status(self) -> QuerySet[Proposal]:
        """Every filter but status: the base of the per-status counts. Call after is_valid()."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != "status":
                queryset = self.filters[name].filter(queryset, value)
        return queryset
