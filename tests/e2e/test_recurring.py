"""Recurring services in real headless Chromium, at desktop and phone widths: the schedule a
line implies appears on the proposal form while it is written, and Upcoming jobs lists the
periods to come with partner, manager and staff. Screenshots are saved (PRACTICELINK_SCREENSHOTS,
or the test's temporary folder)."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from practicelink.proposals.models import JobStructure
from practicelink.proposals.recurrence import add_months
from practicelink.proposals.services import ServiceLine, proposal_accept, proposal_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.factories import ClientFactory, MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

VIEWPORTS = {"desktop": (1280, 800), "phone": (375, 740)}
DASH = "\N{EN DASH}"


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PRACTICELINK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_form_shows_the_schedule_and_upcoming_jobs_lists_the_periods(
    page: Page, live_server, practice, admin, shots, viewport
):
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    pat = MemberFactory(practice=practice, name="Pat Partner")
    client = ClientFactory(practice=practice, name="Acme Ltd", partner=pat, manager=admin)
    sign_in(page, live_server.url, admin.email, PASSWORD)

    page.goto(f"{live_server.url}/proposals/new/")
    line = page.locator("tr.service-line").first
    line.get_by_label("Repeats").select_option("quarterly")
    expect(line.locator("details")).to_have_attribute("open", "")  # the Schedule box opens
    line.get_by_label("First period starts").fill("2027-01-31")
    line.get_by_label("Job due").fill("28")
    line.get_by_label("Job due").press("Tab")
    preview = line.locator(".schedule-preview")
    expect(preview).to_contain_text(
        f"2027-01-31 {DASH} 2027-04-29: job 2027-01-31 → due 2027-05-27"
    )
    expect(preview).to_contain_text(f"2027-04-30 {DASH} 2027-07-30")
    page.screenshot(path=shots / f"recurring-form-{viewport}.png", full_page=True)
    assert _overflow(page) <= 0

    first = timezone.localdate() - timedelta(days=10)
    proposal = proposal_create(
        practice=practice,
        client=client,
        title="Books",
        services=[
            ServiceLine(
                "Bookkeeping", "", Decimal("1"), Decimal("300"), None, "monthly", None, first
            )
        ],
        job_structure=JobStructure.PER_SERVICE,
    )
    proposal.jobs.get().staff.set([admin])
    proposal_accept(practice=practice, proposal=proposal)

    page.goto(f"{live_server.url}/proposals/")
    page.get_by_role("link", name="Upcoming jobs").click()
    page.get_by_label("Jobs starting in the next").select_option("8")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("#upcoming tbody tr")
    expect(rows).to_have_count(2)
    second = add_months(first, 1)
    expect(rows.first).to_contain_text(f"Bookkeeping {second:%B %Y}")
    expect(rows.first).to_contain_text("Pat Partner")
    expect(rows.first).to_contain_text(admin.name)
    page.screenshot(path=shots / f"upcoming-jobs-{viewport}.png", full_page=True)
    assert _overflow(page) <= 0

    rows.first.get_by_role("link").click()
    expect(page.locator("table.schedule")).to_contain_text(f"{first:%Y-%m-%d}")
    page.screenshot(path=shots / f"recurring-proposal-{viewport}.png", full_page=True)
