"""The proposals list's filters and sorting: one FilterSet for the screen, the CSV and the API."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django_filters import fields

from practicelink.clients.models import Client
from practicelink.proposals.client_picker import ClientPicker
from practicelink.proposals.filter_bar import (
    QuickCheckboxes,
    QuickDateRange,
    QuickSearchInput,
    QuickSelect,
)
from practicelink.proposals.models import DeploymentStatus, Proposal, Service, Status
from practicelink.team.models import Member

#: "PROP-0012", "prop 12" or "#12": proposal number 12 (a bare "12" also searches the text)
NUMBER_QUERY = re.compile(r"^(prop[-\s]?|#)?0*(\d{1,9})$", re.IGNORECASE)

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


def _of_practice(
    model: type[Member | Client], *fields: str
) -> Callable[[HttpRequest | None], QuerySet]:
    """A picker's choices: rows of the request's practice (none without one), only the
    fields the picker shows. Members include deleted ones: they may still be a partner.
    """

    def choices(request: HttpRequest | None) -> QuerySet:
        practice = getattr(request, "practice", None)
        rows = model.objects.filter(practice=practice) if practice else model.objects.none()
        return rows.only("pk", *fields)

    return choices


class MemberChoiceIterator(fields.ModelChoiceIterator):
    """The choices of a MemberChoiceField: its members as read once."""

    field: MemberChoiceField

    def __iter__(self) -> Iterator[tuple[object, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for member in self.field.members.values():
            yield self.choice(member)


class SharedMembers:
    """Members read once, by id, for every MemberChoiceField given this: the partner and
    the manager pickers offer the same."""

    def __init__(self) -> None:
        self.by_id: dict[int, Member] | None = None

    def read(self, members: QuerySet[Member]) -> dict[int, Member]:
        if self.by_id is None:
            self.by_id = {member.pk: member for member in members}
        return self.by_id


class MemberChoiceField(fields.ModelChoiceField):
    """A member picker that reads its members once (see SharedMembers) and checks the chosen
    one against them: ModelChoiceField queries again for each (to check, to render)."""

    iterator = MemberChoiceIterator

    def __init__(self, *args: Any, shared: SharedMembers | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shared = SharedMembers() if shared is None else shared

    @property
    def members(self) -> dict[int, Member]:
        return self.shared.read(self.queryset)

    def to_python(self, value: object) -> object:
        if value in self.empty_values or (self.null_label is not None and value == self.null_value):
            return super().to_python(value)
        self.validate_no_null_characters(value)
        if isinstance(value, Member):
            value = value.pk
        try:  # as the database would read the id: int() (" 7" and "07" are 7)
            member = self.members.get(int(str(value)))
        except ValueError:
            member = None
        if member is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return member

    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name} (deleted)" if obj.is_deleted else obj.name


class MemberFilter(django_filters.ModelChoiceFilter):
    field_class = MemberChoiceField


def _date_range(field_name: str, label: str) -> django_filters.DateFromToRangeFilter:
    """From/to date inputs (`<name>_after`, `<name>_before`), both days included."""
    widget = QuickDateRange()
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
        widget=QuickSearchInput(attrs={"placeholder": "Number, title or client"}),
    )
    partner = MemberFilter(
        field_name="client__partner",
        queryset=_of_practice(Member, "name", "deleted_at"),
        null_label="No partner",
        empty_label="Any partner",
        label="Partner",
        widget=QuickSelect,
    )
    manager = MemberFilter(
        field_name="client__manager",
        queryset=_of_practice(Member, "name", "deleted_at"),
        null_label="No manager",
        empty_label="Any manager",
        label="Manager",
        widget=QuickSelect,
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        label="Status",
        widget=QuickCheckboxes,
        distinct=False,  # one status per row: DISTINCT would only slow the query down
    )
    client = django_filters.ModelChoiceFilter(
        queryset=_of_practice(Client, "name"), label="Client", widget=ClientPicker
    )
    deployment = django_filters.ChoiceFilter(
        field_name="deployment_status",
        choices=[(value or "none", label) for value, label in DeploymentStatus.choices],
        method="deployed",
        label="Deployment",
        empty_label="Any",
        widget=QuickSelect,
    )
    upcoming = django_filters.ChoiceFilter(
        choices=[("yes", "Has upcoming occurrences"), ("no", "No upcoming occurrences")],
        method="with_upcoming",
        label="Recurring jobs",
        empty_label="Any",
        widget=QuickSelect,
    )
    created = _date_range("created_at", "Created")
    sent = _date_range("sent_at", "Sent")
    accepted = _date_range("accepted_at", "Accepted")
    sort = ProposalOrdering(fields=[(field, name) for name, field in SORT_FIELDS.items()])

    class Meta:
        model = Proposal
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = SharedMembers()  # one read of the practice's members for both pickers
        for name in ("partner", "manager"):
            self.filters[name].extra["shared"] = shared

    def search(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        """Number (PROP-0012 or 12), title or client name; case-insensitive."""
        value = value.strip()
        if not value:
            return queryset
        number = NUMBER_QUERY.match(value)
        if number and number.group(1):  # a reference: an index lookup, no text scan
            return queryset.filter(number=int(number.group(2)))
        match = Q(title__icontains=value) | Q(client__name__icontains=value)
        if number:
            match |= Q(number=int(number.group(2)))
        return queryset.filter(match)

    def deployed(self, queryset: QuerySet[Proposal], name: str, value: str) -> QuerySet[Proposal]:
        """The jobs' deployment status in XPM ("none": not deployed)."""
        return queryset.filter(deployment_status="" if value == "none" else value)

    def with_upcoming(
        self, queryset: QuerySet[Proposal], name: str, value: str
    ) -> QuerySet[Proposal]:
        """Accepted proposals with a recurring service whose periods are not all recorded
        ("yes"), or the others ("no")."""
        upcoming = Exists(
            Service.objects.filter(proposal=OuterRef("pk"), next_period_start__isnull=False)
        )
        has = Q(upcoming) & Q(status=Status.ACCEPTED)
        return queryset.filter(has if value == "yes" else ~has)

    def filters_without_status(self) -> QuerySet[Proposal]:
        """Every filter but status: the base of the per-status counts. Call after is_valid()."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != "status":
                queryset = self.filters[name].filter(queryset, value)
        return queryset
