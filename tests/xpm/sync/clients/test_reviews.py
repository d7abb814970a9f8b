"""Review queue and conflict decisions, the push after an edit, the pages and the REST API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.clients.services import client_create, client_update
from practicelink.xpm.models import ClientConflict, ClientLink, ClientMatch
from practicelink.xpm.sync.clients.linking import ClientInReview, client_ensure_in_xpm
from tests.conftest import api_for, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def near(both):
    """A client here and a near-named one in XPM, waiting in the review queue."""
    here = client_create(practice=both.practice, name="Bluebird Dental Ltd")
    there = both.add_xpm_client("Bluebird Dental Limited", "admin@bluebird.example")
    both.sync()
    return here, there, ClientMatch.objects.get(practice=both.practice, status="open")


def test_accepting_a_candidate_links_them(both, near, admin):
    here, there, item = near
    response = signed_in(admin).post(
        reverse("xpm_clients:decide", args=[item.pk]),
        {"decision": "link", "candidate": str(here.pk)},
    )
    assert response.status_code == 302
    assert ClientLink.objects.get(client=here).uuid == there.uuid
    item.refresh_from_db()
    assert (item.status, item.decided_by, item.client) == ("linked", admin, here)
    here.refresh_from_db()
    assert here.email == "admin@bluebird.example"


def test_create_new_brings_the_xpm_client_in_as_another_client(both, near, admin_api):
    here, there, item = near
    response = admin_api.post(f"/api/v1/xpm/client-reviews/{item.pk}/create-new/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "created"
    assert Client.objects.filter(practice=both.practice).count() == 2
    assert ClientLink.objects.get(uuid=there.uuid).client.name == "Bluebird Dental Limited"
    assert not ClientLink.objects.filter(client=here).exists()


def test_ignore_is_remembered_and_not_asked_again(both, near, admin_api):
    _, _, item = near
    assert admin_api.post(f"/api/v1/xpm/client-reviews/{item.pk}/ignore/").status_code == 200
    both.sync(now=timezone.now() + timedelta(days=2))
    assert list(ClientMatch.objects.values_list("status", flat=True)) == ["ignored"]
    again = admin_api.post(f"/api/v1/xpm/client-reviews/{item.pk}/ignore/")
    assert again.status_code == 400
    assert "already decided" in again.json()["detail"][0]


def test_a_client_here_waiting_for_review_can_be_created_in_xpm(both, admin_api):
    both.add_xpm_client("Bluebird Dental Limited")
    here = client_create(practice=both.practice, name="Bluebird Dental Ltd")
    with both.client() as xpm, pytest.raises(ClientInReview):
        client_ensure_in_xpm(practice=both.practice, client=here, xpm=xpm)
    item = ClientMatch.objects.get(client=here, status="open")
    assert both.xpm.writes() == []

    response = admin_api.post(f"/api/v1/xpm/client-reviews/{item.pk}/create-new/")

    assert response.status_code == 200, response.content
    assert both.xpm_names() == ["Bluebird Dental Limited", "Bluebird Dental Ltd"]
    assert ClientLink.objects.get(client=here).method == "created"


def test_a_conflict_is_kept_or_switched_and_the_switch_reaches_xpm(both, admin_api):
    ann, s_ann = both.person("Ann Partner")
    bob, s_bob = both.person("Bob Brown")
    there = both.add_xpm_client("Acme")
    now = timezone.now()
    both.sync(now=now)
    here = both.local("Acme")
    client_update(practice=both.practice, client=here, name="Acme", partner=ann)
    both.change_xpm(there, account_manager_uuid=s_bob)
    both.sync(now=now + timedelta(minutes=5))
    conflict = ClientConflict.objects.get(client=here, status="open")
    assert (conflict.ours, conflict.theirs, conflict.applied) == (
        "Ann Partner",
        "Bob Brown",
        "theirs",
    )
    here.refresh_from_db()
    assert here.partner == bob

    page = signed_in(both.practice.members.get(role="admin")).get(reverse("xpm_clients:review"))
    assert b"Ann Partner" in page.content and b"Bob Brown" in page.content

    response = admin_api.post(
        f"/api/v1/xpm/client-conflicts/{conflict.pk}/resolve/", {"keep": "ours"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "kept_ours"
    here.refresh_from_db()
    assert (here.partner, there.account_manager_uuid) == (ann, s_ann)
    both.sync(now=now + timedelta(minutes=10))
    here.refresh_from_db()
    assert (here.partner, there.account_manager_uuid) == (ann, s_ann)


def test_an_edit_here_is_pushed_on_commit(both, django_capture_on_commit_callbacks):
    ann, s_ann = both.person("Ann Partner")
    there = both.add_xpm_client("Acme")
    both.sync()
    here = both.local("Acme")
    with django_capture_on_commit_callbacks(execute=True):
        client_update(practice=both.practice, client=here, name="Acme", partner=ann)
    assert there.account_manager_uuid == s_ann
    assert both.xpm.writes() == ["client.api/update"]


def test_a_failed_push_is_sent_again_by_the_next_sync_and_holds(
    both, django_capture_on_commit_callbacks
):
    ann, s_ann = both.person("Ann Partner")
    there = both.add_xpm_client("Acme")
    now = timezone.now()
    both.sync(now=now)
    here = both.local("Acme")
    both.xpm.server.add_fault("client.api/update", "500")
    with django_capture_on_commit_callbacks(execute=True):
        client_update(practice=both.practice, client=here, name="Acme", partner=ann)
    assert there.account_manager_uuid is None
    assert "XPM refused the update" in ClientLink.objects.get(client=here).problem

    both.sync(now=now + timedelta(minutes=5))

    assert there.account_manager_uuid == s_ann
    assert ClientLink.objects.get(client=here).problem == ""
    both.sync(now=now + timedelta(minutes=10))
    assert there.account_manager_uuid == s_ann


def test_clients_list_shows_the_xpm_state_and_the_review_panel(both, near, admin):
    page = signed_in(admin).get(reverse("clients:list"))
    assert page.status_code == 200
    assert b"Not in XPM yet" in page.content
    assert b"1 client waits" in page.content
    linked = client_create(practice=both.practice, name="Zenith Homes")
    ClientLink.objects.create(
        practice=both.practice,
        client=linked,
        uuid="u-zenith",
        method="matched",
        linked_at=timezone.now(),
        synced_at=timezone.now(),
        synced_name="Zenith Homes",
        problem="partner: Cat is not linked to an XPM staff, so XPM keeps its partner.",
    )
    page = signed_in(admin).get(reverse("clients:list"))
    assert b"Cat is not linked to an XPM staff" in page.content


def test_reviews_and_conflicts_of_another_practice_are_invisible(both, near):
    from tests.factories import MemberFactory

    stranger = MemberFactory(login="pw")
    api = api_for(stranger)
    _, _, item = near
    assert api.get("/api/v1/xpm/client-reviews/").json()["results"] == []
    assert api.post(f"/api/v1/xpm/client-reviews/{item.pk}/ignore/").status_code == 404
    assert (
        signed_in(stranger)
        .post(reverse("xpm_clients:decide", args=[item.pk]), {"decision": "ignore"})
        .status_code
        == 404
    )
