"""Screens of recurring services: a proposal's schedule and its recurrences (ending one,
changing its job staff), the practice's Upcoming jobs, and the schedule a line implies while
it is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from practicelink.proposals import selectors
from practicelink.proposals.forms import FutureStaffForm, ScheduleForm
from practicelink.proposals.models import Job, Proposal, Status
from practicelink.proposals.occurrences import (
    periods_ahead,
    recurrence_end,
    recurrence_staff_change,
    recurring_job,
    upcoming_jobs,
)
from practicelink.team.access import MemberRequest, member_required

UPCOMING_WEEKS = 4
MAX_UPCOMING_WEEKS = 26


def recurrences(request: MemberRequest, proposal: Proposal) -> list[dict[str, Any]]:
    """An accepted proposal's recurring services, each with its staff form and its changes."""
    if proposal.status != Status.ACCEPTED:
        return []
    jobs = proposal.jobs.select_related("service__ended_by").prefetch_related("staff")
    return [
        {
            "job": job,
            "service": job.service,
            "staff_form": FutureStaffForm(practice=request.practice, job=job),
            "changes": list(job.service.changes.select_related("by")),
        }
        for job in jobs
        if job.service is not None and job.service.recurs
    ]


def _recurring_job(request: MemberRequest, pk: int) -> Job:
    """The recurring job the form names by its index (`ValidationError` when it names none)."""
    proposal = selectors.proposal_get(practice=request.practice, pk=pk)
    index = request.POST.get("index", "")
    job = recurring_job(proposal, int(index)) if index.isdigit() else None
    if job is None:
        raise ValidationError("This proposal has no such recurring service.")
    return job


def _done(request: MemberRequest, pk: int, change: Callable[[Job], str]) -> HttpResponse:
    """Make a change to a recurring job and go back to it, saying what happened."""
    anchor = "#schedule"
    try:
        job = _recurring_job(request, pk)
        anchor = f"#recurrence-{job.index}"
        messages.success(request, change(job))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("proposals:detail", args=[pk]) + anchor)


@require_POST
@member_required
def recurrence_end_view(request: MemberRequest, pk: int) -> HttpResponse:
    def end(job: Job) -> str:
        service = recurrence_end(practice=request.practice, job=job, by=request.member)
        return f"“{service.name}” ends: no further occurrences."

    return _done(request, pk, end)


@require_POST
@member_required
def recurrence_staff_view(request: MemberRequest, pk: int) -> HttpResponse:
    def change(job: Job) -> str:
        form = FutureStaffForm(request.POST, practice=request.practice, job=job)
        if not form.is_valid():
            raise ValidationError(list(form.errors["staff"]))
        recurrence_staff_change(
            practice=request.practice,
            job=job,
            staff_ids=form.staff_ids(),
            by=request.member,
        )
        return f"Future occurrences of “{job.name}” get this job staff."

    return _done(request, pk, change)


@member_required
def upcoming(request: MemberRequest) -> HttpResponse:
    """Occurrences of recurring services whose job starts in the next weeks."""
    asked = request.GET.get("weeks", "")
    weeks = int(asked) if asked.isdigit() and 1 <= int(asked) <= MAX_UPCOMING_WEEKS else None
    today = timezone.localdate()
    rows = upcoming_jobs(request.practice, today=today, days=(weeks or UPCOMING_WEEKS) * 7)
    context = {
        "rows": rows,
        "weeks": weeks or UPCOMING_WEEKS,
        "week_choices": (1, 2, 4, 8, 13, 26),
        "bad_weeks": bool(asked) and weeks is None,
    }
    return render(request, "proposals/upcoming.html", context)


@require_GET
@member_required
def schedule_preview(request: MemberRequest) -> HttpResponse:
    """The next periods a service line being written implies (htmx), or what is wrong."""
    form = ScheduleForm(request.GET, prefix=request.GET.get("prefix", ""))
    context: dict[str, Any] = {"rows": [], "error": ""}
    if form.is_valid():
        schedule = form.schedule()
        context["rows"] = periods_ahead(schedule) if schedule else []
    else:
        context["error"] = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(request, "proposals/_schedule_preview.html", context)
