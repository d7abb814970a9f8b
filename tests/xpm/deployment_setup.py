"""A practice connected to the emulator with a linked team, a client with partner and manager,
an XPM template, and proposals whose jobs are planned: what deployment tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.proposals.models import JobStructure, Proposal
from practicelink.proposals.services import (
    JobPlan,
    ServiceLine,
    proposal_create,
    proposal_jobs_update,
)
from practicelink.team.models import Member
from practicelink.xpm import services as link_services
from practicelink.xpm.models import CatalogueItem
from practicelink.xpm.models import Staff as StaffRow
from tests.factories import ClientFactory, MemberFactory
from tests.xpm.conftest import XpmTenant, sync
from xpm_emulator.models import TaskType, Template


@dataclass
class Team:
    pat: Member  # the client's partner
    mia: Member  # the client's manager
    sam: Member  # job staff
    kim: Member  # job staff
    staff: dict[str, str]  # member name → XPM staff UUID
    template: Template
    client: Client


@pytest.fixture
def team(practice, admin, connected, xpm: XpmTenant) -> Team:
    tenant = xpm.server.store.tenant(xpm.tenant_id)
    tasks = [TaskType("Prepare accounts"), TaskType("Review")]
    tenant.task_types.extend(tasks)
    template = Template("Annual Accounts", task_type_uuids=[t.uuid for t in tasks])
    tenant.templates.append(template)
    people = {}
    for name in ("Pat Partner", "Mia Manager", "Sam Senior", "Kim Junior"):
        email = f"{name.split()[0].lower()}@alpha.example"
        people[name] = (MemberFactory(practice=practice, name=name, email=email), email)
        xpm.add_staff(name, email)
    sync(practice)
    staff = {}
    for name, (member, email) in people.items():
        row = StaffRow.objects.get(practice=practice, email_normalised=email)
        link_services.link_create(practice=practice, member=member, staff=row)
        staff[name] = row.uuid
    pat, mia, sam, kim = (people[n][0] for n in people)
    client = ClientFactory(practice=practice, name="Acme Ltd", email="books@acme.example")
    client.partner, client.manager = pat, mia
    client.save()
    return Team(pat, mia, sam, kim, staff, template, client)


LINES = [
    ServiceLine("Annual accounts", "", Decimal("1"), Decimal("2400")),
    ServiceLine("Tax return", "", Decimal("1"), Decimal("600")),
]


def planned_proposal(practice, team: Team, structure: str = JobStructure.SINGLE) -> Proposal:
    proposal = proposal_create(
        practice=practice,
        client=team.client,
        title="FY26 compliance",
        services=LINES,
        job_structure=structure,
    )
    plans = [
        JobPlan(
            index=job.index,
            name=job.name,
            description=job.description,
            template_uuid=team.template.uuid,
            budget=Decimal("3000"),
            start_date=date(2026, 7, 1),
            due_date=date(2026, 9, 30),
            staff_ids=[team.sam.pk, team.kim.pk],
        )
        for job in proposal.jobs.all()
    ]
    CatalogueItem.objects.get_or_create(
        practice=practice,
        kind="template",
        uuid=team.template.uuid,
        defaults={"name": team.template.name, "seen_at": timezone.now()},
    )
    proposal_jobs_update(practice=practice, proposal=proposal, jobs=plans)
    return proposal


def xpm_jobs(xpm: XpmTenant):
    return xpm.server.store.tenant(xpm.tenant_id).jobs
