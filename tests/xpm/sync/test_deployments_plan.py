"""The deployment plan (pure): adds the job only when absent, assigns only what is missing,
reports every unlinked person, and planning again after applying it changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicelink.xpm.remote.records import Job, JobAssignment, Ref
from practicelink.xpm.sync.deployments.plan import (
    Person,
    WantedJob,
    job_number,
    plan_deployment,
    sync_action,
)

STAFF = [f"staff-{i}" for i in range(5)]
person = st.builds(
    Person,
    role=st.sampled_from(["Partner", "Manager", "Job staff"]),
    name=st.sampled_from(["Pat", "Mia", "Sam", "Kim"]),
    staff_uuid=st.one_of(st.none(), st.sampled_from(STAFF)),
)
wanted_jobs = st.builds(
    WantedJob,
    number=st.just("PL0001J01"),
    name=st.just("FY26"),
    description=st.just(""),
    client_uuid=st.just("client-1"),
    start_date=st.just(date(2026, 7, 1)),
    due_date=st.just(date(2026, 7, 31)),
    partner=st.one_of(st.none(), person),
    manager=st.one_of(st.none(), person),
    staff=st.lists(person, max_size=4).map(tuple),
)
refs = st.sampled_from(STAFF).map(lambda uuid: Ref(uuid, uuid))
found_jobs = st.one_of(
    st.none(),
    st.builds(
        Job,
        id=st.just("PL0001J01"),
        uuid=st.just("job-1"),
        name=st.just("FY26"),
        partner=st.one_of(st.none(), refs),
        manager=st.one_of(st.none(), refs),
        assigned=st.lists(refs, unique=True, max_size=5).map(tuple),
    ),
)


def _applied(found: Job | None, assignment: JobAssignment | None) -> Job:
    """What XPM holds after the plan: the job added (if absent), then the assignment."""
    job = found or Job(id="PL0001J01", uuid="job-1", name="FY26")
    if assignment is None:
        return job
    on_job = [ref.uuid for ref in job.assigned]
    on_job += [uuid for uuid in assignment.add_staff if uuid not in on_job]
    return replace(
        job,
        partner=Ref(assignment.partner_uuid, "") if assignment.partner_uuid else job.partner,
        manager=Ref(assignment.manager_uuid, "") if assignment.manager_uuid else job.manager,
        assigned=tuple(Ref(uuid, uuid) for uuid in on_job),
    )


@given(wanted_jobs, found_jobs)
def test_planning_again_after_applying_changes_nothing(wanted: WantedJob, found: Job | None):
    plan = plan_deployment(wanted, found)
    assert (plan.add is None) == (found is not None)
    after = _applied(found, plan.assignment)
    again = plan_deployment(wanted, after)
    assert (again.add, again.assignment) == (None, None)
    assert again.missing == plan.missing
    linked = [p for p in (wanted.partner, wanted.manager, *wanted.staff) if p and p.staff_uuid]
    unlinked = [
        p for p in (wanted.partner, wanted.manager, *wanted.staff) if p and not p.staff_uuid
    ]
    assert {f"{p.role} {p.name} is not linked to XPM staff." for p in unlinked} == set(plan.missing)
    on_job = {ref.uuid for ref in after.assigned}
    assert all(p.staff_uuid in on_job for p in wanted.staff if p.staff_uuid)
    if wanted.partner and wanted.partner.staff_uuid:
        assert after.partner and after.partner.uuid == wanted.partner.staff_uuid
    assert linked or plan.assignment is None


@given(wanted_jobs, found_jobs)
def test_nothing_already_there_is_sent_again(wanted: WantedJob, found: Job | None):
    assignment = plan_deployment(wanted, found).assignment
    if found is None or assignment is None:
        return
    assert not set(assignment.add_staff) & {ref.uuid for ref in found.assigned}
    if found.partner:
        assert assignment.partner_uuid != found.partner.uuid


@pytest.mark.parametrize(
    ("prefix", "proposal", "index", "number"),
    [("PL", 12, 1, "PL0012J01"), ("ACME", 12345, 3, "ACME12345J03"), ("X", 1, 100, "X0001J100")],
)
def test_job_numbers_are_letters_and_digits(prefix, proposal, index, number):
    assert job_number(prefix, proposal, index) == number


def test_a_prefix_with_punctuation_is_refused():
    with pytest.raises(ValueError, match="letters and digits only"):
        job_number("P-L", 1, 1)


@pytest.mark.parametrize(
    ("status", "then", "now", "action"),
    [
        ("pending", (), (), "deploy"),
        ("partly", ("Partner Pat is not linked to XPM staff.",), (), "complete"),
        (
            "partly",
            ("Partner Pat is not linked to XPM staff.",),
            ("Partner Pat is not linked to XPM staff.",),
            "wait",
        ),
    ],
)
def test_what_a_sync_does_with_an_open_deployment(status, then, now, action):
    assert sync_action(status, then, now) == action
