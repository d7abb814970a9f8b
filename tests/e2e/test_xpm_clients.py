"""Clients with XPM in real headless Chromium: a partner changed on each side agrees after Sync
now, and a near-named client is paired from Clients > Review."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from practicelink.clients.models import Client
from practicelink.clients.services import client_create
from practicelink.xpm.models import ClientLink
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.factories import MemberFactory
from tests.xpm.conftest import connected, sync, xpm, xpm_server  # noqa: F401 - fixtures
from tests.xpm.sync.clients.conftest import Both

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_partner_changed_on_each_side_agrees_after_sync_now(
    page: Page,
    live_server,
    admin,
    practice,
    connected,  # noqa: F811
    xpm,  # noqa: F811
):
    both = Both(practice, xpm)
    _, s_ann = both.person("Ann Adams")
    _, s_bob = both.person("Bob Brown")
    cafe = both.add_xpm_client("Harbour View Cafe", partner=s_ann)
    mill = both.add_xpm_client("Old Mill Bakery", partner=s_ann)
    first = sync(practice)
    sign_in(page, live_server.url, admin.email, PASSWORD)

    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    row = page.locator('tr[data-client="Old Mill Bakery"]')
    expect(row).to_contain_text("Ann Adams")
    expect(row).to_contain_text("Linked")
    row.get_by_role("link", name="Edit").click()
    page.get_by_label("Partner").select_option(label="Bob Brown")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Old Mill Bakery was saved.")).to_be_visible()
    assert mill.account_manager_uuid == s_bob  # pushed on save

    both.change_xpm(cafe, account_manager_uuid=s_bob)
    page.get_by_role("link", name="Settings \u203a Apps").click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-progress")).to_contain_text(f"Sync now #{first.pk + 1}")
    expect(page.locator("#sync-progress")).to_contain_text("Succeeded")

    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    expect(page.locator('tr[data-client="Harbour View Cafe"]')).to_contain_text("Bob Brown")
    expect(page.locator('tr[data-client="Old Mill Bakery"]')).to_contain_text("Bob Brown")
    assert (cafe.account_manager_uuid, mill.account_manager_uuid) == (s_bob, s_bob)


def test_a_near_name_is_paired_from_the_review_page(
    page: Page,
    live_server,
    practice,
    connected,  # noqa: F811
    xpm,  # noqa: F811
):
    standard = MemberFactory(practice=practice, name="Sam Standard", login=PASSWORD)
    both = Both(practice, xpm)
    here = client_create(practice=practice, name="Bluebird Dental Ltd")
    there = both.add_xpm_client("Bluebird Dental Limited", "admin@bluebird.example")
    sync(practice)
    sign_in(page, live_server.url, standard.email, PASSWORD)

    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Review").click()
    item = page.locator('form[data-review="Bluebird Dental Limited"]')
    expect(item).to_contain_text("Near names")
    expect(item.get_by_label("Bluebird Dental Ltd")).to_be_checked()
    item.get_by_role("button", name="Link to the one picked").click()

    expect(page.get_by_text("Bluebird Dental Limited is now linked.")).to_be_visible()
    expect(page.get_by_text("Nothing to pair.")).to_be_visible()
    assert ClientLink.objects.get(client=here).uuid == there.uuid
    assert Client.objects.filter(practice=practice).count() == 1
