"""Crash safety: the worker dies right after each XPM write, before practicelink records it
(`faultpoints`). The retry never makes the record twice and never loses the change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from practicelink.clients import services as client_services
from practicelink.proposals.models import Proposal
from practicelink.proposals.services import proposal_accept
from practicelink.team import services as team_services
from practicelink.xpm import faultpoints
from practicelink.xpm.deployments import deployment_redeploy
from practicelink.xpm.jobs import task_allocate
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    Deployment,
    DeploymentStatus,
    StaffLink,
    SyncSettings,
)
from tests.xpm.conftest import sync
from tests.xpm.deployment_setup import planned_proposal, team, xpm_jobs

pytestmark = pytest.mark.django_db

__all__ = ["team"]  # the fixture

LATER = timedelta(minutes=11)
"""When the next worker runs: the dead run's lock is stale, the quiet period over."""


class SimulatedCrash(BaseException):
    """The worker dies: a BaseException, so no `except Exception` of ours records anything."""


@pytest.fixture
def crash_at(monkeypatch) -> Callable[[str], None]:
    """Arm one fault point: the next time it is reached, the worker dies there (once)."""

    def arm(point: str) -> None:
        assert point in faultpoints.POINTS

        def hook(reached: str) -> None:
            if reached == point:
                monkeypatch.setattr(faultpoints, "hook", None)
                raise SimulatedCrash(point)

        monkeypatch.setattr(faultpoints, "hook", hook)

    return arm


def writes(xpm, endpoint: str) -> int:
    return xpm.writes().count(endpoint)


def test_staff_add(practice, connected, xpm, crash_at):
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    nora = team_services.member_create(
        practice=practice, name="Nora New", email="nora@alpha.example"
    )
    crash_at("staff.api/add")
    start = timezone.now()
    with pytest.raises(SimulatedCrash):
        sync(practice, now=start)
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert not StaffLink.objects.filter(member=nora).exists()

    sync(practice, now=start + LATER)
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert writes(xpm, "staff.api/add") == 1
    assert StaffLink.objects.get(member=nora).staff.email == "nora@alpha.example"


def test_client_add(practice, connected, xpm, crash_at):
    SyncSettings.objects.create(practice=practice, create_clients_at_once=True)
    acme = client_services.client_create(practice=practice, name="Acme Ltd")
    crash_at("client.api/add")
    start = timezone.now()
    with pytest.raises(SimulatedCrash):
        sync(practice, now=start)
    tenant = xpm.server.store.tenant(xpm.tenant_id)
    assert [c.name for c in tenant.clients] == ["Acme Ltd"]
    assert not ClientLink.objects.filter(client=acme).exists()

    sync(practice, now=start + LATER)
    assert [c.name for c in tenant.clients] == ["Acme Ltd"]
    assert writes(xpm, "client.api/add") == 1
    assert ClientLink.objects.get(client=acme).uuid == tenant.clients[0].uuid


def test_client_update(practice, team, xpm, crash_at):
    SyncSettings.objects.filter(practice=practice).update(create_clients_at_once=True)
    start = timezone.now()
    sync(practice, now=start)
    client = team.client
    record = xpm.server.store.tenant(xpm.tenant_id).clients[0]
    assert record.account_manager_uuid == team.staff["Pat Partner"]
    client_services.client_update(
        practice=practice, client=client, name=client.name, partner=team.mia, manager=team.mia
    )
    crash_at("client.api/update")
    with pytest.raises(SimulatedCrash):
        sync(practice, now=start + timedelta(minutes=1))
    assert record.account_manager_uuid == team.staff["Mia Manager"]

    sync(practice, now=start + LATER)
    sync(practice, now=start + 2 * LATER)
    client.refresh_from_db()
    assert (client.partner, client.manager) == (team.mia, team.mia)
    assert record.account_manager_uuid == record.job_manager_uuid == team.staff["Mia Manager"]
    assert not ClientConflict.objects.filter(client=client).exists()
    assert writes(xpm, "client.api/update") == 1


@pytest.fixture
def accept(practice, admin, team, django_capture_on_commit_callbacks):
    """Accept a planned proposal and run what its commit sets off (deploying its job)."""

    def accept() -> Proposal:
        proposal = planned_proposal(practice, team)
        with django_capture_on_commit_callbacks(execute=True):
            proposal_accept(practice=practice, proposal=proposal, by=admin)
        return proposal

    return accept


@pytest.fixture
def redeploy(practice, django_capture_on_commit_callbacks):
    def redeploy(proposal: Proposal) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            deployment_redeploy(practice=practice, proposal=proposal)

    return redeploy


def _accept_and_crash(accept, point: str, crash_at) -> Proposal:
    crash_at(point)
    with pytest.raises(SimulatedCrash):
        accept()
    proposal = Proposal.objects.get()
    # The dead worker's claim runs out (`CLAIM_FOR`) before anyone retries.
    Deployment.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    return proposal


def test_job_add(practice, team, xpm, accept, redeploy, crash_at):
    proposal = _accept_and_crash(accept, "job.api/add", crash_at)
    assert len(xpm_jobs(xpm)) == 1
    assert Deployment.objects.get().status == DeploymentStatus.PENDING

    redeploy(proposal)
    [job] = xpm_jobs(xpm)
    assert writes(xpm, "job.api/add") == 1
    deployment = Deployment.objects.get()
    assert (deployment.status, deployment.xpm_uuid) == (DeploymentStatus.DEPLOYED, job.uuid)
    assert sorted(job.assigned) == sorted([team.staff["Sam Senior"], team.staff["Kim Junior"]])


def test_job_assign(practice, team, xpm, accept, redeploy, crash_at):
    proposal = _accept_and_crash(accept, "job.api/assign", crash_at)
    [job] = xpm_jobs(xpm)
    staff = sorted([team.staff["Sam Senior"], team.staff["Kim Junior"]])
    assert sorted(job.assigned) == staff

    redeploy(proposal)
    [job] = xpm_jobs(xpm)
    assert sorted(job.assigned) == staff
    assert writes(xpm, "job.api/assign") == 1
    assert Deployment.objects.get().status == DeploymentStatus.DEPLOYED


def test_task_allocation(practice, team, xpm, accept, crash_at):
    accept()
    [job] = xpm_jobs(xpm)
    task, sam = job.tasks[0], team.staff["Sam Senior"]
    allocate = {"practice": practice, "job_number": job.id, "task_uuid": task.uuid}
    crash_at("job.api/assign task")
    with pytest.raises(SimulatedCrash):
        task_allocate(**allocate, staff_uuid=sam)
    assert xpm_jobs(xpm)[0].tasks[0].assigned == [sam]

    with pytest.raises(ValidationError, match="already allocated"):
        task_allocate(**allocate, staff_uuid=sam)  # the person retrying is told, not doubled
    assert xpm_jobs(xpm)[0].tasks[0].assigned == [sam]


TESTED = {
    "staff.api/add": test_staff_add,
    "client.api/add": test_client_add,
    "client.api/update": test_client_update,
    "job.api/add": test_job_add,
    "job.api/assign": test_job_assign,
    "job.api/assign task": test_task_allocation,
}


def test_every_fault_point_has_its_test():
    assert set(TESTED) == set(faultpoints.POINTS)
