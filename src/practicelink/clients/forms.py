from __future__ import annotations

from django import forms

from practicelink.team.models import Practice
from practicelink.team.selectors import member_list


def _member_choice() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
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

    def __init__(self, *args, practice: Practice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = member_list(practice=practice)
        self.fields["partner"].queryset = members
        self.fields["manager"].queryset = members
