"""The deployments step of a sync: finish what acceptance started (SPEC §4).

A deployment still pending (XPM was down, rate-limited or not connected, or its client waited
in review) is deployed; a partly deployed one whose partner, manager or job staff has been
linked since is completed, adding only what is missing; one whose gap remains is shown in the
sync log, with no call to XPM. Failed deployments wait for a person's Redeploy.

It also opens the occurrences of recurring jobs that have come due (their period has started,
or starts within the practice's lead days): each is written, then deployed like the others,
or recorded as skipped when its client is archived. An occurrence opened but never written
to XPM whose client has been archived since is withdrawn and skipped the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from practicelink.proposals.models import Job
from practicelink.proposals.occurrences import recurring_jobs
from practicelink.xpm.models import Deployment, DeploymentStatus, EventOutcome, SubjectKind
from practicelink.xpm.selectors import sync_settings, tenant_confirmed
from practicelink.xpm.sync.deployments.deploy import (
    Result,
    deploy_one,
    job_people,
    nothing_written,
    occurrence_deployment_withdraw,
)
from practicelink.xpm.sync.deployments.occurrences import (
    Due,
    client_stopped,
    occurrence_deployment_open,
    occurrences_due,
)
from practicelink.xpm.sync.deployments.plan import gaps, sync_action
from practicelink.xpm.sync.staff.plan import NOT_CONFIRMED
from practicelink.xpm.sync.steps import ActionFailed, Planned, Step, Subject, SyncContext


@dataclass(frozen=True)
class Open:
    deployment: Deployment
    missing_now: tuple[str, ...]
    stopped: str = ""
    """Why it is withdrawn: an occurrence never sent whose client has stopped since."""


@dataclass(frozen=True)
class State:
    open: list[Open]
    due: list[Due] = field(default_factory=list)


def _subject(deployment: Deployment) -> Subject:
    if deployment.occurrence_id is not None:
        return _due_subject(deployment.job, deployment.job_number)
    label = f"Job {deployment.job_number} “{deployment.job.name}” ({deployment.proposal})"
    return Subject(SubjectKind.JOB, label, id=deployment.job_id, xpm_id=deployment.xpm_uuid)


def _due_subject(job: Job, number: str) -> Subject:
    """An occurrence's job: one recurring job has several, told apart by their job number."""
    label = f"Job {number} “{job.name}” ({job.proposal})"
    return Subject(SubjectKind.JOB, label, id=job.pk, xpm_id=number)


class DeploymentsStep(Step[State]):
    name = "deployments"
    label = "Deploying accepted proposals' jobs"

    def read(self, ctx: SyncContext) -> State:
        rows = (
            Deployment.objects.filter(
                practice=ctx.practice,
                status__in=[DeploymentStatus.PENDING, DeploymentStatus.PARTLY],
            )
            .select_related(
                "job__proposal", "proposal__client__partner", "proposal__client__manager"
            )
            .prefetch_related("job__staff")
        )
        unsent = set(rows.filter(nothing_written()).values_list("pk", flat=True))
        opened = []
        for row in rows:
            people = job_people(row)
            stopped = client_stopped(row.proposal.client) if row.pk in unsent else ""
            opened.append(Open(row, gaps((people.partner, people.manager, *people.staff)), stopped))
        settings = sync_settings(ctx.practice)
        today = timezone.localdate(ctx.now)
        due = [
            d for job in recurring_jobs(ctx.practice) for d in occurrences_due(job, settings, today)
        ]
        return State(opened, due)

    def plan(self, ctx: SyncContext, state: State) -> list[Planned]:
        confirmed = tenant_confirmed(ctx.practice)
        planned = [self._plan_due(due, confirmed) for due in state.due]
        for item in state.open:
            row = item.deployment
            action = sync_action(row.status, tuple(row.missing), item.missing_now)
            subject = _subject(row)
            if not confirmed:
                message = f"Job {row.job_number} waits: {NOT_CONFIRMED}"
                planned.append(
                    Planned(
                        "job_wait", subject, message, writes=False, outcome=EventOutcome.SKIPPED
                    )
                )
                continue
            if item.stopped:
                message = f"Job {row.job_number} is skipped: {item.stopped}"
                planned.append(Planned("job_skip", subject, message, detail=item))
                continue
            if action == "wait":
                message = " ".join(item.missing_now) + " Linking them completes the job."
                planned.append(
                    Planned(
                        "job_gap",
                        subject,
                        message,
                        writes=False,
                        outcome=EventOutcome.SKIPPED,
                    )
                )
                continue
            message = (
                f"Deploy job {row.job_number} to XPM."
                if action == "deploy"
                else f"Complete job {row.job_number}: put on it who is linked now."
            )
            planned.append(
                Planned(
                    f"job_{action}", subject, message, after={"job": row.job_number}, detail=row
                )
            )
        return planned

    @staticmethod
    def _plan_due(due: Due, confirmed: bool) -> Planned:
        subject = _due_subject(due.job, due.number)
        period = f"{due.period.start:%B %Y}"
        if not confirmed:
            message = f"Job {due.number} ({period}) waits: {NOT_CONFIRMED}"
            return Planned("job_wait", subject, message, writes=False, outcome=EventOutcome.SKIPPED)
        if due.stopped:
            message = f"Job {due.number} ({period}) is skipped: {due.stopped}"
            return Planned("job_skip", subject, message, detail=due)
        message = f"Deploy job {due.number} ({period}) to XPM."
        return Planned("job_deploy", subject, message, after={"job": due.number}, detail=due)

    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None:
        row = planned.detail
        if isinstance(row, Open):
            if occurrence_deployment_withdraw(row.deployment, row.stopped):
                return None  # recorded as skipped
            row = row.deployment
        if isinstance(row, Due):
            row = occurrence_deployment_open(row)
            if row is None:
                return None  # recorded as skipped
        result = deploy_one(row, ctx.client)
        row.refresh_from_db()
        if result == Result.BUSY:
            return planned.but(message=f"Job {row.job_number} is being deployed right now.")
        if row.status == DeploymentStatus.DEPLOYED:
            return planned.but(message=f"Job {row.job_number} is deployed.")
        if row.status == DeploymentStatus.PARTLY:
            still = " ".join(row.missing)
            return planned.but(message=f"Job {row.job_number} is in XPM; still missing: {still}")
        raise ActionFailed(row.problem or f"Job {row.job_number} could not be deployed.")
