"""Writes for proposals: numbering, service lines, status changes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from functools import partial, update_wrapper

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.proposals import hooks
from practicelink.proposals.hooks import catalogue_choices
from practicelink.proposals.models import (
    AcceptanceLink,
    DeploymentStatus,
    Job,
    JobStructure,
    LibraryService,
    Proposal,
    Service,
    Status,
    line_amount,
)
from practicelink.proposals.recurrence import (
    Frequency,
    Schedule,
    recurrence_check,
    schedule_check,
)
from practicelink.team.models import Member, Practice


@dataclass(frozen=True)
class ServiceLine:
    """A line as written, with its recurrence (`frequency` "" : one-off)."""

    name: str
    description: str = ""
    quantity: Decimal = Decimal("1")
    price: Decimal = Decimal("0")
    library_service_id: int | None = None
    frequency: str = Frequency.ONE_OFF
    interval_months: int | None = None
    first_period_start: date | None = None
    ends_on: date | None = None
    occurrences: int | None = None
    start_offset_days: int = 0
    due_offset_days: int = 0

    @classmethod
    def of(cls, row: Service) -> ServiceLine:
        """A saved line, as it would be written again."""
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    def schedule(self) -> Schedule | None:
        """The periods the line recurs over (None: one-off), or a clear error."""
        return schedule_check(
            frequency=self.frequency,
            interval_months=self.interval_months,
            first_start=self.first_period_start,
            ends_on=self.ends_on,
            count=self.occurrences,
            start_offset_days=self.start_offset_days,
            due_offset_days=self.due_offset_days,
            name=self.name,
        )


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
        try:
            line.schedule()
        except ValidationError as error:
            raise ValidationError({"services": error.messages}) from error
    _check_amounts(services)
    return title


def _check_structure(job_structure: str, services: Sequence[ServiceLine]) -> str:
    """A recurring service deploys a job per period: it needs a job of its own."""
    recurring = [line.name for line in services if line.frequency != Frequency.ONE_OFF]
    if recurring and job_structure != JobStructure.PER_SERVICE:
        raise ValidationError(
            {
                "job_structure": f"“{recurring[0]}” recurs: choose “One job per service” so "
                "that each period gets its own job."
            }
        )
    return job_structure


def _replace_services(proposal: Proposal, services: Sequence[ServiceLine]) -> None:
    library = set(
        LibraryService.objects.filter(
            practice_id=proposal.practice_id,
            pk__in=[line.library_service_id for line in services if line.library_service_id],
        ).values_list("pk", flat=True)
    )
    proposal.services.all().delete()
    rows = [
        Service(
            proposal=proposal,
            position=i,
            **{
                **asdict(line),
                "name": line.name.strip(),
                "description": line.description.strip(),
                "library_service_id": line.library_service_id
                if line.library_service_id in library
                else None,
                "next_period_start": line.first_period_start if line.schedule() else None,
            },
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


def _structure(job_structure: str) -> str:
    if job_structure not in JobStructure.values:
        raise ValidationError({"job_structure": f"Unknown job structure “{job_structure}”."})
    return job_structure


@transaction.atomic
def proposal_create(
    *,
    practice: Practice,
    client: Client,
    title: str,
    services: Sequence[ServiceLine],
    job_structure: str | None = None,
) -> Proposal:
    title = _clean(practice, client, title, services)
    proposal = Proposal.objects.create(
        practice=practice,
        number=_next_number(practice),
        client=client,
        title=title,
        job_structure=_check_structure(_structure(job_structure or JobStructure.SINGLE), services),
    )
    _replace_services(proposal, services)
    proposal.save(update_fields=["total"])
    _plan_jobs(proposal, None)
    return proposal


@transaction.atomic
def proposal_update(
    *,
    practice: Practice,
    proposal: Proposal,
    client: Client,
    title: str,
    services: Sequence[ServiceLine],
    job_structure: str | None = None,
) -> Proposal:
    proposal = _editable(practice, proposal)
    before = _before(proposal)
    proposal.title = _clean(practice, client, title, services)
    proposal.client = client
    structure = _structure(job_structure or proposal.job_structure)
    proposal.job_structure = _check_structure(structure, services)
    _replace_services(proposal, services)
    proposal.save()
    _plan_jobs(proposal, before)
    return proposal


def _editable(practice: Practice, proposal: Proposal) -> Proposal:
    """The proposal, locked and re-read; an accepted one is final (its jobs may be deployed)."""
    if proposal.practice_id != practice.pk:
        raise Proposal.DoesNotExist("No such proposal in this practice.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status == Status.ACCEPTED:
        raise ValidationError("An accepted proposal cannot be changed.")
    return proposal


def _services_text(names: Sequence[str]) -> str:
    return "\n".join(names)


@dataclass(frozen=True)
class _Before:
    """What the job defaults were computed from before an edit (None: a new proposal)."""

    title: str
    services_text: str
    job_by_service: dict[str, int]
    """Service name → its job's id (one job per service)."""


def _before(proposal: Proposal) -> _Before:
    services = list(proposal.services.values_list("name", flat=True))
    jobs = proposal.jobs.filter(service__isnull=False).values_list("service__name", "pk")
    return _Before(proposal.title, _services_text(services), dict(jobs))


def _plan_jobs(proposal: Proposal, before: _Before | None) -> None:
    """Keep the job plan in step with the structure and the services (SPEC §4).

    One job: its name and description follow the title and the services until edited. One
    job per service: a service keeps its job (and its settings) while its name stays; a new
    service's job starts from the service and its library entry (template, category).
    """
    services = list(proposal.services.select_related("library_service"))
    text = _services_text([service.name for service in services])
    jobs = {job.pk: job for job in proposal.jobs.all()}
    if proposal.job_structure == JobStructure.SINGLE:
        job = next((j for j in jobs.values() if j.service_id is None and j.index == 1), None)
        Job.objects.filter(proposal=proposal).exclude(pk__in=[job.pk] if job else []).delete()
        if job is None:
            job = Job(practice_id=proposal.practice_id, proposal=proposal, index=1)
            job.name, job.description = proposal.title, text
            _from_library(job, next((s.library_service for s in services), None))
        elif before is not None:
            job.name = proposal.title if job.name == before.title else job.name
            job.description = text if job.description == before.services_text else job.description
        job.save()
        return
    previous = before.job_by_service if before else {}
    kept: list[Job] = []
    for position, service in enumerate(services, start=1):
        job = jobs.get(previous.get(service.name, 0))
        if job is None or job in kept:
            job = Job(practice_id=proposal.practice_id, proposal=proposal, name=service.name)
            job.description = service.description
            _from_library(job, service.library_service)
        job.service, job.index = service, position
        kept.append(job)
    kept_ids = [job.pk for job in kept if job.pk]
    Job.objects.filter(proposal=proposal).exclude(pk__in=kept_ids).delete()
    # indexes are unique: move the kept jobs out of the way before numbering them again
    Job.objects.filter(pk__in=kept_ids).update(index=models.F("index") + 10_000)
    for job in kept:
        job.save()


def _from_library(job: Job, library: LibraryService | None) -> None:
    if library is not None:
        job.template_uuid, job.template_name = library.template_uuid, library.template_name
        job.category_uuid, job.category_name = library.category_uuid, library.category_name


@dataclass(frozen=True)
class JobPlan:
    """What a person sets on one planned job (`index` says which)."""

    index: int
    name: str
    description: str = ""
    template_uuid: str = ""
    category_uuid: str = ""
    budget: Decimal | None = None
    start_date: date | None = None
    due_date: date | None = None
    staff_ids: Sequence[int] = ()


def _catalogue_name(practice: Practice, kind: str, uuid: str, label: str) -> str:
    if not uuid:
        return ""
    names = dict(catalogue_choices(practice, kind))
    if uuid not in names:
        raise ValidationError(
            {f"{kind}_uuid": f"{label} is not one of XPM's; run a sync to refresh the list."}
        )
    return names[uuid]


@transaction.atomic
def proposal_jobs_update(
    *, practice: Practice, proposal: Proposal, jobs: Sequence[JobPlan]
) -> list[Job]:
    """Set the planned jobs' details and job staff; jobs are addressed by their index."""
    proposal = _editable(practice, proposal)
    rows = {job.index: job for job in proposal.jobs.all()}
    members = {m.pk: m for m in Member.objects.filter(practice=practice).current()}
    for plan in jobs:
        job = rows.get(plan.index)
        if job is None:
            raise ValidationError({"jobs": f"This proposal has no job {plan.index}."})
        name = plan.name.strip()
        if not name:
            raise ValidationError({"name": f"Job {plan.index} needs a name."})
        if plan.budget is not None and plan.budget < 0:
            raise ValidationError({"budget": f"“{name}”: the budget cannot be negative."})
        if plan.start_date and plan.due_date and plan.due_date < plan.start_date:
            raise ValidationError({"due_date": f"“{name}”: the due date is before the start."})
        unknown = [pk for pk in plan.staff_ids if pk not in members]
        if unknown:
            raise ValidationError({"staff": f"“{name}”: job staff must be current members."})
        job.name, job.description = name, plan.description.strip()
        job.template_uuid = plan.template_uuid
        job.template_name = _catalogue_name(practice, "template", plan.template_uuid, "Template")
        job.category_uuid = plan.category_uuid
        job.category_name = _catalogue_name(practice, "category", plan.category_uuid, "Category")
        job.budget, job.start_date, job.due_date = plan.budget, plan.start_date, plan.due_date
        job.save()
        job.staff.set([members[pk] for pk in plan.staff_ids])
    return list(proposal.jobs.prefetch_related("staff"))


# --- service library ------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryEntry:
    name: str
    description: str = ""
    price: Decimal = Decimal("0")
    template_uuid: str = ""
    category_uuid: str = ""
    frequency: str = Frequency.ONE_OFF
    interval_months: int | None = None
    start_offset_days: int = 0
    due_offset_days: int = 0


def _library_save(practice: Practice, row: LibraryService, entry: LibraryEntry) -> LibraryService:
    name = entry.name.strip()
    if not name:
        raise ValidationError({"name": "A service needs a name."})
    if entry.price < 0:
        raise ValidationError({"price": "The default price cannot be negative."})
    duplicate = LibraryService.objects.filter(practice=practice, name__iexact=name)
    if duplicate.exclude(pk=row.pk).exists():
        raise ValidationError({"name": f"The library already has a service called “{name}”."})
    recurrence_check(
        frequency=entry.frequency,
        interval_months=entry.interval_months,
        start_offset_days=entry.start_offset_days,
        due_offset_days=entry.due_offset_days,
    )
    row.name, row.description, row.price = name, entry.description.strip(), entry.price
    row.frequency, row.interval_months = entry.frequency, entry.interval_months
    row.start_offset_days, row.due_offset_days = entry.start_offset_days, entry.due_offset_days
    row.template_uuid = entry.template_uuid
    row.template_name = _catalogue_name(practice, "template", entry.template_uuid, "Template")
    row.category_uuid = entry.category_uuid
    row.category_name = _catalogue_name(practice, "category", entry.category_uuid, "Category")
    row.save()
    return row


@transaction.atomic
def library_service_create(*, practice: Practice, entry: LibraryEntry) -> LibraryService:
    return _library_save(practice, LibraryService(practice=practice), entry)


@transaction.atomic
def library_service_update(
    *, practice: Practice, service: LibraryService, entry: LibraryEntry
) -> LibraryService:
    if service.practice_id != practice.pk:
        raise LibraryService.DoesNotExist("No such service in this practice's library.")
    return _library_save(practice, service, entry)


@transaction.atomic
def library_service_delete(*, practice: Practice, service: LibraryService) -> None:
    """Remove a standard service; proposal lines made from it keep their text."""
    if service.practice_id != practice.pk:
        raise LibraryService.DoesNotExist("No such service in this practice's library.")
    service.delete()


def _locked(practice: Practice, proposal: Proposal) -> Proposal:
    if proposal.practice_id != practice.pk:
        raise Proposal.DoesNotExist("No such proposal in this practice.")
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _check_transition(proposal: Proposal, status: str) -> None:
    """Refuse a status change that makes no sense, saying why in the proposal's words."""
    current = Status(proposal.status)
    if status in ALLOWED_TRANSITIONS[current]:
        return
    if current == Status.ACCEPTED and status == Status.ACCEPTED:
        by = f" by {proposal.accepted_name}" if proposal.accepted_name else ""
        when = timezone.localtime(proposal.accepted_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError({"status": f"This proposal was already accepted{by} on {when}."})
    if current == Status.DECLINED and status == Status.ACCEPTED:
        raise ValidationError(
            {"status": "This proposal was declined: send it again before it can be accepted."}
        )
    wanted = Status(status).label.lower()
    label = current.label.lower()
    article = "An" if label[0] in "aeiou" else "A"
    raise ValidationError({"status": f"{article} {label} proposal cannot become {wanted}."})


@transaction.atomic
def proposal_set_status(
    *, practice: Practice, proposal: Proposal, status: str, by: Member | None = None
) -> Proposal:
    """Move a proposal to a new status and stamp when it happened. Accepting goes through
    `proposal_accept` (on the client's behalf when a member does it)."""
    if status not in Status.values:
        raise ValidationError({"status": f"Unknown status “{status}”."})
    if status == Status.ACCEPTED:
        return proposal_accept(practice=practice, proposal=proposal, by=by)
    proposal = _locked(practice, proposal)
    _check_transition(proposal, status)
    proposal.status = status
    stamp = STATUS_TIMESTAMPS.get(Status(status))
    if stamp:
        setattr(proposal, stamp, timezone.now())
    proposal.save()
    return proposal


# --- sending and acceptance (SPEC §4) -------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Sent:
    proposal: Proposal
    to: str
    link: str
    """The acceptance link: it is in the email and nowhere else (only its hash is kept)."""


@transaction.atomic
def proposal_send(
    *, practice: Practice, proposal: Proposal, by: Member | None = None, to: str = ""
) -> Sent:
    """Email the client a one-time, expiring acceptance link; links sent before stop working.

    `to` defaults to the client's email. A draft, declined or lost proposal becomes sent; a
    sent one is sent again (a new link).
    """
    proposal = _locked(practice, proposal)
    if proposal.status != Status.SENT:
        _check_transition(proposal, Status.SENT)
    recipient = (to or proposal.client.email).strip()
    if not recipient:
        raise ValidationError(
            {"to": f"{proposal.client.name} has no email: add one to the client, or type one."}
        )
    if "@" not in recipient or len(recipient) > 254:
        raise ValidationError({"to": f"“{recipient}” is not an email address."})
    now = timezone.now()
    AcceptanceLink.objects.filter(
        proposal=proposal, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=settings.ACCEPTANCE_LINK_DAYS)
    AcceptanceLink.objects.create(
        practice=practice,
        proposal=proposal,
        token_hash=_token_hash(token),
        sent_to=recipient,
        sent_by=by,
        created_at=now,
        expires_at=expires,
    )
    proposal.status, proposal.sent_at = Status.SENT, now
    proposal.save(update_fields=["status", "sent_at", "updated_at"])
    link = settings.SITE_URL.rstrip("/") + reverse("proposal-acceptance", args=[token])
    context = {"proposal": proposal, "practice": practice, "link": link, "expires": expires}
    transaction.on_commit(
        lambda: send_mail(
            subject=f"{practice.name}: proposal {proposal.reference} · {proposal.title}",
            message=render_to_string("proposals/acceptance_email.txt", context),
            from_email=None,
            recipient_list=[recipient],
        )
    )
    return Sent(proposal, recipient, link)


def acceptance_lookup(token: str) -> AcceptanceLink:
    """The link a client opened, or a clear error (unknown, replaced, used, expired)."""
    link = (
        AcceptanceLink.objects.select_related("proposal__client", "practice")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if link is None:
        raise ValidationError("This link is not valid: check that it was copied whole.")
    if link.used_at is not None:
        raise ValidationError("This link has already been used.")
    if link.revoked_at is not None:
        raise ValidationError("A newer link was sent for this proposal: use the latest email.")
    if link.expires_at <= timezone.now():
        raise ValidationError("This link has expired: ask the practice to send the proposal again.")
    return link


@transaction.atomic
def proposal_accept(
    *,
    practice: Practice,
    proposal: Proposal,
    name: str = "",
    ip: str | None = None,
    by: Member | None = None,
) -> Proposal:
    """Accept a proposal: by the client (`name` typed, `ip`), or by a member on the client's
    behalf (`by`; the name kept is then the client's). Accepting twice or after a decline is
    refused. Once committed, the integrations hear of it (`hooks.proposal_accepted_handlers`:
    XPM deploys its jobs)."""
    proposal = _locked(practice, proposal)
    _check_transition(proposal, Status.ACCEPTED)
    name = name.strip()
    if len(name) > 255:
        raise ValidationError({"name": "The name cannot be longer than 255 characters."})
    now = timezone.now()
    proposal.status, proposal.accepted_at = Status.ACCEPTED, now
    proposal.accepted_name = name or proposal.client.name
    proposal.accepted_ip, proposal.accepted_by = ip, by
    proposal.save()
    AcceptanceLink.objects.filter(proposal=proposal, used_at__isnull=True).update(used_at=now)
    accepted = proposal
    for handler in hooks.proposal_accepted_handlers:
        # Bound by name, so a failing handler is logged as itself (robust on_commit).
        transaction.on_commit(update_wrapper(partial(handler, accepted), handler), robust=True)
    return proposal


@transaction.atomic
def proposal_accept_by_link(*, token: str, name: str, ip: str | None) -> Proposal:
    """The client accepts through the public page, typing their name."""
    link = acceptance_lookup(token)
    if not name.strip():
        raise ValidationError({"name": "Type your name to accept."})
    return proposal_accept(practice=link.practice, proposal=link.proposal, name=name, ip=ip)


@transaction.atomic
def proposal_decline_by_link(*, token: str) -> Proposal:
    """The client declines through the public page; the link is then used up."""
    link = acceptance_lookup(token)
    proposal = _locked(link.practice, link.proposal)
    _check_transition(proposal, Status.DECLINED)
    now = timezone.now()
    proposal.status, proposal.declined_at = Status.DECLINED, now
    proposal.save()
    AcceptanceLink.objects.filter(proposal=proposal, used_at__isnull=True).update(used_at=now)
    return proposal


def proposal_deployment_record(
    *, practice: Practice, proposal: Proposal, status: str, job_numbers: Sequence[str]
) -> None:
    """What an integration reports of the proposal's jobs: shown on the proposal, filtered on
    in the list and exported in the CSV's two deployment columns."""
    if status not in DeploymentStatus.values:
        raise ValidationError({"deployment_status": f"Unknown deployment status “{status}”."})
    Proposal.objects.filter(practice=practice, pk=proposal.pk).update(
        deployment_status=status, job_numbers=_latest_numbers(job_numbers)
    )


def _latest_numbers(job_numbers: Sequence[str]) -> str:
    """The job numbers, the latest ones only when they are too many for the column (a
    recurring service deploys one job a period)."""
    limit = Proposal._meta.get_field("job_numbers").max_length or 255
    kept = list(job_numbers)
    while len(text := ", ".join(kept)) > limit:
        kept[:2] = ["…"]
    return text
