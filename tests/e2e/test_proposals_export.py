"""Proposals screen in real headless Chromium: filter by partner, export, read the file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.proposals.conftest import dataset  # noqa: F401  (the known data set fixture)
from tests.proposals.test_export import HEADER

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_filter_by_partner_then_export_exactly_those_rows(page: Page, live_server, admin, dataset):  # noqa: F811
    sign_in(page, live_server.url, admin.email, PASSWORD)
    expect(page.get_by_role("heading", name="Proposals")).to_be_visible()
    expect(page.locator("#results tbody tr")).to_have_count(8)

    page.get_by_label("Partner").select_option(label="Pat Partner")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)  # htmx swapped the results in place
    expect(page).to_have_url(re.compile(rf"partner={dataset.pat.pk}"))  # bookmarkable
    expect(rows.locator("td:first-child")).to_have_text(
        ["PROP-0007", "PROP-0003", "PROP-0002", "PROP-0001"]
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV", exact=True).click()
    download = download_info.value
    today = timezone.localdate().isoformat()
    assert download.suggested_filename == f"proposals-alpha-co-{today}.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    header, *exported = csv.reader(text.splitlines(keepends=True))
    assert header == HEADER
    assert [row[:8] for row in exported] == [
        [
            "PROP-0007",
            'Audit "special"',
            'The "Quoted" Co',
            "Accepted",
            "Pat Partner",
            "pat@alpha.example",
            "Юлия Иванова",
            "yulia@alpha.example",
        ],
        [
            "PROP-0003",
            "Payroll",
            'The "Quoted" Co',
            "Accepted",
            "Pat Partner",
            "pat@alpha.example",
            "Юлия Иванова",
            "yulia@alpha.example",
        ],
        [
            "PROP-0002",
            "Tax return",
            "Acme, Ltd",
            "Sent",
            "Pat Partner",
            "pat@alpha.example",
            "Mia Manager",
            "mia@alpha.example",
        ],
        [
            "PROP-0001",
            "Annual accounts",
            "Acme, Ltd",
            "Draft",
            "Pat Partner",
            "pat@alpha.example",
            "Mia Manager",
            "mia@alpha.example",
        ],
    ]
