"""A deployed job as XPM holds it, and allocating its tasks to its staff (SPEC §4).

Only jobs this practice deployed can be read here (their number is on a deployment of the
practice). A task is allocated only to staff assigned to the job: practicelink checks it on
the job read just before, and says so in plain words when XPM refuses too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from practicelink.team.models import Practice
from practicelink.xpm import faultpoints
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import Deployment, StaffLink
from practicelink.xpm.oauth import XpmAuthError
from practicelink.xpm.remote import XpmBusinessError, XpmError
from practicelink.xpm.remote.records import Job, JobAssignment, JobTask, TaskStaff


@dataclass(frozen=True)
class JobView:
    deployment: Deployment
    job: Job
    members: dict[str, str]
    """Staff UUID → the linked member's name (staff not linked are shown by their XPM name)."""

    def name_of(self, staff_uuid: str, fallback: str) -> str:
        return self.members.get(staff_uuid, fallback)


def deployment_get(*, practice: Practice, job_number: str) -> Deployment:
    deployment = (
        Deployment.objects.filter(practice=practice, job_number=job_number)
        .select_related("proposal", "job")
        .first()
    )
    if deployment is None:
        raise Deployment.DoesNotExist(f"No job {job_number} was deployed by this practice.")
    return deployment


def _members(practice: Practice) -> dict[str, str]:
    links = StaffLink.objects.filter(practice=practice).values_list("staff__uuid", "member__name")
    return dict(links)


def _read(practice: Practice, deployment: Deployment) -> Job:
    try:
        with client_for(practice, interactive=True) as xpm:
            job = xpm.job_get(deployment.job_number)
    except XpmError as error:
        raise ValidationError(f"XPM could not be read: {error.message}") from error
    except XpmAuthError as error:
        raise ValidationError(f"XPM could not be read: {error}") from error
    if job is None:
        raise ValidationError(f"XPM has no job {deployment.job_number} (was it deleted there?).")
    return job


def job_read(*, practice: Practice, job_number: str) -> JobView:
    """The job as XPM holds it now (`job.api/get`)."""
    deployment = deployment_get(practice=practice, job_number=job_number)
    return JobView(deployment, _read(practice, deployment), _members(practice))


def _task(job: Job, task_uuid: str) -> JobTask:
    task = next((t for t in job.tasks if t.uuid == task_uuid), None)
    if task is None:
        raise ValidationError({"task_uuid": f"Job {job.id} has no such task."})
    return task


def task_allocate(
    *, practice: Practice, job_number: str, task_uuid: str, staff_uuid: str
) -> JobView:
    """Allocate a task of the job to one of the job's staff."""
    view = job_read(practice=practice, job_number=job_number)
    job = view.job
    task = _task(job, task_uuid)
    on_job = {ref.uuid: ref.name for ref in job.assigned}
    if staff_uuid not in on_job:
        names = ", ".join(sorted(view.name_of(u, n) for u, n in on_job.items())) or "nobody yet"
        raise ValidationError(
            {
                "staff_uuid": "Only the job's staff can be allocated its tasks; "
                f"on job {job.id}: {names}."
            }
        )
    person = view.name_of(staff_uuid, on_job[staff_uuid])
    if any(ref.uuid == staff_uuid for ref in task.assigned):
        raise ValidationError(f"{person} is already allocated to “{task.name}”.")
    assignment = JobAssignment(
        job_id=job.id, add_task_staff=(TaskStaff(staff_uuid=staff_uuid, task_uuid=task.uuid),)
    )
    try:
        with client_for(practice, interactive=True) as xpm:
            updated = xpm.job_assign(assignment)
            faultpoints.after_write("job.api/assign task")
    except XpmBusinessError as error:
        raise ValidationError(
            f"XPM refused to allocate “{task.name}” to {person}: {error.description}."
        ) from error
    except XpmError as error:
        raise ValidationError(f"XPM could not be reached: {error.message}") from error
    return JobView(view.deployment, updated, view.members)
