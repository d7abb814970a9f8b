"""Where a user looks at recurring services: the schedule on the proposal and its acceptance
page, each occurrence's state, ending a recurrence and changing its job staff (who and when),
the "has upcoming occurrences" filter of the list, the CSV and the API, and Upcoming jobs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from practicelink.proposals.models import JobStructure, OccurrenceStatus, Proposal
from practicelink.proposals.occurrences import occurrence_open, occurrence_record
from practicelink.proposals.recurrence import add_months, periods
from practicelink.proposals.services import (
    ServiceLine,
    proposal_accept,
    proposal_create,
    proposal_send,
)
from tests.conftest import PASSWORD, api_for, signed_in
from tests.factories import ClientFactory, MemberFactory, PracticeFactory, make_proposal

pytestmark = pytest.mark.django_db

DASH = "\N{EN DASH}"
TODAY = timezone.localdate()
FIRST = TODAY - timedelta(days=10)


def books(practice, *, accepted: bool = True, partner=None) -> Proposal:
    client = ClientFactory(practice=practice, name="Acme Ltd", partner=partner, manager=partner)
    line = ServiceLine(
        "Bookkeeping",
        quantity=Decimal("1"),
        price=Decimal("300"),
        frequency="monthly",
        first_period_start=FIRST,
        due_offset_days=21,
    )
    proposal = proposal_create(
        practice=practice,
        client=client,
        title="Books",
        services=[line],
        job_structure=JobStructure.PER_SERVICE,
    )
    if accepted:
        proposal_accept(practice=practice, proposal=proposal)
    return proposal


def record_first_two(proposal: Proposal) -> None:
    """What the XPM integration reports: period 1 deployed, period 2 skipped."""
    job = proposal.jobs.get()
    schedule = job.service.schedule
    one, two = list(periods(schedule, starting_until=add_months(FIRST, 1)))
    occurrence_record(
        occurrence=occurrence_open(job=job, period=one),
        status=OccurrenceStatus.DEPLOYED,
        job_number="PL0001J01P000000",
        note="",
    )
    occurrence_open(job=job, period=two, skipped="Acme Ltd is archived here.")


def test_the_proposal_and_its_acceptance_page_show_the_schedule_before_it_is_sent(
    practice, admin_web
):
    proposal = books(practice, accepted=False)
    page = admin_web.get(f"/proposals/{proposal.pk}/").content.decode()
    assert 'id="schedule"' in page
    assert "each period: see the schedule below" in page and "on acceptance" not in page
    for n in range(6):
        start = add_months(FIRST, n)
        end = add_months(FIRST, n + 1) - timedelta(days=1)
        assert f"{start:%Y-%m-%d} {DASH} {end:%Y-%m-%d}" in page
        assert f"{end + timedelta(days=21):%Y-%m-%d}" in page
    link = proposal_send(practice=practice, proposal=proposal, to="books@acme.example").link
    public = BrowserClient().get(link.removeprefix("http://testserver")).content.decode()
    assert f"{FIRST:%Y-%m-%d} {DASH} " in public and "Status" not in public


def test_the_proposal_lists_every_occurrence_with_its_state(practice, admin_web):
    proposal = books(practice)
    record_first_two(proposal)
    page = admin_web.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "PL0001J01P000000" in page
    assert "Skipped" in page and "Acme Ltd is archived here." in page
    assert page.count(">Planned<") == 6  # the next periods still to come


def test_ending_and_changing_staff_from_the_page_are_recorded_with_who_and_when(
    practice, admin, standard
):
    proposal = books(practice)
    web = signed_in(standard)
    kim = MemberFactory(practice=practice, name="Kim Junior")
    changed = web.post(
        f"/proposals/{proposal.pk}/recurrences/staff/",
        {"index": "1", "recurrence1-staff": [str(kim.pk)]},
    )
    assert changed.status_code == 302 and changed.url.endswith("#recurrence-1")
    assert list(proposal.jobs.get().staff.all()) == [kim]
    ended = web.post(f"/proposals/{proposal.pk}/recurrences/end/", {"index": "1"}, follow=True)
    page = ended.content.decode()
    assert "“Bookkeeping” ends: no further occurrences." in page
    assert f"Ended by {standard.name} on {timezone.localtime():%Y-%m-%d}" in page
    assert "Job staff of future occurrences: Kim Junior." in page
    assert ">Planned<" not in page
    again = web.post(f"/proposals/{proposal.pk}/recurrences/end/", {"index": "1"}, follow=True)
    assert "was ended on" in again.content.decode()
    unknown = web.post(f"/proposals/{proposal.pk}/recurrences/end/", {"index": "7"}, follow=True)
    assert "This proposal has no such recurring service." in unknown.content.decode()


def test_changes_need_the_csrf_token_and_another_practice_gets_404(practice, admin):
    proposal = books(practice)
    strict = BrowserClient(enforce_csrf_checks=True)
    strict.force_login(admin.user)
    answer = strict.post(f"/proposals/{proposal.pk}/recurrences/end/", {"index": "1"})
    assert answer.status_code == 403
    intruder = MemberFactory(practice=PracticeFactory(name="Beta"), role="admin", login=PASSWORD)
    answer = signed_in(intruder).post(f"/proposals/{proposal.pk}/recurrences/end/", {"index": "1"})
    assert answer.status_code == 404
    assert proposal.services.get().ended_at is None


def test_a_draft_recurrence_is_changed_by_editing_the_proposal_not_ended(practice, admin_api):
    proposal = books(practice, accepted=False)
    answer = admin_api.post(
        f"/api/v1/proposals/{proposal.pk}/recurrences/end/", {"index": 1}, format="json"
    )
    assert answer.status_code == 400
    assert "Until the proposal is accepted" in str(answer.json())


def test_the_api_lists_ends_and_restaffs_recurrences(practice, admin, standard):
    proposal = books(practice)
    record_first_two(proposal)
    api = api_for(standard)
    url = f"/api/v1/proposals/{proposal.pk}/recurrences/"
    [recurrence] = api.get(url).json()
    assert (recurrence["index"], recurrence["service"], recurrence["frequency"]) == (
        1,
        "Bookkeeping",
        "monthly",
    )
    first, second, third = recurrence["occurrences"][:3]
    assert (first["status"], first["job_number"]) == ("deployed", "PL0001J01P000000")
    assert (second["status"], second["note"]) == ("skipped", "Acme Ltd is archived here.")
    assert (third["status"], third["period_start"]) == ("planned", str(add_months(FIRST, 2)))
    assert third["due_date"] == str(add_months(FIRST, 3) - timedelta(days=1) + timedelta(days=21))

    bad = api.put(f"{url}staff/", {"index": 1, "staff": [999_999]}, format="json")
    assert bad.status_code == 400 and "current members" in str(bad.json())
    none = api.post(f"{url}end/", {"index": 5}, format="json")
    assert none.status_code == 400 and none.json() == {
        "index": ["This proposal has no such recurring job."]
    }
    restaffed = api.put(f"{url}staff/", {"index": 1, "staff": [admin.pk]}, format="json")
    assert restaffed.status_code == 200 and restaffed.json()[0]["staff"] == [admin.pk]
    [ended] = api.post(f"{url}end/", {"index": 1}, format="json").json()
    assert ended["ended_by"] == standard.name
    assert [c["what"] for c in ended["changes"]] == [
        f"Job staff of future occurrences: {admin.name}.",
        "Ended the recurrence.",
    ]
    assert [o["status"] for o in ended["occurrences"]] == ["deployed", "skipped"]

    intruder = api_for(
        MemberFactory(practice=PracticeFactory(name="Beta"), role="admin", login=PASSWORD)
    )
    assert intruder.get(url).status_code == 404
    assert intruder.post(f"{url}end/", {"index": 1}, format="json").status_code == 404


def test_has_upcoming_occurrences_filters_the_list_the_csv_and_the_api(
    practice, admin_web, admin_api
):
    running = books(practice)
    draft = books(practice, accepted=False)
    one_off = make_proposal(ClientFactory(practice=practice, name="Zed"), title="One-off")
    ended = books(practice)
    admin_web.post(f"/proposals/{ended.pk}/recurrences/end/", {"index": "1"})

    page = admin_web.get("/proposals/?upcoming=yes").content.decode()
    assert running.reference in page
    assert not any(p.reference in page for p in (draft, one_off, ended))
    csv = b"".join(admin_web.get("/proposals/export.csv?upcoming=yes").streaming_content)
    assert csv.decode().count("\n") == 2 and running.reference in csv.decode()
    listed = admin_api.get("/api/v1/proposals/?upcoming=no").json()["results"]
    assert {row["id"] for row in listed} == {draft.pk, one_off.pk, ended.pk}


def test_a_schedule_that_runs_out_has_no_upcoming_occurrence(practice, admin_api):
    proposal = books(practice)
    service = proposal.services.get()
    service.occurrences = 1
    service.save()
    job = proposal.jobs.get()
    [only] = periods(service.schedule)
    occurrence_open(job=job, period=only)
    listed = admin_api.get("/api/v1/proposals/?upcoming=yes").json()["results"]
    assert listed == []


def test_upcoming_jobs_page_and_api(practice, admin, admin_web, admin_api):
    pat = MemberFactory(practice=practice, name="Pat Partner")
    proposal = books(practice, partner=pat)
    job = proposal.jobs.get()
    job.staff.set([admin])
    page = admin_web.get("/proposals/upcoming/?weeks=8").content.decode()
    upcoming = [add_months(FIRST, n) for n in (1, 2)]
    for start in upcoming:
        assert f"Bookkeeping {start:%B %Y}" in page
    assert "Pat Partner" in page and admin.name in page
    assert (
        "Choose from 1 to 26 weeks"
        in admin_web.get("/proposals/upcoming/?weeks=99").content.decode()
    )

    rows = admin_api.get("/api/v1/upcoming-jobs/?weeks=8").json()
    assert [
        (r["start_date"], r["partner"], r["manager"], r["staff"], r["status"]) for r in rows
    ] == [(str(start), "Pat Partner", "Pat Partner", [admin.name], "planned") for start in upcoming]
    assert admin_api.get("/api/v1/upcoming-jobs/?weeks=0").status_code == 400
    other = api_for(
        MemberFactory(practice=PracticeFactory(name="Beta"), role="admin", login=PASSWORD)
    )
    assert other.get("/api/v1/upcoming-jobs/?weeks=8").json() == []


def test_the_form_previews_the_schedule_of_a_line(admin_web):
    query = {
        "prefix": "services-0",
        "services-0-frequency": "quarterly",
        "services-0-first_period_start": "2027-01-31",
        "services-0-due_offset_days": "28",
    }
    preview = admin_web.get("/proposals/schedule-preview/", query).content.decode()
    assert f"2027-01-31 {DASH} 2027-04-29" in preview and "due 2027-05-27" in preview
    assert f"2027-04-30 {DASH} 2027-07-30" in preview
    query["services-0-first_period_start"] = ""
    missing = admin_web.get("/proposals/schedule-preview/", query).content.decode()
    assert "A recurring service needs its first period&#x27;s start." in missing
