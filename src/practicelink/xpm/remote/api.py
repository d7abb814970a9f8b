"""`XpmClient`: one method per XPM endpoint practicelink uses, for one tenant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import httpx

from . import codec
from .errors import XpmBusinessError, XpmError, XpmNotFound
from .guard import MAX_ANSWER_BYTES
from .limiter import RateLimiter
from .records import (
    Category,
    Client,
    ClientPage,
    ClientUpdate,
    Contact,
    ContactUpdate,
    Job,
    JobAssignment,
    JobState,
    JobUpdate,
    NewClient,
    NewContact,
    NewJob,
    NewJobTask,
    NewStaff,
    Staff,
    StaffUpdate,
    TaskType,
    Template,
    normalise_email,
)
from .transport import DEFAULT_RETRY, DEFAULT_TIMEOUT, Quota, RetryPolicy, Transport

UNKNOWN_JOB = "Invalid job identifier"


class XpmClient:
    def __init__(
        self,
        api_url: str,
        tenant_id: str,
        token_provider: Callable[[], str],
        *,
        limiter: RateLimiter,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        on_error: Callable[[XpmError], None] | None = None,
    ) -> None:
        self._transport = Transport(
            api_url,
            tenant_id,
            token_provider,
            limiter=limiter,
            http=http,
            timeout=timeout,
            retry=retry,
            max_answer_bytes=max_answer_bytes,
            on_error=on_error,
        )

    @property
    def quota(self) -> Quota | None:
        """XPM's remaining-calls headers from the last answer."""
        return self._transport.quota

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> XpmClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- staff ----------------------------------------------------------------------------

    def staff_list(self) -> list[Staff]:
        response = self._transport.get("staff", "list")
        return codec.many(response, "StaffList", "Staff", codec.parse_staff)

    def staff_get(self, uuid: str) -> Staff:
        return codec.one(self._transport.get("staff", "get", uuid), "Staff", codec.parse_staff)

    def staff_add(self, staff: NewStaff) -> Staff:
        response = self._transport.send("POST", "staff", "add", codec.build_staff(staff))
        return codec.one(response, "Staff", codec.parse_staff)

    def staff_update(self, staff: StaffUpdate) -> Staff:
        response = self._transport.send("PUT", "staff", "update", codec.build_staff(staff))
        return codec.one(response, "Staff", codec.parse_staff)

    def staff_delete(self, uuid: str) -> None:
        self._transport.send("POST", "staff", "delete", codec.build_staff_uuid(uuid))

    def staff_search_by_email(self, email: str) -> list[Staff]:
        """Staff whose email matches, trimmed and case-insensitively (XPM has no search)."""
        wanted = normalise_email(email)
        return [staff for staff in self.staff_list() if staff.normalised_email == wanted]

    # --- clients --------------------------------------------------------------------------

    def client_list(
        self, *, detailed: bool = False, modified_since: datetime | None = None
    ) -> list[Client]:
        """All clients, archived and deleted ones included; `modified_since` is UTC."""
        params = {"detailed": "true"} if detailed else {}
        if modified_since is not None:
            params["modifiedsince"] = codec.request_datetime(modified_since)
        response = self._transport.get("client", "list", params=params)
        return codec.many(response, "Clients", "Client", codec.parse_client)

    def client_paged_list(self, page_size: int = 50, page_token: str | None = None) -> ClientPage:
        """One page of the non-archived, non-deleted clients."""
        params = {"pageSize": str(page_size)}
        if page_token is not None:
            params["pageToken"] = page_token
        response = self._transport.get("client", "paged-list", params=params)
        return ClientPage(
            clients=tuple(codec.many(response, "Clients", "Client", codec.parse_client)),
            next_page_token=codec.next_page_token(response),
        )

    def client_search(self, query: str) -> list[Client]:
        response = self._transport.get("client", "search", params={"query": query})
        return codec.many(response, "Clients", "Client", codec.parse_client)

    def client_get(self, uuid: str) -> Client:
        response = self._transport.get("client", "get", uuid)
        return codec.one(response, "Client", codec.parse_client)

    def client_add(self, client: NewClient) -> Client:
        response = self._transport.send("POST", "client", "add", codec.build_client(client))
        return codec.one(response, "Client", codec.parse_client)

    def client_update(self, client: ClientUpdate, *, current: Client | None = None) -> Client:
        """Update a client. With `current` (the record read just before with `client_get`),
        every field it holds is sent back with `client`'s changes over it."""
        body = (
            codec.build_client(client)
            if current is None
            else codec.build_client_update(current, client)
        )
        response = self._transport.send("PUT", "client", "update", body)
        return codec.one(response, "Client", codec.parse_client)

    # --- client contacts ------------------------------------------------------------------

    def contact_add(self, client_uuid: str, contact: NewContact) -> Contact:
        body = codec.build_contact(contact, client_uuid)
        response = self._transport.send("POST", "client", "contact", body)
        return codec.one(response, "Contact", codec.parse_contact)

    def contact_get(self, uuid: str) -> Contact:
        response = self._transport.get("client", "contact", uuid)
        return codec.one(response, "Contact", codec.parse_contact)

    def contact_update(self, uuid: str, contact: ContactUpdate) -> Contact:
        body = codec.build_contact(contact)
        response = self._transport.send("PUT", "client", "contact", body, uuid)
        return codec.one(response, "Contact", codec.parse_contact)

    def contact_delete(self, uuid: str) -> Contact:
        """Delete a contact; XPM answers with the contact it deleted."""
        response = self._transport.send("DELETE", "client", "contact", None, uuid)
        return codec.one(response, "Contact", codec.parse_contact)

    # --- jobs -----------------------------------------------------------------------------

    def job_add(self, job: NewJob) -> Job:
        response = self._transport.send("POST", "job", "add", codec.build_job(job))
        return codec.one(response, "Job", codec.parse_job)

    def job_get(self, job_id: str) -> Job | None:
        """The job with this number, or None when XPM does not know it."""
        try:
            response = self._transport.get("job", "get", job_id)
        except XpmNotFound:
            return None
        except XpmBusinessError as exc:
            if exc.description == UNKNOWN_JOB:
                return None
            raise
        return codec.one(response, "Job", codec.parse_job)

    def job_current(self, *, detailed: bool = False) -> list[Job]:
        params = {"detailed": "true"} if detailed else {}
        response = self._transport.get("job", "current", params=params)
        return codec.many(response, "Jobs", "Job", codec.parse_job)

    def job_list(self, from_: date, to: date, *, detailed: bool = False) -> list[Job]:
        """Jobs created between `from_` and `to` (at most a year apart, XPM's rule)."""
        params = {"from": codec.request_date(from_), "to": codec.request_date(to)}
        if detailed:
            params["detailed"] = "true"
        response = self._transport.get("job", "list", params=params)
        return codec.many(response, "Jobs", "Job", codec.parse_job)

    def job_update(self, job: JobUpdate) -> Job:
        response = self._transport.send("PUT", "job", "update", codec.build_job_update(job))
        return codec.one(response, "Job", codec.parse_job)

    def job_delete(self, job_id: str) -> None:
        """Delete a job. XPM 3.0 answered Status only; 3.1 may add the job: either is fine."""
        self._transport.send("POST", "job", "delete", codec.build_job_id(job_id))

    def job_assign(self, assignment: JobAssignment) -> Job:
        body = codec.build_assignment(assignment)
        return codec.one(self._transport.send("PUT", "job", "assign", body), "Job", codec.parse_job)

    def job_add_task(self, task: NewJobTask) -> str:
        """Add a task to a job; returns the new job-task UUID."""
        response = self._transport.send("POST", "job", "task", codec.build_job_task(task))
        return codec.required_text(response, "UUID")

    def job_state(self, job_id: str, state_code: str) -> None:
        """Move a job to the state with this interface code (e.g. "COMPLETED")."""
        self._transport.send("PUT", "job", "state", codec.build_job_state(job_id, state_code))

    def job_apply_template(
        self, job_id: str, template_uuid: str, *, task_mode: str = "AddNew"
    ) -> Job:
        body = codec.build_apply_template(job_id, template_uuid, task_mode)
        response = self._transport.send("POST", "job", "applytemplate", body)
        return codec.one(response, "Job", codec.parse_job)

    # --- catalogues -----------------------------------------------------------------------

    def template_list(self) -> list[Template]:
        response = self._transport.get("template", "list")
        return codec.many(response, "Templates", "Template", codec.parse_template)

    def category_list(self) -> list[Category]:
        response = self._transport.get("category", "list")
        return codec.many(response, "Categories", "Category", codec.parse_category)

    def task_type_list(self) -> list[TaskType]:
        response = self._transport.get("task", "list")
        return codec.many(response, "TaskList", "Task", codec.parse_task_type)

    def job_state_list(self) -> list[JobState]:
        response = self._transport.get("jobstate", "list")
        return codec.many(response, "JobStates", "JobState", codec.parse_job_state)
