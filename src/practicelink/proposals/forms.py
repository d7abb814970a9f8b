from __future__ import annotations

from decimal import Decimal

from django import forms

from practicelink.clients.selectors import client_list
from practicelink.proposals.services import ServiceLine
from practicelink.team.models import Practice


class ProposalForm(forms.Form):
    title = forms.CharField(max_length=255)
    client = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, practice: Practice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = client_list(practice=practice, include_archived=False)


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    quantity = forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2)
    price = forms.DecimalField(min_value=Decimal("0"), max_digits=12, decimal_places=2)


ServiceFormSet = forms.formset_factory(
    ServiceForm, extra=1, min_num=1, validate_min=True, can_delete=True
)


def service_lines(formset: forms.BaseFormSet) -> list[ServiceLine]:
    """The kept (non-empty, not deleted) lines of a valid formset, in order."""
    return [
        ServiceLine(**{k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
