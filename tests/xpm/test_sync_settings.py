"""Sync settings are bounded: the form, the browser's input limits and the sync agree."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from practicelink.xpm.models import SyncSettings
from tests.factories import MemberFactory
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db

SETTINGS = {
    "creation_window_hours": "24",
    "sync_interval_minutes": "5",
    "conflict_policy": "xpm_wins",
    "occurrence_lead_days": "7",
}


def _input(page: str, name: str) -> dict[str, str]:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return dict(re.findall(r'(\w+)="([^"]*)"', tag))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "creation_window_hours",
            "100000000",
            "Creation window must be a whole number from 0 to 8760 hours.",
        ),
        ("creation_window_hours", "-1", "Creation window must be a whole number from 0 to 8760"),
        ("sync_interval_minutes", "1441", "Sync every must be a whole number from 1 to 1440"),
        ("sync_interval_minutes", "9" * 30, "Sync every must be a whole number from 1 to 1440"),
        ("occurrence_lead_days", "91", "Deploy recurring jobs ahead must be a whole number from 0"),
    ],
)
def test_out_of_range_settings_are_refused_plainly_and_nothing_breaks(
    admin_web, practice, connected, field, value, message
):
    answer = admin_web.post(reverse("xpm:apps"), {**SETTINGS, field: value})
    assert answer.status_code == 200
    assert message in answer.content.decode()
    saved = SyncSettings.objects.get(practice=practice)
    assert (saved.creation_window_hours, saved.sync_interval_minutes) == (24, 5)
    assert admin_web.get(reverse("team:list")).status_code == 200


def test_the_largest_window_is_kept_and_a_sync_still_succeeds(admin_web, practice, connected, xpm):
    MemberFactory(practice=practice, name="New Person", email="new@alpha.example")
    answer = admin_web.post(reverse("xpm:apps"), {**SETTINGS, "creation_window_hours": "8760"})
    assert answer.status_code == 302
    assert SyncSettings.objects.get(practice=practice).creation_window_hours == 8760
    page = admin_web.get(reverse("team:list")).content.decode()
    assert "Will be created in XPM on" in page
    assert sync(practice).status == "succeeded"


def test_the_browser_is_given_the_same_limits_as_the_server(admin_web, connected):
    page = admin_web.get(reverse("xpm:apps")).content.decode()
    window = _input(page, "creation_window_hours")
    interval = _input(page, "sync_interval_minutes")
    assert (window["type"], window["min"], window["max"]) == ("number", "0", "8760")
    assert (interval["type"], interval["min"], interval["max"]) == ("number", "1", "1440")
    assert re.search(r'<form method="post" class="stacked"(?! novalidate)>', page)
