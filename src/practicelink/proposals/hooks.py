"""Extension points of proposals, for integrations the proposals app knows nothing about.

An integration appends its providers and handlers here from its `AppConfig.ready()`.
`proposal_accepted_handlers` are called by `services.proposal_accept` once the transaction
that accepted the proposal has committed (the XPM integration deploys its jobs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from practicelink.proposals.models import Proposal
    from practicelink.team.models import Member, Practice


class JobCatalogue(Protocol):
    """Where a job's template and category are picked from (XPM's lists, mirrored)."""

    def choices(self, practice: Practice, kind: str) -> list[tuple[str, str]]:
        """(uuid, name) of every current `kind` ("template" or "category"), by name."""

    def member_notes(self, practice: Practice, members: Sequence[Member]) -> dict[int, str]:
        """A flag per member id that cannot be put on a deployed job as things stand."""


class ProposalPanel(Protocol):
    def panel(self, request: HttpRequest, proposal: Proposal) -> SafeString:
        """HTML shown at the foot of the proposal's page ('' for nothing)."""


job_catalogues: list[JobCatalogue] = []
proposal_panels: list[ProposalPanel] = []
proposal_accepted_handlers: list[Callable[[Proposal], None]] = []
"""Called with a proposal just accepted, on commit."""


def catalogue_choices(practice: Practice, kind: str) -> list[tuple[str, str]]:
    return [choice for c in job_catalogues for choice in c.choices(practice, kind)]


def member_notes(practice: Practice, members: Sequence[Member]) -> dict[int, str]:
    notes: dict[int, str] = {}
    for catalogue in job_catalogues:
        notes.update(catalogue.member_notes(practice, members))
    return notes
