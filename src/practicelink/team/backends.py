"""Sign in with an email, compared trimmed and case-insensitively.

Usernames are normalised emails.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from practicelink.team.emails import normalise_email


class EmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            return None
        return super().authenticate(
            request, username=normalise_email(username), password=password, **kwargs
        )
