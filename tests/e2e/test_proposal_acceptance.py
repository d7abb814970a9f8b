"""The acceptance flow in real headless Chromium: a member sends a proposal, the client
accepts it on the public page, the member sees the deployment succeed and allocates a task
of the XPM job to one of its staff."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from practicelink.proposals.models import Proposal, Status
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.xpm.conftest import connected, xpm, xpm_server  # noqa: F401 - fixtures
from tests.xpm.deployment_setup import planned_proposal, team, xpm_jobs  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_client_accepts_the_job_is_deployed_and_a_task_is_allocated(
    page: Page,
    browser: Browser,
    live_server,
    settings,
    admin,
    practice,
    team,  # noqa: F811
    xpm,  # noqa: F811
):
    settings.SITE_URL = live_server.url
    proposal = planned_proposal(practice, team)
    sign_in(page, live_server.url, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("was sent to books@acme.example")).to_be_visible()

    [email] = mail.outbox
    link = re.search(r"http\S+/p/\S+/", email.body).group(0)
    client_context = browser.new_context()  # the client: another browser, not signed in
    client_page = client_context.new_page()
    client_page.goto(link)
    expect(client_page.get_by_role("heading", name="Alpha & Co: FY26 compliance")).to_be_visible()
    client_page.get_by_role("button", name="Accept the proposal").click()
    expect(client_page.get_by_text("Type your name to accept.")).to_be_visible()
    client_page.get_by_label("Your name").fill("Alice Acme")
    client_page.get_by_role("button", name="Accept the proposal").click()
    expect(client_page.get_by_text("the proposal is accepted")).to_be_visible()
    client_page.goto(link)
    expect(client_page.get_by_text("This link has already been used.")).to_be_visible()
    client_context.close()

    accepted = Proposal.objects.get(pk=proposal.pk)
    assert (accepted.status, accepted.accepted_name) == (Status.ACCEPTED, "Alice Acme")
    assert accepted.accepted_ip == "127.0.0.1"

    page.reload()
    panel = page.locator("#deployment")
    expect(panel).to_contain_text("Deployed")
    [job] = xpm_jobs(xpm)
    expect(page.locator("#acceptance")).to_contain_text("Accepted by Alice Acme from 127.0.0.1")
    panel.get_by_role("link", name=f"Job {job.id}").click()

    expect(page.get_by_text("Partner: Pat Partner")).to_be_visible()
    row = page.locator('tr[data-task="Review"]')
    expect(row.get_by_role("option")).to_have_text(["Kim Junior", "Sam Senior"])
    row.get_by_label("Staff for Review").select_option(label="Sam Senior")
    row.get_by_role("button", name="Allocate").click()
    expect(page.get_by_text(f"The task was allocated on job {job.id}.")).to_be_visible()
    expect(page.locator('tr[data-task="Review"]')).to_contain_text("Sam Senior")
    assert xpm_jobs(xpm)[0].tasks[1].assigned == [team.staff["Sam Senior"]]

    page.get_by_role("link", name="Proposals").first.click()
    expect(page.locator(f'tr[data-number="{proposal.number}"]')).to_contain_text(job.id)
