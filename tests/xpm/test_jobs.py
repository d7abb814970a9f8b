"""What a user sees of a deployment: the proposal's panel and Redeploy, the job page read from
XPM, task allocation only to the job's staff, the list filter, the CSV columns, the REST API."""

from __future__ import annotations

import csv
import io

import pytest

from practicelink.proposals.services import proposal_accept
from practicelink.xpm import services as link_services
from practicelink.xpm.models import Deployment, DeploymentStatus
from tests.factories import MemberFactory, PracticeFactory, make_proposal
from tests.xpm.deployment_setup import planned_proposal, team, xpm_jobs

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["team"]  # the fixture


@pytest.fixture
def deployed(practice, admin, team, xpm):
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    [job] = xpm_jobs(xpm)
    return proposal, job


def test_proposal_page_shows_the_deployment_and_its_calls(admin_web, deployed):
    proposal, job = deployed
    page = admin_web.get(f"/proposals/{proposal.pk}/").text
    assert f'href="/jobs/{job.id}/"' in page
    assert "Deployed" in page and "3 calls to XPM" in page and "job.api/add" in page
    assert "Redeploy" not in page  # nothing missing


def test_job_page_reads_the_job_and_offers_only_its_staff(admin_web, deployed, team):
    _, job = deployed
    page = admin_web.get(f"/jobs/{job.id}/")
    assert page.status_code == 200
    text = page.text
    assert "Partner:</strong> Pat Partner" in text and "Manager:</strong> Mia Manager" in text
    assert "Job staff:</strong> Kim Junior, Sam Senior" in text
    assert "Prepare accounts" in text and "Review" in text
    options = text.count("<option value=")
    assert options == 2 * 2  # two tasks, each offering the two job staff, no one else
    assert team.staff["Pat Partner"] not in text.split("<h2>Tasks</h2>")[1]


def test_allocating_a_task_to_job_staff_and_refusing_anyone_else(admin_web, deployed, team, xpm):
    _, job = deployed
    task = job.tasks[0]
    sam = team.staff["Sam Senior"]
    done = admin_web.post(
        f"/jobs/{job.id}/allocate/", {"task_uuid": task.uuid, "staff_uuid": sam}, follow=True
    )
    assert f"The task was allocated on job {job.id}." in done.text
    assert xpm_jobs(xpm)[0].tasks[0].assigned == [sam]

    pat = team.staff["Pat Partner"]  # the partner, not on the job's staff
    refused = admin_web.post(
        f"/jobs/{job.id}/allocate/", {"task_uuid": task.uuid, "staff_uuid": pat}, follow=True
    )
    assert (
        f"Only the job&#x27;s staff can be allocated its tasks; on job {job.id}: "
        "Kim Junior, Sam Senior." in refused.text
    )
    assert xpm_jobs(xpm)[0].tasks[0].assigned == [sam]


def test_allocation_follows_the_job_staff_xpm_holds_now(admin_api, practice, deployed, team, xpm):
    """The job as XPM holds it now decides: someone taken off it there is refused here."""
    _, job = deployed
    kim = team.staff["Kim Junior"]
    task = job.tasks[1]
    job.assigned.remove(kim)  # someone took Kim off the job in XPM
    response = admin_api.post(
        f"/api/v1/xpm/jobs/{job.id}/allocate/", {"task_uuid": task.uuid, "staff_uuid": kim}
    )
    assert response.status_code == 400
    assert response.json()["staff_uuid"] == [
        f"Only the job's staff can be allocated its tasks; on job {job.id}: Sam Senior."
    ]
    assert xpm_jobs(xpm)[0].tasks[1].assigned == []


def test_partly_deployed_shows_the_gap_and_redeploy_button(admin_web, practice, admin, team, xpm):
    staff_row = team.pat.xpm_link.staff
    link_services.link_delete(practice=practice, member=team.pat)
    proposal = planned_proposal(practice, team)
    proposal_accept(practice=practice, proposal=proposal, by=admin)
    page = admin_web.get(f"/proposals/{proposal.pk}/").text
    assert "Partly deployed" in page
    assert "Partner Pat Partner is not linked to XPM staff." in page
    assert "Redeploy" in page
    link_services.link_create(practice=practice, member=team.pat, staff=staff_row)
    done = admin_web.post(f"/jobs/redeploy/{proposal.pk}/", follow=True)
    assert "are being deployed again" in done.text
    assert Deployment.objects.get().status == DeploymentStatus.DEPLOYED
    assert xpm_jobs(xpm)[0].partner_uuid == team.staff["Pat Partner"]


def test_list_filter_and_csv_show_deployment_status_and_job_numbers(
    admin_web, practice, deployed, team
):
    proposal, job = deployed
    draft = make_proposal(team.client, title="Not yet")
    listed = admin_web.get("/proposals/?deployment=deployed").text
    assert f'data-number="{proposal.number}"' in listed
    assert f'data-number="{draft.number}"' not in listed
    assert job.id in listed
    none = admin_web.get("/proposals/?deployment=none").text
    assert f'data-number="{draft.number}"' in none
    assert f'data-number="{proposal.number}"' not in none

    export = admin_web.get("/proposals/export.csv?deployment=deployed")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [(r["Title"], r["Deployment status"], r["XPM job numbers"]) for r in rows] == [
        ("FY26 compliance", "Deployed", job.id)
    ]


def test_rest_api_lists_redeploys_reads_and_allocates(admin_api, deployed, team):
    proposal, job = deployed
    listed = admin_api.get(f"/api/v1/xpm/deployments/?proposal={proposal.pk}").json()
    [row] = listed["results"]
    assert (row["job_number"], row["status"], row["job_name"]) == (
        job.id,
        "deployed",
        "FY26 compliance",
    )
    assert [a["call"] for a in row["attempts"]] == ["job.api/get", "job.api/add", "job.api/assign"]
    again = admin_api.post("/api/v1/xpm/deployments/redeploy/", {"proposal": proposal.pk})
    assert again.status_code == 200 and again.json()[0]["status"] == "deployed"

    read = admin_api.get(f"/api/v1/xpm/jobs/{job.id}/").json()
    assert read["partner"]["uuid"] == team.staff["Pat Partner"]
    assert {s["uuid"] for s in read["assigned"]} == {
        team.staff["Sam Senior"],
        team.staff["Kim Junior"],
    }
    task = read["tasks"][0]["uuid"]
    allocated = admin_api.post(
        f"/api/v1/xpm/jobs/{job.id}/allocate/",
        {"task_uuid": task, "staff_uuid": team.staff["Kim Junior"]},
    )
    assert allocated.status_code == 200
    assert [s["name"] for s in allocated.json()["tasks"][0]["assigned"]] == ["Kim Junior"]
    unknown = admin_api.get("/api/v1/xpm/jobs/J999999/")
    assert unknown.status_code == 404


def test_another_practice_cannot_see_or_touch_our_jobs(deployed):
    from tests.conftest import api_for

    _, job = deployed
    other = MemberFactory(practice=PracticeFactory(name="Beta"), role="admin", login="pw")
    api = api_for(other)
    assert api.get(f"/api/v1/xpm/jobs/{job.id}/").status_code == 404
    assert api.get("/api/v1/xpm/deployments/").json()["results"] == []
    allocate = f"/api/v1/xpm/jobs/{job.id}/allocate/"
    # whatever the body: the job is looked up before the body is read
    for body in ({"task_uuid": "x", "staff_uuid": "y"}, {}, {"task_uuid": ""}):
        assert api.post(allocate, body, format="json").status_code == 404, body
