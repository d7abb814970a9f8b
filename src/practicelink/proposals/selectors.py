"""Reads for proposals, scoped to one practice."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from practicelink.proposals.models import LibraryService, Proposal, Status
from practicelink.team.models import Practice


def proposal_list(*, practice: Practice) -> QuerySet[Proposal]:
    return Proposal.objects.filter(practice=practice).select_related(
        "client", "client__partner", "client__manager"
    )


def proposal_get(*, practice: Practice, pk: int) -> Proposal:
    return get_object_or_404(proposal_list(practice=practice).prefetch_related("services"), pk=pk)


def proposal_status_counts(proposals: QuerySet[Proposal]) -> dict[str, int]:
    """How many of these proposals are in each status (every status, zeros too), in one query.

    Counts the status column, not the id: PostgreSQL can then answer from an index holding the
    filtered column and the status (an index-only scan), without reading the rows."""
    return proposals.order_by().aggregate(
        **{status.value: Count("status", filter=Q(status=status)) for status in Status}
    )


def library_list(*, practice: Practice) -> QuerySet[LibraryService]:
    return LibraryService.objects.filter(practice=practice)
