"""Occurrences of recurring services (SPEC §4): which periods' jobs are due to be deployed,
what the integration reports of each, and a member ending a recurrence or changing its job
staff for the occurrences to come.

An occurrence is recorded when its period's job is due to be deployed: once its period has
started, or `lead_days` before it starts. Periods further ahead are only computed (shown as
planned); ending a recurrence stops them, the occurrences recorded stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from practicelink.proposals.models import (
    Job,
    Occurrence,
    OccurrenceStatus,
    Proposal,
    RecurrenceChange,
    Service,
    Status,
)
from practicelink.proposals.recurrence import Period, Schedule, periods
from practicelink.team.models import Member, Practice

PREVIEW_PERIODS = 6
"""How many periods a proposal shows of a schedule before it is accepted."""


def recurring_jobs(practice: Practice) -> QuerySet[Job]:
    """The jobs of accepted proposals whose service recurs and has not been ended."""
    return (
        Job.objects.filter(
            practice=practice,
            proposal__status=Status.ACCEPTED,
            service__ended_at__isnull=True,
        )
        .exclude(service__frequency="")
        .exclude(service__isnull=True)
        .select_related("service", "proposal__client__partner", "proposal__client__manager")
        .prefetch_related("staff")
    )


def _schedule(job: Job) -> Schedule | None:
    service = job.service
    if service is None or service.ended_at is not None:
        return None
    return service.schedule


def periods_due(job: Job, *, today: date, lead_days: int) -> list[Period]:
    """The periods whose job is due to be deployed by `today` and not recorded yet."""
    schedule = _schedule(job)
    if schedule is None or job.proposal.status != Status.ACCEPTED:
        return []
    recorded = set(job.occurrences.values_list("number", flat=True))
    until = today + timedelta(days=lead_days)
    return [p for p in periods(schedule, starting_until=until) if p.number not in recorded]


def periods_ahead(
    schedule: Schedule, *, after: int = 0, limit: int = PREVIEW_PERIODS
) -> list[Period]:
    """The next `limit` periods after period number `after`."""
    upcoming = (p for p in periods(schedule) if p.number > after)
    return list(islice(upcoming, limit))


@transaction.atomic
def occurrence_open(*, job: Job, period: Period, skipped: str = "") -> Occurrence:
    """Record a period's occurrence (once, whoever asks first); `skipped` says why its job is
    not deployed."""
    occurrence, _ = Occurrence.objects.get_or_create(
        job=job,
        number=period.number,
        defaults={
            "practice_id": job.practice_id,
            "period_start": period.start,
            "period_end": period.end,
            "start_date": period.job_start,
            "due_date": period.job_due,
            "status": OccurrenceStatus.SKIPPED if skipped else OccurrenceStatus.PLANNED,
            "note": skipped,
        },
    )
    _next_period_keep(job)
    return occurrence


def _next_period_keep(job: Job) -> None:
    """Keep the service's next period to come in step with the occurrences recorded."""
    schedule = _schedule(job)
    recorded = job.occurrences.order_by("-number").values_list("number", flat=True).first()
    following = periods_ahead(schedule, after=recorded or 0, limit=1) if schedule else []
    Service.objects.filter(job=job).update(
        next_period_start=following[0].start if following else None
    )


def occurrence_record(*, occurrence: Occurrence, status: str, job_number: str, note: str) -> None:
    """What the integration reports of an occurrence's job."""
    if status not in OccurrenceStatus.values:
        raise ValidationError({"status": f"Unknown occurrence status “{status}”."})
    Occurrence.objects.filter(pk=occurrence.pk).update(
        status=status, job_number=job_number, note=note, updated_at=timezone.now()
    )


@dataclass(frozen=True)
class Row:
    """One line of a proposal's schedule: a recorded occurrence, or a period still to come."""

    job: Job
    period: Period
    occurrence: Occurrence | None

    @property
    def state(self) -> str:
        """The occurrence's status code ("planned" while none is recorded)."""
        return self.occurrence.status if self.occurrence else OccurrenceStatus.PLANNED

    @property
    def status(self) -> str:
        return OccurrenceStatus(self.state).label


def _period(occurrence: Occurrence) -> Period:
    return Period(
        occurrence.number,
        occurrence.period_start,
        occurrence.period_end,
        occurrence.start_date,
        occurrence.due_date,
    )


def proposal_schedule(proposal: Proposal, *, ahead: int = PREVIEW_PERIODS) -> list[Row]:
    """Every recorded occurrence of the proposal's recurring jobs, then the next periods to
    come (none once a recurrence is ended)."""
    rows: list[Row] = []
    jobs = proposal.jobs.select_related("service").prefetch_related("occurrences")
    for job in jobs:
        if job.service is None or not job.service.recurs:
            continue
        recorded = list(job.occurrences.all())
        rows += [Row(job, _period(o), o) for o in recorded]
        schedule = _schedule(job)
        if schedule is not None:
            last = max((o.number for o in recorded), default=0)
            rows += [Row(job, p, None) for p in periods_ahead(schedule, after=last, limit=ahead)]
    return rows


@dataclass(frozen=True)
class Upcoming(Row):
    """A recurring job due to start soon, with its job staff: the Upcoming jobs page."""

    staff: Sequence[Member] = ()


def upcoming_jobs(practice: Practice, *, today: date, days: int) -> list[Upcoming]:
    """The occurrences whose job starts between `today` and `days` later, by start date; the
    partner and manager shown are the client's now (what a deployment would read)."""
    until = today + timedelta(days=days)
    found: list[Upcoming] = []
    for job in recurring_jobs(practice).prefetch_related("occurrences"):
        schedule = _schedule(job)
        assert schedule is not None
        recorded = {o.number: o for o in job.occurrences.all()}
        staff = list(job.staff.all())
        for period in periods(schedule, starting_until=until):
            if today <= period.job_start <= until:
                found.append(Upcoming(job, period, recorded.get(period.number), staff))
    return sorted(found, key=lambda u: (u.period.job_start, u.job.proposal_id, u.job.index))


def recurring_job(proposal: Proposal, index: int) -> Job | None:
    """The proposal's job number `index`, when its service recurs."""
    job = proposal.jobs.select_related("service").filter(index=index).first()
    if job is None or job.service is None or not job.service.recurs:
        return None
    return job


def _recurring_service(practice: Practice, job: Job) -> Service:
    """The job's service, locked, when it is a running recurrence of an accepted proposal."""
    if job.practice_id != practice.pk:
        raise Job.DoesNotExist("No such job in this practice.")
    service = Service.objects.select_for_update().select_related("proposal").filter(job=job).first()
    if service is None or not service.recurs:
        raise ValidationError(f"“{job.name}” does not recur.")
    if service.proposal.status != Status.ACCEPTED:
        raise ValidationError("Until the proposal is accepted, change its services instead.")
    if service.ended_at is not None:
        raise ValidationError(f"“{service.name}” was ended on {service.ended_at:%Y-%m-%d}.")
    return service


@transaction.atomic
def recurrence_end(*, practice: Practice, job: Job, by: Member | None) -> Service:
    """No further occurrences of the job's service; the jobs already deployed stay in XPM."""
    service = _recurring_service(practice, job)
    now = timezone.now()
    service.ended_at, service.ended_by, service.next_period_start = now, by, None
    service.save(update_fields=["ended_at", "ended_by", "next_period_start"])
    RecurrenceChange.objects.create(
        practice=practice, service=service, at=now, by=by, what="Ended the recurrence."
    )
    return service


@transaction.atomic
def recurrence_staff_change(
    *, practice: Practice, job: Job, staff_ids: Sequence[int], by: Member | None
) -> Job:
    """The job staff of the occurrences still to be deployed (deployed jobs keep theirs)."""
    service = _recurring_service(practice, job)
    members = {m.pk: m for m in Member.objects.filter(practice=practice).current()}
    if any(pk not in members for pk in staff_ids):
        raise ValidationError({"staff": "Job staff must be current members."})
    chosen = [members[pk] for pk in dict.fromkeys(staff_ids)]
    job.staff.set(chosen)
    names = ", ".join(m.name for m in chosen) or "nobody"
    RecurrenceChange.objects.create(
        practice=practice,
        service=service,
        at=timezone.now(),
        by=by,
        what=f"Job staff of future occurrences: {names}.",
    )
    return job
