"""Service library and job plan: the library pre-fills lines and jobs; the plan follows the
structure and the services; the editor adds and removes lines in place with plain errors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from practicelink.proposals import services
from practicelink.proposals.models import JobStructure, LibraryService
from practicelink.proposals.services import JobPlan, LibraryEntry, ServiceLine
from practicelink.xpm.models import CatalogueItem, CatalogueKind
from tests.factories import ClientFactory, MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "tpl-annual"
CATEGORY = "cat-compliance"


@pytest.fixture
def catalogue(practice):
    now = timezone.now()
    for kind, uuid, name in (
        (CatalogueKind.TEMPLATE, TEMPLATE, "Annual Accounts"),
        (CatalogueKind.CATEGORY, CATEGORY, "Compliance"),
    ):
        CatalogueItem.objects.create(
            practice=practice, kind=kind, uuid=uuid, name=name, seen_at=now
        )


@pytest.fixture
def library(practice, catalogue) -> LibraryService:
    return services.library_service_create(
        practice=practice,
        entry=LibraryEntry(
            "Annual accounts", "Year-end statements", Decimal("2400"), TEMPLATE, CATEGORY
        ),
    )


def line(name: str, library: LibraryService | None = None) -> ServiceLine:
    return ServiceLine(name, f"{name} work", Decimal("1"), Decimal("100"), library and library.pk)


def test_library_keeps_template_and_category_names(library):
    assert (library.template_name, library.category_name) == ("Annual Accounts", "Compliance")


def test_library_refuses_duplicate_names_and_unknown_templates(practice, library):
    with pytest.raises(ValidationError, match="already has a service called"):
        services.library_service_create(practice=practice, entry=LibraryEntry(" annual ACCOUNTS"))
    with pytest.raises(ValidationError, match="not one of XPM's"):
        services.library_service_create(
            practice=practice, entry=LibraryEntry("Tax", template_uuid="x")
        )


def test_one_job_follows_title_and_services_until_edited(practice, library):
    client = ClientFactory(practice=practice)
    proposal = services.proposal_create(
        practice=practice,
        client=client,
        title="Compliance 2026",
        services=[line("Accounts", library)],
    )
    (job,) = proposal.jobs.all()
    assert (job.index, job.name, job.description) == (1, "Compliance 2026", "Accounts")
    assert (job.template_uuid, job.category_name) == (TEMPLATE, "Compliance")
    services.proposal_update(
        practice=practice,
        proposal=proposal,
        client=client,
        title="Compliance 2027",
        services=[line("Accounts"), line("Tax")],
    )
    job.refresh_from_db()
    assert (job.name, job.description) == ("Compliance 2027", "Accounts\nTax")
    services.proposal_jobs_update(
        practice=practice, proposal=proposal, jobs=[JobPlan(1, "Year end", "Custom")]
    )
    services.proposal_update(
        practice=practice,
        proposal=proposal,
        client=client,
        title="Compliance 2028",
        services=[line("Accounts")],
    )
    job.refresh_from_db()
    assert (job.name, job.description) == ("Year end", "Custom")


def test_one_job_per_service_keeps_each_jobs_settings(practice, library):
    client = ClientFactory(practice=practice)
    member = MemberFactory(practice=practice)
    proposal = services.proposal_create(
        practice=practice,
        client=client,
        title="Work",
        services=[line("Accounts", library), line("Tax")],
        job_structure=JobStructure.PER_SERVICE,
    )
    jobs = list(proposal.jobs.all())
    assert [(j.index, j.name, j.template_uuid) for j in jobs] == [
        (1, "Accounts", TEMPLATE),
        (2, "Tax", ""),
    ]
    services.proposal_jobs_update(
        practice=practice,
        proposal=proposal,
        jobs=[
            JobPlan(
                2,
                "Tax return",
                budget=Decimal("850"),
                start_date=date(2026, 7, 1),
                staff_ids=[member.pk],
            )
        ],
    )
    services.proposal_update(
        practice=practice,
        proposal=proposal,
        client=client,
        title="Work",
        services=[line("Payroll"), line("Tax")],
    )
    jobs = list(proposal.jobs.prefetch_related("staff"))
    assert [(j.index, j.name) for j in jobs] == [(1, "Payroll"), (2, "Tax return")]
    assert jobs[1].budget == Decimal("850") and list(jobs[1].staff.all()) == [member]


def test_job_plan_refuses_bad_dates_and_other_practices_members(practice):
    client = ClientFactory(practice=practice)
    proposal = services.proposal_create(
        practice=practice, client=client, title="T", services=[line("A")]
    )
    with pytest.raises(ValidationError, match="due date is before the start"):
        services.proposal_jobs_update(
            practice=practice,
            proposal=proposal,
            jobs=[JobPlan(1, "T", start_date=date(2026, 2, 1), due_date=date(2026, 1, 1))],
        )
    stranger = MemberFactory(practice=PracticeFactory())
    with pytest.raises(ValidationError, match="current members"):
        services.proposal_jobs_update(
            practice=practice, proposal=proposal, jobs=[JobPlan(1, "T", staff_ids=[stranger.pk])]
        )


def test_editor_adds_a_line_from_the_library_in_place(admin_web, library):
    response = admin_web.get(
        "/proposals/service-line/", {"services-TOTAL_FORMS": "2", "library": library.pk}
    )
    html = response.content.decode()
    assert 'name="services-2-name"' in html and 'value="Annual accounts"' in html
    assert 'value="2400.00"' in html or 'value="2400"' in html
    assert 'id="id_services-TOTAL_FORMS" value="3" hx-swap-oob="true"' in html


def test_editor_removes_a_line_in_place_and_saves_the_rest(admin_web, practice, library):
    removed = admin_web.get("/proposals/service-line/removed/", {"prefix": "services-1"})
    assert 'name="services-1-DELETE" value="on"' in removed.content.decode()
    client = ClientFactory(practice=practice)
    data = {
        "title": "Two lines, one removed",
        "client": client.pk,
        "job_structure": "single",
        "services-TOTAL_FORMS": "2",
        "services-INITIAL_FORMS": "0",
        "services-0-name": "Accounts",
        "services-0-quantity": "1",
        "services-0-price": "100",
        "services-0-library_service": library.pk,
        "services-1-DELETE": "on",
    }
    response = admin_web.post("/proposals/new/", data)
    assert response.status_code == 302
    proposal = practice.proposals.get()
    assert [(s.name, s.library_service_id) for s in proposal.services.all()] == [
        ("Accounts", library.pk)
    ]


def test_editor_speaks_plainly_when_no_line_is_left(admin_web, practice):
    client = ClientFactory(practice=practice)
    data = {
        "title": "Nothing",
        "client": client.pk,
        "job_structure": "single",
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-0-DELETE": "on",
    }
    html = admin_web.post("/proposals/new/", data).content.decode()
    assert "A proposal needs at least one service: add a line." in html
    assert "Please submit" not in html and "Save to get another" not in html
    new_page = admin_web.get("/proposals/new/").content.decode()
    assert "Save to get another" not in new_page and 'name="services-0-name"' in new_page


def test_jobs_page_flags_unlinked_members_and_saves(admin_web, practice, catalogue):
    client = ClientFactory(practice=practice)
    member = MemberFactory(practice=practice, name="Una Linked")
    proposal = services.proposal_create(
        practice=practice, client=client, title="T", services=[line("A")]
    )
    page = admin_web.get(f"/proposals/{proposal.pk}/jobs/").content.decode()
    assert "Una Linked (not linked to XPM staff)" in page and "Annual Accounts" in page
    # the job staff are a group of checkboxes named by a legend above them
    staff = re.search(
        r'<fieldset class="field"><legend>Job staff</legend>(.*?)</fieldset>', page, re.S
    )
    assert staff and staff.group(1).count('type="checkbox" name="job1-staff"') == 2
    response = admin_web.post(
        f"/proposals/{proposal.pk}/jobs/",
        {"job1-name": "Year end", "job1-template_uuid": TEMPLATE, "job1-staff": [member.pk]},
    )
    assert response.status_code == 302
    job = proposal.jobs.get()
    assert (job.name, job.template_name, list(job.staff.all())) == (
        "Year end",
        "Annual Accounts",
        [member],
    )


def test_library_api_admin_writes_standard_reads(admin_api, practice, catalogue, standard):
    from tests.conftest import api_for

    url = "/api/v1/proposals/library/"
    created = admin_api.post(
        url, {"name": "Tax return", "price": "850", "template_uuid": TEMPLATE}, format="json"
    )
    assert created.status_code == 201 and created.data["template_name"] == "Annual Accounts"
    reader = api_for(standard)
    assert [s["name"] for s in reader.get(url).data["results"]] == ["Tax return"]
    assert reader.post(url, {"name": "X", "price": "1"}, format="json").status_code == 403
    duplicate = admin_api.post(url, {"name": "TAX RETURN", "price": "1"}, format="json")
    assert duplicate.status_code == 400 and "already has" in str(duplicate.data)


def test_jobs_api_reads_and_sets_the_plan(admin_api, practice):
    client = ClientFactory(practice=practice)
    member = MemberFactory(practice=practice)
    proposal = services.proposal_create(
        practice=practice, client=client, title="T", services=[line("A")]
    )
    url = f"/api/v1/proposals/{proposal.pk}/jobs/"
    assert admin_api.get(url).data[0]["name"] == "T"
    body = [
        {
            "index": 1,
            "name": "Year end",
            "description": "",
            "template_uuid": "",
            "category_uuid": "",
            "budget": "500.00",
            "start_date": "2026-07-01",
            "due_date": "2026-08-01",
            "staff": [member.pk],
        }
    ]
    updated = admin_api.put(url, body, format="json")
    assert updated.status_code == 200
    assert (updated.data[0]["budget"], updated.data[0]["staff"]) == ("500.00", [member.pk])
