"""Deployment requests: on acceptance (a `proposals.hooks` handler) and Redeploy (with the
occurrences of recurring jobs due by then). The work
itself runs in the background (`tasks.deployment_task`); its rules live in `sync/deployments/`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from practicelink.proposals.models import Proposal, Status
from practicelink.team.models import Practice
from practicelink.xpm.models import Deployment
from practicelink.xpm.sync.deployments.deploy import deployments_create, proposal_summary
from practicelink.xpm.tasks import deployment_task


def proposal_accepted(proposal: Proposal) -> None:
    """`proposals.hooks` handler: record the deployments and deploy them in the background."""
    deployment_request(proposal)


@transaction.atomic
def deployment_request(proposal: Proposal) -> list[Deployment]:
    deployments = deployments_create(proposal)
    proposal_summary(proposal)
    transaction.on_commit(lambda: deployment_task(proposal.pk))
    return deployments


def deployment_redeploy(*, practice: Practice, proposal: Proposal) -> list[Deployment]:
    """Deploy again what is not fully deployed (failed, partly, pending): only what is missing
    is added."""
    if proposal.practice_id != practice.pk:
        raise Proposal.DoesNotExist("No such proposal in this practice.")
    proposal = Proposal.objects.get(pk=proposal.pk)
    if proposal.status != Status.ACCEPTED:
        raise ValidationError("Only an accepted proposal's jobs are deployed.")
    return deployment_request(proposal)
