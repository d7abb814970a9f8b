"""Link health in real headless Chromium: one gap of each kind closed from the page (htmx,
without leaving it) until the completeness figure reads 100 %; screenshots at desktop and
phone widths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from practicelink.clients.models import Client
from practicelink.proposals.services import proposal_accept
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientMatch,
    Deployment,
    DeploymentStatus,
    MatchSide,
    StaffLink,
)
from practicelink.xpm.models import Staff as StaffRow
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.factories import ClientFactory, MemberFactory, make_proposal
from tests.xpm.conftest import connected, sync, xpm, xpm_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

VIEWPORTS = {"desktop": (1280, 900), "phone": (375, 740)}


def count(page: Page, kind: str):
    return expect(page.locator(f"#gap-{kind}"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_close_every_gap_from_the_page(
    page: Page,
    live_server,
    admin,
    practice,
    connected,  # noqa: F811
    xpm,  # noqa: F811
    tmp_path,
    viewport,
):
    sue = MemberFactory(practice=practice, name="Sue Suggest", email="sue@alpha.example")
    xpm.add_staff("Sue in XPM", "sue@alpha.example")
    xpm.add_staff("Nora New", "nora@alpha.example")
    xpm.add_staff("Ada in XPM", "ada.xpm@alpha.example")
    sync(practice)
    client = ClientFactory(practice=practice, name="Nomanager Co", partner=sue)
    # accepted while Sue is not linked: the job deploys without its partner and job staff
    proposal = make_proposal(
        ClientFactory(practice=practice, name="Deploy Co", partner=sue, manager=admin)
    )
    proposal.jobs.get().staff.add(sue)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    assert Deployment.objects.get().status == DeploymentStatus.PARTLY
    now = timezone.now()
    ClientMatch.objects.create(
        practice=practice,
        side=MatchSide.XPM,
        uuid="doubtful-1",
        name="Doubtful Pty",
        reason="Two near names here.",
        created_at=now,
    )
    ClientConflict.objects.create(
        practice=practice,
        client=client,
        field="name",
        ours="Nomanager Co",
        theirs="No Manager Company",
        applied="ours",
        policy="practicelink_wins",
        created_at=now,
    )
    shots = Path(os.environ.get("PRACTICELINK_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server.url, admin.email, PASSWORD)
    page.get_by_role("link", name="Settings \u203a Apps").click()
    expect(page.locator("#link-health-card")).to_contain_text("0 %")
    page.get_by_role("link", name="Open Link health").click()
    page.screenshot(path=shots / f"link-health-{viewport}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    url = page.url

    page.get_by_role("button", name="Accept Sue in XPM for Sue Suggest").click()
    expect(page.get_by_text("Sue Suggest is now linked to Sue in XPM in XPM.")).to_be_visible()
    page.get_by_role("button", name="Add Nora New as a user").click()
    expect(page.get_by_text("Nora New was added, linked to XPM.")).to_be_visible()
    ada = StaffRow.objects.get(practice=practice, name="Ada in XPM")
    page.get_by_label("XPM staff for Ada Admin").fill(ada.uuid)
    page.locator('tr[data-member="Ada Admin"]').get_by_role("button", name="Link").click()
    expect(page.get_by_text("Ada Admin is now linked to Ada in XPM")).to_be_visible()
    count(page, "members_unlinked").to_have_attribute("data-count", "0")
    count(page, "job_staff_unlinked").to_have_attribute("data-count", "0")
    page.get_by_role("button", name=f"Redeploy {proposal.reference}").click()
    expect(page.get_by_text(f"The jobs of {proposal.reference} are being deployed")).to_be_visible()
    count(page, "deployments").to_have_attribute("data-count", "0")
    count(page, "staff_unlinked").to_have_attribute("data-count", "0")

    unassigned = page.locator("#gap-clients_unassigned")
    unassigned.get_by_label("Select Nomanager Co").check()
    unassigned.locator('select[name="manager"]').select_option(label="Ada Admin")
    unassigned.get_by_role("button", name="Assign to the selected clients").click()
    expect(page.get_by_text("1 client assigned.")).to_be_visible()
    count(page, "clients_unassigned").to_have_attribute("data-count", "0")

    page.locator("#gap-client_reviews").get_by_role("button", name="Ignore").click()
    count(page, "client_reviews").to_have_attribute("data-count", "0")
    page.get_by_role("button", name="Keep practicelink's").click()
    count(page, "client_conflicts").to_have_attribute("data-count", "0")

    page.get_by_role("button", name="Link Nomanager Co to XPM").click()
    expect(page.get_by_text("Nomanager Co is now linked to XPM.")).to_be_visible()
    count(page, "clients_not_in_xpm").to_have_attribute("data-count", "0")
    expect(page.locator(".completeness")).to_have_text("100 %")
    assert page.url == url  # every fix stayed on the page
    page.screenshot(path=shots / f"link-health-done-{viewport}.png", full_page=True)

    assert StaffLink.objects.filter(practice=practice).count() == 3
    client = Client.objects.get(pk=client.pk)
    assert client.manager == admin and ClientLink.objects.filter(client=client).exists()
    xpm_client = next(
        c for c in xpm.server.store.tenant(xpm.tenant_id).clients if c.name == "Nomanager Co"
    )
    assert xpm_client.job_manager_uuid == ada.uuid
    assert Deployment.objects.get().status == DeploymentStatus.DEPLOYED
