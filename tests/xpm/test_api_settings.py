"""REST API: the sync settings and accepting a suggested match, as the UI does them."""

from __future__ import annotations

import pytest
import yaml

from practicelink.team import services as team_services
from practicelink.xpm.models import LinkChange, LinkMethod, StaffLink, SyncSettings
from practicelink.xpm.models import Staff as StaffRow
from tests.conftest import api_for
from tests.factories import MemberFactory, PracticeFactory
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db

SETTINGS = "/api/v1/xpm/settings/"
ACCEPT = "/api/v1/xpm/links/accept-suggestion/"


def test_settings_read_and_change_within_the_same_bounds_as_the_ui(admin_api, practice):
    assert admin_api.get(SETTINGS).json() == {
        "creation_window_hours": 24,
        "auto_link": False,
        "sync_interval_minutes": 5,
        "conflict_policy": "xpm_wins",
        "create_clients_at_once": False,
        "job_number_prefix": "PL",
        "occurrence_lead_days": 7,
    }
    changed = admin_api.patch(
        SETTINGS,
        {"creation_window_hours": 0, "auto_link": True, "conflict_policy": "most_recent"},
        format="json",
    )
    assert changed.status_code == 200
    saved = SyncSettings.objects.get(practice=practice)
    assert (saved.creation_window_hours, saved.auto_link, saved.conflict_policy) == (
        0,
        True,
        "most_recent",
    )
    bad = admin_api.patch(
        SETTINGS,
        {
            "creation_window_hours": 100000000,
            "sync_interval_minutes": 0,
            "conflict_policy": "x",
            "occurrence_lead_days": 91,
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "occurrence_lead_days": ["Ensure this value is less than or equal to 90."],
        "creation_window_hours": ["Ensure this value is less than or equal to 8760."],
        "sync_interval_minutes": ["Ensure this value is greater than or equal to 1."],
        "conflict_policy": ['"x" is not a valid choice.'],
    }
    saved.refresh_from_db()
    assert (saved.creation_window_hours, saved.sync_interval_minutes) == (0, 5)
    whole = admin_api.put(
        SETTINGS,
        {
            "creation_window_hours": 8760,
            "auto_link": False,
            "sync_interval_minutes": 1440,
            "conflict_policy": "xpm_wins",
            "create_clients_at_once": True,
        },
        format="json",
    )
    assert whole.status_code == 200 and whole.json()["sync_interval_minutes"] == 1440


def test_standard_members_can_neither_read_nor_change_the_settings(standard, practice):
    api = api_for(standard)
    assert api.get(SETTINGS).status_code == 403
    assert api.patch(SETTINGS, {"auto_link": True}, format="json").status_code == 403
    assert not SyncSettings.objects.filter(practice=practice, auto_link=True).exists()


def test_settings_are_the_callers_practice_only(admin_api, practice):
    other = PracticeFactory()
    SyncSettings.objects.create(practice=other, creation_window_hours=7)
    admin_api.patch(SETTINGS, {"creation_window_hours": 3}, format="json")
    assert SyncSettings.objects.get(practice=other).creation_window_hours == 7
    assert (
        api_for(MemberFactory(practice=other, role="admin", login="pw"))
        .get(SETTINGS)
        .json()["creation_window_hours"]
        == 7
    )


def test_accepting_a_suggestion_links_by_email_not_by_hand(
    admin_api, admin, practice, connected, xpm
):
    uuid = xpm.add_staff("Nora New", "NORA@alpha.example")
    nora = team_services.member_create(practice=practice, name="Nora", email="nora@alpha.example")
    sync(practice)
    answer = admin_api.post(ACCEPT, {"member": nora.pk, "staff": uuid}, format="json")
    assert answer.status_code == 201
    assert (answer.json()["method"], answer.json()["staff"]["uuid"]) == ("email", uuid)
    link = StaffLink.objects.get(member=nora)
    assert (link.method, link.linked_by) == (LinkMethod.EMAIL, admin)
    change = LinkChange.objects.get(member=nora)
    assert (change.linked, change.method) == (True, LinkMethod.EMAIL)


def test_accepting_refuses_another_email_an_unknown_staff_and_a_standard_member(
    admin_api, standard, practice, connected, xpm
):
    uuid = xpm.add_staff("Someone Else", "else@alpha.example")
    nora = team_services.member_create(practice=practice, name="Nora", email="nora@alpha.example")
    sync(practice)
    other = admin_api.post(ACCEPT, {"member": nora.pk, "staff": uuid}, format="json")
    assert other.status_code == 400
    assert other.json() == {
        "detail": ["Someone Else does not have Nora's email: link them by hand in the edit form."]
    }
    missing = admin_api.post(ACCEPT, {"member": nora.pk, "staff": "nope"}, format="json")
    assert missing.status_code == 404
    assert admin_api.post(ACCEPT, {}, format="json").status_code == 400
    forbidden = api_for(standard).post(ACCEPT, {"member": nora.pk, "staff": uuid}, format="json")
    assert forbidden.status_code == 403
    assert not StaffLink.objects.exists()
    StaffRow.objects.filter(uuid=uuid).update(gone_at=StaffRow.objects.get(uuid=uuid).seen_at)
    gone = admin_api.post(ACCEPT, {"member": nora.pk, "staff": uuid}, format="json")
    assert gone.status_code == 404


def test_schema_documents_settings_and_accept(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    settings = schema["paths"][SETTINGS]
    assert set(settings) >= {"get", "put", "patch"}
    assert "creation window" in settings["get"]["description"]
    body = schema["components"]["schemas"]["SyncSettings"]["properties"]
    assert (body["creation_window_hours"]["maximum"], body["sync_interval_minutes"]["minimum"]) == (
        8760,
        1,
    )
    accept = schema["paths"][ACCEPT]["post"]
    assert "recorded as made by email" in accept["description"]


def test_the_job_number_prefix_is_a_setting_of_the_api_too(admin_api, practice):
    changed = admin_api.patch(SETTINGS, {"job_number_prefix": "ACME"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["job_number_prefix"] == "ACME"
    for bad in ("AB12", "", "TOOLONGXX"):
        refused = admin_api.patch(SETTINGS, {"job_number_prefix": bad}, format="json")
        assert refused.status_code == 400, bad
        assert list(refused.json()) == ["job_number_prefix"]
    assert admin_api.patch(SETTINGS, {"job_number_prefix": "AB12"}, format="json").json() == {
        "job_number_prefix": ["Use 1 to 8 letters, e.g. PL."]
    }
    assert SyncSettings.objects.get(practice=practice).job_number_prefix == "ACME"
