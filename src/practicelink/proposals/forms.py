from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any, cast

from django import forms

from practicelink.clients.models import Client
from practicelink.clients.selectors import client_list
from practicelink.proposals.client_picker import ClientPicker, Purpose
from practicelink.proposals.hooks import catalogue_choices, member_notes
from practicelink.proposals.models import Job, JobStructure, LibraryService, Service
from practicelink.proposals.recurrence import (
    MAX_INTERVAL_MONTHS,
    MAX_OCCURRENCES,
    MAX_OFFSET_DAYS,
    Frequency,
    Schedule,
    recurrence_check,
    schedule_check,
)
from practicelink.proposals.services import JobPlan, LibraryEntry, ServiceLine
from practicelink.team.models import Member, Practice

NONE_CHOICE = ("", "—")


def _catalogue_field(practice: Practice, kind: str, label: str, current: str = "") -> forms.Field:
    choices = [NONE_CHOICE, *catalogue_choices(practice, kind)]
    help_text = "" if len(choices) > 1 else "XPM's list appears here after a sync."
    return forms.ChoiceField(choices=choices, required=False, label=label, help_text=help_text)


class ProposalForm(forms.Form):
    title = forms.CharField(max_length=255)
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(
        queryset=None, widget=ClientPicker(Purpose.CHOICE)
    )
    job_structure = forms.ChoiceField(
        choices=JobStructure.choices,
        initial=JobStructure.SINGLE,
        required=False,
        label="Jobs in XPM",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client = cast(forms.ModelChoiceField, self.fields["client"])
        client.queryset = client_list(practice=practice, include_archived=False)


def _days(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_OFFSET_DAYS,
        initial=0,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"size": 4}),
    )


class RecurrenceForm(forms.Form):
    """How often a service recurs; the bounds are the service layer's (`recurrence`)."""

    frequency = forms.ChoiceField(
        choices=Frequency.choices,
        required=False,
        label="Repeats",
        widget=forms.Select(attrs={"aria-label": "Repeats"}),
    )
    interval_months = forms.IntegerField(
        label="Every N months",
        min_value=1,
        max_value=MAX_INTERVAL_MONTHS,
        required=False,
        widget=forms.NumberInput(attrs={"size": 3}),
    )
    start_offset_days = _days("Job starts", "Days after its period starts.")
    due_offset_days = _days("Job due", "Days after its period ends.")

    def recurrence(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "frequency": data.get("frequency") or Frequency.ONE_OFF,
            "interval_months": data.get("interval_months"),
            "start_offset_days": data.get("start_offset_days") or 0,
            "due_offset_days": data.get("due_offset_days") or 0,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                self.check()
            except forms.ValidationError as error:
                self.add_error(None, error)
        return data

    def check(self) -> None:
        recurrence_check(**self.recurrence())


class ScheduleForm(RecurrenceForm):
    """A recurrence with its first period and its end: the schedule of a proposal's line."""

    frequency = forms.ChoiceField(
        choices=Frequency.choices,
        required=False,
        label="Repeats",
        widget=forms.Select(
            attrs={
                "aria-label": "Repeats",
                # a recurring line opens its Schedule box: its first period is needed
                "onchange": "this.closest('td').querySelector('details').open = !!this.value",
            }
        ),
    )
    first_period_start = forms.DateField(
        label="First period starts", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label="Ends on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    occurrences = forms.IntegerField(
        label="or after",
        min_value=1,
        max_value=MAX_OCCURRENCES,
        required=False,
        help_text="occurrences",
        widget=forms.NumberInput(attrs={"size": 4}),
    )
    SCHEDULE_FIELDS = (
        "interval_months",
        "first_period_start",
        "ends_on",
        "occurrences",
        "start_offset_days",
        "due_offset_days",
    )

    def schedule_fields(self) -> list[forms.BoundField]:
        """What the line's Schedule box shows."""
        return [self[name] for name in self.SCHEDULE_FIELDS]

    def schedule(self) -> Schedule | None:
        data = self.cleaned_data
        return schedule_check(
            first_start=data.get("first_period_start"),
            ends_on=data.get("ends_on"),
            count=data.get("occurrences"),
            **self.recurrence(),
        )

    def check(self) -> None:
        self.schedule()


class ServiceForm(ScheduleForm):
    # A line is a table row whose headings name its inputs for the eye; aria-label names them
    # for screen readers.
    name = forms.CharField(
        max_length=255,
        error_messages={"required": "Every service needs a name."},
        widget=forms.TextInput(attrs={"aria-label": "Service name"}),
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "aria-label": "Description"}),
    )
    quantity = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        error_messages={"required": "Give a quantity.", "min_value": "Quantity must be above 0."},
        widget=forms.NumberInput(attrs={"aria-label": "Quantity"}),
    )
    price = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        error_messages={"required": "Give a price.", "min_value": "Price cannot be negative."},
        widget=forms.NumberInput(attrs={"aria-label": "Price"}),
    )
    library_service = forms.IntegerField(required=False, widget=forms.HiddenInput)
    field_order = ["name", "description", "quantity", "price", "library_service", "frequency"]

    def line(self) -> ServiceLine:
        data = self.cleaned_data
        return ServiceLine(
            name=data["name"],
            description=data["description"],
            quantity=data["quantity"],
            price=data["price"],
            library_service_id=data.get("library_service"),
            first_period_start=data.get("first_period_start"),
            ends_on=data.get("ends_on"),
            occurrences=data.get("occurrences"),
            **self.recurrence(),
        )

    def check(self) -> None:
        self.line().schedule()


class BaseServiceFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not any(self.errors) and not kept:
            raise forms.ValidationError("A proposal needs at least one service: add a line.")


ServiceFormSet = forms.formset_factory(
    ServiceForm, formset=BaseServiceFormSet, extra=0, can_delete=True
)


def service_lines(formset: forms.BaseFormSet) -> list[ServiceLine]:
    """The kept (non-empty, not deleted) lines of a valid formset, in order."""
    return [
        form.line()
        for form in formset.forms
        if (data := form.cleaned_data) and not data.get("DELETE")
    ]


def line_initial(service: Service) -> dict[str, Any]:
    """A saved proposal line, as its form shows it."""
    initial = asdict(ServiceLine.of(service))
    initial["library_service"] = initial.pop("library_service_id")
    return initial


def _recurrence_initial(service: LibraryService) -> dict[str, Any]:
    return {f: getattr(service, f) for f in RecurrenceForm.base_fields}


def library_initial(service: LibraryService) -> dict[str, Any]:
    """A proposal line pre-filled from a library service (its recurrence as the default)."""
    return {
        "name": service.name,
        "description": service.description,
        "quantity": Decimal("1"),
        "price": service.price,
        "library_service": service.pk,
        **_recurrence_initial(service),
    }


def library_entry_initial(service: LibraryService) -> dict[str, Any]:
    return {
        "name": service.name,
        "description": service.description,
        "price": service.price,
        "template_uuid": service.template_uuid,
        "category_uuid": service.category_uuid,
        **_recurrence_initial(service),
    }


class LibraryServiceForm(RecurrenceForm):
    name = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    price = forms.DecimalField(
        label="Default price", min_value=Decimal("0"), max_digits=12, decimal_places=2
    )

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template_uuid"] = _catalogue_field(practice, "template", "XPM job template")
        self.fields["category_uuid"] = _catalogue_field(practice, "category", "XPM job category")

    def entry(self) -> LibraryEntry:
        data = {k: v for k, v in self.cleaned_data.items() if k not in RecurrenceForm.base_fields}
        return LibraryEntry(**data, **self.recurrence())


class MemberChoices(forms.ModelMultipleChoiceField):
    """Job staff: every current member, those XPM cannot take yet flagged (still allowed)."""

    def __init__(self, practice: Practice, **kwargs: Any) -> None:
        members = list(Member.objects.filter(practice=practice).current().order_by("name"))
        self.notes = member_notes(practice, members)
        super().__init__(queryset=Member.objects.filter(pk__in=[m.pk for m in members]), **kwargs)

    def label_from_instance(self, obj: Member) -> str:
        note = self.notes.get(obj.pk)
        return f"{obj.name} ({note})" if note else obj.name


class JobForm(forms.Form):
    """One planned job: what it will be in XPM."""

    name = forms.CharField(max_length=255, error_messages={"required": "A job needs a name."})
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    budget = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    start_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: the day the proposal is accepted.",
    )
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: 30 days after the start.",
    )

    def __init__(self, *args: Any, practice: Practice, job: Job, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"job{job.index}")
        kwargs.setdefault(
            "initial",
            {
                "name": job.name,
                "description": job.description,
                "budget": job.budget,
                "start_date": job.start_date,
                "due_date": job.due_date,
                "template_uuid": job.template_uuid,
                "category_uuid": job.category_uuid,
                "staff": [m.pk for m in job.staff.all()],
            },
        )
        super().__init__(*args, **kwargs)
        self.job = job
        self.fields["template_uuid"] = _catalogue_field(practice, "template", "XPM job template")
        self.fields["category_uuid"] = _catalogue_field(practice, "category", "XPM job category")
        self.fields["staff"] = MemberChoices(
            practice,
            required=False,
            label="Job staff",
            widget=forms.CheckboxSelectMultiple,
            help_text="The only people the job's tasks can be allocated to.",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "The due date is before the start date.")
        return data

    def plan(self) -> JobPlan:
        data = dict(self.cleaned_data)
        staff = data.pop("staff")
        return JobPlan(index=self.job.index, staff_ids=[m.pk for m in staff], **data)


class SendForm(forms.Form):
    to = forms.EmailField(
        required=False,
        label="Send to",
        help_text="Leave empty to send to the client's email.",
        error_messages={"invalid": "Type an email address, e.g. name@example.com."},
    )


class AcceptanceForm(forms.Form):
    name = forms.CharField(
        max_length=255,
        label="Your name",
        required=False,
        help_text="Needed to accept.",
        error_messages={"max_length": "The name cannot be longer than 255 characters."},
    )


class FutureStaffForm(forms.Form):
    """The job staff of a recurring service's occurrences still to be deployed."""

    def __init__(self, *args: Any, practice: Practice, job: Job, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"recurrence{job.index}")
        kwargs.setdefault("initial", {"staff": [m.pk for m in job.staff.all()]})
        super().__init__(*args, **kwargs)
        self.fields["staff"] = MemberChoices(
            practice,
            required=False,
            label="Job staff of future occurrences",
            widget=forms.CheckboxSelectMultiple,
        )

    def staff_ids(self) -> list[int]:
        return [m.pk for m in self.cleaned_data["staff"]]
