"""What the XPM integration adds to proposals through `proposals.hooks`."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from practicelink.proposals.models import Proposal, Status
from practicelink.team.models import Member, Practice
from practicelink.xpm.models import CatalogueItem, Deployment, DeploymentStatus, StaffLink


class XpmJobCatalogue:
    """Templates and categories from the mirrored XPM catalogue; unlinked members flagged."""

    def choices(self, practice: Practice, kind: str) -> list[tuple[str, str]]:
        items = CatalogueItem.objects.filter(practice=practice, kind=kind, gone_at__isnull=True)
        return list(items.order_by("name").values_list("uuid", "name"))

    def member_notes(self, practice: Practice, members: Sequence[Member]) -> dict[int, str]:
        linked = set(
            StaffLink.objects.filter(
                practice=practice, member__in=[m.pk for m in members]
            ).values_list("member_id", flat=True)
        )
        return {m.pk: "not linked to XPM staff" for m in members if m.pk not in linked}


class DeploymentPanel:
    """The proposal's deployments: status, gaps, attempts, and Redeploy."""

    def panel(self, request: HttpRequest, proposal: Proposal) -> SafeString:
        if proposal.status != Status.ACCEPTED:
            return SafeString("")
        deployments = list(
            Deployment.objects.filter(proposal=proposal)
            .select_related("job")
            .prefetch_related("attempts")
        )
        context = {
            "proposal": proposal,
            "deployments": deployments,
            "redeploy": not deployments
            or any(d.status != DeploymentStatus.DEPLOYED for d in deployments),
        }
        return render_to_string("xpm/deployment_panel.html", context, request)
