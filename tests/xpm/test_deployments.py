"""Accepting a proposal deploys its jobs to XPM (the emulator, over HTTP): the right client,
name, template, dates, partner, manager and job staff; exactly one job per planned job
whatever happens (SPEC §4)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from practicelink.proposals.models import JobStructure, Proposal, Status
from practicelink.proposals.services import proposal_accept, proposal_create
from practicelink.xpm import services as link_services
from practicelink.xpm.deployments import deployment_redeploy
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import ClientLink, Deployment, DeploymentStatus
from practicelink.xpm.sync.deployments.deploy import Result, deploy_one
from practicelink.xpm.sync.deployments.plan import job_number
from tests.xpm.conftest import sync
from tests.xpm.deployment_setup import LINES, planned_proposal, team, xpm_jobs
from xpm_emulator.models import Client as EmulatedClient

# real commits: deployment starts once the acceptance has committed
pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["team"]  # the fixture


def test_accepting_deploys_one_job_with_client_template_dates_partner_manager_and_staff(
    practice, admin, team, xpm
):
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)

    [job] = xpm_jobs(xpm)
    xpm_client = next(c for c in xpm.server.store.tenant(xpm.tenant_id).clients)
    assert job.id == job_number("PL", proposal.number, 1) == f"PL{proposal.number:04d}J01"
    assert (job.name, job.client_uuid, job.start_date, job.due_date, job.budget) == (
        "FY26 compliance",
        xpm_client.uuid,
        "2026-07-01",
        "2026-09-30",
        "3000.00",
    )
    assert xpm_client.name == "Acme Ltd"
    assert [t.name for t in job.tasks] == ["Prepare accounts", "Review"]
    assert (job.partner_uuid, job.manager_uuid) == (
        team.staff["Pat Partner"],
        team.staff["Mia Manager"],
    )
    assert sorted(job.assigned) == sorted([team.staff["Sam Senior"], team.staff["Kim Junior"]])

    deployment = Deployment.objects.get()
    assert (deployment.status, deployment.missing, deployment.xpm_uuid) == (
        DeploymentStatus.DEPLOYED,
        [],
        job.uuid,
    )
    calls = [a.call for a in deployment.attempts.all()]
    assert calls == ["job.api/get", "job.api/add", "job.api/assign"]
    proposal.refresh_from_db()
    assert (proposal.deployment_status, proposal.job_numbers) == ("deployed", job.id)


def test_one_job_per_service_deploys_one_job_each(practice, admin, team, xpm):
    proposal = planned_proposal(practice, team, JobStructure.PER_SERVICE)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    jobs = sorted(xpm_jobs(xpm), key=lambda j: j.id)
    assert [(j.id, j.name) for j in jobs] == [
        (f"PL{proposal.number:04d}J01", "Annual accounts"),
        (f"PL{proposal.number:04d}J02", "Tax return"),
    ]
    assert all(j.partner_uuid == team.staff["Pat Partner"] for j in jobs)
    proposal.refresh_from_db()
    assert proposal.job_numbers == ", ".join(j.id for j in jobs)


def test_accepting_twice_redeploying_and_two_workers_leave_exactly_one_job(
    practice, admin, team, xpm
):
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    with pytest.raises(Exception, match="already accepted"):
        proposal_accept(practice=practice, proposal=proposal, by=admin)
    deployment_redeploy(practice=practice, proposal=proposal)  # a double click on Redeploy
    deployment_redeploy(practice=practice, proposal=proposal)
    assert len(xpm_jobs(xpm)) == 1

    # two workers on a deployment that is not done: one claims it, the other stands back
    deployment = Deployment.objects.get()
    Deployment.objects.filter(pk=deployment.pk).update(status=DeploymentStatus.PENDING)
    results: list[Result] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            with client_for(practice) as xpm_client:
                results.append(deploy_one(deployment, xpm_client))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [Result.BUSY, Result.DONE]
    assert len(xpm_jobs(xpm)) == 1
    assert xpm.writes().count("job.api/add") == 1


def test_a_crash_between_add_and_our_commit_still_makes_one_job(practice, admin, team, xpm):
    xpm.server.add_fault("job.api/add", "drop_after")
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    [job] = xpm_jobs(xpm)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.DEPLOYED
    assert [(a.call, a.ok) for a in deployment.attempts.all()] == [
        ("job.api/get", True),
        ("job.api/add", False),
        ("job.api/get", True),
        ("job.api/assign", True),
    ]
    assert job.partner_uuid == team.staff["Pat Partner"]
    deployment_redeploy(practice=practice, proposal=proposal)
    assert len(xpm_jobs(xpm)) == 1


def test_a_transient_error_waits_without_failing_and_the_next_run_completes(
    practice, admin, team, xpm
):
    xpm.server.add_fault("job.api/add", "503")
    xpm.server.add_fault("job.api/get", "503", count=2)
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.PENDING
    assert "XPM had a server error (HTTP 503). Retrying." in deployment.problem
    assert xpm_jobs(xpm) == []
    deployment_redeploy(practice=practice, proposal=proposal)
    deployment.refresh_from_db()
    assert (deployment.status, deployment.problem) == (DeploymentStatus.DEPLOYED, "")
    assert len(xpm_jobs(xpm)) == 1


def test_unlinked_partner_deploys_the_job_records_the_gap_and_redeploy_completes_it(
    practice, admin, team, xpm
):
    partner_link = team.pat.xpm_link
    link_services.link_delete(practice=practice, member=team.pat)
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    [job] = xpm_jobs(xpm)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.PARTLY
    assert deployment.missing == ["Partner Pat Partner is not linked to XPM staff."]
    assert job.partner_uuid is None and job.manager_uuid == team.staff["Mia Manager"]
    proposal.refresh_from_db()
    assert (proposal.deployment_status, proposal.job_numbers) == ("partly", job.id)

    link_services.link_create(practice=practice, member=team.pat, staff=partner_link.staff)
    xpm.server.clear_calls()
    deployment_redeploy(practice=practice, proposal=proposal)
    deployment.refresh_from_db()
    assert (deployment.status, deployment.missing) == (DeploymentStatus.DEPLOYED, [])
    assert len(xpm_jobs(xpm)) == 1 and xpm_jobs(xpm)[0].partner_uuid == team.staff["Pat Partner"]
    assert xpm.writes() == ["job.api/assign"]
    sent = xpm.server.calls(xpm.tenant_id)[-1]["body"]
    assert f'add-partner uuid="{team.staff["Pat Partner"]}"' in sent
    assert "add-manager" not in sent and "<add " not in sent


def test_a_client_made_here_reaches_xpm_once(practice, admin, team, xpm):
    for _ in range(2):
        proposal_accept(practice=practice, proposal=planned_proposal(practice, team), by=admin)
    tenant = xpm.server.store.tenant(xpm.tenant_id)
    assert [c.name for c in tenant.clients] == ["Acme Ltd"]
    assert xpm.writes().count("client.api/add") == 1
    link = ClientLink.objects.get(client=team.client)
    assert link.uuid == tenant.clients[0].uuid
    assert tenant.clients[0].account_manager_uuid == team.staff["Pat Partner"]
    assert {j.client_uuid for j in tenant.jobs} == {link.uuid}


def test_an_xpm_client_of_the_same_name_is_matched_not_duplicated(practice, admin, team, xpm):
    existing = EmulatedClient("ACME LTD")
    xpm.server.store.tenant(xpm.tenant_id).clients.append(existing)
    proposal_accept(practice=practice, proposal=planned_proposal(practice, team), by=admin)
    assert "client.api/add" not in xpm.writes()
    assert xpm_jobs(xpm)[0].client_uuid == existing.uuid


def test_without_a_connection_the_deployment_waits_with_the_reason(practice, admin, team, xpm):
    connected = practice.xpm_connection
    connected.status = "needs_reconnect"
    connected.save()
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.PENDING
    assert "XPM is not connected" in deployment.problem
    assert xpm_jobs(xpm) == []
    assert Proposal.objects.get(pk=proposal.pk).status == Status.ACCEPTED


def test_dates_default_from_the_acceptance(practice, admin, team, xpm):
    proposal = proposal_create(
        practice=practice, client=team.client, title="Quick job", services=LINES[:1]
    )
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    [job] = xpm_jobs(xpm)
    today = timezone.localdate()
    assert (job.start_date, job.due_date) == (
        today.isoformat(),
        (today + timedelta(days=30)).isoformat(),
    )
    assert job.assigned == []


def test_a_doubtful_client_waits_in_review_and_the_job_waits_with_it(practice, admin, team, xpm):
    clients = xpm.server.store.tenant(xpm.tenant_id).clients
    clients += [EmulatedClient("Acme Limited"), EmulatedClient("Acme Ltds")]
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.PENDING
    assert "Acme Ltd waits in the review queue" in deployment.problem
    assert "Clients > Review" in deployment.problem
    assert xpm_jobs(xpm) == [] and "client.api/add" not in xpm.writes()


def test_the_next_sync_shows_the_gap_then_completes_the_job_once_linked(practice, admin, team, xpm):
    staff_row = team.pat.xpm_link.staff
    link_services.link_delete(practice=practice, member=team.pat)
    proposal_accept(practice=practice, proposal=planned_proposal(practice, team), by=admin)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.PARTLY

    xpm.server.clear_calls()
    run = sync(practice)
    [gap] = run.events.filter(step="deployments")
    assert (gap.action, gap.outcome) == ("job_gap", "skipped")
    assert gap.message.startswith("Partner Pat Partner is not linked to XPM staff.")
    assert "job.api/assign" not in xpm.writes()

    link_services.link_create(practice=practice, member=team.pat, staff=staff_row)
    preview = sync(practice, dry_run=True)
    [planned] = preview.events.filter(step="deployments")
    assert (planned.action, planned.outcome) == ("job_complete", "planned")
    assert Deployment.objects.get().status == DeploymentStatus.PARTLY

    run = sync(practice)
    [done] = run.events.filter(step="deployments")
    assert (done.action, done.outcome, done.message) == (
        "job_complete",
        "done",
        f"Job {deployment.job_number} is deployed.",
    )
    assert Deployment.objects.get().status == DeploymentStatus.DEPLOYED
    assert xpm_jobs(xpm)[0].partner_uuid == team.staff["Pat Partner"]
    assert len(xpm_jobs(xpm)) == 1
    assert not sync(practice).events.filter(step="deployments").exists()


def test_a_deployment_left_pending_is_finished_by_the_next_sync(practice, admin, team, xpm):
    xpm.server.add_fault("job.api/add", "503")
    proposal_accept(practice=practice, proposal=planned_proposal(practice, team), by=admin)
    assert Deployment.objects.get().status == DeploymentStatus.PENDING
    run = sync(practice)
    [done] = run.events.filter(step="deployments")
    assert (done.action, done.outcome) == ("job_deploy", "done")
    assert Deployment.objects.get().status == DeploymentStatus.DEPLOYED
    assert len(xpm_jobs(xpm)) == 1
