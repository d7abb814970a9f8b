"""Every request runs in exactly one practice: the one chosen in the session, or the first."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from practicelink.team.access import PracticeRequest
from practicelink.team.selectors import memberships_for_user

SESSION_KEY = "practice_id"


class CurrentPracticeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: PracticeRequest) -> HttpResponse:
        request.member = None
        request.practice = None
        request.memberships = []
        if request.user.is_authenticated:
            memberships = list(memberships_for_user(request.user))
            chosen = request.session.get(SESSION_KEY)
            member = next((m for m in memberships if m.practice_id == chosen), None)
            if member is None and memberships:
                member = memberships[0]
            if member is not None:
                request.member = member
                request.practice = member.practice
            request.memberships = memberships
        return self.get_response(request)
