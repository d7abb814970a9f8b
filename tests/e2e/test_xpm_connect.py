"""Settings > Apps in real headless Chromium: connect XPM through the emulator's consent page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from practicelink.xpm.models import ConnectionStatus, SyncSettings, XpmConnection
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.xpm.conftest import xpm, xpm_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def allow_only(page: Page, tenant_id: str) -> None:
    """On the consent page, tick only our tenant (the shared emulator holds others) and allow."""
    for box in page.locator("input[name=tenant]").all():
        box.set_checked(box.get_attribute("value") == tenant_id)
    page.get_by_role("button", name="Allow access").click()


def test_admin_connects_disconnects_and_reconnects(
    page: Page,
    live_server,
    admin,
    xpm,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    sign_in(page, live_server.url, admin.email, PASSWORD)
    page.get_by_role("link", name="Settings \u203a Apps").click()
    expect(page.get_by_text("Not connected.")).to_be_visible()

    page.get_by_role("button", name="Connect to XPM").click()
    expect(
        page.get_by_role("heading", name="Allow access to Xero Practice Manager")
    ).to_be_visible()
    allow_only(page, xpm.tenant_id)

    expect(page).to_have_url(f"{live_server.url}/settings/apps/")
    expect(page.get_by_text("Connected to Alpha XPM in XPM.")).to_be_visible()
    expect(page.locator("#xpm-connection")).to_contain_text("connected by Ada Admin")
    connection = XpmConnection.objects.get(practice=admin.practice)
    assert (connection.status, connection.tenant_id) == (ConnectionStatus.CONNECTED, xpm.tenant_id)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Not connected.")).to_be_visible()
    connection.refresh_from_db()  # the tenant is remembered (a later switch is warned), no token
    assert (connection.status, connection.access_token_encrypted) == (
        ConnectionStatus.DISCONNECTED,
        "",
    )

    page.get_by_role("button", name="Connect to XPM").click()
    allow_only(page, xpm.tenant_id)
    expect(page.get_by_text("Connected to Alpha XPM in XPM.")).to_be_visible()


def test_the_browser_refuses_out_of_range_settings_as_the_server_does(
    page: Page,
    live_server,
    admin,
    xpm,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    sign_in(page, live_server.url, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/settings/apps/")
    page.get_by_role("button", name="Connect to XPM").click()
    allow_only(page, xpm.tenant_id)
    window = page.get_by_label("Creation window (hours)")
    window.fill("100000000")
    page.get_by_role("button", name="Save settings").click()
    assert window.evaluate("input => input.validity.rangeOverflow") is True
    assert window.evaluate("input => input.max") == "8760"
    assert page.get_by_label("Sync every (minutes)").evaluate("input => input.min") == "1"
    window.fill("8760")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("XPM sync settings saved.")).to_be_visible()
    assert SyncSettings.objects.get(practice=admin.practice).creation_window_hours == 8760
