"""The practice's XPM budget on the Apps page and in the API, shared by every client it makes."""

from __future__ import annotations

import re

import httpx
import pytest
from django.urls import reverse

from practicelink.xpm.gateway import client_for
from practicelink.xpm.http import shared_transport
from practicelink.xpm.remote import RateLimitDenied, XpmRateLimited
from tests.conftest import api_for
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db

BUDGET = "/api/v1/xpm/budget/"


def test_apps_page_and_api_show_the_calls_left(admin_web, admin, practice, connected, xpm):
    sync(practice)
    made = len(xpm.server.calls(xpm.tenant_id))
    assert made > 0
    page = admin_web.get(reverse("xpm:apps")).content.decode()
    left = f"XPM calls left: {60 - made} this minute, {5000 - made} today (1000 of them kept"
    assert left in page
    assert "asked practicelink to wait" not in page
    answer = api_for(admin).get(BUDGET)
    assert answer.status_code == 200
    assert answer.json() == {
        "minute_remaining": 60 - made,
        "day_remaining": 5000 - made,
        "day_reserved": 1000,
        "cooldown_seconds": 0.0,
    }


def test_a_429_cools_every_client_of_the_practice_down(admin_web, practice, connected, xpm):
    xpm.server.add_fault("staff.api/list", "429", retry_after=30, problem="minute")
    with pytest.raises(XpmRateLimited), client_for(practice) as first:
        first.staff_list()
    with pytest.raises(RateLimitDenied) as denied, client_for(practice, interactive=True) as other:
        other.staff_list()
    assert 29 < denied.value.retry_after <= 30
    assert len(xpm.server.calls(xpm.tenant_id)) == 1  # the second call never left
    page = admin_web.get(reverse("xpm:apps")).content.decode()
    assert re.search(r"XPM asked practicelink to wait (29|30) s: syncs resume after that", page)


def test_budget_needs_a_connection(admin):
    assert api_for(admin).get(BUDGET).status_code == 404


def test_calls_of_every_practice_share_one_connection(practice, connected, xpm):
    """One pool and one TLS context per process: clients borrow it, closing one keeps it."""
    for _ in range(3):
        with client_for(practice) as client:
            client.staff_list()
    pool = shared_transport()._shared._pool  # type: ignore[attr-defined]
    port = httpx.URL(xpm.server.base_url).port
    assert [c._origin.port for c in pool.connections].count(port) == 1
