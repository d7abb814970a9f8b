"""The three-way table over HTTP: each side unchanged / changed / cleared, to a person who is
linked or not, with the result on both sides (the practice's default policy: XPM wins)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from practicelink.clients.services import client_update
from practicelink.xpm.models import ClientConflict, ClientLink

pytestmark = pytest.mark.django_db

SAME = "same"
# ours: Ann (unchanged), Bob (linked), Cat (a member with no staff), None (cleared)
# theirs: Ann (unchanged), Bob (linked), Zed (a staff with no member), "" (cleared)
TABLE = [
    # ours, theirs → ours after, theirs after, conflict, problem
    ("ann", "ann", "ann", "ann", False, False),
    ("ann", "bob", "bob", "bob", False, False),
    ("ann", "zed", "ann", "zed", False, True),
    ("ann", "", None, "", False, False),
    ("bob", "ann", "bob", "bob", False, False),
    ("bob", "bob", "bob", "bob", False, False),
    ("bob", "zed", "bob", "zed", True, True),
    ("bob", "", None, "", True, False),
    ("cat", "ann", "cat", "ann", False, True),
    ("cat", "bob", "bob", "bob", True, False),
    ("cat", "zed", "cat", "zed", True, True),
    ("cat", "", None, "", True, False),
    (None, "ann", None, "", False, False),
    (None, "bob", "bob", "bob", True, False),
    (None, "zed", None, "zed", True, True),
    (None, "", None, "", False, False),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "ours_after", "theirs_after", "conflict", "problem"),
    TABLE,
    ids=[f"ours {o or 'cleared'}, XPM {t or 'cleared'}" for o, t, *_ in TABLE],
)
def test_partner_three_way(both, ours, theirs, ours_after, theirs_after, conflict, problem):
    people = {
        "ann": both.person("Ann Adams"),
        "bob": both.person("Bob Brown"),
        "cat": both.person("Cat Cole", staff=False),
        "zed": both.person("Zed Zane", member=False),
    }
    members = {key: member for key, (member, _) in people.items()}
    staff = {key: uuid for key, (_, uuid) in people.items()}
    there = both.add_xpm_client("Acme", partner=staff["ann"])
    now = timezone.now()
    both.sync(now=now)
    here = both.local("Acme")
    assert here.partner == members["ann"]

    client_update(
        practice=both.practice,
        client=here,
        name="Acme",
        partner=members[ours] if ours else None,
    )
    both.change_xpm(there, account_manager_uuid=staff[theirs] if theirs else None)
    both.sync(now=now + timedelta(minutes=5))

    here.refresh_from_db()
    assert here.partner == (members[ours_after] if ours_after else None)
    assert (there.account_manager_uuid or "") == (staff[theirs_after] if theirs_after else "")
    assert ClientConflict.objects.filter(client=here, field="partner").exists() == conflict
    link = ClientLink.objects.get(client=here)
    assert ("partner:" in link.problem) == problem
    # A third sync changes nothing more on either side.
    writes = len(both.xpm.writes())
    both.sync(now=now + timedelta(minutes=10))
    here.refresh_from_db()
    assert here.partner == (members[ours_after] if ours_after else None)
    assert len(both.xpm.writes()) == writes
