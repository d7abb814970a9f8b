from __future__ import annotations

from django import forms

from practicelink.team.models import Role


class MemberForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.CharField(max_length=254, label="Email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STANDARD)


class MemberAddForm(MemberForm):
    send_invitation = forms.BooleanField(
        required=False,
        initial=True,
        label="Send invitation",
        help_text="On: they get an email to set a password. Off: a member without access "
        "(assignable to clients and jobs, cannot sign in).",
    )


class InvitationAcceptForm(forms.Form):
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError("The two passwords differ.")
        return data
