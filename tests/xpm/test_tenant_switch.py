"""Connecting another XPM practice than before: warned before, nothing created in it until an
admin confirms it, links to the old practice's staff kept for a switch back (#14 item 9)."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from practicelink.clients import services as client_services
from practicelink.proposals.services import proposal_accept
from practicelink.team import services as team_services
from practicelink.xpm import oauth
from practicelink.xpm.deployments import deployment_redeploy
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import (
    ClientCreation,
    ClientLink,
    ClientMatch,
    ConnectionStatus,
    Deployment,
    DeploymentStatus,
    StaffLink,
    SyncSettings,
    XpmConnection,
)
from practicelink.xpm.sync.clients.linking import client_ensure_in_xpm
from practicelink.xpm.sync.staff.plan import NOT_CONFIRMED
from tests.conftest import api_for
from tests.xpm.conftest import sync
from tests.xpm.deployment_setup import planned_proposal, team, xpm_jobs
from tests.xpm.test_oauth import consent, finish, start

__all__ = ["team"]  # the fixture

APPS = reverse("xpm:apps")


def text(response) -> str:
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    return re.sub(r" ([.,'])", r"\1", words)


def connect(admin_web, tenant_id: str):
    return finish(admin_web, consent(start(admin_web), tenants=[tenant_id]))


@pytest.fixture
def beta(xpm) -> str:
    tenant_id = str(uuid.uuid4())
    xpm.server.seed({"tenants": [{"name": "Beta XPM", "tenant_id": tenant_id}]})
    return tenant_id


def beta_staff_emails(xpm, beta: str) -> list[str]:
    return [s.email for s in xpm.server.store.tenant(beta).staff]


@pytest.mark.django_db
def test_a_switch_is_warned_creates_nothing_until_confirmed_and_keeps_old_links(
    admin_web, practice, xpm, beta
):
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    connect(admin_web, xpm.tenant_id)
    nora = team_services.member_create(practice=practice, name="Nora", email="nora@alpha.example")
    assert sync(practice).status == "succeeded"
    nora_link = StaffLink.objects.get(member=nora)
    assert "nora@alpha.example" in xpm.staff_emails()

    disconnected = text(admin_web.post(reverse("xpm:disconnect"), follow=True))
    assert "Not connected. Last connected to Alpha XPM." in disconnected

    page = text(connect(admin_web, beta))
    connection = XpmConnection.objects.get(practice=practice)
    assert connection.status == ConnectionStatus.CHOOSE_TENANT  # never switched without a word
    assert "This practice's XPM is Alpha XPM. Choosing another XPM practice switches" in page
    assert "creates nothing in the other practice" in page and "Beta XPM" in page

    chosen = text(admin_web.post(reverse("xpm:choose-tenant"), {"tenant_id": beta}, follow=True))
    assert "Confirm Beta XPM as our XPM" in chosen
    assert "Links to Alpha XPM's staff are kept for a switch back." in chosen

    omar = team_services.member_create(practice=practice, name="Omar", email="omar@alpha.example")
    run = sync(practice)
    assert run.status == "succeeded"
    assert beta_staff_emails(xpm, beta) == []
    assert "staff.api/add" not in [
        c["endpoint"] for c in xpm.server.calls(beta) if c["method"] != "GET"
    ]
    skipped = run.events.get(subject_kind="member", subject_id=omar.pk)
    assert skipped.action == "no_link" and NOT_CONFIRMED in skipped.message
    assert StaffLink.objects.get(member=nora).staff_id == nora_link.staff_id  # kept
    assert NOT_CONFIRMED in text(admin_web.get(reverse("team:list")))

    confirmed = text(admin_web.post(reverse("xpm:confirm-tenant"), follow=True))
    assert "Beta XPM is now this practice's XPM" in confirmed
    assert "Confirm Beta XPM" not in confirmed
    sync(practice)
    assert beta_staff_emails(xpm, beta) == ["omar@alpha.example"]


@pytest.mark.django_db
def test_switching_back_before_confirming_reconnects_at_once_with_the_links(
    admin_web, practice, xpm, beta
):
    connect(admin_web, xpm.tenant_id)
    nora = team_services.member_create(practice=practice, name="Nora", email="nora@alpha.example")
    xpm.add_staff("Nora N", "nora@alpha.example")
    sync(practice)
    admin_web.post(reverse("xpm_team:accept", args=[nora.pk]), {"staff": xpm_uuid(xpm)})
    admin_web.post(reverse("xpm:disconnect"))
    connect(admin_web, beta)
    admin_web.post(reverse("xpm:choose-tenant"), {"tenant_id": beta})
    gone = sync(practice)
    assert gone.events.get(action="staff_gone").message == (
        "Nora N is no longer in XPM; kept linked to Nora."
    )

    admin_web.post(reverse("xpm:disconnect"))
    back = text(connect(admin_web, xpm.tenant_id))
    assert "Connected to Alpha XPM in XPM." in back and "Choosing another" not in back
    connection = XpmConnection.objects.get(practice=practice)
    assert (connection.status, connection.tenant_confirmed) == (ConnectionStatus.CONNECTED, True)
    sync(practice)
    link = StaffLink.objects.select_related("staff").get(member=nora)
    assert (link.staff.name, link.staff.gone_at) == ("Nora N", None)


def xpm_uuid(xpm) -> str:
    return xpm.server.store.tenant(xpm.tenant_id).staff[0].uuid


@pytest.mark.django_db(transaction=True)
def test_deployments_wait_for_the_confirmation(practice, admin, team, xpm):
    XpmConnection.objects.filter(practice=practice).update(
        confirmed_tenant_id="the-old-one", confirmed_tenant_name="Old XPM"
    )
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.PENDING
    assert deployment.problem == (
        "Nothing is created in Alpha XPM until an admin confirms it as this practice's XPM in "
        "Settings > Apps."
    )
    assert xpm_jobs(xpm) == []
    waiting = sync(practice).events.get(action="job_wait")
    assert NOT_CONFIRMED in waiting.message
    assert xpm_jobs(xpm) == []
    oauth.tenant_confirm(practice=practice)
    deployment_redeploy(practice=practice, proposal=proposal)
    assert len(xpm_jobs(xpm)) == 1


@pytest.mark.django_db
def test_confirming_needs_a_connection(admin_web, practice):
    page = text(admin_web.post(reverse("xpm:confirm-tenant"), follow=True))
    assert "Connect XPM first." in page


@pytest.mark.django_db
def test_the_api_shows_the_connection_and_confirms_a_switched_tenant(
    admin_api, standard, practice, connected
):
    assert admin_api.post("/api/v1/xpm/connection/confirm/").status_code == 200
    XpmConnection.objects.filter(pk=connected.pk).update(
        confirmed_tenant_id="the-old-one", confirmed_tenant_name="Old XPM"
    )
    shown = admin_api.get("/api/v1/xpm/connection/").json()
    assert (shown["status"], shown["tenant_confirmed"], shown["confirmed_tenant_name"]) == (
        "connected",
        False,
        "Old XPM",
    )
    assert api_for(standard).post("/api/v1/xpm/connection/confirm/").status_code == 403
    confirmed = admin_api.post("/api/v1/xpm/connection/confirm/").json()
    assert (confirmed["tenant_confirmed"], confirmed["confirmed_tenant_name"]) == (
        True,
        "Alpha XPM",
    )
    XpmConnection.objects.filter(pk=connected.pk).update(status=ConnectionStatus.DISCONNECTED)
    refused = admin_api.post("/api/v1/xpm/connection/confirm/")
    assert (refused.status_code, refused.json()) == (400, {"detail": ["Connect XPM first."]})


@pytest.mark.django_db
def test_the_api_says_when_xpm_was_never_connected(admin_api):
    assert admin_api.get("/api/v1/xpm/connection/").status_code == 404


def _unconfirmed(connection: XpmConnection) -> None:
    XpmConnection.objects.filter(pk=connection.pk).update(
        confirmed_tenant_id="the-old-one", confirmed_tenant_name="Old XPM"
    )


WAITS = (
    "Bluebird Dental is not created in Alpha XPM until an admin confirms it as this practice's"
    " XPM in Settings > Apps."
)


@pytest.mark.django_db
def test_a_client_is_created_in_xpm_only_once_the_switch_is_confirmed(practice, connected, xpm):
    client = client_services.client_create(practice=practice, name="Bluebird Dental")
    _unconfirmed(connected)
    with client_for(practice) as remote, pytest.raises(oauth.TenantNotConfirmed) as refused:
        client_ensure_in_xpm(practice=practice, client=client, xpm=remote)
    assert str(refused.value) == WAITS
    assert xpm.writes() == []
    assert not ClientCreation.objects.exists()  # no write-ahead for a creation not attempted

    oauth.tenant_confirm(practice=practice)
    with client_for(practice) as remote:
        uuid_in_xpm = client_ensure_in_xpm(practice=practice, client=client, xpm=remote)
    assert xpm.writes() == ["client.api/add"]
    assert ClientLink.objects.get(client=client).uuid == uuid_in_xpm


@pytest.mark.django_db
def test_create_new_from_the_review_queue_waits_for_the_confirmation(
    admin_api, practice, connected, xpm
):
    client = client_services.client_create(practice=practice, name="Bluebird Dental")
    item = ClientMatch.objects.create(
        practice=practice,
        side="local",
        client=client,
        name=client.name,
        reason="Near names.",
        created_at=timezone.now(),
    )
    _unconfirmed(connected)
    create_new = f"/api/v1/xpm/client-reviews/{item.pk}/create-new/"
    refused = admin_api.post(create_new)
    assert (refused.status_code, refused.json()) == (400, {"detail": [WAITS]})
    item.refresh_from_db()
    assert item.status == "open" and xpm.writes() == []

    oauth.tenant_confirm(practice=practice)
    created = admin_api.post(create_new)
    assert (created.status_code, created.json()["status"]) == (200, "created")
    assert xpm.writes() == ["client.api/add"]
