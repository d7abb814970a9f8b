"""Job pages: a deployed job as XPM holds it, task allocation, and Redeploy."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practicelink.proposals.models import Proposal
from practicelink.proposals.selectors import proposal_get
from practicelink.team.access import MemberRequest, member_required
from practicelink.xpm import jobs
from practicelink.xpm.deployments import deployment_redeploy
from practicelink.xpm.models import Deployment


def _problem(request: MemberRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@member_required
def job_detail(request: MemberRequest, number: str) -> HttpResponse:
    try:
        view = jobs.job_read(practice=request.practice, job_number=number)
    except Deployment.DoesNotExist as missing:
        raise Http404(str(missing)) from missing
    except ValidationError as error:
        deployment = jobs.deployment_get(practice=request.practice, job_number=number)
        context = {"deployment": deployment, "error": " ".join(error.messages)}
        return render(request, "xpm/job_detail.html", context, status=502)
    job = view.job
    staff = sorted(
        ((ref.uuid, view.name_of(ref.uuid, ref.name)) for ref in job.assigned),
        key=lambda pair: pair[1].casefold(),
    )
    tasks = [
        (task, [view.name_of(ref.uuid, ref.name) for ref in task.assigned]) for task in job.tasks
    ]
    context = {
        "deployment": view.deployment,
        "job": job,
        "partner": view.name_of(job.partner.uuid, job.partner.name) if job.partner else "",
        "manager": view.name_of(job.manager.uuid, job.manager.name) if job.manager else "",
        "staff": staff,
        "tasks": tasks,
    }
    return render(request, "xpm/job_detail.html", context)


@require_POST
@member_required
def task_allocate(request: MemberRequest, number: str) -> HttpResponse:
    try:
        view = jobs.task_allocate(
            practice=request.practice,
            job_number=number,
            task_uuid=request.POST.get("task_uuid", ""),
            staff_uuid=request.POST.get("staff_uuid", ""),
        )
    except Deployment.DoesNotExist as missing:
        raise Http404(str(missing)) from missing
    except ValidationError as error:
        _problem(request, error)
    else:
        messages.success(request, f"The task was allocated on job {view.job.id}.")
    return redirect("xpm-jobs:detail", number=number)


def redeploy_apply(request: MemberRequest, proposal: Proposal) -> None:
    """Deploy again what is not fully deployed (also used by Link health)."""
    try:
        deployment_redeploy(practice=request.practice, proposal=proposal)
    except ValidationError as error:
        _problem(request, error)
    else:
        messages.success(request, f"The jobs of {proposal.reference} are being deployed again.")


@require_POST
@member_required
def redeploy(request: MemberRequest, pk: int) -> HttpResponse:
    redeploy_apply(request, proposal_get(practice=request.practice, pk=pk))
    return redirect("proposals:detail", pk=pk)
