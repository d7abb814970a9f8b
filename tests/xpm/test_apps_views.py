"""Settings > Apps: Sync now, Preview, live progress, history and settings; the periodic tick."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practicelink.xpm.models import SyncRun, SyncSettings, SyncStatus, SyncTrigger
from practicelink.xpm.tasks import sync_tick
from tests.factories import PracticeFactory
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db


def test_sync_now_runs_in_the_background_and_shows_its_result(
    admin_web, practice, connected, xpm, django_capture_on_commit_callbacks
):
    xpm.add_staff("Fresh Face", "fresh@alpha.example")
    with django_capture_on_commit_callbacks(execute=True):
        queued = admin_web.post(reverse("xpm:sync-now"), HTTP_HX_REQUEST="true", follow=True)
    run = SyncRun.objects.get(practice=practice)
    assert 'data-status="queued"' in queued.content.decode()
    assert (run.trigger, run.dry_run, run.status) == (
        SyncTrigger.MANUAL,
        False,
        SyncStatus.SUCCEEDED,
    )
    done = admin_web.get(reverse("xpm:run-progress", args=[run.pk])).content.decode()
    assert 'data-status="succeeded"' in done
    assert "hx-get" not in done  # finished: the page stops polling
    history = admin_web.get(reverse("xpm:run", args=[run.pk])).content.decode()
    assert "Fresh Face is new in XPM." in history and "staff_new" not in history


def test_progress_polls_while_the_run_is_queued(admin_web, practice, connected):
    run = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.MANUAL)
    body = admin_web.get(reverse("xpm:run-progress", args=[run.pk])).content.decode()
    assert f'hx-get="{reverse("xpm:run-progress", args=[run.pk])}"' in body
    assert "Queued" in body


def test_preview_is_a_dry_run(
    admin_web, practice, connected, xpm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_web.post(reverse("xpm:preview"))
    run = SyncRun.objects.get(practice=practice)
    assert run.dry_run and run.status == SyncStatus.SUCCEEDED


def test_runs_of_another_practice_are_not_found(admin_web, practice):
    other = SyncRun.objects.create(practice=PracticeFactory(), trigger=SyncTrigger.MANUAL)
    assert admin_web.get(reverse("xpm:run", args=[other.pk])).status_code == 404
    assert admin_web.get(reverse("xpm:run-progress", args=[other.pk])).status_code == 404


def test_settings_form_saves_and_rejects_bad_input(admin_web, practice, connected):
    data = {
        "creation_window_hours": "0",
        "auto_link": "on",
        "sync_interval_minutes": "15",
        "conflict_policy": "xpm_wins",
        "occurrence_lead_days": "10",
    }
    assert admin_web.post(reverse("xpm:apps"), data).status_code == 302
    saved = SyncSettings.objects.get(practice=practice)
    assert saved.occurrence_lead_days == 10
    assert (saved.creation_window_hours, saved.auto_link, saved.sync_interval_minutes) == (
        0,
        True,
        15,
    )
    bad = admin_web.post(reverse("xpm:apps"), {**data, "sync_interval_minutes": "0"})
    assert "Sync every must be a whole number from 1 to 1440 minutes." in bad.content.decode()
    assert SyncSettings.objects.get(practice=practice).sync_interval_minutes == 15


def test_tick_queues_connected_practices_whose_interval_has_passed(practice, connected, xpm):
    SyncSettings.objects.create(practice=practice, sync_interval_minutes=5)
    recent = SyncRun.objects.create(
        practice=practice, trigger=SyncTrigger.PERIODIC, status=SyncStatus.SUCCEEDED
    )
    sync_tick.call_local()
    assert SyncRun.objects.filter(practice=practice).count() == 1

    SyncRun.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    unconnected = PracticeFactory()
    sync_tick.call_local()
    runs = SyncRun.objects.filter(practice=practice)
    assert runs.count() == 2
    assert runs.first().trigger == SyncTrigger.PERIODIC
    assert not SyncRun.objects.filter(practice=unconnected).exists()


def test_sync_is_refused_while_xpm_is_not_connected(admin_web, admin_api, practice):
    page = admin_web.post(reverse("xpm:sync-now"), follow=True).content.decode()
    assert "XPM is not connected: an admin can connect it in Settings &gt; Apps." in page
    answer = admin_api.post("/api/v1/xpm/syncs/", {"dry_run": False}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": ["XPM is not connected: an admin can connect it in Settings > Apps."]
    }
    assert not SyncRun.objects.filter(practice=practice).exists()


def test_the_disconnected_apps_page_shows_the_history_it_keeps(admin_web, practice, connected, xpm):
    run = sync(practice)
    answer = admin_web.post(reverse("xpm:disconnect"), follow=True).content.decode()
    assert "XPM was disconnected. Links and history are kept." in answer
    assert "Connect to XPM" in answer
    history = answer.split('id="xpm-history"')[1]
    assert f'href="{reverse("xpm:run", args=[run.pk])}"' in history
    assert admin_web.get(reverse("xpm:run", args=[run.pk])).status_code == 200
