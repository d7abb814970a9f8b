"""Layout in real headless Chromium at desktop and phone widths: nothing overflows sideways,
the team table's actions stay on one line beside long names, the proposals filter bar's
controls share one height, lists are tables on a desktop and cards on a phone. Screenshots
of every page are saved (PRACTICELINK_SCREENSHOTS, or the test's temporary folder) so a
person can look at them too."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from practicelink.proposals.models import Proposal
from practicelink.team.models import Member
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.factories import ClientFactory, MemberFactory, make_proposal

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

VIEWPORTS = {"desktop": (1280, 800), "phone": (375, 740)}
LONG_NAME = "Maximiliana" * 5  # one unbroken word, wider than a phone
PAGES = {
    "proposals": "/proposals/",
    "clients": "/clients/",
    "team": "/settings/team/",
    "apps": "/settings/apps/",
    "new-proposal": "/proposals/new/",
    "library": "/proposals/library/",
    "profile": "/profile/",
}


@pytest.fixture
def busy_practice(practice, admin) -> Member:
    """A practice with long names everywhere: members, clients, proposal titles."""
    long_member = MemberFactory(practice=practice, name=LONG_NAME, email="max@example.com")
    for number in range(3):
        MemberFactory(practice=practice, name=f"Member {number}", login=f"pass-phrase-{number}x")
    client = ClientFactory(
        practice=practice, name=f"{LONG_NAME} Holdings", partner=long_member, manager=admin
    )
    make_proposal(client, title=f"Annual accounts and tax returns {LONG_NAME}")
    return long_member


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PRACTICELINK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=VIEWPORTS)
def admin_page(request, page: Page, live_server, admin, busy_practice) -> tuple[Page, int]:
    """The admin signed in on a screen of each width; the page and that width."""
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server.url, admin.email, PASSWORD)
    return page, width


#: the lists shown as one card a row on a phone, and their first column
CARD_LISTS = {
    "/proposals/": "Number",
    "/clients/": "Name",
    "/settings/team/": "Name",
    "/proposals/new/": "Name",  # the proposal's service lines
}


def _overflow(page: Page) -> int:
    """How far the page reaches past the right edge of the screen, in CSS pixels."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


#: every width the pages are checked at for sideways scrolling (a tablet's in between)
WIDTHS = {**VIEWPORTS, "tablet": (800, 1000)}


@pytest.mark.parametrize("viewport", WIDTHS)
def test_no_page_scrolls_sideways(page: Page, live_server, admin, busy_practice, shots, viewport):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[viewport], strict=True)))
    sign_in(page, live_server.url, admin.email, PASSWORD)
    detail = f"/proposals/{Proposal.objects.get().pk}/"
    for name, path in {**PAGES, "proposal": detail}.items():
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=shots / f"{name}-{viewport}.png", full_page=True)
        assert _overflow(page) <= 0, f"{path} overflows sideways by {_overflow(page)}px"
    page.context.clear_cookies()
    for name, path in {"sign-in": "/accounts/login/", "sign-up": "/signup/"}.items():
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=shots / f"{name}-{viewport}.png", full_page=True)
        assert _overflow(page) <= 0, f"{path} overflows sideways"


def test_team_actions_stay_on_one_line_and_on_screen(admin_page, live_server):
    page, width = admin_page
    page.goto(f"{live_server.url}/settings/team/")
    row = page.locator('tr[data-member="max@example.com"]')
    buttons = [row.get_by_role("link", name="Edit"), row.get_by_role("button", name="Delete")]
    boxes = [button.bounding_box() for button in buttons]
    assert all(boxes), "Edit and Delete are shown"
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2, "Edit and Delete sit side by side"
    # within the table's own scroll area at most: scrolled into view, both are on screen
    buttons[1].scroll_into_view_if_needed()
    for button in buttons:
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, "on screen"
    if width >= VIEWPORTS["desktop"][0]:
        rows = page.locator("table tbody tr")
        heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
        assert max(heights) < 90, f"rows stay compact: {heights}"


def test_proposals_filter_controls_share_one_height(admin_page, live_server):
    page, width = admin_page
    page.goto(f"{live_server.url}/proposals/")
    controls = page.locator(
        "#filters input:not([type=checkbox]):not([type=hidden]), #filters select, "
        "#filters button, #filters a.btn"
    )
    boxes = [controls.nth(i).bounding_box() for i in range(controls.count())]
    heights = {round(box["height"]) for box in boxes}
    assert max(heights) - min(heights) <= 1, f"one height for every control: {heights}"
    for box in boxes:
        assert box["x"] + box["width"] <= width, "no control runs off screen"
    assert max(box["width"] for box in boxes) <= min(width, 320), "long names do not widen them"


def test_top_navigation_fits_a_phone(page: Page, live_server, admin, busy_practice):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server.url, admin.email, PASSWORD)
    header = page.locator("header.top")
    for name in ("Proposals", "Clients", "Settings \u203a Team", "Settings \u203a Apps"):
        box = header.get_by_role("link", name=name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, name
    sign_out = header.get_by_role("button", name="Sign out").bounding_box()
    assert sign_out["x"] + sign_out["width"] <= 375


def _card_layout(page: Page) -> tuple[str, str]:
    """How the list's first row is shown, and the label printed before its first cell."""
    row = page.locator("table.cards tbody tr").first
    display = row.evaluate("tr => getComputedStyle(tr).display")
    label = row.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    return display, label


def test_lists_are_cards_on_a_phone_and_tables_on_a_desktop(admin_page, live_server):
    page, width = admin_page
    phone = width < VIEWPORTS["desktop"][0]
    for path, first_column in CARD_LISTS.items():
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("table.cards.labelled")).to_have_count(1)
        display, label = _card_layout(page)
        if phone:
            assert (display, label) == ("block", f'"{first_column}"'), path
            row = page.locator("table.cards tbody tr").first.bounding_box()
            assert row["x"] >= 0 and row["x"] + row["width"] <= width, f"{path}: card on screen"
        else:
            assert display == "table-row", path
    if phone:  # results the filters swap in are cards too
        page.goto(f"{live_server.url}/proposals/")
        page.get_by_label("Draft").check()
        expect(page).to_have_url(re.compile("status=draft"))
        expect(page.locator("#results table.cards.labelled")).to_have_count(1)
        assert _card_layout(page) == ("block", '"Number"')
        page.goto(f"{live_server.url}/proposals/new/")  # and so is a service line added
        page.get_by_role("button", name="Add a service").click()
        added = page.locator("tr.service-line").nth(1)
        expect(added.locator("td").first).to_have_attribute("data-label", "Name")
        assert added.evaluate("tr => getComputedStyle(tr).display") == "block"
