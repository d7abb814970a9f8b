"""Writes for proposals: numbering, service lines, status changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.proposals.models import Proposal, Service, Status, line_amount
from practicelink.team.models import Practice


@dataclass(frozen=True)
class ServiceLine:
    name: str
    description: str = ""
    quantity: Decimal = Decimal("1")
    price: Decimal = Decimal("0")


#: status → the timestamp field set when a proposal enters it
STATUS_TIMESTAMPS = {
    Status.SENT: "sent_at",
    Status.ACCEPTED: "accepted_at",
    Status.DECLINED: "declined_at",
    Status.LOST: "lost_at",
}

#: which status changes make sense; accepted is final (its jobs may be deployed)
ALLOWED_TRANSITIONS = {
    Status.DRAFT: {Status.SENT, Status.ACCEPTED, Status.DECLINED, Status.LOST},
    Status.SENT: {Status.DRAFT, Status.ACCEPTED, Status.DECLINED, Status.LOST},
    Status.DECLINED: {Status.DRAFT, Status.SENT},
    Status.LOST: {Status.DRAFT, Status.SENT},
    Status.ACCEPTED: set(),
}


def column_limit(model: type[models.Model], field: str) -> Decimal:
    """The largest amount a decimal column holds (SQLite would store more, then fail to read it)."""
    column = model._meta.get_field(field)
    assert isinstance(column, models.DecimalField)
    places = column.decimal_places
    return Decimal(10) ** (column.max_digits - places) - Decimal(1).scaleb(-places)


def _check_amounts(services: Sequence[ServiceLine]) -> None:
    """Refuse amounts the columns cannot hold, before anything is written."""
    for line in services:
        for field in ("quantity", "price"):
            limit = column_limit(Service, field)
            if getattr(line, field) > limit:
                raise ValidationError(
                    {"services": f"“{line.name}”: {field} cannot be more than {limit:,}."}
                )
    limit = column_limit(Proposal, "total")
    if sum((line_amount(line.quantity, line.price) for line in services), Decimal("0.00")) > limit:
        raise ValidationError({"services": f"The proposal's total cannot be more than {limit:,}."})


def _clean(practice: Practice, client: Client, title: str, services: Sequence[ServiceLine]) -> str:
    if client.practice_id != practice.pk:
        raise ValidationError({"client": "The client must belong to this practice."})
    title = title.strip()
    if not title:
        raise ValidationError({"title": "A proposal needs a title."})
    if not services:
        raise ValidationError({"services": "A proposal needs at least one service."})
    for line in services:
        if not line.name.strip():
            raise ValidationError({"services": "Every service needs a name."})
        if line.quantity <= 0:
            raise ValidationError({"services": f"“{line.name}”: quantity must be above zero."})
        if line.price < 0:
            raise ValidationError({"services": f"“{line.name}”: price cannot be negative."})
    _check_amounts(services)
    return title


def _replace_services(proposal: Proposal, services: Sequence[ServiceLine]) -> None:
    proposal.services.all().delete()
    rows = [
        Service(
            proposal=proposal,
            position=i,
            name=line.name.strip(),
            description=line.description.strip(),
            quantity=line.quantity,
            price=line.price,
        )
        for i, line in enumerate(services)
    ]
    Service.objects.bulk_create(rows)
    proposal.total = sum((row.amount for row in rows), Decimal("0.00"))


def _next_number(practice: Practice) -> int:
    """Allocate the practice's next proposal number under a row lock (no check-then-act)."""
    locked = Practice.objects.select_for_update().get(pk=practice.pk)
    number = locked.next_proposal_number
    locked.next_proposal_number = number + 1
    locked.save(update_fields=["next_proposal_number"])
    return number


@transaction.atomic
def proposal_create(
    *, practice: Practice, client: Client, title: str, services: Sequence[ServiceLine]
) -> Proposal:
    title = _clean(practice, client, title, services)
    proposal = Proposal.objects.create(
        practice=practice, number=_next_number(practice), client=client, title=title
    )
    _replace_services(proposal, services)
    proposal.save(update_fields=["total"])
    return proposal


@transaction.atomic
def proposal_update(
    *,
    practice: Practice,
    proposal: Proposal,
    client: Client,
    title: str,
    services: Sequence[ServiceLine],
) -> Proposal:
    if proposal.practice_id != practice.pk:
        raise Proposal.DoesNotExist("No such proposal in this practice.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status == Status.ACCEPTED:
        raise ValidationError("An accepted proposal cannot be changed.")
    proposal.title = _clean(practice, client, title, services)
    proposal.client = client
    _replace_services(proposal, services)
    proposal.save()
    return proposal


@transaction.atomic
def proposal_set_status(*, practice: Practice, proposal: Proposal, status: str) -> Proposal:
    """Move a proposal to a new status and stamp when it happened."""
    if proposal.practice_id != practice.pk:
        raise Proposal.DoesNotExist("No such proposal in this practice.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if status not in Status.values:
        raise ValidationError({"status": f"Unknown status “{status}”."})
    current = Status(proposal.status)
    if status not in ALLOWED_TRANSITIONS[current]:
        wanted = Status(status).label.lower()
        label = current.label.lower()
        article = "An" if label[0] in "aeiou" else "A"
        message = f"{article} {label} proposal cannot become {wanted}."
        raise ValidationError({"status": message})
    proposal.status = status
    stamp = STATUS_TIMESTAMPS.get(Status(status))
    if stamp:
        setattr(proposal, stamp, timezone.now())
    proposal.save()
    return proposal
