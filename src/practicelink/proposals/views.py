"""Proposals: list, create, edit, detail and status changes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practicelink.forms import run_service
from practicelink.proposals import selectors, services
from practicelink.proposals.forms import ProposalForm, ServiceFormSet, service_lines
from practicelink.proposals.models import Proposal
from practicelink.team.access import member_required


@member_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    proposals = selectors.proposal_list(practice=request.practice)
    page = Paginator(proposals, 50).get_page(request.GET.get("page"))
    return render(request, "proposals/proposal_list.html", {"page": page})


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
