"""Settings > Apps > Link health: every gap with what it breaks, its records and its fix.

Each fix posts here and goes through the service (or the view helper) the team, clients and
proposal screens use, so it is recorded as it is there. With htmx the answer is the gaps'
section again (counts, lists and the outcome); without it, a redirect to the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from practicelink.clients.models import Client
from practicelink.proposals.selectors import proposal_get
from practicelink.team.access import MemberRequest, admin_required
from practicelink.team.models import Member, Practice
from practicelink.team.selectors import member_get
from practicelink.xpm import health, services
from practicelink.xpm.clients_ui import conflict_apply, review_apply, with_xpm
from practicelink.xpm.health import GapKind, Health
from practicelink.xpm.job_views import redeploy_apply
from practicelink.xpm.models import ClientConflict, ClientMatch, LinkMethod, SyncStatus, SyncTrigger
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.oauth import TenantNotConfirmed
from practicelink.xpm.services.health import (
    clients_assign,
    member_add_from_staff,
    suggestions_accept_all,
)
from practicelink.xpm.services.runs import sync_request
from practicelink.xpm.sync.clients.linking import ClientWaits, client_ensure_in_xpm
from practicelink.xpm.sync.staff.plan import Kind
from practicelink.xpm.team_ui import suggestion_apply


def _page_of(request: MemberRequest, kind: GapKind) -> int:
    try:
        return max(1, int(request.GET.get(kind.value, "1")))
    except ValueError:
        return 1


def single_suggestions(report: Health) -> int:
    """Members "Accept all single-candidate suggestions" would link."""
    return sum(
        1
        for action in report.team.actions.values()
        if action.kind in (Kind.SUGGEST, Kind.LINK) and len(action.staff_uuids) == 1
    )


def _options(choices: Iterable[tuple[Any, str]]) -> SafeString:
    """`<option>`s built once: the page repeats the member list in each assign bar. A thousand
    options through the template engine, or even `format_html`, cost more than their query."""
    html = "".join(f'<option value="{escape(str(v))}">{escape(n)}</option>' for v, n in choices)
    return mark_safe(html)  # noqa: S308 - every value is escaped above


def _context(request: MemberRequest) -> dict[str, Any]:
    practice: Practice = request.practice
    report = health.link_health(practice)
    rows = []
    for gap in report.gaps:
        page = _page_of(request, gap.kind)
        offset = (page - 1) * health.PAGE_SIZE
        records = health.gap_records(practice, gap.kind, health=report, offset=offset)
        rows.append(
            {
                "gap": gap,
                "records": records,
                "page": page,
                "previous": page - 1 if page > 1 else None,
                "next": page + 1 if offset + len(records) < gap.count else None,
                "shown_from": offset + 1,
                "shown_to": offset + len(records),
            }
        )
    return {
        "health": report,
        "rows": rows,
        "single_suggestions": single_suggestions(report),
        "staff_options": _options(
            (s.uuid, f"{s.name} <{s.email_normalised}>" if s.email_normalised else s.name)
            for s in report.team.unlinked_staff
        ),
        "member_options": _options(
            Member.objects.current()
            .filter(practice=practice)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ),
        "history": health.history(practice),
    }


@admin_required
def page(request: MemberRequest) -> HttpResponse:
    template = "xpm/health_gaps.html" if request.htmx else "xpm/health.html"
    return render(request, template, _context(request))


def _answer(request: MemberRequest) -> HttpResponse:
    """After a fix: today's point follows it; the gaps again (htmx) or the page."""
    health.snapshot_take(request.practice, timezone.now())
    if request.htmx:
        return render(request, "xpm/health_gaps.html", _context(request))
    return redirect("xpm:health")


def _service(request: MemberRequest, write: Callable[[], str]) -> HttpResponse:
    """Run a write that returns its success message; a refusal is shown, nothing changes."""
    try:
        done = write()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _answer(request)


def _staff(practice: Practice, uuid: str) -> StaffRow:
    return get_object_or_404(StaffRow, practice=practice, uuid=uuid)


@require_POST
@admin_required
def link(request: MemberRequest, pk: int) -> HttpResponse:
    """Link a member by hand to the XPM staff picked (any unlinked staff, warned when the
    emails differ), as Settings > Team's XPM user dropdown does."""
    practice: Practice = request.practice
    member = member_get(practice=practice, pk=pk)
    staff = _staff(practice, request.POST.get("staff", "").strip())

    def write() -> str:
        result = services.link_create(
            practice=practice,
            member=member,
            staff=staff,
            method=LinkMethod.MANUAL,
            by=request.member,
        )
        if result.warning:
            messages.warning(request, result.warning)
        return f"{member.name} is now linked to {staff.name} in XPM."

    return _service(request, write)


@require_POST
@admin_required
def accept(request: MemberRequest, pk: int) -> HttpResponse:
    suggestion_apply(request, member_get(practice=request.practice, pk=pk))
    return _answer(request)


@require_POST
@admin_required
def accept_all(request: MemberRequest) -> HttpResponse:
    result = suggestions_accept_all(practice=request.practice, by=request.member)
    for refusal in result.refused:
        messages.error(request, refusal)
    count = len(result.linked)
    messages.success(request, f"{count} suggestion{'s' if count != 1 else ''} accepted.")
    return _answer(request)


@require_POST
@admin_required
def add_user(request: MemberRequest) -> HttpResponse:
    """Settings > Team > Add user with this XPM user: invited or without access."""
    practice: Practice = request.practice
    staff = _staff(practice, request.POST.get("staff", ""))
    invite = request.POST.get("send_invitation") == "on"

    def write() -> str:
        member = member_add_from_staff(
            practice=practice, staff=staff, send_invitation=invite, by=request.member
        )
        return f"{member.name} was added{' and invited' if invite else ''}, linked to XPM."

    return _service(request, write)


def _member_or_none(practice: Practice, value: str) -> Member | None:
    return member_get(practice=practice, pk=int(value)) if value.isdigit() else None


@require_POST
@admin_required
def assign(request: MemberRequest) -> HttpResponse:
    """Give the selected clients this partner and/or manager."""
    practice: Practice = request.practice
    ids = [int(v) for v in request.POST.getlist("clients") if v.isdigit()]
    clients = list(Client.objects.filter(practice=practice, pk__in=ids).select_related())
    partner = _member_or_none(practice, request.POST.get("partner", ""))
    manager = _member_or_none(practice, request.POST.get("manager", ""))

    def write() -> str:
        if not clients:
            raise ValidationError("Select the clients to assign.")
        saved = clients_assign(practice=practice, clients=clients, partner=partner, manager=manager)
        return f"{len(saved)} client{'s' if len(saved) != 1 else ''} assigned."

    return _service(request, write)


@require_POST
@admin_required
def client_link(request: MemberRequest, pk: int) -> HttpResponse:
    """Link the client to its XPM client now, as its first job's deployment would: an exact
    match links, near ones go to the review queue, none creates it in XPM."""
    practice: Practice = request.practice
    client = get_object_or_404(Client, practice=practice, pk=pk)

    def ensure(xpm) -> None:
        try:
            client_ensure_in_xpm(practice=practice, client=client, xpm=xpm)
        except (ClientWaits, TenantNotConfirmed) as waiting:
            raise ValidationError(str(waiting)) from None

    with_xpm(request, ensure, f"{client.name} is now linked to XPM.")
    return _answer(request)


@require_POST
@admin_required
def review(request: MemberRequest, pk: int) -> HttpResponse:
    review_apply(request, get_object_or_404(ClientMatch, practice=request.practice, pk=pk))
    return _answer(request)


@require_POST
@admin_required
def conflict(request: MemberRequest, pk: int) -> HttpResponse:
    conflict_apply(request, get_object_or_404(ClientConflict, practice=request.practice, pk=pk))
    return _answer(request)


@require_POST
@admin_required
def sync(request: MemberRequest) -> HttpResponse:
    """Sync now, as Settings > Apps does: people linked here reach the partner and manager of
    their XPM clients at a sync, which the page need not wait for."""
    practice: Practice = request.practice

    def start() -> str:
        run = sync_request(practice=practice, trigger=SyncTrigger.MANUAL, by=request.member)
        run.refresh_from_db()  # a worker may have run it already
        if run.status in (SyncStatus.SUCCEEDED, SyncStatus.PARTLY_FAILED):
            return f"Sync #{run.pk} is done: the gaps below are counted again."
        return f"Sync #{run.pk} started: reload this page when it has finished to count again."

    return _service(request, start)


@require_POST
@admin_required
def redeploy(request: MemberRequest, pk: int) -> HttpResponse:
    redeploy_apply(request, proposal_get(practice=request.practice, pk=pk))
    return _answer(request)
