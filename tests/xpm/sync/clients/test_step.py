"""The clients step against the emulator over HTTP: reading, pairing, three-way, pushing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.clients.services import client_create, client_update
from practicelink.xpm.models import (
    ClientCursor,
    ClientLink,
    ClientMatch,
    SyncSettings,
)
from practicelink.xpm.remote import RateLimitDenied
from practicelink.xpm.sync.clients import step
from practicelink.xpm.sync.clients.linking import import_client, import_clients
from practicelink.xpm.sync.clients.pairs import Pairs, remote_of
from tests.xpm.sync.clients.conftest import Allowance, actions

pytestmark = pytest.mark.django_db


def test_first_import_brings_xpm_clients_with_partner_and_manager(both):
    ann, s_ann = both.person("Ann Partner")
    bob, s_bob = both.person("Bob Manager")
    both.add_xpm_client("Harbour View Cafe", "hv@example.com", partner=s_ann, manager=s_bob)
    both.add_xpm_client("Northwind Ltd", partner=s_bob)

    run = both.sync()

    cafe, northwind = both.local("Harbour View Cafe"), both.local("Northwind Ltd")
    assert (cafe.email, cafe.partner, cafe.manager) == ("hv@example.com", ann, bob)
    assert (northwind.partner, northwind.manager) == (bob, None)
    assert ClientLink.objects.filter(practice=both.practice).count() == 2
    assert actions(run) == ["client_import", "client_import"]
    assert run.status == "succeeded"
    assert both.calls() == ["GET client.api/paged-list"]


def test_no_change_sync_costs_one_client_call(both):
    both.add_xpm_client("Harbour View Cafe")
    now = timezone.now()
    both.sync(now=now)
    both.xpm.server.clear_calls()

    run = both.sync(now=now + timedelta(minutes=5))

    assert both.calls() == ["GET client.api/list"]
    assert actions(run) == []


def test_first_import_of_1001_clients_takes_three_calls(both):
    for n in range(1001):
        both.add_xpm_client(f"Client {n:04}")
    now = timezone.now()
    both.sync(now=now)
    assert both.calls() == ["GET client.api/paged-list"] * 3
    assert Client.objects.filter(practice=both.practice).count() == 1001
    both.xpm.server.clear_calls()
    both.sync(now=now + timedelta(minutes=5))
    assert both.calls() == ["GET client.api/list"]


def test_partner_changed_in_xpm_shows_here_and_here_shows_in_xpm(both):
    ann, s_ann = both.person("Ann Partner")
    bob, s_bob = both.person("Bob Manager")
    cafe_xpm = both.add_xpm_client("Harbour View Cafe", partner=s_ann)
    mill_xpm = both.add_xpm_client("Old Mill Bakery", partner=s_ann)
    now = timezone.now()
    both.sync(now=now)

    both.change_xpm(cafe_xpm, account_manager_uuid=s_bob)
    mill = both.local("Old Mill Bakery")
    client_update(practice=both.practice, client=mill, name=mill.name, partner=bob, manager=ann)
    run = both.sync(now=now + timedelta(minutes=5))

    assert both.local("Harbour View Cafe").partner == bob
    assert (mill_xpm.account_manager_uuid, mill_xpm.job_manager_uuid) == (s_bob, s_ann)
    events = {e.subject_label: e for e in run.events.filter(action="client_sync")}
    assert events["Harbour View Cafe"].message == "Harbour View Cafe: partner taken from XPM."
    assert events["Harbour View Cafe"].after == {"partner": "Bob Manager"}
    assert events["Old Mill Bakery"].message == "Old Mill Bakery: partner, manager sent to XPM."
    assert events["Old Mill Bakery"].after == {
        "partner in XPM": "Bob Manager",
        "manager in XPM": "Ann Partner",
    }


def test_push_sends_the_full_record_so_strict_update_loses_nothing(both):
    ann, s_ann = both.person("Ann Partner")
    cafe_xpm = both.add_xpm_client("Harbour View Cafe", "hv@example.com")
    cafe_xpm.details.update({"Phone": "09 555 0100", "City": "Auckland"})
    both.xpm.server.configure(strict_update=True)
    now = timezone.now()
    both.sync(now=now)

    cafe = both.local("Harbour View Cafe")
    client_update(
        practice=both.practice, client=cafe, name=cafe.name, email=cafe.email, partner=ann
    )
    both.sync(now=now + timedelta(minutes=5))

    assert cafe_xpm.account_manager_uuid == s_ann
    assert (cafe_xpm.email, cafe_xpm.details["Phone"], cafe_xpm.details["City"]) == (
        "hv@example.com",
        "09 555 0100",
        "Auckland",
    )


def test_the_same_client_made_on_both_sides_becomes_one_pair(both):
    ann, s_ann = both.person("Ann Partner")
    client_create(practice=both.practice, name="Greenleaf Landscaping", partner=ann)
    both.add_xpm_client("GREENLEAF LANDSCAPING", "hello@greenleaf.example")

    both.sync()
    both.sync(now=timezone.now() + timedelta(minutes=5))

    assert Client.objects.filter(practice=both.practice).count() == 1
    assert both.xpm_names() == ["GREENLEAF LANDSCAPING"]
    here = Client.objects.get(practice=both.practice)
    there = both.tenant.clients[0]
    assert (here.name, here.email) == ("GREENLEAF LANDSCAPING", "hello@greenleaf.example")
    assert (here.partner, there.account_manager_uuid) == (ann, s_ann)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        pytest.param(["Bluebird Dental Ltd"], "Bluebird Dental Limited", id="near name"),
        pytest.param(["Acme", "ACME"], "acme", id="two exact candidates"),
    ],
)
def test_doubtful_matches_wait_for_review_and_nothing_is_adopted(both, ours, theirs):
    for name in ours:
        client_create(practice=both.practice, name=name, allow_duplicate=True)
    both.add_xpm_client(theirs)

    run = both.sync()

    item = ClientMatch.objects.get(practice=both.practice, status="open")
    assert (item.side, item.name) == ("xpm", theirs)
    assert sorted(c["name"] for c in item.candidates) == sorted(ours)
    assert not ClientLink.objects.filter(practice=both.practice).exists()
    assert Client.objects.filter(practice=both.practice).count() == len(ours)
    assert actions(run) == ["client_review"]
    both.sync(now=timezone.now() + timedelta(minutes=5))
    assert ClientMatch.objects.filter(practice=both.practice).count() == 1


def test_a_change_in_the_boundary_second_is_not_missed(both):
    ann, s_ann = both.person("Ann Partner")
    cafe_xpm = both.add_xpm_client("Harbour View Cafe")
    now = timezone.now().replace(microsecond=0)
    both.xpm.server.set_time(now)
    both.sync(now=now)
    both.sync(now=now)  # the incremental pull at `now`
    both.change_xpm(cafe_xpm, account_manager_uuid=s_ann)  # same second, after the pull

    both.sync(now=now + timedelta(minutes=1))

    assert both.local("Harbour View Cafe").partner == ann


def test_cursor_stays_when_the_pull_fails(both):
    both.add_xpm_client("Harbour View Cafe")
    now = timezone.now()
    both.sync(now=now)
    before = ClientCursor.objects.get(practice=both.practice).modified_since
    both.xpm.server.add_fault("client.api/list", "500", count=3)
    run = both.sync(now=now + timedelta(minutes=5))
    assert (run.status, run.steps["clients"]) == ("failed", "failed")
    assert "500" in run.error
    assert ClientCursor.objects.get(practice=both.practice).modified_since == before


def test_archived_in_xpm_is_archived_here_after_the_full_pass_not_a_failed_one(both, monkeypatch):
    monkeypatch.setattr(step, "PAGE_SIZE", 1)
    both.add_xpm_client("Acme")
    gone = both.add_xpm_client("Bluegum Bakery")
    both.add_xpm_client("Zenith")
    now = timezone.now()
    both.sync(now=now)
    # Archived without its modified stamp moving: only the daily full pass can notice.
    gone.is_archived = True

    later = now + step.FULL_PASS_EVERY
    both.xpm.server.add_fault("client.api/paged-list", "500", count=3)
    assert both.sync(now=later).status == "failed"
    assert not both.local("Bluegum Bakery").archived

    run = both.sync(now=later)
    assert both.local("Bluegum Bakery").archived
    assert not both.local("Acme").archived and not both.local("Zenith").archived
    assert actions(run, "done") == ["client_archive"]


def test_a_client_missed_by_shifting_pages_is_looked_up_not_archived(both, monkeypatch):
    monkeypatch.setattr(step, "PAGE_SIZE", 1)
    acme = both.add_xpm_client("Acme")
    both.add_xpm_client("Bluegum Bakery")
    both.add_xpm_client("Cedar Homes")
    now = timezone.now()
    both.sync(now=now)
    later = now + step.FULL_PASS_EVERY
    with pytest.raises(RateLimitDenied):
        both.read(now=later, limiter=Allowance(1))  # page 1 read: Acme
    # Acme is archived between two pages: the saved offset now skips Bluegum Bakery.
    acme.is_archived = True
    both.xpm.server.clear_calls()

    run = both.sync(now=later)

    assert both.calls().count("GET client.api/get") == 1  # Bluegum, looked up
    assert not both.local("Bluegum Bakery").archived
    assert actions(run) == []
    # Acme was listed before it was archived: the next full pass notices it.
    both.sync(now=later + step.FULL_PASS_EVERY)
    assert both.local("Acme").archived


def test_first_import_resumes_at_its_checkpoint_after_a_deferral(both, monkeypatch):
    monkeypatch.setattr(step, "PAGE_SIZE", 2)
    for name in ("A1", "A2", "B1", "B2", "C1"):
        both.add_xpm_client(name)
    now = timezone.now()
    with pytest.raises(RateLimitDenied):
        both.read(now=now, limiter=Allowance(2))  # pages 1 and 2, then denied
    cursor = ClientCursor.objects.get(practice=both.practice)
    assert (cursor.pass_pages, cursor.pass_clients, cursor.modified_since) == (2, 4, None)
    both.xpm.server.clear_calls()

    both.sync(now=now + timedelta(minutes=1))

    assert both.calls() == ["GET client.api/paged-list"]  # page 3 only
    assert sorted(Client.objects.values_list("name", flat=True)) == ["A1", "A2", "B1", "B2", "C1"]
    cursor.refresh_from_db()
    assert (cursor.pass_started_at, cursor.full_pass_at, cursor.modified_since) == (None, now, now)


def test_dry_run_records_the_actions_and_changes_nothing(both):
    _, s_ann = both.person("Ann Partner")
    both.add_xpm_client("Harbour View Cafe", partner=s_ann)
    run = both.sync(dry_run=True)
    assert actions(run, "planned") == ["client_import"]
    assert run.events.get(action="client_import").after == {
        "name": "Harbour View Cafe",
        "partner": "Ann Partner",
    }
    assert not Client.objects.filter(practice=both.practice).exists()
    assert not ClientCursor.objects.filter(practice=both.practice).exists()
    assert actions(both.sync(), "done") == ["client_import"]


def test_create_at_once_sends_new_clients_but_links_one_xpm_already_has(both):
    SyncSettings.objects.update_or_create(
        practice=both.practice, defaults={"create_clients_at_once": True}
    )
    ann, s_ann = both.person("Ann Partner")
    client_create(practice=both.practice, name="Greenleaf Landscaping", partner=ann)
    client_create(practice=both.practice, name="Kowalski Family Trust", partner=ann)
    both.add_xpm_client("Greenleaf Landscaping")

    run = both.sync()

    assert sorted(actions(run)) == ["client_create", "client_link"]
    assert both.xpm_names() == ["Greenleaf Landscaping", "Kowalski Family Trust"]
    assert [c.account_manager_uuid for c in both.tenant.clients] == [s_ann, s_ann]
    assert both.xpm.writes() == ["client.api/update", "client.api/add"]
    assert ClientLink.objects.filter(practice=both.practice).count() == 2
    assert actions(both.sync(now=timezone.now() + timedelta(minutes=5))) == []


def test_create_at_once_waits_out_a_lost_answer_before_adding_again(both):
    SyncSettings.objects.update_or_create(
        practice=both.practice, defaults={"create_clients_at_once": True}
    )
    client_create(practice=both.practice, name="Kowalski Family Trust")
    both.xpm.server.add_fault("client.api/add", "drop")  # the connection is cut: outcome unknown

    first = both.sync()

    assert actions(first, "failed") == ["client_create"]
    assert both.xpm_names() == []
    again = both.sync(now=timezone.now() + timedelta(minutes=1))
    assert actions(again, "skipped") == ["client_create"]
    assert "was lost" in again.events.get(action="client_create").message
    assert both.xpm_names() == []  # not sent again while it may still land
    later = both.sync(now=timezone.now() + timedelta(minutes=20))
    assert actions(later, "done") == ["client_create"]
    assert both.xpm_names() == ["Kowalski Family Trust"]


def test_create_at_once_waits_while_a_switched_xpm_practice_is_unconfirmed(both, connected):
    SyncSettings.objects.update_or_create(
        practice=both.practice, defaults={"create_clients_at_once": True}
    )
    connected.confirmed_tenant_id = "another-tenant"
    connected.save()
    client_create(practice=both.practice, name="Kowalski Family Trust")

    run = both.sync()

    assert actions(run, "skipped") == ["client_create"]
    assert both.xpm.writes() == []


def _imported(both, name):
    """What an import made of the XPM client `name`, but for the name itself."""
    client = both.local(name)
    link = ClientLink.objects.get(client=client)
    assert link.synced_name == name
    return (
        (client.email, client.partner, client.manager, client.archived, link.method),
        (link.synced_email, link.synced_partner, link.synced_partner_staff),
        (link.synced_manager, link.synced_manager_staff, link.problem),
    )


def test_a_first_import_in_bulk_brings_each_client_as_importing_it_alone_would(both):
    ann, s_ann = both.person("Ann Partner")
    _, s_carl = both.person("Carl Unlinked", member=False)
    for name in ("Harbour View Cafe", "Old Mill Bakery"):
        both.add_xpm_client(name, "hv@example.com", partner=s_ann, manager=s_carl)
    with both.client() as xpm:
        pairs = Pairs.of(both.practice, xpm, timezone.now())
        remotes = [remote_of(xpm.client_get(c.uuid)) for c in both.tenant.clients]
        import_clients(pairs, remotes[:1])
        import_client(pairs, remotes[1])

    in_bulk = _imported(both, "Harbour View Cafe")
    assert in_bulk == _imported(both, "Old Mill Bakery")
    assert in_bulk[0] == ("hv@example.com", ann, None, False, "imported")
    assert "Carl Unlinked is not linked to a member" in in_bulk[2][2]


def test_an_import_the_bulk_insert_cannot_take_is_done_alone_and_the_others_in_bulk(both):
    both.add_xpm_client("Harbour View Cafe")
    both.add_xpm_client("Northwind Ltd")
    both.add_xpm_client("   ")  # XPM holds a client with no name: it cannot come in

    run = both.sync()

    assert sorted(c.name for c in Client.objects.filter(practice=both.practice)) == [
        "Harbour View Cafe",
        "Northwind Ltd",
    ]
    failed = run.events.get(outcome="failed")
    assert (failed.action, failed.message) == ("client_import", "A client needs a name.")
    assert run.status == "partly_failed"
