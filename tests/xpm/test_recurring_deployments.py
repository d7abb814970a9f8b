"""A recurring service deploys one job per period to XPM (the emulator, over HTTP), with a
clock the tests move: the periods already started at acceptance, each later one `lead days`
before it starts, each exactly once, with the partner, manager and job staff of its own
deployment time (SPEC §4)."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from practicelink.proposals.models import JobStructure, Occurrence, OccurrenceStatus, Proposal
from practicelink.proposals.occurrences import (
    proposal_schedule,
    recurrence_end,
    recurrence_staff_change,
    upcoming_jobs,
)
from practicelink.proposals.recurrence import add_months
from practicelink.proposals.services import (
    JobPlan,
    ServiceLine,
    proposal_accept,
    proposal_create,
    proposal_jobs_update,
)
from practicelink.xpm.deployments import deployment_redeploy
from practicelink.xpm.models import Deployment
from practicelink.xpm.selectors import sync_settings
from practicelink.xpm.sync.deployments.deploy import deployments_create, proposal_deploy
from tests.xpm.conftest import sync
from tests.xpm.deployment_setup import Team, team, xpm_jobs

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["team"]  # the fixture

TODAY = timezone.localdate()
FIRST = TODAY - timedelta(days=14)
"""Accepted in the middle of the first period."""


def at(day: date) -> datetime:
    """A sync's clock: the morning of `day`."""
    return timezone.make_aware(datetime.combine(day, time(9)))


def recurring_proposal(practice, team: Team, **recurrence) -> Proposal:
    line = ServiceLine(
        "Bookkeeping",
        "Monthly books",
        Decimal("1"),
        Decimal("300"),
        **{"frequency": "monthly", "first_period_start": FIRST, **recurrence},
    )
    proposal = proposal_create(
        practice=practice,
        client=team.client,
        title="Books",
        services=[line],
        job_structure=JobStructure.PER_SERVICE,
    )
    [job] = proposal.jobs.all()
    plan = JobPlan(index=1, name=job.name, staff_ids=[team.sam.pk, team.kim.pk])
    proposal_jobs_update(practice=practice, proposal=proposal, jobs=[plan])
    return proposal


def numbered(xpm) -> dict[str, object]:
    return {job.id: job for job in xpm_jobs(xpm)}


def prefix(proposal: Proposal) -> str:
    return f"PL{proposal.number:04d}J01P"


def test_monthly_deploys_this_period_at_once_and_the_next_lead_days_before_it_starts(
    practice, admin, team, xpm
):
    proposal = recurring_proposal(practice, team, due_offset_days=10)
    proposal_accept(practice=practice, proposal=proposal, by=admin)

    first = f"{prefix(proposal)}{FIRST:%Y%m}"
    [job] = xpm_jobs(xpm)
    period_end = add_months(FIRST, 1) - timedelta(days=1)
    assert (job.id, job.name, job.start_date, job.due_date) == (
        first,
        f"Bookkeeping {FIRST:%B %Y}",
        FIRST.isoformat(),
        (period_end + timedelta(days=10)).isoformat(),
    )
    assert (job.partner_uuid, job.manager_uuid) == (
        team.staff["Pat Partner"],
        team.staff["Mia Manager"],
    )
    assert sorted(job.assigned) == sorted([team.staff["Sam Senior"], team.staff["Kim Junior"]])

    second_start = add_months(FIRST, 1)
    second = f"{prefix(proposal)}{second_start:%Y%m}"
    sync(practice, now=at(second_start - timedelta(days=8)))
    assert list(numbered(xpm)) == [first]

    preview = sync(practice, now=at(second_start - timedelta(days=7)), dry_run=True)
    [planned] = preview.events.filter(step="deployments")
    assert (planned.action, planned.outcome) == ("job_deploy", "planned")
    assert list(numbered(xpm)) == [first] and Occurrence.objects.count() == 1

    run = sync(practice, now=at(second_start - timedelta(days=7)))
    [done] = run.events.filter(step="deployments")
    assert (done.action, done.outcome, done.message) == (
        "job_deploy",
        "done",
        f"Job {second} is deployed.",
    )
    assert sorted(numbered(xpm)) == [first, second]
    for _ in range(2):  # a retried sync, a Redeploy: never twice
        sync(practice, now=at(second_start))
        deployment_redeploy(practice=practice, proposal=proposal)
    assert len(xpm_jobs(xpm)) == 2 and xpm.writes().count("job.api/add") == 2
    rows = [(r.period.start, r.status) for r in proposal_schedule(proposal, ahead=1)]
    assert rows == [
        (FIRST, "Deployed"),
        (second_start, "Deployed"),
        (add_months(FIRST, 2), "Planned"),
    ]
    assert Occurrence.objects.get(number=2).job_number == second


def test_a_partner_changed_in_month_two_is_on_month_three_and_staff_changes_apply_later(
    practice, admin, team, xpm
):
    proposal = recurring_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    sync(practice, now=at(add_months(FIRST, 1)))
    team.client.partner = team.kim
    team.client.save()
    [job] = proposal.jobs.all()
    recurrence_staff_change(practice=practice, job=job, staff_ids=[team.sam.pk], by=admin)
    service = job.service
    sync(practice, now=at(add_months(FIRST, 2)))

    jobs = sorted(xpm_jobs(xpm), key=lambda j: j.id)
    assert [j.partner_uuid for j in jobs] == [team.staff["Pat Partner"]] * 2 + [
        team.staff["Kim Junior"]
    ]
    assert [sorted(j.assigned) for j in jobs] == [
        sorted([team.staff["Sam Senior"], team.staff["Kim Junior"]]),
        sorted([team.staff["Sam Senior"], team.staff["Kim Junior"]]),
        [team.staff["Sam Senior"]],
    ]
    change = service.changes.get()
    assert (change.by, change.what) == (admin, "Job staff of future occurrences: Sam Senior.")


def test_an_end_date_stops_it_and_ending_it_stops_the_rest(practice, admin, team, xpm):
    proposal = recurring_proposal(practice, team, ends_on=add_months(FIRST, 1))
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    for months in range(1, 5):
        sync(practice, now=at(add_months(FIRST, months)))
    assert len(xpm_jobs(xpm)) == 2

    other = recurring_proposal(practice, team)
    proposal_accept(practice=practice, proposal=other, by=admin)
    [job] = other.jobs.all()
    recurrence_end(practice=practice, job=job, by=admin)
    service = job.service
    sync(practice, now=at(add_months(FIRST, 3)))
    assert len(xpm_jobs(xpm)) == 3  # other's first job stays; nothing more
    assert [r.status for r in proposal_schedule(other)] == ["Deployed"]
    service.refresh_from_db()
    assert service.ended_by == admin and service.changes.get().what == "Ended the recurrence."
    with pytest.raises(Exception, match="was ended on"):
        recurrence_end(practice=practice, job=job, by=admin)


@pytest.mark.parametrize("where", ["here", "or deleted in XPM"])
def test_an_archived_client_stops_it_with_a_reason(practice, admin, team, xpm, where):
    proposal = recurring_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    if where == "here":
        team.client.archived = True
        team.client.save()
    else:
        [xpm_client] = xpm.server.store.tenant(xpm.tenant_id).clients
        xpm_client.is_archived = True
    run = sync(practice, now=at(add_months(FIRST, 1)))
    [skip] = run.events.filter(step="deployments")
    reason = f"Acme Ltd is archived {where}: no further jobs are deployed."
    assert skip.action == "job_skip" and skip.message.endswith(reason)
    assert len(xpm_jobs(xpm)) == 1
    skipped = Occurrence.objects.get(number=2)
    assert (skipped.status, skipped.note) == (OccurrenceStatus.SKIPPED, reason)
    assert not sync(practice, now=at(add_months(FIRST, 1))).events.filter(step="deployments")


def test_an_occurrence_left_pending_is_withdrawn_if_its_client_is_archived_meanwhile(
    practice, admin, team, xpm
):
    proposal = recurring_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    xpm.server.add_fault("job.api/get/*", "503", count=None)  # XPM down as period 2 comes due
    sync(practice, now=at(add_months(FIRST, 1)))
    pending = Deployment.objects.get(occurrence__number=2)
    assert pending.status == "pending" and pending.attempts.filter(ok=False).exists()
    xpm.server.clear_faults()
    team.client.archived = True
    team.client.save()

    run = sync(practice, now=at(add_months(FIRST, 1)))
    reason = "Acme Ltd is archived here: no further jobs are deployed."
    [skip] = run.events.filter(step="deployments")
    assert skip.action == "job_skip" and skip.message.endswith(reason)
    assert len(xpm_jobs(xpm)) == 1  # only period 1's job
    skipped = Occurrence.objects.get(number=2)
    assert (skipped.status, skipped.note) == (OccurrenceStatus.SKIPPED, reason)
    assert not Deployment.objects.filter(occurrence=skipped).exists()
    proposal.refresh_from_db()
    assert proposal.deployment_status == "deployed"  # no pending job is left behind


def test_an_occurrence_whose_job_may_exist_in_xpm_is_not_withdrawn(practice, admin, team, xpm):
    proposal = recurring_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    xpm.server.add_fault("job.api/add", "503", count=None)
    sync(practice, now=at(add_months(FIRST, 1)))
    assert Deployment.objects.get(occurrence__number=2).attempts.filter(call="job.api/add")
    xpm.server.clear_faults()
    team.client.archived = True
    team.client.save()

    sync(practice, now=at(add_months(FIRST, 1)))
    # an add was tried: the job is looked up and finished, never left half-made in XPM
    assert Deployment.objects.get(occurrence__number=2).status == "deployed"
    assert len(xpm_jobs(xpm)) == 2


def test_a_year_of_a_quarterly_service_makes_exactly_four_jobs_with_their_dates(
    practice, admin, team, xpm, limiter_clock
):
    first = date(TODAY.year, 1, 1)
    proposal = recurring_proposal(
        practice,
        team,
        frequency="quarterly",
        first_period_start=first,
        ends_on=date(TODAY.year, 12, 31),
        start_offset_days=5,
        due_offset_days=28,
    )
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    for month in range(15):  # each month of the year and after
        limiter_clock.advance(61)  # a month passes: XPM's minute limits are long reset
        xpm.server.advance(61)
        sync(practice, now=at(add_months(first, month)))
    xpm.server.advance(-61 * 15)
    jobs = sorted(xpm_jobs(xpm), key=lambda j: j.id)
    year = TODAY.year
    assert [(j.id[-6:], j.start_date, j.due_date) for j in jobs] == [
        (f"{year}01", f"{year}-01-06", f"{year}-04-28"),
        (f"{year}04", f"{year}-04-06", f"{year}-07-28"),
        (f"{year}07", f"{year}-07-06", f"{year}-10-28"),
        (f"{year}10", f"{year}-10-06", f"{year + 1}-01-28"),
    ]


def test_a_crash_after_add_and_two_workers_still_make_one_job_per_period(
    practice, admin, team, xpm
):
    xpm.server.add_fault("job.api/add", "drop_after")
    proposal = recurring_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    assert len(xpm_jobs(xpm)) == 1 and Deployment.objects.get().status == "deployed"

    later = add_months(FIRST, 1)

    def worker() -> None:
        try:
            barrier.wait()
            deployments_create(proposal, later)
            proposal_deploy(proposal.pk)
        finally:
            connection.close()

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(xpm_jobs(xpm)) == 2
    assert Occurrence.objects.count() == 2 and Deployment.objects.count() == 2


def test_upcoming_jobs_lists_the_next_weeks_with_partner_manager_and_staff(
    practice, admin, team, xpm
):
    settings = sync_settings(practice)
    settings.occurrence_lead_days = 0
    settings.save()
    proposal = recurring_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    upcoming = upcoming_jobs(practice, today=TODAY, days=7 * 8)
    starts = [u.period.job_start for u in upcoming]
    assert starts == [add_months(FIRST, n) for n in (1, 2)]
    assert {u.status for u in upcoming} == {"Planned"}
    assert upcoming[0].job.proposal.client.partner == team.pat
    assert sorted(m.name for m in upcoming[0].staff) == ["Kim Junior", "Sam Senior"]
