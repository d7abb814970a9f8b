"""Proposals: list, create, edit, detail and status changes."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from practicelink.clients import selectors as client_selectors
from practicelink.forms import run_service
from practicelink.proposals import exports, selectors, services
from practicelink.proposals.client_picker import Purpose, chosen_client, client_option_tags
from practicelink.proposals.filter_bar import filter_fields
from practicelink.proposals.filters import ProposalFilterSet
from practicelink.proposals.forms import (
    AcceptanceForm,
    JobForm,
    LibraryServiceForm,
    ProposalForm,
    SendForm,
    ServiceFormSet,
    library_entry_initial,
    library_initial,
    line_initial,
    service_lines,
)
from practicelink.proposals.hooks import member_notes, proposal_panels
from practicelink.proposals.list_rows import listed_proposals, proposal_rows
from practicelink.proposals.models import LibraryService, Proposal, Status
from practicelink.proposals.occurrences import proposal_schedule
from practicelink.proposals.schedule_views import recurrences
from practicelink.team.access import MemberRequest, admin_required, member_required

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
    ("Deployment", None),
)


class CountedPaginator(Paginator):
    """A paginator told how many rows there are (the status counts already know, so the page
    needs no second COUNT over the same rows) that reads a page as a deferred join, into
    `ListedProposal` rows.

    The page's ids are picked first, in a subquery that the list's covering indexes answer
    alone (filter, status and number are in them), and only that page's rows are read: a
    plain LIMIT made the database read and sort every matching row (all 8,000 proposals of
    a partner) to keep 50.
    """

    def __init__(self, object_list: QuerySet[Proposal], per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        proposals = cast(QuerySet[Proposal], self.object_list)
        ids = proposals.values("pk")[bottom : bottom + self.per_page]
        rows = Proposal.objects.filter(pk__in=ids)
        if proposals.query.order_by:  # else the model's own ordering, as in `proposals`
            rows = rows.order_by(*proposals.query.order_by)
        return Page(listed_proposals(rows), number, self)


def _filterset(request: MemberRequest) -> ProposalFilterSet:
    proposals = selectors.proposal_list(practice=request.practice)
    return ProposalFilterSet(request.GET, queryset=proposals, request=request)


def _query(request: MemberRequest, *without: str, **extra: str) -> str:
    """The current query string without some parameters, with others set."""
    params = request.GET.copy()
    for key in (*without, *extra):
        params.pop(key, None)
    params.update(extra)
    return params.urlencode()


def _page_size(request: MemberRequest) -> int:
    value = request.GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _getting_started(request: MemberRequest, filterset: ProposalFilterSet) -> dict | None:
    """What a practice with no proposals at all needs to start (None once it has one)."""
    if filterset.queryset.exists():
        return None
    clients = client_selectors.client_list(practice=request.practice, include_archived=False)
    return {"has_clients": clients.exists()}


def _columns(request: MemberRequest, sort: str) -> list[dict[str, str | None]]:
    """Headings with a link that sorts by them (ascending first, then toggling)."""
    columns = []
    for label, key in COLUMNS:
        direction = None
        if key and sort.lstrip("-") == key:
            direction = "descending" if sort.startswith("-") else "ascending"
        href = None
        if key:
            target = f"-{key}" if direction == "ascending" else key
            href = f"?{_query(request, 'page', sort=target)}"
        columns.append({"label": label, "href": href, "direction": direction})
    return columns


@member_required
def proposal_list(request: MemberRequest) -> HttpResponse:
    """The filtered list. An htmx request from the filter form gets just the results."""
    filterset = _filterset(request)
    valid = filterset.is_valid()
    proposals = filterset.qs if valid else filterset.queryset.none()
    counts = selectors.proposal_status_counts(
        filterset.filters_without_status() if valid else proposals
    )
    chosen = (filterset.form.cleaned_data.get("status") if valid else None) or counts
    paginator = CountedPaginator(
        proposals, _page_size(request), count=sum(counts[status] for status in chosen)
    )
    page = paginator.get_page(request.GET.get("page"))
    sort = filterset.form.cleaned_data.get("sort") if valid else None
    sort_key = sort[0] if sort else DEFAULT_SORT
    context = {
        "filterset": filterset,
        "page": page,
        "rows": proposal_rows(page.object_list),
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
        "getting_started": _getting_started(request, filterset) if not page.object_list else None,
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "proposals/_results.html", context)
    context["filter_fields"] = filter_fields(filterset.form)
    return render(request, "proposals/proposal_list.html", context)


@require_GET
@member_required
def client_options(request: MemberRequest) -> HttpResponse:
    """The client picker's type-ahead: <option>s of this practice's clients whose name holds
    `client_search`; the client chosen now (`client`) stays first and selected. A picker
    for choosing a proposal's client (`purpose=choice`) offers no archived client."""
    try:
        purpose = Purpose(request.GET.get("purpose") or Purpose.FILTER)
    except ValueError:
        return HttpResponseBadRequest(
            f"purpose: one of {', '.join(Purpose)}", content_type="text/plain"
        )
    clients = client_selectors.client_list(
        practice=request.practice, include_archived=purpose is Purpose.FILTER
    ).select_related(None)
    chosen = chosen_client(clients, request.GET.get("client"))
    search = request.GET.get("client_search", "").strip()
    matches = client_selectors.client_filter(clients, q=search)
    return HttpResponse(client_option_tags(matches, chosen, purpose))


@member_required
def proposal_export(request: MemberRequest) -> HttpResponseBase:
    """The whole filtered, sorted list as CSV (all pages; the query string of the list)."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return HttpResponseBadRequest(f"Invalid filters: {errors}", content_type="text/plain")
    return exports.csv_response(
        filterset.qs, practice=request.practice, bom=request.GET.get("bom") == "1"
    )


def _proposal_form(request: MemberRequest, proposal: Proposal | None) -> HttpResponse:
    practice = request.practice
    services_initial: list[dict[str, Any]]
    if proposal is None:
        initial, services_initial = None, [{"quantity": 1}]
    else:
        initial = {
            "title": proposal.title,
            "client": proposal.client,
            "job_structure": proposal.job_structure,
        }
        services_initial = [line_initial(s) for s in proposal.services.all()]
    form = ProposalForm(request.POST or None, initial=initial, practice=practice)
    formset = ServiceFormSet(request.POST or None, initial=services_initial, prefix="services")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        fields = {
            "client": data["client"],
            "title": data["title"],
            "services": service_lines(formset),
            "job_structure": data["job_structure"] or None,
        }
        if proposal is None:
            saved = run_service(form, lambda: services.proposal_create(practice=practice, **fields))
        else:
            saved = run_service(
                form,
                lambda: services.proposal_update(practice=practice, proposal=proposal, **fields),
            )
        if saved is not None:
            messages.success(request, f"{saved.reference} was saved.")
            return redirect("proposals:detail", pk=saved.pk)
    context = {
        "form": form,
        "formset": formset,
        "title": f"Edit {proposal.reference}" if proposal else "New proposal",
        "proposal": proposal,
        "library": selectors.library_list(practice=practice),
    }
    return render(request, "proposals/proposal_form.html", context)


@require_GET
@member_required
def service_line(request: MemberRequest) -> HttpResponse:
    """One more service line (htmx), empty or filled from a library service."""
    total = request.GET.get("services-TOTAL_FORMS", "")
    if not total.isdigit() or int(total) >= ServiceFormSet.absolute_max:
        return HttpResponseBadRequest("No more service lines can be added.")
    index = int(total)
    initial: dict[str, object] = {"quantity": 1}
    library = request.GET.get("library", "")
    if library:
        if not library.isdigit():
            raise Http404("No such library service.")
        chosen = get_object_or_404(
            selectors.library_list(practice=request.practice), pk=int(library)
        )
        initial = library_initial(chosen)
    line = ServiceFormSet(prefix="services").empty_form
    line.prefix, line.initial = f"services-{index}", initial
    context = {"line": line, "total": index + 1}
    return render(request, "proposals/_service_line_added.html", context)


@require_GET
@member_required
def service_line_removed(request: MemberRequest) -> HttpResponse:
    """What replaces a removed line (htmx): its deletion mark, so the others keep their place."""
    prefix = request.GET.get("prefix", "")
    if not prefix.startswith("services-") or not prefix.removeprefix("services-").isdigit():
        return HttpResponseBadRequest("Unknown service line.")
    return render(request, "proposals/_service_line_removed.html", {"prefix": prefix})


@member_required
def proposal_jobs(request: MemberRequest, pk: int) -> HttpResponse:
    """The job plan: each job's details and job staff."""
    practice = request.practice
    proposal = selectors.proposal_get(practice=practice, pk=pk)
    jobs = list(proposal.jobs.select_related("service").prefetch_related("staff"))
    forms = [JobForm(request.POST or None, practice=practice, job=job) for job in jobs]
    if request.method == "POST" and all(form.is_valid() for form in forms):
        saved = run_service(
            forms[0],
            lambda: services.proposal_jobs_update(
                practice=practice, proposal=proposal, jobs=[form.plan() for form in forms]
            ),
        )
        if saved is not None:
            messages.success(request, f"The jobs of {proposal.reference} were saved.")
            return redirect("proposals:detail", pk=proposal.pk)
    return render(request, "proposals/proposal_jobs.html", {"proposal": proposal, "forms": forms})


@member_required
def library_list(request: MemberRequest) -> HttpResponse:
    context = {
        "services": selectors.library_list(practice=request.practice),
        "can_edit": request.member.is_admin,
    }
    return render(request, "proposals/library_list.html", context)


def _library_form(request: MemberRequest, service: LibraryService | None) -> HttpResponse:
    practice = request.practice
    initial = None
    if service is not None:
        initial = library_entry_initial(service)
    form = LibraryServiceForm(request.POST or None, initial=initial, practice=practice)
    if request.method == "POST" and form.is_valid():
        if service is None:
            saved = run_service(
                form, lambda: services.library_service_create(practice=practice, entry=form.entry())
            )
        else:
            saved = run_service(
                form,
                lambda: services.library_service_update(
                    practice=practice, service=service, entry=form.entry()
                ),
            )
        if saved is not None:
            messages.success(request, f"“{saved.name}” was saved in the service library.")
            return redirect("proposals:library")
    title = f"Edit {service.name}" if service else "Add a service to the library"
    return render(request, "proposals/library_form.html", {"form": form, "title": title})


@admin_required
def library_create(request: MemberRequest) -> HttpResponse:
    return _library_form(request, None)


@admin_required
def library_edit(request: MemberRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.library_list(practice=request.practice), pk=pk)
    return _library_form(request, service)


@require_POST
@admin_required
def library_delete(request: MemberRequest, pk: int) -> HttpResponse:
    service = get_object_or_404(selectors.library_list(practice=request.practice), pk=pk)
    services.library_service_delete(practice=request.practice, service=service)
    messages.success(request, f"“{service.name}” was removed from the service library.")
    return redirect("proposals:library")


@member_required
def proposal_create(request: MemberRequest) -> HttpResponse:
    return _proposal_form(request, None)


@member_required
def proposal_edit(request: MemberRequest, pk: int) -> HttpResponse:
    return _proposal_form(request, selectors.proposal_get(practice=request.practice, pk=pk))


@member_required
def proposal_detail(request: MemberRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(practice=request.practice, pk=pk)
    transitions = sorted(services.ALLOWED_TRANSITIONS[Status(proposal.status)])
    jobs = list(proposal.jobs.prefetch_related("staff"))
    notes = member_notes(request.practice, [m for job in jobs for m in job.staff.all()])
    context = {
        "proposal": proposal,
        "transitions": [s for s in transitions if s != Status.ACCEPTED],
        "can_accept": Status.ACCEPTED in transitions,
        "send_form": SendForm(),
        "panels": [panel.panel(request, proposal) for panel in proposal_panels],
        "jobs": [(job, [(m, notes.get(m.pk)) for m in job.staff.all()]) for job in jobs],
        "schedule": proposal_schedule(proposal),
        "recurrences": recurrences(request, proposal),
    }
    return render(request, "proposals/proposal_detail.html", context)


@require_POST
@member_required
def proposal_status(request: MemberRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(practice=request.practice, pk=pk)
    try:
        proposal = services.proposal_set_status(
            practice=request.practice,
            proposal=proposal,
            status=request.POST.get("status", ""),
            by=request.member,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{proposal.reference} is now {proposal.get_status_display()}.")
    return redirect("proposals:detail", pk=pk)


@require_POST
@member_required
def proposal_send(request: MemberRequest, pk: int) -> HttpResponse:
    """Email the client the acceptance link."""
    proposal = selectors.proposal_get(practice=request.practice, pk=pk)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("proposals:detail", pk=pk)
    try:
        sent = services.proposal_send(
            practice=request.practice,
            proposal=proposal,
            by=request.member,
            to=form.cleaned_data["to"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{proposal.reference} was sent to {sent.to} with an acceptance link."
        )
    return redirect("proposals:detail", pk=pk)


def _client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (REMOTE_ADDR: a proxy in front sets it right)."""
    return request.META.get("REMOTE_ADDR") or None


def acceptance(request: HttpRequest, token: str) -> HttpResponse:
    """The public page a client reads the proposal on and accepts or declines it."""
    try:
        link = services.acceptance_lookup(token)
    except ValidationError as error:
        return render(
            request, "proposals/acceptance_invalid.html", {"error": error.messages[0]}, status=410
        )
    form = AcceptanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("decision") == "decline":
            done = run_service(form, lambda: services.proposal_decline_by_link(token=token))
        else:
            done = run_service(
                form,
                lambda: services.proposal_accept_by_link(
                    token=token, name=form.cleaned_data["name"], ip=_client_ip(request)
                ),
            )
        if done is not None:
            return render(request, "proposals/acceptance_done.html", {"proposal": done})
    context = {
        "form": form,
        "link": link,
        "proposal": link.proposal,
        "practice": link.practice,
        "schedule": proposal_schedule(link.proposal),
        "public": True,
    }
    return render(request, "proposals/acceptance.html", context)
