"""Opening the deployment of a recurring job's occurrence (SPEC §4).

When a period's job is due (its period has started, or starts within the practice's lead
days), its occurrence and deployment are written before anything is sent to XPM, with the
job number of the period; from there it deploys as a one-off job does (`deploy.deploy_one`).
A client archived here or in XPM stops it: the occurrence is recorded as skipped, saying why.
An occurrence already opened when its client stops (XPM was down when it came due) is
withdrawn the same way, as long as nothing of it was written to XPM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from practicelink.clients.models import Client
from practicelink.proposals.models import Job, OccurrenceStatus
from practicelink.proposals.occurrences import occurrence_open, periods_due
from practicelink.proposals.recurrence import Period
from practicelink.xpm.models import ClientLink, ClientMirror, Deployment, SyncSettings
from practicelink.xpm.sync.deployments.plan import occurrence_job_number


def client_stopped(client: Client) -> str:
    """Why no further job of `client` is deployed ('' : nothing stops it). XPM is named
    first: a client archived there is archived here by the sync too."""
    link = ClientLink.objects.filter(client=client).values_list("uuid", flat=True).first()
    inactive = Q(archived=True) | Q(deleted=True) | Q(gone_at__isnull=False)
    mirror = ClientMirror.objects.filter(practice_id=client.practice_id, uuid=link)
    if link and mirror.filter(inactive).exists():
        return f"{client.name} is archived or deleted in XPM: no further jobs are deployed."
    if client.archived:
        return f"{client.name} is archived here: no further jobs are deployed."
    return ""


@dataclass(frozen=True)
class Due:
    """A period whose job is due to be deployed, and why it will not be ('' : it will)."""

    job: Job
    period: Period
    number: str
    stopped: str


def occurrences_due(job: Job, settings: SyncSettings, today: date) -> list[Due]:
    """The periods of `job` due by `today` that have no occurrence yet (reads only)."""
    due = periods_due(job, today=today, lead_days=settings.occurrence_lead_days)
    if not due:
        return []
    stopped = client_stopped(job.proposal.client)
    prefix = settings.job_number_prefix
    return [
        Due(job, p, occurrence_job_number(prefix, job.proposal.number, job.index, p.start), stopped)
        for p in due
    ]


@transaction.atomic
def occurrence_deployment_open(due: Due) -> Deployment | None:
    """Write the occurrence and its pending deployment (once, whoever comes first); None when
    the occurrence is skipped."""
    occurrence = occurrence_open(job=due.job, period=due.period, skipped=due.stopped)
    if occurrence.status == OccurrenceStatus.SKIPPED:
        return None
    deployment, _ = Deployment.objects.get_or_create(
        occurrence=occurrence,
        defaults={
            "practice_id": due.job.practice_id,
            "proposal_id": due.job.proposal_id,
            "job": due.job,
            "job_number": due.number,
        },
    )
    return deployment
