"""The XPM parts of the clients pages (through `clients.hooks`) and Clients > Review.

The clients list gets an XPM column (linked, waiting for review, a problem, not in XPM yet) and
a panel pointing at the review queue and the conflicts. A change saved here is pushed to XPM
on commit (`client_saved`); the next sync sends it again if that push fails.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from practicelink.clients.hooks import ClientColumn
from practicelink.clients.models import Client
from practicelink.team.access import MemberRequest, member_required
from practicelink.team.models import Practice
from practicelink.xpm import reviews
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    ClientConflict,
    ClientCreation,
    ClientLink,
    ClientMatch,
    ConflictStatus,
    ReviewStatus,
)
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import XpmError
from practicelink.xpm.team_ui import xpm_in_use


def client_saved(client: Client) -> None:
    """A client changed here: push a linked one to XPM now (in the background)."""
    from practicelink.xpm.tasks import client_push_task

    if ClientLink.objects.filter(client=client).exists():
        client_push_task(client.pk)


def open_reviews(practice: Practice) -> QuerySet[ClientMatch]:
    return ClientMatch.objects.filter(practice=practice, status=ReviewStatus.OPEN)


def open_conflicts(practice: Practice) -> QuerySet[ClientConflict]:
    return ClientConflict.objects.filter(
        practice=practice, status=ConflictStatus.OPEN
    ).select_related("client")


class ClientLinkColumn:
    """The XPM column of the clients list and the review panel above it."""

    def column(self, request: MemberRequest, clients: Sequence[Client]) -> ClientColumn | None:
        practice: Practice = request.practice
        if not xpm_in_use(practice):
            return None
        ids = [c.pk for c in clients]
        links = {link.client_id: link for link in ClientLink.objects.filter(client_id__in=ids)}
        waiting = set(
            open_reviews(practice).filter(client_id__in=ids).values_list("client_id", flat=True)
        )
        creating = set(
            ClientCreation.objects.filter(client_id__in=ids).values_list("client_id", flat=True)
        )
        cells = {
            c.pk: render_to_string(
                "xpm/client_link_cell.html",
                {
                    "link": links.get(c.pk),
                    "waiting": c.pk in waiting,
                    "creating": c.pk in creating,
                },
                request,
            )
            for c in clients
        }
        return ClientColumn("XPM", {pk: SafeString(cell) for pk, cell in cells.items()})

    def panel(self, request: MemberRequest) -> SafeString:
        practice: Practice = request.practice
        if not xpm_in_use(practice):
            return SafeString("")
        context = {
            "reviews": open_reviews(practice).count(),
            "conflicts": open_conflicts(practice).count(),
        }
        return render_to_string("xpm/client_review_panel.html", context, request)


@member_required
def review_list(request: MemberRequest) -> HttpResponse:
    practice: Practice = request.practice
    decided = ClientMatch.objects.filter(practice=practice).exclude(status=ReviewStatus.OPEN)
    settled = ClientConflict.objects.filter(practice=practice).exclude(status=ConflictStatus.OPEN)
    context = {
        "reviews": open_reviews(practice).select_related("client"),
        "conflicts": open_conflicts(practice),
        "decided": decided.select_related("client", "decided_by").order_by("-decided_at")[:20],
        "settled": settled.select_related("client", "decided_by").order_by("-decided_at")[:20],
    }
    return render(request, "xpm/client_reviews.html", context)


def with_xpm(request: MemberRequest, decision, success: str) -> None:
    """Take a decision that talks to XPM at once; say how it went (nothing decided on error)."""
    practice: Practice = request.practice
    try:
        with client_for(practice, interactive=True) as xpm:
            decision(xpm)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except (XpmError, XpmAuthError) as error:
        messages.error(request, f"XPM did not answer as expected, nothing was decided: {error}")
    else:
        messages.success(request, success)


def review_apply(request: MemberRequest, item: ClientMatch) -> None:
    """One decision on a review item, as posted: link (the candidate picked), create new or
    ignore (also used by Link health)."""
    practice: Practice = request.practice
    by = request.member
    decision = request.POST.get("decision", "")
    if decision == "ignore":
        try:
            reviews.review_ignore(practice=practice, item=item, by=by)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{item.name} is left unpaired.")
    elif decision == "create":
        with_xpm(
            request,
            lambda xpm: reviews.review_create(practice=practice, item=item, by=by, xpm=xpm),
            f"{item.name} was created as a new client.",
        )
    elif decision == "link":
        key = request.POST.get("candidate", "")
        with_xpm(
            request,
            lambda xpm: reviews.review_link(practice=practice, item=item, key=key, by=by, xpm=xpm),
            f"{item.name} is now linked.",
        )
    else:
        messages.error(request, "Choose link, create new or ignore.")


def conflict_apply(request: MemberRequest, conflict: ClientConflict) -> None:
    """Keep practicelink's value or take XPM's, as posted (also used by Link health)."""
    practice: Practice = request.practice
    keep = request.POST.get("keep", "")
    by = request.member
    words = "practicelink's" if keep == "ours" else "XPM's"
    with_xpm(
        request,
        lambda xpm: reviews.conflict_resolve(
            practice=practice, conflict=conflict, keep=keep, by=by, xpm=xpm
        ),
        f"{conflict.client.name}: {words} {conflict.field} kept.",
    )


@require_POST
@member_required
def review_decide(request: MemberRequest, pk: int) -> HttpResponse:
    """One decision on a review item: link (the candidate picked), create new, or ignore."""
    review_apply(request, get_object_or_404(ClientMatch, practice=request.practice, pk=pk))
    return redirect("xpm_clients:review")


@require_POST
@member_required
def conflict_decide(request: MemberRequest, pk: int) -> HttpResponse:
    """Keep practicelink's value or take XPM's."""
    conflict_apply(request, get_object_or_404(ClientConflict, practice=request.practice, pk=pk))
    return redirect("xpm_clients:review")
