"""Settings > Team in real headless Chromium: add a member, and the invitation flow."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from practicelink.team.models import Access, Member
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _add_user(page: Page, name: str, email: str, role: str, *, invite: bool) -> None:
    page.get_by_role("link", name="Settings \u203a Team").click()
    page.get_by_role("link", name="Add user").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_label("Send invitation").set_checked(invite)
    page.get_by_role("button", name="Save").click()


def test_admin_adds_a_member_and_sees_it_in_the_team_list(page: Page, live_server, admin):
    sign_in(page, live_server.url, admin.email, PASSWORD)
    _add_user(page, "Quinn Quiet", "Quinn@Example.com", "Admin", invite=False)

    expect(page).to_have_url(f"{live_server.url}/settings/team/")
    expect(page.get_by_text("Quinn Quiet was added.")).to_be_visible()
    row = page.locator('tr[data-member="Quinn@Example.com"]')
    expect(row.locator("td")).to_have_text(
        ["Quinn Quiet", "Quinn@Example.com", "Admin", "No access", re.compile("Edit")]
    )
    member = Member.objects.get(practice=admin.practice, email="Quinn@Example.com")
    assert (member.name, member.role, member.access) == ("Quinn Quiet", "admin", Access.NONE)
    assert mail.outbox == []


def test_invited_member_sets_a_password_and_lands_signed_in(page: Page, live_server, admin):
    sign_in(page, live_server.url, admin.email, PASSWORD)
    _add_user(page, "Nina Newcomer", "nina@example.com", "Standard", invite=True)
    expect(page.get_by_text("Nina Newcomer was added and invited.")).to_be_visible()
    expect(page.locator('tr[data-member="nina@example.com"] td').nth(3)).to_have_text("Invited")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@example.com"]
    link = re.search(r"http\S+/invite/[\w-]+/", mail.outbox[0].body)
    assert link is not None
    path = link.group(0).split("/invite/", 1)[1]

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/invite/{path}")
    expect(page.get_by_role("heading", name=f"Join {admin.practice.name}")).to_be_visible()
    page.locator("#id_password1").fill("a-long-Pass-phrase-9")
    page.locator("#id_password2").fill("a-long-Pass-phrase-9")
    page.get_by_role("button", name="Set password and sign in").click()

    expect(page).to_have_url(f"{live_server.url}/proposals/")
    expect(page.get_by_text(f"Welcome to {admin.practice.name}.")).to_be_visible()
    expect(page.locator("header.top")).to_contain_text("Nina Newcomer")
    member = Member.objects.get(practice=admin.practice, email="nina@example.com")
    assert member.access == Access.ACTIVE
    assert member.user.check_password("a-long-Pass-phrase-9")

    page.goto(f"{live_server.url}/invite/{path}")
    expect(page.get_by_role("alert")).to_have_text("This invitation link has already been used.")
