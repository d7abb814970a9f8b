"""Reads for proposals, scoped to one practice."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from practicelink.proposals.models import Proposal
from practicelink.team.models import Practice


def proposal_list(*, practice: Practice) -> QuerySet[Proposal]:
    return Proposal.objects.filter(practice=practice).select_related(
        "client", "client__partner", "client__manager"
    )


def proposal_get(*, practice: Practice, pk: int) -> Proposal:
    return get_object_or_404(proposal_list(practice=practice).prefetch_related("services"), pk=pk)
