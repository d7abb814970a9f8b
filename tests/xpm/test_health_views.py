"""Settings > Apps > Link health: the page lists each gap with its records, and each fix made
from it has the effect the same action has on the team, clients and proposal screens."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.xpm import health
from practicelink.xpm.health import GapKind
from practicelink.xpm.models import (
    ClientMatch,
    HealthSnapshot,
    LinkChange,
    LinkMethod,
    MatchSide,
    ReviewStatus,
    StaffLink,
)
from tests.conftest import api_for
from tests.factories import ClientFactory, MemberFactory, PracticeFactory
from tests.xpm.test_health import staff

pytestmark = pytest.mark.django_db

PAGE = reverse("xpm:health")


def gap_count(web, kind: GapKind) -> int:
    html = web.get(PAGE).content.decode()
    marker = f'id="gap-{kind}" data-count="'
    start = html.index(marker) + len(marker)
    return int(html[start : html.index('"', start)])


def test_page_lists_gaps_with_what_they_break_and_their_records(admin_web, practice, admin):
    ClientFactory(practice=practice, name="Nobody's Client")
    staff(practice, "Xavier Xpm", "xavier@example.com")
    page = admin_web.get(PAGE).content.decode()
    assert "Members not linked to XPM staff" in page
    assert "cannot reach XPM" in page
    assert "Nobody&#x27;s Client" in page and "Xavier Xpm" in page
    assert 'data-member="Ada Admin"' in page
    assert gap_count(admin_web, GapKind.CLIENTS_UNASSIGNED) == 1


def test_names_in_the_pickers_are_escaped(admin_web, practice, admin):
    MemberFactory(practice=practice, name='<script>alert("m")</script>')
    ClientFactory(practice=practice, name="Unassigned Ltd")  # shows the assign bar
    staff(practice, '"><img src=x onerror=alert(1)>', "evil@example.com")
    page = admin_web.get(PAGE).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;m&quot;)&lt;/script&gt;</option>" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &lt;evil@example.com&gt;</option>" in page


def test_standard_member_cannot_open_or_fix(standard_web, practice, admin):
    member = MemberFactory(practice=practice)
    assert standard_web.get(PAGE).status_code == 403
    url = reverse("xpm:health-link", args=[member.pk])
    assert standard_web.post(url, {"staff": staff(practice, "S").uuid}).status_code == 403
    assert not StaffLink.objects.exists()


def test_link_by_hand_is_recorded_as_in_the_team_form(admin_web, practice, admin):
    person = staff(practice, "Ada in XPM", "other@example.com")
    answer = admin_web.post(
        reverse("xpm:health-link", args=[admin.pk]), {"staff": person.uuid}, HTTP_HX_REQUEST="true"
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and page.startswith('<div id="link-health"')
    assert "Ada Admin is now linked to Ada in XPM" in page
    assert "differs from Ada in XPM" in page  # the warning the team form gives
    change = LinkChange.objects.get()
    assert (change.method, change.by, change.linked) == (LinkMethod.MANUAL, admin, True)
    assert HealthSnapshot.objects.get(practice=practice).members_linked == 1


def test_another_practices_member_or_staff_is_not_found(admin_web, practice, admin):
    other = PracticeFactory()
    theirs = MemberFactory(practice=other)
    answer = admin_web.post(
        reverse("xpm:health-link", args=[theirs.pk]), {"staff": staff(practice, "S").uuid}
    )
    assert answer.status_code == 404
    their_staff = staff(other, "Theirs")
    answer = admin_web.post(
        reverse("xpm:health-link", args=[admin.pk]), {"staff": their_staff.uuid}
    )
    assert answer.status_code == 404 and not StaffLink.objects.exists()


def test_accept_one_and_all_single_candidate_suggestions(admin_web, practice, admin):
    one = MemberFactory(practice=practice, name="One")
    two = MemberFactory(practice=practice, name="Two")
    many = MemberFactory(practice=practice, name="Many")
    staff(practice, "Ada X", admin.email)
    staff(practice, "One X", one.email)
    staff(practice, "Two X", two.email)
    staff(practice, "Many X1", many.email)
    staff(practice, "Many X2", many.email)
    page = admin_web.get(PAGE).content.decode()
    assert "Accept all single-candidate suggestions (3)" in page

    admin_web.post(
        reverse("xpm:health-accept", args=[one.pk]), {"staff": f"uuid-{practice.pk}-One X"}
    )
    assert StaffLink.objects.get(member=one).staff.name == "One X"
    answer = admin_web.post(reverse("xpm:health-accept-all"), follow=True)
    assert "2 suggestions accepted." in answer.content.decode()
    linked = set(StaffLink.objects.values_list("member__name", flat=True))
    assert linked == {"Ada Admin", "One", "Two"}
    assert set(LinkChange.objects.values_list("method", flat=True)) == {LinkMethod.EMAIL}
    assert gap_count(admin_web, GapKind.MEMBERS_UNLINKED) == 1  # Many: a person picks


def test_add_user_from_xpm_invites_and_links(
    admin_web, practice, admin, django_capture_on_commit_callbacks
):
    person = staff(practice, "Nina New", "nina@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        admin_web.post(
            reverse("xpm:health-add-user"), {"staff": person.uuid, "send_invitation": "on"}
        )
    link = StaffLink.objects.select_related("member").get(staff=person)
    assert (link.member.name, link.member.email, link.member.access) == (
        "Nina New",
        "nina@example.com",
        "invited",
    )
    assert link.method == LinkMethod.MANUAL and link.linked_by == admin
    assert [m.to for m in mail.outbox] == [["nina@example.com"]]
    again = admin_web.post(reverse("xpm:health-add-user"), {"staff": person.uuid}, follow=True)
    assert "Nina New already uses nina@example.com in this practice." in again.content.decode()


def test_assign_a_partner_and_manager_to_the_selected_clients(admin_web, practice, admin):
    pat = MemberFactory(practice=practice, name="Pat")
    a, b, c = (ClientFactory(practice=practice, name=n) for n in "ABC")
    admin_web.post(
        reverse("xpm:health-assign"),
        {"clients": [a.pk, b.pk], "partner": pat.pk, "manager": admin.pk},
    )
    assigned = dict(Client.objects.values_list("name", "partner__name"))
    assert assigned == {"A": "Pat", "B": "Pat", "C": None}
    assert Client.objects.get(pk=a.pk).manager == admin
    refused = admin_web.post(reverse("xpm:health-assign"), {"clients": [c.pk]}, follow=True)
    assert "Choose a partner, a manager or both." in refused.content.decode()
    deleted = MemberFactory(practice=practice, name="Gone", deleted_at="2026-01-01T00:00Z")
    refused = admin_web.post(
        reverse("xpm:health-assign"), {"clients": [c.pk, a.pk], "partner": deleted.pk}, follow=True
    )
    assert "Gone is deleted" in refused.content.decode()
    assert Client.objects.get(pk=a.pk).partner == pat  # all or none


def test_ignore_a_review_item_from_the_page(admin_web, practice, admin):
    item = ClientMatch.objects.create(
        practice=practice,
        side=MatchSide.XPM,
        uuid="x1",
        name="Doubtful",
        reason="Several near names.",
        created_at=timezone.now(),
    )
    assert gap_count(admin_web, GapKind.CLIENT_REVIEWS) == 1
    admin_web.post(reverse("xpm:health-review", args=[item.pk]), {"decision": "ignore"})
    item.refresh_from_db()
    assert (item.status, item.decided_by) == (ReviewStatus.IGNORED, admin)
    assert gap_count(admin_web, GapKind.CLIENT_REVIEWS) == 0


def test_paging_a_gaps_records(admin_web, practice, admin):
    for i in range(25):
        ClientFactory(practice=practice, name=f"Client {i:02d}")
    first = admin_web.get(PAGE).content.decode()
    assert "1 to 20 of 25" in first and "Client 19" in first and "Client 20" not in first
    second = admin_web.get(PAGE, {GapKind.CLIENTS_UNASSIGNED.value: 2}).content.decode()
    assert "21 to 25 of 25" in second and "Client 24" in second


def test_apps_page_shows_the_card(admin_web, practice, admin, connected):
    page = admin_web.get(reverse("xpm:apps")).content.decode()
    assert 'id="link-health-card"' in page and "Open Link health" in page


HEALTH_API = "/api/v1/xpm/health/"


def test_api_summary_with_gaps_completeness_and_history(admin_api, practice, admin):
    ClientFactory(practice=practice, name="Lonely")
    staff(practice, "Ada X", admin.email)
    health.snapshot_take(practice)
    body = admin_api.get(HEALTH_API).json()
    gaps = {g["kind"]: g for g in body["gaps"]}
    assert gaps["members_unlinked"]["detail"] == {"waiting": 0, "suggested": 1, "blocked": 0}
    assert gaps["clients_unassigned"]["count"] == 1 and gaps["clients_unassigned"]["breaks"]
    assert body["completeness"]["percent"] == 0 and body["last_sync"] is None
    assert body["budget"] is None
    [point] = body["history"]
    assert point["completeness"]["members"] == 1 and point["gaps"]["clients_unassigned"] == 1

    linked = admin_api.post(HEALTH_API + "accept-suggestions/").json()
    assert linked == {"linked": [admin.pk], "refused": []}
    assert admin_api.get(HEALTH_API).json()["completeness"]["members_share"] == 1.0


def test_api_assign_is_all_or_none_and_tenant_isolated(admin_api, practice, admin):
    client = ClientFactory(practice=practice)
    theirs = ClientFactory(practice=PracticeFactory())
    answer = admin_api.post(
        HEALTH_API + "assign/",
        {"clients": [client.pk, theirs.pk], "partner": admin.pk},
        format="json",
    )
    assert answer.status_code == 400 and f"no client {theirs.pk}" in str(answer.json())
    answer = admin_api.post(
        HEALTH_API + "assign/", {"clients": [client.pk], "manager": admin.pk}, format="json"
    )
    assert answer.json() == {"clients": [client.pk]}
    client.refresh_from_db()
    assert (client.partner, client.manager) == (None, admin)
    answer = admin_api.post(HEALTH_API + "assign/", {"clients": [client.pk]}, format="json")
    assert answer.status_code == 400
    huge = admin_api.post(HEALTH_API + "assign/", {"clients": [2**63]}, format="json")
    assert huge.status_code == 400 and "clients" in huge.json()  # found by the API fuzzing


def test_api_pages_a_gaps_records_in_words(admin_api, practice, admin):
    for i in range(25):
        ClientFactory(practice=practice, name=f"Client {i:02d}", partner=admin)
    ClientFactory(practice=PracticeFactory(), name="Not ours")
    staff(practice, "Ada X", admin.email)
    url = HEALTH_API + "gaps/"

    first = admin_api.get(url, {"kind": "clients_unassigned"}).json()
    assert (first["count"], first["offset"], len(first["results"])) == (25, 0, 20)
    assert first["results"][0]["name"] == "Client 00"
    assert first["results"][0]["detail"] == f"Partner: {admin.name}; Manager: none"
    rest = admin_api.get(url, {"kind": "clients_unassigned", "offset": 20, "limit": 100})
    rest = rest.json()["results"]
    assert [r["name"] for r in rest] == [f"Client {i}" for i in range(20, 25)]

    [member] = admin_api.get(url, {"kind": "members_unlinked"}).json()["results"]
    assert member["id"] == str(admin.pk) and "accept the suggestion" in member["detail"]
    assert "kind" in admin_api.get(url, {"kind": "nonsense"}).json()
    assert admin_api.get(url, {"kind": "staff_unlinked", "limit": 101}).status_code == 400


def test_api_is_for_admins(practice, admin, standard):
    api = api_for(standard)
    assert api.get(HEALTH_API).status_code == 403
    assert api.get(HEALTH_API + "gaps/", {"kind": "staff_unlinked"}).status_code == 403
    assert api.post(HEALTH_API + "accept-suggestions/").status_code == 403
    assert api.post(HEALTH_API + "assign/", {}, format="json").status_code == 403


def test_the_page_says_so_when_xpm_is_not_connected(admin_web, practice, xpm, connected):
    notice = 'id="xpm-not-connected"'
    assert notice not in admin_web.get(PAGE).content.decode()  # connected: no notice
    connected.status = "disconnected"
    connected.save()
    page = admin_web.get(PAGE).content.decode()
    assert notice in page
    assert "XPM is not connected: nothing is linked, created in XPM or synced" in page
