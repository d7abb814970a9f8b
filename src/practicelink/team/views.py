"""Settings > Team: list, add, edit, delete, restore, invitations; switching practice."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practicelink.forms import run_service
from practicelink.team import hooks, selectors, services
from practicelink.team.access import MemberRequest, admin_required, member_required
from practicelink.team.forms import InvitationAcceptForm, MemberAddForm, MemberForm
from practicelink.team.middleware import SESSION_KEY
from practicelink.team.models import Member


@admin_required
def member_list(request: MemberRequest) -> HttpResponse:
    members = list(selectors.member_list(practice=request.practice, include_deleted=True))
    decorators = hooks.member_list_decorators
    columns = [c for d in decorators if (c := d.column(request, members)) is not None]
    context = {
        "rows": [(m, [c.cells.get(m.pk, "") for c in columns]) for m in members],
        "columns": columns,
        "panels": [d.panel(request) for d in decorators],
    }
    return render(request, "team/member_list.html", context)


def _member_save(
    request: MemberRequest, form: MemberForm, write: Callable[[], Member]
) -> Member | None:
    """Save the member and the form's extensions in one transaction; show their warnings."""

    def save() -> tuple[Member, list[str]]:
        with transaction.atomic():
            member = write()
            return member, form.extensions_save(member, request.member)

    saved = run_service(form, save)
    if saved is None:
        return None
    member, warnings = saved
    for warning in warnings:
        messages.warning(request, warning)
    return member


@admin_required
def member_add(request: MemberRequest) -> HttpResponse:
    form = MemberAddForm(request.POST or None, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        member = _member_save(
            request,
            form,
            lambda: services.member_create(
                practice=request.practice, invited_by=request.member, **form.member_data
            ),
        )
        if member is not None:
            sent = " and invited" if form.cleaned_data["send_invitation"] else ""
            messages.success(request, f"{member.name} was added{sent}.")
            return redirect("team:list")
    return render(request, "team/member_form.html", {"form": form, "title": "Add user"})


@admin_required
def member_edit(request: MemberRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(practice=request.practice, pk=pk)
    initial = {"name": member.name, "email": member.email, "role": member.role}
    form = MemberForm(
        request.POST or None, initial=initial, practice=request.practice, member=member
    )
    if request.method == "POST" and form.is_valid():
        saved = _member_save(
            request,
            form,
            lambda: services.member_update(
                practice=request.practice, member=member, by=request.member, **form.member_data
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved.name} was saved.")
            return redirect("team:list")
    context = {"form": form, "title": f"Edit {member.name}", "member": member}
    return render(request, "team/member_form.html", context)


def _member_action(request: MemberRequest, pk: int, action, done: str) -> HttpResponse:
    member = selectors.member_get(practice=request.practice, pk=pk)
    try:
        action(practice=request.practice, member=member, by=request.member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(name=member.name))
    return redirect("team:list")


@require_POST
@admin_required
def member_delete(request: MemberRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, services.member_delete, "{name} was deleted.")


@require_POST
@admin_required
def member_restore(request: MemberRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, services.member_restore, "{name} was restored.")


@require_POST
@admin_required
def member_invite(request: MemberRequest, pk: int) -> HttpResponse:
    def invite(*, practice, member, by):
        return services.invitation_send(practice=practice, member=member, invited_by=by)

    return _member_action(request, pk, invite, "An invitation was sent to {name}.")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_lookup(token)
    except ValidationError as error:
        return render(
            request, "team/invitation_invalid.html", {"error": error.messages[0]}, status=410
        )
    user = request.user if request.user.is_authenticated else None
    has_login = user is not None and user.get_username() == invitation.member.email_normalised
    # An email that already signs in joins with that login: say so before asking for anything.
    sign_in_first = not has_login and selectors.login_exists(invitation.member)
    posted = request.method == "POST"
    form = InvitationAcceptForm(
        request.POST if posted else None, with_password=not (has_login or sign_in_first)
    )
    if posted and form.is_valid():
        member = run_service(
            form,
            lambda: services.invitation_accept(
                token=token, password=form.cleaned_data.get("password1", ""), signed_in_user=user
            ),
        )
        if member is not None:
            login(request, member.user, backend="practicelink.team.backends.EmailBackend")
            request.session[SESSION_KEY] = member.practice_id
            messages.success(request, f"Welcome to {member.practice.name}.")
            return redirect("proposals:list")
    context = {
        "form": form,
        "invitation": invitation,
        "has_login": has_login,
        "sign_in_first": sign_in_first,
    }
    return render(request, "team/invitation_accept.html", context)


@require_POST
@member_required
def practice_switch(request: MemberRequest) -> HttpResponse:
    wanted = request.POST.get("practice", "")
    chosen = next((m for m in request.memberships if str(m.practice_id) == wanted), None)
    if chosen is None:
        messages.error(request, "You are not a member of that practice.")
    else:
        request.session[SESSION_KEY] = chosen.practice_id
        messages.success(request, f"You are now working in {chosen.practice.name}.")
    return redirect("proposals:list")
