"""A staff.api/add whose answer is lost never yields a second staff (write-ahead + quiet period)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from practicelink.team import services as team_services
from practicelink.xpm.models import (
    CreationState,
    EventOutcome,
    LinkMethod,
    StaffCreation,
    StaffLink,
    SyncSettings,
    SyncStatus,
)
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def nora(practice, connected):
    SyncSettings.objects.create(practice=practice, creation_window_hours=0)
    return team_services.member_create(
        practice=practice, name="Nora New", email="nora@alpha.example"
    )


def adds(xpm) -> int:
    return xpm.writes().count("staff.api/add")


def test_an_answer_lost_after_xpm_wrote_links_the_staff_at_the_next_sync(nora, practice, xpm):
    xpm.server.add_fault("staff.api/add", "drop_after")
    first = sync(practice)
    event = first.events.get(action="create_staff")
    assert event.outcome == EventOutcome.UNCERTAIN
    assert "nora@alpha.example" in event.message
    assert first.status == SyncStatus.SUCCEEDED  # not a failure: the outcome is unknown yet
    creation = StaffCreation.objects.get(member=nora)
    assert (creation.state, creation.email, creation.name) == (
        CreationState.UNCERTAIN,
        "nora@alpha.example",
        "Nora New",
    )

    second = sync(practice)
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert adds(xpm) == 1
    assert StaffLink.objects.get(member=nora).method == LinkMethod.CREATED
    assert second.events.get(action="link").message == (
        "Linked Nora New ↔ Nora New (the staff practicelink created)."
    )
    assert not StaffCreation.objects.filter(member=nora).exists()


def test_a_create_that_never_landed_is_retried_only_after_the_quiet_period(nora, practice, xpm):
    sent_at = timezone.now()
    xpm.server.add_fault("staff.api/add", "drop")  # nothing written in XPM
    sync(practice, now=sent_at)
    assert xpm.staff_emails() == []

    waiting = sync(practice, now=sent_at + timedelta(minutes=14))
    assert adds(xpm) == 1  # the first, dropped attempt only
    assert not waiting.events.filter(action="create_staff").exists()

    retried = sync(practice, now=sent_at + timedelta(minutes=15))
    assert retried.events.get(action="create_staff").outcome == EventOutcome.DONE
    assert xpm.staff_emails() == ["nora@alpha.example"]
    assert StaffLink.objects.filter(member=nora).exists()


def test_a_slow_answer_with_the_email_corrected_meanwhile_gives_one_linked_staff(
    nora, practice, xpm, settings
):
    settings.XPM_TIMEOUT_SECONDS = 0.5
    xpm.server.add_fault("staff.api/add", "slow", seconds=1.5)
    first = sync(practice)
    assert first.events.get(action="create_staff").outcome == EventOutcome.UNCERTAIN
    team_services.member_update(
        practice=practice,
        member=nora,
        name="Nora New",
        email="nora.new@alpha.example",
        role=nora.role,
    )
    deadline = time.monotonic() + 10
    while not xpm.staff_emails() and time.monotonic() < deadline:
        time.sleep(0.1)  # the test waits for XPM's late write; the sync never does
    assert xpm.staff_emails() == ["nora@alpha.example"]

    sync(practice)
    sync(practice, now=timezone.now() + timedelta(hours=1))
    assert xpm.staff_emails() == ["nora@alpha.example"]
    link = StaffLink.objects.select_related("staff").get(member=nora)
    assert (link.staff.email, link.method) == ("nora@alpha.example", LinkMethod.CREATED)


def test_a_refused_create_is_a_failure_and_tried_again_next_sync(nora, practice, xpm):
    xpm.server.add_fault("staff.api/add", "500")
    failed = sync(practice)
    assert failed.status == SyncStatus.PARTLY_FAILED
    assert not StaffCreation.objects.filter(member=nora).exists()
    sync(practice)
    assert xpm.staff_emails() == ["nora@alpha.example"]
