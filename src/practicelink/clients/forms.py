from __future__ import annotations

from django import forms
from django.db.models import Q

from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice
from practicelink.team.selectors import member_list


def _member_choice() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="— none —",
        error_messages={"invalid_choice": "Choose a current member of this practice."},
    )


def _member_label(member: Member) -> str:
    return f"{member.name} (deleted)" if member.is_deleted else member.name


class ClientForm(forms.Form):
    name = forms.CharField(max_length=255)
    email = forms.CharField(max_length=254, required=False)
    partner = _member_choice()
    manager = _member_choice()
    archived = forms.BooleanField(required=False)

    def __init__(self, *args, practice: Practice, client: Client | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for role in ("partner", "manager"):
            holder = getattr(client, f"{role}_id", None)
            # A deleted member stays choosable where they are already assigned, so saving the
            # form without touching the field keeps them.
            members = member_list(practice=practice, include_deleted=True).filter(
                Q(deleted_at__isnull=True) | Q(pk=holder)
            )
            self.fields[role].queryset = members
            self.fields[role].label_from_instance = _member_label


class ClientFilterForm(forms.Form):
    q = forms.CharField(required=False, strip=True)
    partner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any partner")
    manager = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any manager")

    def __init__(self, *args, practice: Practice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = member_list(practice=practice, include_deleted=True)
        for role in ("partner", "manager"):
            self.fields[role].queryset = members
            self.fields[role].label_from_instance = _member_label
