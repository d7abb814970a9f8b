"""The demo's connection to the emulator: its first sync reads as practicelink's own run."""

from __future__ import annotations

import argparse

import pytest
from django.urls import reverse

from practicelink.cli import cmd_demo
from practicelink.xpm.demo import demo_connect
from practicelink.xpm.models import ConnectionStatus, SyncRun, SyncTrigger, XpmConnection
from tests.factories import PracticeFactory
from xpm_emulator.seed import DEMO_TENANT_ID

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


def test_the_demo_starts_without_its_xpm_when_another_practice_holds_it(
    xpm, settings, tmp_path, capsys
):
    settings.DATA_DIR = tmp_path
    xpm.server.seed({"tenants": [{"name": "Demo XPM", "tenant_id": DEMO_TENANT_ID}]})
    holder = PracticeFactory(name="Took The Demo's XPM")
    XpmConnection.objects.create(
        practice=holder, status=ConnectionStatus.CONNECTED, tenant_id=DEMO_TENANT_ID
    )
    assert cmd_demo(argparse.Namespace(emulator_url=xpm.server.base_url)) == 0
    printed = capsys.readouterr().out
    assert (
        "Demo Practice is not connected to the XPM emulator: Demo XPM in XPM is already "
        "connected to another practicelink practice" in printed
    )
    assert "Demo practice ready. Sign in as" in printed
    assert not XpmConnection.objects.filter(practice__name="Demo Practice").exists()
