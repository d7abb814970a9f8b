from __future__ import annotations

from typing import Any

from django import forms

from practicelink.team import hooks, tokens
from practicelink.team.models import Member, Practice, Role


class MemberForm(forms.Form):
    """Add or edit a member of `practice`; integrations may add fields (see `hooks`)."""

    name = forms.CharField(max_length=200)
    email = forms.CharField(max_length=254, label="Email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STANDARD)

    def __init__(
        self, *args: Any, practice: Practice, member: Member | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.member = member
        for extension in hooks.member_form_extensions:
            extension.extend(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for extension in hooks.member_form_extensions:
            extension.clean(self)
        return data

    @property
    def member_data(self) -> dict[str, Any]:
        """The cleaned values of the member's own fields (not the extensions')."""
        return {name: self.cleaned_data[name] for name in self.base_fields}

    def extensions_save(self, member: Member, by: Member) -> list[str]:
        """Let each extension act on its fields for the saved member; their warnings."""
        return [w for e in hooks.member_form_extensions if (w := e.save(self, member, by))]


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


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. “Reporting script”."
    )
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=tokens.DAYS_MAX,
        initial=tokens.DAYS_DEFAULT,
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)
    """A one-use value (see `profile_views`): the same form sent again makes no second token."""
