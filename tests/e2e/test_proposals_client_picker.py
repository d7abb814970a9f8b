"""The proposals screen's client picker in real headless Chromium: type part of a name, pick
the client from what the server found, and the list shows only that client's proposals."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
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
