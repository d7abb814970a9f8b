"""Link health's fixes that talk to XPM (the emulator, over HTTP) make the same calls as the
same action on the proposal or clients screens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practicelink.clients.models import Client
from practicelink.proposals.services import proposal_accept
from practicelink.xpm import oauth
from practicelink.xpm import services as link_services
from practicelink.xpm.health import GapKind
from practicelink.xpm.models import (
    ClientLink,
    ClientLinkMethod,
    Deployment,
    DeploymentStatus,
    SyncRun,
    XpmConnection,
)
from tests.factories import ClientFactory
from tests.xpm.conftest import sync
from tests.xpm.deployment_setup import planned_proposal, team, xpm_jobs
from tests.xpm.test_health_views import gap_count
from xpm_emulator.models import Client as EmulatedClient

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["team"]  # the fixture


def test_link_the_partner_then_redeploy_from_the_page(practice, admin, admin_web, team, xpm):
    staff = team.pat.xpm_link.staff
    link_services.link_delete(practice=practice, member=team.pat)
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    assert gap_count(admin_web, GapKind.DEPLOYMENTS) == 1
    assert gap_count(admin_web, GapKind.CLIENTS_ROLE_UNLINKED) == 1
    page = admin_web.get(reverse("xpm:health")).content.decode()
    assert "Partner Pat Partner is not linked to XPM staff." in page

    admin_web.post(reverse("xpm:health-link", args=[team.pat.pk]), {"staff": staff.uuid})
    assert gap_count(admin_web, GapKind.CLIENTS_ROLE_UNLINKED) == 0
    xpm.server.clear_calls()
    admin_web.post(reverse("xpm:health-redeploy", args=[proposal.pk]))
    assert Deployment.objects.get().status == DeploymentStatus.DEPLOYED
    assert xpm.writes() == ["job.api/assign"]  # as Redeploy on the proposal does
    assert xpm_jobs(xpm)[0].partner_uuid == team.staff["Pat Partner"]
    assert gap_count(admin_web, GapKind.DEPLOYMENTS) == 0


def test_link_a_client_to_xpm_from_the_page(practice, admin, admin_web, team, xpm):
    client = ClientFactory(
        practice=practice, name="Zed Holdings", partner=team.pat, manager=team.mia
    )
    assert gap_count(admin_web, GapKind.CLIENTS_NOT_IN_XPM) == 2  # Acme Ltd too
    xpm.server.clear_calls()
    answer = admin_web.post(reverse("xpm:health-client-link", args=[client.pk]), follow=True)
    assert "Zed Holdings is now linked to XPM." in answer.content.decode()
    assert xpm.writes() == ["client.api/add"]
    assert ClientLink.objects.get(client=client).method == ClientLinkMethod.CREATED
    made = [c for c in xpm.server.store.tenant(xpm.tenant_id).clients if c.name == "Zed Holdings"]
    assert made[0].account_manager_uuid == team.staff["Pat Partner"]
    assert gap_count(admin_web, GapKind.CLIENTS_NOT_IN_XPM) == 1


def test_link_a_client_to_xpm_waits_for_a_switched_xpm_to_be_confirmed(
    practice, admin_web, team, xpm
):
    client = ClientFactory(practice=practice, name="Zed Holdings")
    XpmConnection.objects.filter(practice=practice).update(confirmed_tenant_id="the-old-one")
    xpm.server.clear_calls()
    link = reverse("xpm:health-client-link", args=[client.pk])
    page = admin_web.post(link, follow=True).content.decode()
    assert (
        "Zed Holdings is not created in Alpha XPM until an admin confirms it as this"
        " practice&#x27;s XPM in Settings &gt; Apps."
    ) in page
    assert "did not answer" not in page
    assert xpm.writes() == [] and not ClientLink.objects.filter(client=client).exists()
    oauth.tenant_confirm(practice=practice)
    assert "Zed Holdings is now linked to XPM." in admin_web.post(link, follow=True).text
    assert xpm.writes() == ["client.api/add"]


def test_sync_now_from_the_page_gives_a_newly_linked_partner_their_xpm_clients(
    practice, admin, admin_web, team, xpm
):
    nina = xpm.add_staff("Nina New", "nina@alpha.example")  # in XPM; not a member here yet
    xpm.server.store.tenant(xpm.tenant_id).clients.append(
        EmulatedClient(
            name="Nina's Client",
            account_manager_uuid=nina,
            job_manager_uuid=team.staff["Mia Manager"],
            modified_at=xpm.server.clock.now().strftime("%Y-%m-%dT%H:%M:%S"),
        )
    )
    sync(practice)
    imported = Client.objects.get(practice=practice, name="Nina's Client")
    assert imported.partner is None  # her staff maps to no member yet
    before = gap_count(admin_web, GapKind.CLIENTS_UNASSIGNED)
    admin_web.post(reverse("xpm:health-add-user"), {"staff": nina})

    answer = admin_web.post(reverse("xpm:health-sync"), follow=True).content.decode()
    assert "is done: the gaps below are counted again." in answer
    imported.refresh_from_db()
    assert imported.partner is not None and imported.partner.name == "Nina New"
    assert gap_count(admin_web, GapKind.CLIENTS_UNASSIGNED) == before - 1
    assert SyncRun.objects.filter(practice=practice, started_by=admin).exists()


def test_sync_now_from_the_page_is_for_admins(practice, standard_web, connected):
    assert standard_web.post(reverse("xpm:health-sync")).status_code == 403
    assert not SyncRun.objects.filter(practice=practice, trigger="manual").exists()
