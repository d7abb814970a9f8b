"""/api/docs/ in real headless Chromium with no internet: Swagger UI shows the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


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
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("practicelink API")
    expect(page.get_by_text("/api/v1/proposals/export/", exact=True)).to_be_visible()
    assert refused == []
