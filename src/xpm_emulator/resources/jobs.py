"""job.api: add, get, current, list, update, assign, task, state, applytemplate, delete."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from xpm_emulator.models import Job, JobTask, Template, Tenant, by_uuid
from xpm_emulator.render import web_url
from xpm_emulator.resources.base import (
    Endpoint,
    XpmError,
    XpmRequest,
    request_date,
    required,
    staff_or_error,
)
from xpm_emulator.xml import child_text, element, parse_compact_date

INVALID_JOB = "Invalid job identifier"
INVALID_TEMPLATE = "Invalid job template identifier"
INVALID_TASK = "Invalid task identifier"
INVALID_CATEGORY = "Invalid category identifier"


def _job(tenant: Tenant, message: Element) -> Job:
    """The job a message addresses by `<ID>` (job number), or else by `<UUID>`."""
    job_id = child_text(message, "ID")
    job = tenant.find_job(job_id) if job_id else by_uuid(tenant.jobs, child_text(message, "UUID"))
    if job is None:
        raise XpmError(INVALID_JOB)
    return job


def _detail(req: XpmRequest, job: Job) -> list[Element]:
    return [web_url(f"job/jobview.aspx?id={job.id}"), req.view.job(job, detailed=True)]


def _jobs_element(req: XpmRequest, jobs: Iterable[Job]) -> Element:
    node = element("Jobs")
    node.extend(req.view.job(job, detailed=req.flag("detailed")) for job in jobs)
    return node


def _budget(message: Element) -> str | None:
    text = child_text(message, "Budget")
    if not text:
        return None
    try:
        return f"{Decimal(text):.2f}"
    except InvalidOperation as exc:
        raise XpmError(f"Invalid Budget: {text!r}") from exc


def _category(tenant: Tenant, message: Element, *tags: str) -> str | None:
    """The category UUID from the first of `tags` present (update's doc says CategoryID)."""
    for tag in tags:
        value = child_text(message, tag)
        if value:
            category = by_uuid(tenant.categories, value)
            if category is None:
                raise XpmError(INVALID_CATEGORY)
            return category.uuid
    return None


def _template(tenant: Tenant, uuid: str | None) -> Template:
    template = by_uuid(tenant.templates, uuid)
    if template is None:
        raise XpmError(INVALID_TEMPLATE)
    return template


def _apply_template(tenant: Tenant, job: Job, template: Template, *, append: bool) -> None:
    """Add the template's tasks; with `append` (TaskMode AppendExisting) skip task types
    the job already has."""
    existing = {task.task_type_uuid for task in job.tasks}
    for type_uuid in template.task_type_uuids:
        task_type = by_uuid(tenant.task_types, type_uuid)
        if task_type is None or (append and type_uuid in existing):
            continue
        job.tasks.append(JobTask(task_type.uuid, task_type.name, description=task_type.description))


def _next_job_number(tenant: Tenant) -> str:
    """J000001, J000002, ... skipping numbers already taken by custom IDs."""
    while True:
        job_id = f"J{tenant.next_job_number:06d}"
        tenant.next_job_number += 1
        if tenant.find_job(job_id) is None:
            return job_id


def job_add(req: XpmRequest) -> list[Element]:
    message = req.xml("Job")
    tenant = req.tenant
    name = required(message, "Name")
    client = by_uuid(tenant.clients, required(message, "ClientUUID"))
    if client is None:
        raise XpmError("Invalid client identifier")
    # `required` raises here: a missing or empty date is a missing element.
    start = request_date(message, "StartDate") or required(message, "StartDate")
    due = request_date(message, "DueDate") or required(message, "DueDate")
    contact_uuid = child_text(message, "ContactUUID")
    contact = by_uuid(client.contacts, contact_uuid)
    if contact_uuid and contact is None:
        raise XpmError("Invalid contact identifier")
    template_uuid = child_text(message, "TemplateUUID")
    template = _template(tenant, template_uuid) if template_uuid else None
    custom_id = child_text(message, "ID")
    if custom_id and tenant.find_job(custom_id) is not None:
        raise XpmError(f"The job number {custom_id} is already in use")
    job = Job(
        id=custom_id or _next_job_number(tenant),
        name=name,
        client_uuid=client.uuid,
        start_date=start,
        due_date=due,
        created_on=req.today.isoformat(),
        description=child_text(message, "Description") or "",
        client_order_number=child_text(message, "ClientNumber") or "",
        budget=_budget(message),
        category_uuid=_category(tenant, message, "CategoryUUID"),
        contact_uuid=contact.uuid if contact else None,
    )
    if template is not None:
        _apply_template(tenant, job, template, append=False)
    tenant.jobs.append(job)
    return _detail(req, job)


def job_get(req: XpmRequest) -> list[Element]:
    job = req.tenant.find_job(req.arg())
    if job is None:
        raise XpmError(INVALID_JOB)
    return _detail(req, job)


def job_current(req: XpmRequest) -> list[Element]:
    tenant = req.tenant
    current = [
        job for job in tenant.jobs if not (s := tenant.find_state(job.state)) or not s.closed
    ]
    return [_jobs_element(req, current)]


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def job_list(req: XpmRequest) -> list[Element]:
    """Jobs created from `from` to `to` (YYYYMMDD, both required, at most a year apart)."""
    bounds = []
    for name in ("from", "to"):
        text = req.query.get(name)
        if not text:
            raise XpmError(f"The {name} parameter is required")
        try:
            bounds.append(parse_compact_date(text))
        except ValueError as exc:
            raise XpmError(f"Invalid {name} parameter: expected YYYYMMDD") from exc
    start, end = bounds
    if end < start:
        raise XpmError("The to date must be on or after the from date")
    if end > _one_year_after(start):
        raise XpmError("The maximum date range between the from and to parameters is one year")
    jobs = [j for j in req.tenant.jobs if start.isoformat() <= j.created_on <= end.isoformat()]
    return [_jobs_element(req, jobs)]


def job_update(req: XpmRequest) -> list[Element]:
    """Change the fields a message carries. The optional ones it leaves out (order number,
    budget, category) are kept, or blanked in strict update mode."""
    message = req.xml("Job")
    tenant = req.tenant
    job = _job(tenant, message)
    start, due = request_date(message, "StartDate"), request_date(message, "DueDate")
    budget = _budget(message)
    category = _category(tenant, message, "CategoryUUID", "CategoryID")
    name = child_text(message, "Name")
    if name == "":
        raise XpmError("The job name cannot be empty")
    strict = req.config.strict_update
    sent = {child.tag for child in message}
    job.name = name or job.name
    job.description = _keep(job.description, child_text(message, "Description"))
    order_number = child_text(message, "ClientNumber")
    job.client_order_number = (
        "" if strict and order_number is None else _keep(job.client_order_number, order_number)
    )
    job.start_date = start or job.start_date
    job.due_date = due or job.due_date
    if "Budget" in sent or strict:
        job.budget = budget
    if sent & {"CategoryUUID", "CategoryID"} or strict:
        job.category_uuid = category
    return _detail(req, job)


def _keep(current: str, new: str | None) -> str:
    return current if new is None else new


def _staff_attr(node: Element) -> str | None:
    # The docs' sample writes <remove id=...>; the OAS says uuid. Accept both.
    return node.get("uuid") or node.get("id")


def _assign(req: XpmRequest, job: Job, node: Element) -> None:
    """Apply one `<add>`/`<remove>`/`<add-manager>`/... element to `job`."""
    tenant, tag = req.tenant, node.tag
    action = "add" if tag.startswith("add") else "remove"
    message = f"Invalid staff identifier for {action} request"
    if tag in ("remove-manager", "remove-partner"):
        setattr(job, f"{tag.removeprefix('remove-')}_uuid", None)
        return
    staff = staff_or_error(tenant, _staff_attr(node), message)
    if tag in ("add-manager", "add-partner"):
        setattr(job, f"{tag.removeprefix('add-')}_uuid", staff.uuid)
        return
    task_uuid = node.get("task-uuid")
    if task_uuid is None:
        if action == "add" and staff.uuid not in job.assigned:
            job.assigned.append(staff.uuid)
        elif action == "remove":
            job.assigned = [uuid for uuid in job.assigned if uuid != staff.uuid]
            for job_task in job.tasks:
                job_task.assigned = [uuid for uuid in job_task.assigned if uuid != staff.uuid]
        return
    task = by_uuid(job.tasks, task_uuid)
    if task is None:
        raise XpmError(INVALID_TASK)
    if action == "remove":
        task.assigned = [uuid for uuid in task.assigned if uuid != staff.uuid]
        return
    if staff.uuid not in job.assigned:
        if req.config.strict_task_assignment:
            raise XpmError(f"Staff {staff.name} is not assigned to job {job.id}")
        job.assigned.append(staff.uuid)
    if staff.uuid not in task.assigned:
        task.assigned.append(staff.uuid)


ASSIGN_TAGS = ("add", "remove", "add-manager", "remove-manager", "add-partner", "remove-partner")


def job_assign(req: XpmRequest) -> list[Element]:
    """Job-level changes first, then task-level ones, so one message can put a person on
    the job and on its tasks. All or nothing: an error leaves the job untouched."""
    message = req.xml("Job")
    job = _job(req.tenant, message)
    draft = copy.deepcopy(job)
    nodes = [node for node in message if node.tag in ASSIGN_TAGS]
    for node in sorted(nodes, key=lambda n: n.get("task-uuid") is not None):
        _assign(req, draft, node)
    vars(job).update(vars(draft))
    return _detail(req, job)


def job_task(req: XpmRequest) -> list[Element]:
    """Add a task to a job; answers the new job-task UUID."""
    message = req.xml("Task")
    tenant = req.tenant
    job = tenant.find_job(required(message, "Job"))
    if job is None:
        raise XpmError(INVALID_JOB)
    task_type = by_uuid(tenant.task_types, required(message, "TaskUUID"))
    if task_type is None:
        raise XpmError(INVALID_TASK)
    minutes = child_text(message, "EstimatedMinutes") or "0"
    if not minutes.isdigit():
        raise XpmError(f"Invalid EstimatedMinutes: {minutes!r}")
    task = JobTask(
        task_type.uuid,
        child_text(message, "Label") or task_type.name,
        description=child_text(message, "Description") or "",
        estimated_minutes=int(minutes),
        start_date=request_date(message, "StartDate"),
        due_date=request_date(message, "DueDate"),
    )
    job.tasks.append(task)
    return [req.view.identifier(task.uuid)]


def job_state(req: XpmRequest) -> list[Element]:
    message = req.xml("Job")
    job = _job(req.tenant, message)
    state = req.tenant.find_state(required(message, "State"))
    if state is None:
        raise XpmError("Invalid state code")
    job.state = state.code
    job.completed_date = req.today.isoformat() if state.code == "COMPLETED" else None
    return []


def job_apply_template(req: XpmRequest) -> list[Element]:
    message = req.xml("Job")
    job = _job(req.tenant, message)
    template = _template(req.tenant, required(message, "TemplateUUID"))
    mode = child_text(message, "TaskMode") or "AddNew"
    if mode not in ("AddNew", "AppendExisting"):
        raise XpmError(f"Invalid TaskMode: {mode!r}")
    _apply_template(req.tenant, job, template, append=mode == "AppendExisting")
    return _detail(req, job)


def job_delete(req: XpmRequest) -> list[Element]:
    job = _job(req.tenant, req.xml("Job"))
    req.tenant.jobs.remove(job)
    return []


ENDPOINTS = (
    Endpoint("job", "add", "POST", "Add", job_add),
    Endpoint("job", "get", "GET", "Get", job_get),
    Endpoint("job", "current", "GET", "Current", job_current),
    Endpoint("job", "list", "GET", "List", job_list),
    Endpoint("job", "update", "PUT", "Update", job_update),
    Endpoint("job", "assign", "PUT", "Assign", job_assign),
    Endpoint("job", "task", "POST", "Task", job_task),
    Endpoint("job", "state", "PUT", "State", job_state),
    Endpoint("job", "applytemplate", "POST", "ApplyTemplate", job_apply_template),
    Endpoint("job", "delete", "POST", "Delete", job_delete),
)
