"""Your profile in a real browser: make an API token, see it once, use it, revoke it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _works(live_server, token: str) -> bool:
    headers = {"Authorization": f"Token {token}"}
    return httpx.get(f"{live_server.url}/api/v1/tokens/", headers=headers).status_code == 200


def test_a_person_makes_uses_and_revokes_a_token_at_phone_width(page: Page, live_server, standard):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server.url, standard.email, PASSWORD)
    page.get_by_role("link", name=standard.name).click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()

    page.get_by_label("Name").fill("Weekly report")
    page.get_by_role("button", name="Create token").click()
    shown = page.locator("#new-token code")
    expect(shown).to_contain_text("pl_")
    token = shown.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert _works(live_server, token)

    page.goto(f"{live_server.url}/profile/")  # a new visit: the token is not shown again
    expect(page.locator("#new-token")).to_have_count(0)
    row = page.locator("tr[data-token-name='Weekly report']")
    expect(row).not_to_contain_text("never")  # last used: just now, by the script above
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token “Weekly report” revoked")).to_be_visible()
    assert not _works(live_server, token)
