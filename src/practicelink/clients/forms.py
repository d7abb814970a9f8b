from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import Q

from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice
from practicelink.team.selectors import member_list


class MemberChoiceField(forms.ModelChoiceField):
    """A member by name; a deleted one says so."""

    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name} (deleted)" if obj.is_deleted else obj.name


def _member_choice() -> MemberChoiceField:
    return MemberChoiceField(
        queryset=None,
        required=False,
        empty_label="— none —",
        error_messages={"invalid_choice": "Choose a current member of this practice."},
    )


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
            cast(MemberChoiceField, self.fields[role]).queryset = members


class ClientFilterForm(forms.Form):
    q = forms.CharField(required=False, strip=True)
    partner = MemberChoiceField(queryset=None, required=False, empty_label="Any partner")
    manager = MemberChoiceField(queryset=None, required=False, empty_label="Any manager")

    def __init__(self, *args, practice: Practice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = member_list(practice=practice, include_deleted=True)
        for role in ("partner", "manager"):
            cast(MemberChoiceField, self.fields[role]).queryset = members
