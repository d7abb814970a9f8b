"""Deploying a proposal's planned jobs to XPM: read, plan, apply, record (SPEC §4).

For each deployment: claim it (one worker at a time), make sure the client is in XPM, look
for our job number, add the job only if absent (its template applied), then put the
client's partner and manager and the job staff on it. Every call is an attempt on the
deployment, written before a write is sent. An answer lost after `job.api/add` is resolved
by looking the number up again, never by adding twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from practicelink.proposals.models import Job as PlannedJob
from practicelink.proposals.models import OccurrenceStatus, Proposal
from practicelink.proposals.occurrences import occurrence_record
from practicelink.proposals.services import proposal_deployment_record
from practicelink.team.models import Member
from practicelink.xpm import faultpoints
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    Deployment,
    DeploymentAttempt,
    DeploymentStatus,
    StaffLink,
)
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import RateLimitDenied, XpmClient, XpmError, XpmRateLimited
from practicelink.xpm.remote.records import Job
from practicelink.xpm.selectors import sync_settings
from practicelink.xpm.sync.clients.linking import (
    ClientLinkTaken,
    ClientWaits,
    client_ensure_in_xpm,
)
from practicelink.xpm.sync.deployments.occurrences import (
    occurrence_deployment_open,
    occurrences_due,
)
from practicelink.xpm.sync.deployments.plan import (
    Person,
    WantedJob,
    job_number,
    plan_deployment,
)

CLAIM_FOR = timedelta(minutes=5)
RETRY_AFTER = 60.0
"""Seconds before a transient failure is tried again by the background task."""
DEFAULT_DURATION = timedelta(days=30)
"""A job's due date when the plan gives none: this long after its start."""
T = TypeVar("T")


class Result(StrEnum):
    DONE = "done"
    """Deployed, partly deployed or failed: nothing to retry by itself."""
    RETRY = "retry"
    """A transient problem: try again later."""
    BUSY = "busy"
    """Another worker holds it."""


def deployments_create(proposal: Proposal, today: date | None = None) -> list[Deployment]:
    """One pending deployment per planned job, with its job number, and one per occurrence of
    a recurring job due by `today` (idempotent)."""
    settings = sync_settings(proposal.practice)
    prefix = settings.job_number_prefix
    today = today or timezone.localdate()
    rows = []
    for job in proposal.jobs.select_related("service", "proposal__client"):
        if job.service is not None and job.service.recurs:
            opened = map(occurrence_deployment_open, occurrences_due(job, settings, today))
            rows += [row for row in opened if row is not None]
            continue
        row, _ = Deployment.objects.get_or_create(
            occurrence=None,
            job=job,
            defaults={
                "practice_id": proposal.practice_id,
                "proposal": proposal,
                "job_number": job_number(prefix, proposal.number, job.index),
            },
        )
        rows.append(row)
    return rows


def _unclaimed(now: datetime) -> Q:
    """Deployments no worker holds (never claimed, or its claim has run out)."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _claim(deployment: Deployment, now: datetime) -> bool:
    claimed = (
        Deployment.objects.filter(_unclaimed(now), pk=deployment.pk)
        .exclude(status=DeploymentStatus.DEPLOYED)
        .update(claimed_until=now + CLAIM_FOR)
    )
    return claimed == 1


def _call(deployment: Deployment, call: str, sent: dict[str, Any], do: Callable[[], T]) -> T:
    """Make one XPM call as an attempt: recorded before it is sent, answered after."""
    attempt = DeploymentAttempt.objects.create(
        deployment=deployment, at=timezone.now(), call=call, sent=sent
    )
    try:
        result = do()
    except XpmError as error:
        attempt.ok, attempt.answer = False, error.message
        attempt.save(update_fields=["ok", "answer"])
        raise
    attempt.ok, attempt.answer = True, _answer(result)
    attempt.save(update_fields=["ok", "answer"])
    return result


def _answer(result: object) -> str:
    if isinstance(result, Job):
        people = ", ".join(ref.name for ref in result.assigned) or "none"
        return f"Job {result.id} “{result.name}”; staff: {people}."
    if result is None:
        return "Not found."
    return "OK."


def _json(value: object) -> dict[str, Any]:
    return {k: str(v) for k, v in asdict(value).items() if v not in (None, "", ())}  # type: ignore[call-overload]


def _person(role: str, member: Member | None, links: dict[int, str]) -> Person | None:
    if member is None:
        return None
    return Person(role, member.name, links.get(member.pk))


@dataclass(frozen=True)
class People:
    partner: Person | None
    manager: Person | None
    staff: tuple[Person, ...]


def job_people(deployment: Deployment) -> People:
    """The client's partner and manager and the job staff, as things stand, with their XPM
    staff when they are linked."""
    client = deployment.proposal.client
    staff = list(deployment.job.staff.all())
    members = [m.pk for m in (client.partner, client.manager, *staff) if m is not None]
    links = dict(
        StaffLink.objects.filter(member_id__in=members).values_list("member_id", "staff__uuid")
    )
    return People(
        partner=_person("Partner", client.partner, links),
        manager=_person("Manager", client.manager, links),
        staff=tuple(p for m in staff if (p := _person("Job staff", m, links))),
    )


def _wanted(deployment: Deployment, client_uuid: str) -> WantedJob:
    job: PlannedJob = deployment.job
    people = job_people(deployment)
    accepted = deployment.proposal.accepted_at or timezone.now()
    start = job.start_date or timezone.localdate(accepted)
    due = job.due_date if job.due_date and job.due_date >= start else start + DEFAULT_DURATION
    name = job.name
    if (occurrence := deployment.occurrence) is not None:
        start, due = occurrence.start_date, occurrence.due_date
        name = f"{job.name} {occurrence.period_start:%B %Y}"
    return WantedJob(
        number=deployment.job_number,
        name=name,
        description=job.description or job.name,
        client_uuid=client_uuid,
        start_date=start,
        due_date=due,
        template_uuid=job.template_uuid,
        category_uuid=job.category_uuid,
        budget=job.budget,
        partner=people.partner,
        manager=people.manager,
        staff=people.staff,
    )


def _find(deployment: Deployment, xpm: XpmClient) -> Job | None:
    number = deployment.job_number
    return _call(deployment, "job.api/get", {"ID": number}, lambda: xpm.job_get(number))


def _add(deployment: Deployment, xpm: XpmClient, wanted: WantedJob) -> Job:
    plan = plan_deployment(wanted, None)
    assert plan.add is not None
    new = plan.add
    try:
        added = _call(deployment, "job.api/add", _json(new), lambda: xpm.job_add(new))
    except (RateLimitDenied, XpmRateLimited):
        raise  # refused before anything was written
    except XpmError:
        # The add may have happened (a lost answer, or a number already in use because an
        # earlier add did): look before anything else is tried.
        found = _find(deployment, xpm)
        if found is None:
            raise
        return found
    faultpoints.after_write("job.api/add")
    return added


def deploy_one(deployment: Deployment, xpm: XpmClient) -> Result:
    """Deploy one planned job (see the module's docstring); safe to run any number of times."""
    now = timezone.now()
    if not _claim(deployment, now):
        return Result.BUSY
    deployment = Deployment.objects.select_related(
        "job",
        "occurrence",
        "proposal__client__partner",
        "proposal__client__manager",
        "proposal__practice",
    ).get(pk=deployment.pk)
    try:
        proposal = deployment.proposal
        client_uuid = client_ensure_in_xpm(
            practice=proposal.practice, client=proposal.client, xpm=xpm
        )
        wanted = _wanted(deployment, client_uuid)
        found = _find(deployment, xpm) or _add(deployment, xpm, wanted)
        plan = plan_deployment(wanted, found)
        if plan.assignment is not None:
            assignment = plan.assignment
            found = _call(
                deployment, "job.api/assign", _json(assignment), lambda: xpm.job_assign(assignment)
            )
            faultpoints.after_write("job.api/assign")
    except (RateLimitDenied, XpmRateLimited) as error:
        _finish(deployment, DeploymentStatus.PENDING, problem=error.message)
        raise
    except XpmError as error:
        if error.transient:
            _finish(deployment, DeploymentStatus.PENDING, problem=f"{error.message} Retrying.")
            return Result.RETRY
        _finish(deployment, DeploymentStatus.FAILED, problem=error.message)
        return Result.DONE
    except ClientWaits as waiting:
        problem = f"{waiting} Deployment continues once it is decided (Clients > Review)."
        _finish(deployment, DeploymentStatus.PENDING, problem=problem)
        return Result.DONE
    except ClientLinkTaken as error:
        _finish(deployment, DeploymentStatus.FAILED, problem=str(error))
        return Result.DONE
    except XpmAuthError as error:
        _finish(deployment, DeploymentStatus.PENDING, problem=str(error))
        return Result.DONE
    status = DeploymentStatus.PARTLY if plan.missing else DeploymentStatus.DEPLOYED
    _finish(deployment, status, missing=plan.missing, uuid=found.uuid)
    return Result.DONE


def _finish(
    deployment: Deployment,
    status: str,
    *,
    problem: str = "",
    missing: Sequence[str] = (),
    uuid: str = "",
) -> None:
    changes: dict[str, Any] = {"status": status, "problem": problem, "claimed_until": None}
    if status in (DeploymentStatus.DEPLOYED, DeploymentStatus.PARTLY):
        changes.update(missing=list(missing), xpm_uuid=uuid or deployment.xpm_uuid)
        if deployment.deployed_at is None:
            changes["deployed_at"] = timezone.now()
    Deployment.objects.filter(pk=deployment.pk).update(**changes)
    deployment.refresh_from_db()
    if deployment.occurrence is not None:
        occurrence_record(
            occurrence=deployment.occurrence,
            status=OCCURRENCE_STATUS[DeploymentStatus(status)],
            job_number=deployment.job_number,
            note=problem or " ".join(missing),
        )
    proposal_summary(deployment.proposal)


OCCURRENCE_STATUS = {
    DeploymentStatus.PENDING: OccurrenceStatus.PLANNED,
    DeploymentStatus.DEPLOYED: OccurrenceStatus.DEPLOYED,
    DeploymentStatus.PARTLY: OccurrenceStatus.PARTLY,
    DeploymentStatus.FAILED: OccurrenceStatus.FAILED,
}


def proposal_summary(proposal: Proposal) -> None:
    """Report the deployments' overall status and job numbers on the proposal."""
    rows = list(Deployment.objects.filter(proposal=proposal).values_list("status", "job_number"))
    statuses = {status for status, _ in rows}
    overall = ""
    for status in (
        DeploymentStatus.FAILED,
        DeploymentStatus.PENDING,
        DeploymentStatus.PARTLY,
        DeploymentStatus.DEPLOYED,
    ):
        if status in statuses:
            overall = status
            break
    deployed = (DeploymentStatus.DEPLOYED, DeploymentStatus.PARTLY)
    numbers = [number for status, number in rows if status in deployed]
    proposal_deployment_record(
        practice=proposal.practice, proposal=proposal, status=overall, job_numbers=numbers
    )


WRITES = ("job.api/add", "job.api/assign")
"""The calls of a deployment that may change XPM (a lookup by job number does not)."""


def nothing_written() -> Q:
    """Deployments of an occurrence still pending for which no write to XPM was ever tried
    (their client waited, XPM was down or not connected before the job's first call)."""
    writes = DeploymentAttempt.objects.filter(deployment=OuterRef("pk"), call__in=WRITES)
    return Q(~Exists(writes), occurrence__isnull=False, status=DeploymentStatus.PENDING)


@transaction.atomic
def occurrence_deployment_withdraw(deployment: Deployment, stopped: str) -> bool:
    """Skip an opened occurrence whose client has stopped, if nothing of it was written to
    XPM: its deployment goes and the occurrence says why. False when a worker holds it or a
    write was tried since (it then deploys as any other)."""
    row = (
        Deployment.objects.select_for_update(of=("self",))
        .filter(nothing_written(), _unclaimed(timezone.now()), pk=deployment.pk)
        .select_related("occurrence", "proposal__practice")
        .first()
    )
    if row is None or row.occurrence is None:
        return False
    occurrence_record(
        occurrence=row.occurrence, status=OccurrenceStatus.SKIPPED, job_number="", note=stopped
    )
    row.delete()
    proposal_summary(row.proposal)
    return True


def proposal_deploy(proposal_id: int, *, interactive: bool = True) -> float | None:
    """Deploy every deployment of a proposal that is not fully deployed; returns seconds to
    wait before trying again (None: nothing left to retry by itself)."""
    proposal = Proposal.objects.select_related("practice").get(pk=proposal_id)
    todo = list(
        Deployment.objects.filter(proposal=proposal).exclude(status=DeploymentStatus.DEPLOYED)
    )
    if not todo:
        return None
    try:
        xpm = client_for(proposal.practice, interactive=interactive, creating=True)
    except XpmAuthError as error:
        Deployment.objects.filter(pk__in=[d.pk for d in todo]).update(problem=str(error))
        return None
    wait = None
    with xpm:
        for deployment in todo:
            try:
                result = deploy_one(deployment, xpm)
            except (RateLimitDenied, XpmRateLimited) as denied:
                return max(denied.retry_after, 1.0)
            if result in (Result.RETRY, Result.BUSY):
                wait = RETRY_AFTER
    return wait
