"""Proposals: list, create, edit, detail and status changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practicelink.forms import run_service
from practicelink.proposals import exports, selectors, services
from practicelink.proposals.filters import ProposalFilterSet
from practicelink.proposals.forms import ProposalForm, ServiceFormSet, service_lines
from practicelink.proposals.models import Proposal, Status
from practicelink.team.access import member_required

PAGE_SIZES = (10, 25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
DEFAULT_SORT = "-number"
#: the list's columns: (heading, sort key or None when it cannot be sorted by)
COLUMNS = (
    ("Number", "number"),
    ("Title", "title"),
    ("Client", "client"),
    ("Partner", None),
    ("Manager", None),
    ("Status", "status"),
    ("Total", "total"),
    ("Created", "created"),
    ("Sent", "sent"),
    ("Accepted", "accepted"),
)


def _filterset(request: HttpRequest) -> ProposalFilterSet:
    proposals = selectors.proposal_list(practice=request.practice)
    return ProposalFilterSet(request.GET, queryset=proposals, request=request)


def _query(request: HttpRequest, *without: str, **extra: str) -> str:
    """The current query string without some parameters, with others set."""
    params = request.GET.copy()
    for key in (*without, *extra):
        params.pop(key, None)
    params.update(extra)
    return params.urlencode()


def _page_size(request: HttpRequest) -> int:
    value = request.GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _columns(request: HttpRequest, sort: str) -> list[dict[str, str | None]]:
    """Headings with a link that sorts by them (ascending first, then toggling)."""
    columns = []
    for label, key in COLUMNS:
        direction = None
        if key and sort.lstrip("-") == key:
            direction = "descending" if sort.startswith("-") else "ascending"
        target = f"-{key}" if direction == "ascending" else key
        href = f"?{_query(request, 'page', sort=target)}" if key else None
        columns.append({"label": label, "href": href, "direction": direction})
    return columns


@member_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """The filtered list. An htmx request from the filter form gets just the results."""
    filterset = _filterset(request)
    valid = filterset.is_valid()
    proposals = filterset.qs if valid else filterset.queryset.none()
    counts = selectors.proposal_status_counts(
        filterset.filters_without_status() if valid else proposals
    )
    page = Paginator(proposals, _page_size(request)).get_page(request.GET.get("page"))
    sort = filterset.form.cleaned_data.get("sort") if valid else None
    sort_key = sort[0] if sort else DEFAULT_SORT
    context = {
        "filterset": filterset,
        "page": page,
        "page_sizes": PAGE_SIZES,
        "page_size": page.paginator.per_page,
        "sort": sort_key,
        "columns": _columns(request, sort_key),
        "status_counts": [
            (Status(status), count, _query(request, "page", status=status))
            for status, count in counts.items()
        ],
        "query_string": _query(request, "page"),
        "export_query": _query(request, "page", "per_page"),
    }
    template = "proposals/proposal_list.html"
    if request.htmx and request.htmx.target == "results":  # type: ignore[attr-defined]
        template = "proposals/_results.html"
    return render(request, template, context)


@member_required
def proposal_export(request: HttpRequest) -> HttpResponse:
    """The whole filtered, sorted list as CSV (all pages; the query string of the list)."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return HttpResponseBadRequest(f"Invalid filters: {errors}", content_type="text/plain")
    return exports.csv_response(
        filterset.qs, practice=request.practice, bom=request.GET.get("bom") == "1"
    )


def _proposal_form(request: HttpRequest, proposal: Proposal | None) -> HttpResponse:
    practice = request.practice
    initial = {"title": proposal.title, "client": proposal.client} if proposal else None
    services_initial = (
        [
            {"name": s.name, "description": s.description, "quantity": s.quantity, "price": s.price}
            for s in proposal.services.all()
        ]
        if proposal
        else None
    )
    form = ProposalForm(request.POST or None, initial=initial, practice=practice)
    formset = ServiceFormSet(request.POST or None, initial=services_initial, prefix="services")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        lines = service_lines(formset)
        if proposal is None:
            saved = run_service(
                form,
                lambda: services.proposal_create(
                    practice=practice, client=data["client"], title=data["title"], services=lines
                ),
            )
        else:
            saved = run_service(
                form,
                lambda: services.proposal_update(
                    practice=practice,
                    proposal=proposal,
                    client=data["client"],
                    title=data["title"],
                    services=lines,
                ),
            )
        if saved is not None:
            messages.success(request, f"{saved.reference} was saved.")
            return redirect("proposals:detail", pk=saved.pk)
    title = f"Edit {proposal.reference}" if proposal else "New proposal"
    context = {"form": form, "formset": formset, "title": title, "proposal": proposal}
    return render(request, "proposals/proposal_form.html", context)


@member_required
def proposal_create(request: HttpRequest) -> HttpResponse:
    return _proposal_form(request, None)


@member_required
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _proposal_form(request, selectors.proposal_get(practice=request.practice, pk=pk))


@member_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(practice=request.practice, pk=pk)
    transitions = sorted(services.ALLOWED_TRANSITIONS[proposal.status])
    return render(
        request,
        "proposals/proposal_detail.html",
        {"proposal": proposal, "transitions": transitions},
    )


@require_POST
@member_required
def proposal_status(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(practice=request.practice, pk=pk)
    try:
        proposal = services.proposal_set_status(
            practice=request.practice, proposal=proposal, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{proposal.reference} is now {proposal.get_status_display()}.")
    return redirect("proposals:detail", pk=pk)
