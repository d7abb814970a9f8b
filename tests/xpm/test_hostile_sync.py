"""An XPM record with text longer than practicelink's columns never fails a sync."""

import pytest

from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.models import SyncStatus
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db


def test_a_megabyte_staff_name_is_stored_cut_and_every_sync_succeeds(practice, connected, xpm):
    uuid = xpm.add_staff("N" * 1_000_000, "long.name@example.com")
    for _ in range(2):
        assert sync(practice).status == SyncStatus.SUCCEEDED
    row = StaffRow.objects.get(practice=practice, uuid=uuid)
    assert (len(row.name), row.name[-1], row.email) == (255, "…", "long.name@example.com")
