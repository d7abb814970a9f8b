"""/api/docs/ in real headless Chromium with no internet: Swagger UI shows the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
SCHEMA_TIMEOUT_MS = 60_000


def test_swagger_ui_renders_the_api_without_internet(page: Page, live_server):
    local = urlsplit(live_server.url).netloc
    refused: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI fetches the whole schema first; building it takes seconds on a busy machine.
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("practicelink API", timeout=SCHEMA_TIMEOUT_MS)
    expect(page.get_by_text("/api/v1/proposals/export/", exact=True)).to_be_visible()
    assert refused == []
