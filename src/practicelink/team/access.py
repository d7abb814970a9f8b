"""View guards: signed in, member of the current practice, admin for settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.member is None:  # type: ignore[attr-defined]
            raise PermissionDenied("You are not an active member of any practice.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.member.is_admin:  # type: ignore[attr-defined]
            raise PermissionDenied("Only admins can open Settings.")
        return view(request, *args, **kwargs)

    return wrapper
