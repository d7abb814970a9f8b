"""Linking in real headless Chromium: add a member from the XPM user dropdown, then Sync now."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from practicelink.team.models import Access, Member
from practicelink.xpm.models import LinkMethod
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.xpm.conftest import connected, sync, xpm, xpm_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_admin_adds_a_member_from_xpm_then_syncs_now(
    page: Page,
    live_server,
    admin,
    practice,
    connected,  # noqa: F811
    xpm,  # noqa: F811
):
    xpm.add_staff("Nora New", "nora@alpha.example")
    sync(practice)
    sign_in(page, live_server.url, admin.email, PASSWORD)

    page.get_by_role("link", name="Settings \u203a Team").click()
    page.get_by_role("link", name="Add user").click()
    page.get_by_label("XPM user").select_option(label="Nora New <nora@alpha.example>")
    expect(page.get_by_label("Name")).to_have_value("Nora New")
    expect(page.get_by_label("Email")).to_have_value("nora@alpha.example")
    page.get_by_label("Send invitation").set_checked(False)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Nora New was added.")).to_be_visible()
    row = page.locator('tr[data-member="nora@alpha.example"]')
    expect(row).to_contain_text("Linked to Nora New")
    expect(row).to_contain_text("No access")
    nora = Member.objects.get(practice=practice, email="nora@alpha.example")
    assert (nora.access, nora.xpm_link.method) == (Access.NONE, LinkMethod.MANUAL)
    assert mail.outbox == []

    xpm.add_staff("Fresh Face", "fresh@alpha.example")
    page.get_by_role("link", name="Settings \u203a Apps").click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-progress")).to_contain_text("Succeeded")

    page.get_by_role("link", name="Settings \u203a Team").click()
    page.get_by_role("link", name="Add user").click()
    options = page.get_by_label("XPM user").locator("option")
    expect(options).to_have_text(["— not linked —", "Fresh Face <fresh@alpha.example>"])
