from __future__ import annotations

from django import forms

from practicelink.team.models import Practice
from practicelink.team.selectors import member_list


class ClientForm(forms.Form):
    name = forms.CharField(max_length=255)
    email = forms.CharField(max_length=254, required=False)
    partner = forms.ModelChoiceField(queryset=None, required=False, empty_label="— none —")
    manager = forms.ModelChoiceField(queryset=None, required=False, empty_label="— none —")
    archived = forms.BooleanField(required=False)

    def __init__(self, *args, practice: Practice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = member_list(practice=practice)
        self.fields["partner"].queryset = members
        self.fields["manager"].queryset = members
