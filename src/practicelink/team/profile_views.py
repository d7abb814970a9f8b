"""Your profile: who you are, your password, and your API tokens.

A new token is shown in the answer to the form that made it and never stored, so the answer
cannot be a redirect. A refresh of that answer would send the form again: each form carries a
one-use value kept in the session, and a form sent twice makes no second token.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practicelink.team import tokens
from practicelink.team.access import MemberRequest, member_required
from practicelink.team.forms import ApiTokenForm
from practicelink.team.models import ApiToken

ONCE_KEY = "api_token_forms"
ONCE_KEPT = 5
"""Forms open at once (tabs) that can each still make a token."""


def _new_form(request: MemberRequest) -> ApiTokenForm:
    once = secrets.token_urlsafe(16)
    request.session[ONCE_KEY] = [*request.session.get(ONCE_KEY, [])[1 - ONCE_KEPT :], once]
    return ApiTokenForm(initial={"once": once})


def _once_take(request: MemberRequest, once: str) -> bool:
    """Whether `once` came with a form not yet used (it then is)."""
    open_forms = request.session.get(ONCE_KEY, [])
    if once not in open_forms:
        return False
    request.session[ONCE_KEY] = [value for value in open_forms if value != once]
    return True


@member_required
def profile(request: MemberRequest) -> HttpResponse:
    """GET shows the profile; POST creates an API token and shows it, this once."""
    form = ApiTokenForm(request.POST) if request.method == "POST" else _new_form(request)
    created = None
    if request.method == "POST" and form.is_valid():
        if _once_take(request, form.cleaned_data["once"]):
            created = tokens.token_create(
                user=tokens.person(request),
                name=form.cleaned_data["name"],
                days=form.cleaned_data["expires_in_days"],
            )
        else:
            messages.warning(
                request,
                "This form was already sent, so no second token was made. A token is shown "
                "only once, when it is made: if you did not copy it, revoke it and make another.",
            )
        form = _new_form(request)
    context = {"form": form, "tokens": tokens.tokens_of(tokens.person(request)), "created": created}
    response = render(request, "team/profile.html", context)
    response["Cache-Control"] = "no-store"  # the page may hold a token
    return response


@member_required
@require_POST
def token_revoke(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.token_revoke(user=tokens.person(request), pk=pk)
    except ApiToken.DoesNotExist as missing:
        raise Http404("No such token.") from missing
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("profile:show")
