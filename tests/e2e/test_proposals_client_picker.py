"""The proposals screen's client picker in real headless Chromium: type part of a name, pick
the client from what the server found, and the list shows only that client's proposals."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.factories import ClientFactory
from tests.proposals.conftest import dataset  # noqa: F401  (the known data set fixture)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_type_a_clients_name_then_pick_it(page: Page, live_server, admin, dataset):  # noqa: F811
    sign_in(page, live_server.url, admin.email, PASSWORD)
    picker = page.get_by_label("Client:", exact=True)
    expect(picker.locator("option")).to_have_text(["Any client"])  # no client in the page

    page.get_by_label("Find a client by name").fill("quot")
    expect(picker.locator("option")).to_have_text(["Any client", 'The "Quoted" Co'])
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(8)  # typing alone does not filter the list

    picker.select_option(label='The "Quoted" Co')
    expect(rows).to_have_count(2)
    expect(rows.locator("td:first-child")).to_have_text(["PROP-0007", "PROP-0003"])
    quoted = dataset.clients["quoted"]
    expect(page).to_have_url(re.compile(rf"client={quoted.pk}"))
    expect(page).not_to_have_url(re.compile("client_search"))

    page.reload()  # the chosen client is still shown, selected
    expect(page.get_by_label("Client:", exact=True)).to_have_value(str(quoted.pk))


def test_choose_a_new_proposals_client_by_typing_its_name(page: Page, live_server, practice, admin):
    ClientFactory.create_batch(60, practice=practice, name="Aardvark Holdings")
    zed = ClientFactory(practice=practice, name="Zed Partners")
    sign_in(page, live_server.url, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/proposals/new/")
    picker = page.get_by_label("Client:", exact=True)
    expect(picker.locator("option")).to_have_count(52)  # empty, the first 50, "type more"
    page.get_by_label("Title").fill("Year-end accounts")
    page.get_by_label("Find a client by name").fill("zed")
    expect(picker.locator("option")).to_have_text(["Choose a client", "Zed Partners"])
    picker.select_option(label="Zed Partners")
    line = page.locator("tr.service-line").first
    line.get_by_label("Service name").fill("Accounts")
    line.get_by_label("Price").fill("1200")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("Year-end accounts"))).to_be_visible()
    assert practice.proposals.get().client == zed
