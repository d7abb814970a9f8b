"""The demo's connection to the emulator: its first sync reads as practicelink's own run."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practicelink.xpm.demo import demo_connect
from practicelink.xpm.models import SyncRun, SyncTrigger

pytestmark = pytest.mark.django_db


def test_the_demos_first_sync_is_labelled_first_sync_not_api(practice, admin_web, xpm):
    assert demo_connect(
        practice=practice, emulator_url=xpm.server.base_url, tenant_id=xpm.tenant_id
    )
    run = SyncRun.objects.get(practice=practice)
    assert run.trigger == SyncTrigger.CONNECTED
    page = admin_web.get(reverse("xpm:run", args=[run.pk])).content.decode()
    assert f"<h1>First sync #{run.pk}</h1>" in page
    assert "API #" not in page
