"""The typed request of a practice, and view guards: signed in, member, admin for settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from practicelink.team.models import Member, Practice


class PracticeRequest(HttpRequest):
    """A request after `CurrentPracticeMiddleware` (and django-htmx's middleware) ran."""

    member: Member | None
    practice: Practice | None
    memberships: list[Member]
    htmx: HtmxDetails


class MemberRequest(PracticeRequest):
    """A request that passed `member_required`: it acts as a member of one practice."""

    member: Member
    practice: Practice


View = Callable[..., HttpResponseBase]


def member_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: PracticeRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.member is None:
            raise PermissionDenied("You are not an active member of any practice.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    @member_required
    @wraps(view)
    def wrapper(request: MemberRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.member.is_admin:
            raise PermissionDenied("Only admins can open Settings.")
        return view(request, *args, **kwargs)

    return wrapper
