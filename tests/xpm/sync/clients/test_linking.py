"""Making sure a client exists in XPM (job deployment's first step): look, then create once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from practicelink.clients.services import client_create
from practicelink.xpm.models import ClientCreation, ClientLink, ClientLinkMethod, ClientMatch
from practicelink.xpm.remote import XpmConnectionError
from practicelink.xpm.sync.clients.linking import (
    ClientCreationUncertain,
    ClientInReview,
    client_ensure_in_xpm,
)
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def ensure(both, client):
    with both.client() as xpm:
        return client_ensure_in_xpm(practice=both.practice, client=client, xpm=xpm)


def test_creates_the_client_in_xpm_with_its_partner_and_manager_once(both):
    ann, s_ann = both.person("Ann Partner")
    bob, s_bob = both.person("Bob Manager")
    client = client_create(
        practice=both.practice,
        name="Kowalski Trust",
        email="k@example.com",
        partner=ann,
        manager=bob,
    )

    uuid = ensure(both, client)

    there = both.xpm_client(uuid)
    assert (there.name, there.email) == ("Kowalski Trust", "k@example.com")
    assert (there.account_manager_uuid, there.job_manager_uuid) == (s_ann, s_bob)
    assert ClientLink.objects.get(client=client).method == ClientLinkMethod.CREATED
    assert not ClientCreation.objects.exists()
    assert ensure(both, client) == uuid
    assert both.xpm.writes() == ["client.api/add"]


def test_links_an_xpm_client_made_since_the_last_sync_instead_of_creating(both):
    there = both.add_xpm_client("Greenleaf Landscaping", "hello@greenleaf.example")
    client = client_create(
        practice=both.practice, name="Greenleaf", email="Hello@greenleaf.example"
    )

    assert ensure(both, client) == there.uuid
    assert both.xpm.writes() == []
    client.refresh_from_db()  # a new pair takes XPM's values where both differ (the default)
    assert (client.name, client.email) == ("Greenleaf Landscaping", "hello@greenleaf.example")


def test_a_near_name_waits_for_review_and_creates_nothing(both):
    both.add_xpm_client("Bluebird Dental Limited")
    client = client_create(practice=both.practice, name="Bluebird Dental Ltd")

    with pytest.raises(ClientInReview, match="Near names"):
        ensure(both, client)
    with pytest.raises(ClientInReview):
        ensure(both, client)

    item = ClientMatch.objects.get(client=client)
    assert (item.side, item.status) == ("local", "open")
    assert [c["name"] for c in item.candidates] == ["Bluebird Dental Limited"]
    assert both.xpm.writes() == []


def test_a_lost_add_answer_never_makes_a_second_client(both):
    client = client_create(practice=both.practice, name="Harbour View Cafe")
    both.xpm.server.add_fault("client.api/add", "drop_after")

    with pytest.raises(XpmConnectionError):
        ensure(both, client)
    assert ClientCreation.objects.get(client=client).attempts == 1

    uuid = ensure(both, client)

    assert both.xpm_names() == ["Harbour View Cafe"]
    assert ClientLink.objects.get(client=client).uuid == uuid
    assert not ClientCreation.objects.exists()
    assert both.xpm.writes() == ["client.api/add"]


def test_a_lost_add_that_has_not_landed_waits_the_quiet_period_before_adding_again(both, settings):
    """XPM may still be writing a client whose answer we lost: searching finds nothing yet,
    and adding again at once would make two."""
    settings.XPM_UNCERTAIN_CREATE_QUIET_MINUTES = 15
    client = client_create(practice=both.practice, name="Late Lands Ltd")
    sent = timezone.now()
    ClientCreation.objects.create(
        practice=both.practice, client=client, name=client.name, requested_at=sent, attempts=1
    )

    with both.client() as xpm, pytest.raises(ClientCreationUncertain, match="was lost"):
        client_ensure_in_xpm(
            practice=both.practice, client=client, xpm=xpm, now=sent + timedelta(minutes=14)
        )
    assert both.xpm.writes() == []

    with both.client() as xpm:
        client_ensure_in_xpm(
            practice=both.practice, client=client, xpm=xpm, now=sent + timedelta(minutes=16)
        )
    assert both.xpm_names() == ["Late Lands Ltd"]
    assert both.xpm.writes() == ["client.api/add"]


def test_a_client_of_another_practice_is_refused(both):
    other = ClientFactory()
    with pytest.raises(type(other).DoesNotExist):
        ensure(both, other)
