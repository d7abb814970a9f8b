"""The sync history reads as sentences with names; filters by outcome; the API says the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practicelink.team import services as team_services
from practicelink.xpm.models import SyncRun, SyncSettings, SyncStatus
from practicelink.xpm.sync.steps import registered_steps
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db

SYNCS = "/api/v1/xpm/syncs/"


@pytest.fixture
def partly_failed(practice, connected, xpm) -> SyncRun:
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    for name, email in (("Ann Lee", "ann@alpha.example"), ("Bob Ray", "bob@alpha.example")):
        team_services.member_create(practice=practice, name=name, email=email)
    kim = xpm.add_staff("Kim Old", "kim@alpha.example")
    sync(practice)
    next(s for s in xpm.server.store.tenant(xpm.tenant_id).staff if s.uuid == kim).name = "Kim New"
    team_services.member_create(practice=practice, name="Cy Fail", email="cy@alpha.example")
    xpm.server.add_fault("staff.api/add", "500", count=1)
    return sync(practice)


def test_a_run_with_a_failed_action_is_not_green_and_says_why(admin_web, partly_failed):
    assert partly_failed.status == SyncStatus.PARTLY_FAILED
    listing = admin_web.get(reverse("xpm:runs")).content.decode()
    assert '<span class="badge bad">Partly failed</span>' in listing
    assert "1 action failed: Cy Fail: XPM had a server error (HTTP 500)." in listing
    assert "1 done, 1 failed" in listing


def test_the_run_page_speaks_in_names_and_shows_only_what_changed(admin_web, partly_failed, xpm):
    page = admin_web.get(reverse("xpm:run", args=[partly_failed.pk])).content.decode()
    assert "Kim New changed in XPM." in page
    assert "name: Kim Old → Kim New" in page
    assert "email:" not in page  # unchanged fields are not shown
    assert "Cy Fail" in page
    for staff in xpm.server.store.tenant(xpm.tenant_id).staff:
        assert staff.uuid not in page
    assert "{" not in page.split('<table class="cards">')[1]  # no raw dictionaries


def test_the_run_page_filters_by_outcome(admin_web, partly_failed):
    url = reverse("xpm:run", args=[partly_failed.pk])
    page = admin_web.get(url).content.decode()
    assert '<a href="?outcome=failed">Failed (1)</a>' in page
    failed = admin_web.get(url, {"outcome": "failed"}).content.decode()
    assert "Cy Fail" in failed and "Kim New changed in XPM." not in failed
    assert "<strong>Failed (1)</strong>" in failed
    unknown = admin_web.get(url, {"outcome": "nonsense"}).content.decode()
    assert "Kim New changed in XPM." in unknown  # an unknown filter shows everything


def test_the_api_returns_the_same_words_and_machine_fields(admin_api, partly_failed):
    run = admin_api.get(f"{SYNCS}{partly_failed.pk}/").json()
    assert (run["status"], run["kind"], run["summary_text"]) == (
        "partly_failed",
        "API",
        "1 done, 1 failed",
    )
    outcomes = {step["step"]: step["outcome"] for step in run["steps"]}
    assert (outcomes["staff"], outcomes["catalogue"]) == ("partly_failed", "succeeded")
    in_run_order = [step.name for step in registered_steps()]
    assert [step["step"] for step in run["steps"]] == in_run_order  # also on PostgreSQL
    failed = admin_api.get(f"{SYNCS}{partly_failed.pk}/events/", {"outcome": "failed"}).json()
    assert [(e["action"], e["subject_kind"], e["subject_label"]) for e in failed] == [
        ("create_staff", "member", "Cy Fail")
    ]
    assert failed[0]["message"] == "XPM had a server error (HTTP 500)."
    bad = admin_api.get(f"{SYNCS}{partly_failed.pk}/events/", {"outcome": "nonsense"})
    assert bad.status_code == 400
    assert "use one of done, planned" in bad.json()["outcome"][0]


def test_a_preview_is_called_a_preview_and_counts_say_what_they_count(
    admin_web, practice, connected, xpm
):
    SyncSettings.objects.create(practice=practice, sync_interval_minutes=1)
    xpm.add_staff("Fresh Face", "fresh@alpha.example")
    preview = sync(practice, dry_run=True)
    page = admin_web.get(reverse("xpm:run", args=[preview.pk])).content.decode()
    assert f"<h1>Preview #{preview.pk}</h1>" in page
    assert "Sync now" not in page.split("</h1>")[1].split('<table class="cards">')[0]
    running = SyncRun.objects.create(
        practice=practice, trigger="manual", progress_done=4, progress_total=4
    )
    box = admin_web.get(reverse("xpm:run-progress", args=[running.pk])).content.decode()
    assert "4 of 4 actions" in box
    apps = admin_web.get(reverse("xpm:apps")).content.decode()
    assert "syncs with XPM every minute." in apps


def test_double_clicking_sync_now_queues_one_run(admin_web, practice, connected):
    for _ in range(2):
        admin_web.post(reverse("xpm:sync-now"))
    assert SyncRun.objects.filter(practice=practice).count() == 1
