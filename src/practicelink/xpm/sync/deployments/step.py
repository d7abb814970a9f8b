"""The deployments step of a sync: finish what acceptance started (SPEC §4).

A deployment still pending (XPM was down, rate-limited or not connected, or its client waited
in review) is deployed; a partly deployed one whose partner, manager or job staff has been
linked since is completed, adding only what is missing; one whose gap remains is shown in the
sync log, with no call to XPM. Failed deployments wait for a person's Redeploy.
"""

from __future__ import annotations

from dataclasses import dataclass

from practicelink.xpm.models import Deployment, DeploymentStatus, EventOutcome, SubjectKind
from practicelink.xpm.selectors import tenant_confirmed
from practicelink.xpm.sync.deployments.deploy import Result, deploy_one, job_people
from practicelink.xpm.sync.deployments.plan import gaps, sync_action
from practicelink.xpm.sync.staff.plan import NOT_CONFIRMED
from practicelink.xpm.sync.steps import ActionFailed, Planned, Step, Subject, SyncContext


@dataclass(frozen=True)
class Open:
    deployment: Deployment
    missing_now: tuple[str, ...]


def _subject(deployment: Deployment) -> Subject:
    label = f"Job {deployment.job_number} “{deployment.job.name}” ({deployment.proposal})"
    return Subject(SubjectKind.JOB, label, id=deployment.job_id, xpm_id=deployment.xpm_uuid)


class DeploymentsStep(Step[list[Open]]):
    name = "deployments"
    label = "Deploying accepted proposals' jobs"

    def read(self, ctx: SyncContext) -> list[Open]:
        rows = (
            Deployment.objects.filter(
                practice=ctx.practice,
                status__in=[DeploymentStatus.PENDING, DeploymentStatus.PARTLY],
            )
            .select_related("job", "proposal__client__partner", "proposal__client__manager")
            .prefetch_related("job__staff")
        )
        opened = []
        for row in rows:
            people = job_people(row)
            opened.append(Open(row, gaps((people.partner, people.manager, *people.staff))))
        return opened

    def plan(self, ctx: SyncContext, state: list[Open]) -> list[Planned]:
        planned = []
        confirmed = tenant_confirmed(ctx.practice)
        for item in state:
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

    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None:
        row: Deployment = planned.detail
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
