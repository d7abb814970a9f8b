"""The demo practice starts with a few realistic gaps, so a new user sees Link health at work."""

from __future__ import annotations

import pytest

from practicelink.demo import DEMO_PRACTICE, demo_ensure
from practicelink.team.models import Practice
from practicelink.xpm.demo import demo_connect
from practicelink.xpm.health import GapKind, link_health
from xpm_emulator.seed import DEMO_TENANT_ID

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_starts_with_gaps_of_several_kinds(settings, tmp_path, xpm):
    settings.DATA_DIR = tmp_path
    xpm.server.seed("demo")
    demo_ensure()
    practice = Practice.objects.get(name=DEMO_PRACTICE)
    assert demo_connect(
        practice=practice, emulator_url=xpm.server.base_url, tenant_id=DEMO_TENANT_ID
    )
    health = link_health(practice)
    counts = health.counts()
    members = health.gap(GapKind.MEMBERS_UNLINKED)
    assert members.detail["suggested"] >= 3
    assert counts[GapKind.STAFF_UNLINKED] > 0
    assert counts[GapKind.CLIENTS_UNASSIGNED] >= 1
    assert counts[GapKind.CLIENTS_ROLE_UNLINKED] > 0
    assert 0 < health.completeness.percent < 100
    assert health.last_run is not None
