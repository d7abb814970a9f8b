"""Sign-up in real headless Chromium: a new practice, its email confirmed, its admin at work."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from practicelink.team.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_new_practice_signs_up_confirms_its_email_and_starts(page: Page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Start your practice on practicelink")).to_be_visible()
    page.get_by_label("Practice name").fill("Kestrel Accounting")
    page.get_by_label("Your name").fill("Kim Kestrel")
    page.get_by_label("Email").fill("kim@kestrel.example")
    page.locator("#id_password").fill("short")
    page.locator("#id_password_again").fill("short")
    page.get_by_role("button", name="Sign up").click()

    # a weak password is named on the form, and nothing typed is lost
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    expect(page.get_by_label("Practice name")).to_have_value("Kestrel Accounting")
    page.locator("#id_password").fill("a-long-Pass-phrase-9")
    page.locator("#id_password_again").fill("a-long-Pass-phrase-9")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("kim@kestrel.example")
    assert not Member.objects.exists()
    assert len(mail.outbox) == 1
    link = re.search(r"http\S+(/signup/verify/[\w-]+/)", mail.outbox[0].body)
    assert link is not None

    page.goto(f"{live_server.url}{link.group(1)}")
    page.get_by_role("button", name="Confirm and create Kestrel Accounting").click()
    expect(page.get_by_text("Welcome to Kestrel Accounting. You are its admin.")).to_be_visible()
    expect(page.get_by_role("heading", name="Write your first proposal")).to_be_visible()
    expect(page.locator("header.top")).to_contain_text("Kestrel Accounting")
    page.get_by_role("link", name="Settings \u203a Team").click()
    expect(page.locator('tr[data-member="kim@kestrel.example"] td').nth(2)).to_have_text("Admin")
