"""DRF permissions and the practice context of an API request.

Session requests get their practice from the middleware; token requests authenticate inside
DRF, after the middleware ran, so the practice is resolved here on first use. An
`X-Practice-Id` header picks one of the caller's practices (default: the first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rest_framework.permissions import SAFE_METHODS, BasePermission

from practicelink.team.selectors import memberships_for_user

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from practicelink.team.access import PracticeRequest
    from practicelink.team.models import Member


def request_member(request: Request) -> Member | None:
    django_request = cast("PracticeRequest", request._request)
    member = getattr(django_request, "member", None)
    wanted = request.headers.get("X-Practice-Id")
    if (member is None or wanted) and request.user and request.user.is_authenticated:
        memberships = list(memberships_for_user(request.user))
        member = next((m for m in memberships if str(m.practice_id) == wanted), None) or (
            None if wanted else (memberships[0] if memberships else None)
        )
        django_request.member = member
        django_request.practice = member.practice if member else None
    return member


def _is_admin(request: Request) -> bool:
    member = request_member(request)
    return member is not None and member.is_admin


class IsPracticeMember(BasePermission):
    message = "You are not an active member of this practice."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request_member(request) is not None


class IsPracticeAdminOrReadOnly(IsPracticeMember):
    message = "Only admins can change this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or _is_admin(request)


class IsPracticeAdmin(IsPracticeMember):
    message = "Only admins can do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and _is_admin(request)
