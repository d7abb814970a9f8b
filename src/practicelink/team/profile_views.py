"""Your profile: who you are, your password, and your API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practicelink.team import tokens
from practicelink.team.access import MemberRequest, member_required
from practicelink.team.forms import ApiTokenForm
from practicelink.team.models import ApiToken


@member_required
def profile(request: MemberRequest) -> HttpResponse:
    """GET shows the profile; POST creates an API token and shows it, this once."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = tokens.token_create(
            user=tokens.person(request),
            name=form.cleaned_data["name"],
            days=form.cleaned_data["expires_in_days"],
        )
        form = ApiTokenForm()
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
