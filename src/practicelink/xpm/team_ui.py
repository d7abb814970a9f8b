"""The XPM parts of Settings > Team, plugged into the team pages through `team.hooks`.

The add/edit form gets the "XPM user" dropdown (link, change, unlink), the list gets a column
of link badges (from the same plan the sync runs) and the "why not in the dropdown?" box.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from practicelink.team.access import MemberRequest, admin_required
from practicelink.team.emails import normalise_email
from practicelink.team.forms import MemberForm
from practicelink.team.hooks import MemberColumn
from practicelink.team.models import Member, Practice
from practicelink.team.selectors import member_get
from practicelink.xpm import selectors, services
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.models import StaffLink, XpmConnection
from practicelink.xpm.sync.staff.plan import Kind

FIELD = "xpm_staff"
WHY_NOT = "why_not"


def xpm_in_use(practice: Practice) -> bool:
    """XPM is connected, or was: its staff and links are still shown."""
    return (
        XpmConnection.objects.filter(practice=practice).exists()
        or StaffRow.objects.filter(practice=practice).exists()
    )


class StaffSelect(forms.Select):
    """Options carry the staff's name and email; with `prefill`, picking one fills the form."""

    template_name = "xpm/team_staff_select.html"

    def __init__(self, *, prefill: bool) -> None:
        super().__init__()
        self.prefill = prefill

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["prefill"] = self.prefill
        return context

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        staff = getattr(option["value"], "instance", None)
        if staff is not None:
            option["attrs"].update({"data-name": staff.name, "data-email": staff.email})
        return option


def _linked_elsewhere(practice: Practice, staff_pk: int) -> str:
    """Why a staff posted from the dropdown is no longer in it: who has it now, or gone."""
    staff = StaffRow.objects.filter(practice=practice, pk=staff_pk).first()
    if staff is None:
        return "That XPM user is not in this practice's XPM: pick one from the list."
    link = StaffLink.objects.filter(staff=staff).select_related("member").first()
    if link is not None:
        deleted = " (deleted)" if link.member.is_deleted else ""
        return (
            f"{staff.name} was linked to {link.member.name}{deleted} in the meantime: "
            "pick another XPM user or leave it not linked."
        )
    return f"{staff.name} is no longer in XPM: pick another XPM user or leave it not linked."


class StaffChoiceField(forms.ModelChoiceField):
    """The dropdown's field: a pick that another tab or person took meanwhile says who has it."""

    def __init__(self, *, practice: Practice, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.practice = practice

    def to_python(self, value: Any) -> StaffRow | None:
        try:
            return super().to_python(value)
        except ValidationError:
            if not str(value).isdigit():
                raise
            raise ValidationError(_linked_elsewhere(self.practice, int(value))) from None


class StaffLinkFormExtension:
    """The "XPM user" dropdown: exactly the unlinked staff (plus the member's own, on edit)."""

    def extend(self, form: MemberForm) -> None:
        if not xpm_in_use(form.practice):
            return
        current = selectors.linked_staff(form.member)
        staff = selectors.staff_unlinked(form.practice)
        if current is not None:
            staff = staff | StaffRow.objects.filter(pk=current.pk)
        adding = form.member is None
        field = StaffChoiceField(
            practice=form.practice,
            queryset=staff,
            required=False,
            label="XPM user",
            empty_label="— not linked —",
            initial=current,
            widget=StaffSelect(prefill=adding),
            help_text="XPM staff of the last sync not linked to a member. Someone missing? "
            "Add them in XPM, then Sync now in Settings > Apps.",
        )
        form.fields = {FIELD: field, **form.fields}
        if adding and form.is_bound:
            self._fill_from_staff(form, field)

    @staticmethod
    def _fill_from_staff(form: MemberForm, field: forms.ModelChoiceField) -> None:
        """Without JavaScript: a picked staff gives the name and email left blank."""
        try:
            picked = field.clean(form.data.get(form.add_prefix(FIELD)))
        except ValidationError:
            return  # reported when the form is validated
        if picked is None:
            return
        data = cast(QueryDict, form.data).copy()
        for name, value in (("name", picked.name), ("email", picked.email)):
            key = form.add_prefix(name)
            if not data.get(key, "").strip():
                data[key] = value
        form.data = data

    def clean(self, form: MemberForm) -> None:
        """An email another member already uses, when that member has a suggested match, points
        to the Accept button on their row (the person is most likely already on the team)."""
        email = form.cleaned_data.get("email")
        if not email or not xpm_in_use(form.practice):
            return
        other = (
            Member.objects.current()
            .filter(practice=form.practice, email_normalised=normalise_email(email))
            .exclude(pk__in=[form.member.pk] if form.member else [])
            .first()
        )
        action = selectors.link_plan(form.practice, timezone.now()).get(other.pk) if other else None
        if other is None or action is None or action.kind != Kind.SUGGEST:
            return
        names = ", ".join(
            selectors.staff_present(form.practice)
            .filter(uuid__in=action.staff_uuids)
            .values_list("name", flat=True)
        )
        form.add_error(
            "email",
            f"{other.name} already uses {other.email} in this practice and has a suggested "
            f"match in XPM ({names}): press Accept on {other.name}'s row in the team list "
            "to link them.",
        )

    def save(self, form: MemberForm, member: Member, by: Member) -> str:
        if FIELD not in form.cleaned_data:
            return ""
        return services.link_replace(
            practice=form.practice, member=member, staff=form.cleaned_data[FIELD], by=by
        )


class LinkBadges:
    """The XPM column of the team list and the "why not in the dropdown?" box."""

    def column(self, request: MemberRequest, members: Sequence[Member]) -> MemberColumn | None:
        practice: Practice = request.practice
        if not xpm_in_use(practice):
            return None
        links = {
            link.member_id: link
            for link in StaffLink.objects.filter(practice=practice).select_related("staff")
        }
        plans = selectors.link_plan(practice, timezone.now())
        uuids = {uuid for action in plans.values() for uuid in action.staff_uuids}
        staff = {s.uuid: s for s in selectors.staff_present(practice).filter(uuid__in=uuids)}

        def cell(member: Member) -> SafeString:
            action = plans.get(member.pk)
            context = {
                "member": member,
                "link": links.get(member.pk),
                "action": action,
                "staff": [staff[uuid] for uuid in action.staff_uuids] if action else [],
            }
            return render_to_string("xpm/team_link_cell.html", context, request)

        cells = {member.pk: cell(member) for member in members}
        return MemberColumn("XPM", cells)

    def panel(self, request: MemberRequest) -> SafeString:
        practice: Practice = request.practice
        if not xpm_in_use(practice):
            return SafeString("")
        return render_to_string("xpm/team_why_not.html", _why_not_context(request), request)


def _why_not_context(request: MemberRequest) -> dict[str, Any]:
    email = request.GET.get(WHY_NOT, "").strip()
    practice: Practice = request.practice
    answer = selectors.why_not_in_dropdown(practice, email) if email else None
    return {"email": email, "answer": answer, "field": WHY_NOT}


@admin_required
def why_not(request: MemberRequest) -> HttpResponse:
    """The answer alone, for the box's htmx request (without JS the box asks the team page)."""
    return render(request, "xpm/team_why_not_answer.html", _why_not_context(request))


def suggestion_apply(request: MemberRequest, member: Member) -> None:
    """Accept the posted suggested staff for `member` (also used by Link health)."""
    practice: Practice = request.practice
    staff = get_object_or_404(selectors.staff_present(practice), uuid=request.POST.get("staff", ""))
    try:
        services.suggestion_accept(practice=practice, member=member, staff=staff, by=request.member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        linked = f"{member.name} is now linked to {staff.name} in XPM."
        messages.success(request, linked + _clients_follow(practice, member, staff))


def _clients_follow(practice: Practice, member: Member, staff: StaffRow) -> str:
    """When the clients of a newly linked staff get the member as partner or manager: the
    sync maps them, so until it runs those clients still show the gap."""
    clients = selectors.clients_led_by(practice, staff)
    if not clients:
        return ""
    minutes = selectors.sync_settings(practice).sync_interval_minutes
    return (
        f" At the next sync, within {minutes} minute{pluralize(minutes)}, {member.name} becomes "
        f"partner or manager of the {clients} client{pluralize(clients)} {staff.name} has in "
        "XPM (Sync now in Settings \u203a Apps does it at once)."
    )


@require_POST
@admin_required
def suggestion_accept(request: MemberRequest, pk: int) -> HttpResponse:
    """One click on a suggested match: link the member to the unlinked staff with its email."""
    suggestion_apply(request, member_get(practice=request.practice, pk=pk))
    return redirect("team:list")
