"""What deploying one planned job to XPM still needs, from what XPM holds (pure).

Adds only what is missing: the job when no job has our number, then the partner, manager
and job staff not yet on it. A person who is not linked to XPM staff cannot be put on the
job: that gap is reported, and the rest is deployed anyway (SPEC §4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from practicelink.xpm.remote.records import Job, JobAssignment, NewJob

JOB_NUMBER = re.compile(r"^[A-Za-z0-9]+$")


def job_number(prefix: str, proposal_number: int, index: int) -> str:
    """Our job number: letters and digits only (XPM's `get/{id}` breaks on punctuation).

    `PL0012J01` is job 1 of proposal 12; the letter between the parts keeps any two
    (proposal, job) pairs apart whatever their length.
    """
    return _checked(f"{prefix}{proposal_number:04d}J{index:02d}")


def occurrence_job_number(prefix: str, proposal_number: int, index: int, start: date) -> str:
    """The job number of one period of a recurring job: `PL0012J01P202703` is its period
    starting in March 2027 (a period lasts a month at least, so its month names it)."""
    return _checked(f"{job_number(prefix, proposal_number, index)}P{start:%Y%m}")


def _checked(number: str) -> str:
    if not JOB_NUMBER.match(number):
        raise ValueError(f"job number {number!r} must be letters and digits only")
    return number


@dataclass(frozen=True)
class Person:
    """A partner, manager or job staff member, and their XPM staff (None: not linked)."""

    role: str
    name: str
    staff_uuid: str | None


@dataclass(frozen=True)
class WantedJob:
    number: str
    name: str
    description: str
    client_uuid: str
    start_date: date
    due_date: date
    template_uuid: str = ""
    category_uuid: str = ""
    budget: Decimal | None = None
    partner: Person | None = None
    manager: Person | None = None
    staff: tuple[Person, ...] = ()


@dataclass(frozen=True)
class DeploymentPlan:
    add: NewJob | None
    """The job to add (None: XPM has it already)."""
    assignment: JobAssignment | None
    """Partner, manager and job staff to put on it (None: nothing missing)."""
    missing: tuple[str, ...]
    """What cannot be put on the job yet, and why."""


def _gap(person: Person) -> str:
    return f"{person.role} {person.name} is not linked to XPM staff."


def plan_deployment(wanted: WantedJob, found: Job | None) -> DeploymentPlan:
    add = None
    if found is None:
        add = NewJob(
            name=wanted.name,
            description=wanted.description,
            client_uuid=wanted.client_uuid,
            start_date=wanted.start_date,
            due_date=wanted.due_date,
            job_number=wanted.number,
            template_uuid=wanted.template_uuid or None,
            category_uuid=wanted.category_uuid or None,
            budget=wanted.budget,
        )
    missing = gaps((wanted.partner, wanted.manager, *wanted.staff))
    partner = _changed(wanted.partner, found.partner.uuid if found and found.partner else None)
    manager = _changed(wanted.manager, found.manager.uuid if found and found.manager else None)
    on_job = {ref.uuid for ref in found.assigned} if found else set()
    staff = tuple(
        dict.fromkeys(
            p.staff_uuid for p in wanted.staff if p.staff_uuid and p.staff_uuid not in on_job
        )
    )
    assignment = None
    if partner or manager or staff:
        assignment = JobAssignment(
            job_id=wanted.number, add_staff=staff, partner_uuid=partner, manager_uuid=manager
        )
    return DeploymentPlan(add, assignment, missing)


def _changed(person: Person | None, current: str | None) -> str | None:
    """The staff to set, when it is linked and not already there."""
    if person is None or person.staff_uuid is None or person.staff_uuid == current:
        return None
    return person.staff_uuid


def gaps(people: tuple[Person | None, ...]) -> tuple[str, ...]:
    """What cannot be put on a job, once per sentence."""
    return tuple(dict.fromkeys(_gap(p) for p in people if p is not None and p.staff_uuid is None))


def sync_action(status: str, missing_then: tuple[str, ...], missing_now: tuple[str, ...]) -> str:
    """What a sync does with a deployment that is not done: "deploy" one still pending,
    "complete" a partly deployed one whose gap can now be filled (someone was linked since),
    or "wait" (the gap remains: the sync log shows it)."""
    if status == "pending":
        return "deploy"
    return "complete" if set(missing_then) - set(missing_now) else "wait"
