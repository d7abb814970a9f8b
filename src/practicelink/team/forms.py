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
    """Choose a password; someone already signed in with the invited email just confirms."""

    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, with_password: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not with_password:
            del self.fields["password1"], self.fields["password2"]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError("The two passwords differ.")
        return data
