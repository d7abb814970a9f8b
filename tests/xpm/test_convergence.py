"""Convergence under faults: random work on both sides, syncs while XPM fails about one call in
five, then fault-free syncs after which both sides agree and nothing was made twice.

A hypothesis state machine drives a practice and a fresh emulated XPM tenant over real HTTP:
members and staff added, edited, deleted, restored; links made by hand and undone; clients
created here and in XPM; partners and managers changed on either side; proposals accepted
(their jobs to deploy); syncs. During those syncs the emulator injects every kind of fault we
must survive (429, 500, 503, answers after our timeout, bytes dripping past the deadline,
dropped connections, answers lost after the write, malformed XML). `teardown` lets late writes
land, runs fault-free syncs past the quiet period and checks the invariants:

- links are 1:1 (members ↔ staff, clients ↔ XPM clients) and point at what exists;
- no staff, client or job created twice by practicelink;
- every linked client's partner and manager agree on both sides, or a conflict is recorded;
- every accepted proposal's jobs are in XPM exactly once, and deployed;
- a further sync writes nothing in XPM and changes nothing here.

CI runs the derandomised profile (`CONVERGENCE_EXAMPLES`, 200 cases); `make soak` runs many
more with fresh randomness (`CONVERGENCE_EXAMPLES=2000 --hypothesis-profile=search`).
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from practicelink.clients import services as client_services
from practicelink.clients.models import Client
from practicelink.proposals import services as proposal_services
from practicelink.proposals.models import JobStructure, Status
from practicelink.team import services as team_services
from practicelink.team.models import Member
from practicelink.xpm import services as link_services
from practicelink.xpm.crypto import encrypt
from practicelink.xpm.deployments import deployment_request
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ConflictStatus,
    ConnectionStatus,
    Deployment,
    DeploymentStatus,
    LinkChange,
    LinkMethod,
    StaffLink,
    SyncRun,
    SyncSettings,
    SyncTrigger,
    XpmConnection,
)
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.remote import NoLimit, RetryPolicy, XpmClient
from practicelink.xpm.sync.engine import Outcome, run_execute
from tests.factories import PracticeFactory
from xpm_emulator.faults import Fault
from xpm_emulator.models import Client as EmulatedClient
from xpm_emulator.models import Staff as EmulatedStaff
from xpm_emulator.testing import EmulatorHandle

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("CONVERGENCE_EXAMPLES", "200"))
FAULT_RATE = 0.2
"""The share of XPM calls that fail while work goes on."""
FAULTS = ("429", "500", "503", "slow", "drip", "drop", "drop_after", "malformed")
TIMEOUT = 0.1
"""Our XPM timeout while faults are on: `slow` and `drip` answers land after it."""
LATE = 0.25
"""How late a `slow` or `drip` answer is (the write lands in XPM then, after we gave up)."""
QUIET_MINUTES = 10.0
"""Longer than the syncs of one case take (a minute each): a create whose answer was lost is
never sent again before its late write could land."""
HERE = "here.example"
THERE = "xpm.example"
CLIENT_NAMES = ("Alder Bakery", "Birch Plumbing", "Cedar Dental", "Damson Florists")
XPM_CLIENT_NAMES = ("Quartz Tiling", "Rowan Joinery", "Sable Couriers", "Tansy Vets")
PEOPLE = ("Ann", "Ben", "Cai", "Dot", "Eve", "Fox")


def _fault_rate(kinds: int) -> float:
    """Each kind's rate so that a call meets one of `kinds` faults with `FAULT_RATE`."""
    return 1 - (1 - FAULT_RATE) ** (1 / kinds)


class Figures:
    """What the harness did, for the README's Reliability figures (printed with -s)."""

    cases = 0
    syncs = 0
    faults = 0
    calls = 0


class Convergence(RuleBasedStateMachine):
    server: EmulatorHandle
    http: httpx.Client
    """One connection pool for every sync of every case (each would make its own)."""

    members = Bundle("members")
    staff = Bundle("staff")
    clients = Bundle("clients")
    xpm_clients = Bundle("xpm_clients")

    def __init__(self) -> None:
        super().__init__()
        server = self.server
        server.clear_faults()
        server.clear_calls()
        server.emulator.clock.reset()
        self.offset = timedelta()
        self.practice = PracticeFactory(name="Converging & Co")
        self.tenant_id = str(uuid.uuid4())
        server.seed({"tenants": [{"name": "Converging XPM", "tenant_id": self.tenant_id}]})
        XpmConnection.objects.create(
            practice=self.practice,
            status=ConnectionStatus.CONNECTED,
            tenant_id=self.tenant_id,
            tenant_name="Converging XPM",
            access_token_encrypted=encrypt("unused: the syncs get theirs from the test"),
            refresh_token_encrypted=encrypt("unused"),
            expires_at=timezone.now() + timedelta(days=1),
            connected_at=timezone.now(),
        )
        SyncSettings.objects.create(
            practice=self.practice,
            creation_window_hours=0,
            auto_link=True,
            create_clients_at_once=True,
        )
        self.access, _ = server.issue_token([self.tenant_id])  # lives 30 min: enough
        self.ours: set[str] = set()
        """UUIDs of the staff and clients the test made in XPM directly (not practicelink)."""
        self.counter = 0
        self.accepted: list[int] = []
        self.in_flight = False
        self.member_of: dict[str, int] = {}
        """Every email a member had → that member (emails are never reused)."""
        Figures.cases += 1

    # --- both clocks move together ----------------------------------------------------------

    def now(self) -> datetime:
        return timezone.now() + self.offset

    def advance(self, minutes: float) -> None:
        self.offset += timedelta(minutes=minutes)
        self.server.emulator.clock.advance(minutes * 60)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    @property
    def tenant(self):
        return self.server.store.tenant(self.tenant_id)

    # --- XPM's side -------------------------------------------------------------------------

    def stamp(self) -> str:
        return self.server.clock.now().strftime("%Y-%m-%dT%H:%M:%S")

    def live_staff(self) -> list[EmulatedStaff]:
        return [s for s in self.tenant.staff if not s.deleted]

    # --- syncs --------------------------------------------------------------------------------

    def client(self, timeout: float) -> XpmClient:
        return XpmClient(
            self.server.api_url,
            self.tenant_id,
            lambda: self.access,
            http=self.http,
            limiter=NoLimit(),
            timeout=timeout,
            retry=RetryPolicy(attempts=2, backoff=0.0),
        )

    def sync(self, *, timeout: float = TIMEOUT) -> SyncRun:
        """One sync, resumed at once whenever a 429 deferred it."""
        self.advance(1)
        run = SyncRun.objects.create(practice=self.practice, trigger=SyncTrigger.API)
        for _ in range(10):
            outcome, _ = run_execute(
                run.pk, client_factory=lambda _: self.client(timeout), now=self.now()
            )
            if outcome == Outcome.FINISHED:
                break
            assert outcome == Outcome.DEFERRED
        Figures.syncs += 1
        run.refresh_from_db()
        return run

    # --- rules: the team and XPM staff --------------------------------------------------------

    @initialize(target=members, seed=st.integers(0, 2**32 - 1), auto_link=st.booleans())
    def first_member(self, seed: int, auto_link: bool) -> Member:
        """Off, auto-link leaves only our own records to link a staff we created."""
        self.server.emulator.faults.reseed(seed)  # which calls fail: part of the example
        SyncSettings.objects.filter(practice=self.practice).update(auto_link=auto_link)
        return self.add_member_named("Ann")

    def add_member_named(self, name: str) -> Member:
        email = f"{self.fresh(name.lower())}@{HERE}"
        member = team_services.member_create(practice=self.practice, name=name, email=email)
        self.member_of[email] = member.pk
        return member

    @rule(target=members, name=st.sampled_from(PEOPLE))
    def add_member(self, name: str) -> Member:
        return self.add_member_named(name)

    @rule(member=members, new_name=st.sampled_from(PEOPLE), new_email=st.booleans())
    def edit_member(self, member: Member, new_name: str, new_email: bool) -> None:
        member.refresh_from_db()
        email = f"{self.fresh(new_name.lower())}@{HERE}" if new_email else member.email
        self.member_of[email] = member.pk
        team_services.member_update(
            practice=self.practice, member=member, name=new_name, email=email, role=member.role
        )

    @rule(member=members)
    def delete_or_restore_member(self, member: Member) -> None:
        member.refresh_from_db()
        if member.is_deleted:
            team_services.member_restore(practice=self.practice, member=member)
        else:
            team_services.member_delete(practice=self.practice, member=member)

    @rule(target=staff, name=st.sampled_from(PEOPLE), member=members, same_email=st.booleans())
    def add_xpm_staff(self, name: str, member: Member, same_email: bool) -> str:
        """A staff added in XPM, sometimes with a member's email (the sync links them)."""
        member.refresh_from_db()
        email = member.email if same_email else f"{self.fresh(name.lower())}@{THERE}"
        person = EmulatedStaff(name=name, email=email)
        self.tenant.staff.append(person)
        self.ours.add(person.uuid)
        return person.uuid

    @rule(uuid=staff, name=st.sampled_from(PEOPLE))
    def rename_xpm_staff(self, uuid: str, name: str) -> None:
        for person in self.tenant.staff:
            if person.uuid == uuid:
                person.name = name

    @rule(uuid=consumes(staff))
    def delete_xpm_staff(self, uuid: str) -> None:
        for person in self.tenant.staff:
            if person.uuid == uuid:
                person.deleted = True

    @rule(member=members, pick=st.integers(0, 20))
    def link_by_hand(self, member: Member, pick: int) -> None:
        """Link (or relink) a member to a staff the mirror knows, as the team page does."""
        member.refresh_from_db()
        rows = list(StaffRow.objects.filter(practice=self.practice, gone_at__isnull=True))
        if member.is_deleted or not rows:
            return
        row = rows[pick % len(rows)]
        taken = StaffLink.objects.filter(staff=row).exclude(member=member).exists()
        if not taken:
            link_services.link_replace(practice=self.practice, member=member, staff=row)

    @rule(member=members)
    def unlink(self, member: Member) -> None:
        if StaffLink.objects.filter(member=member).exists():
            link_services.link_delete(practice=self.practice, member=member)

    # --- rules: clients -------------------------------------------------------------------

    def linked_member(self, pick: int) -> Member | None:
        links = list(StaffLink.objects.filter(practice=self.practice, member__deleted_at=None))
        if not links or pick == 0:
            return None
        return links[pick % len(links)].member

    def live_staff_uuid(self, pick: int) -> str | None:
        live = self.live_staff()
        if not live or pick == 0:
            return None
        return live[pick % len(live)].uuid

    @precondition(lambda self: Client.objects.filter(practice=self.practice).count() < 4)
    @rule(target=clients, partner=st.integers(0, 5), manager=st.integers(0, 5))
    def add_client_here(self, partner: int, manager: int) -> Client:
        taken = set(Client.objects.filter(practice=self.practice).values_list("name", flat=True))
        name = next(n for n in CLIENT_NAMES if n not in taken)
        return client_services.client_create(
            practice=self.practice,
            name=name,
            partner=self.linked_member(partner),
            manager=self.linked_member(manager),
        )

    @precondition(lambda self: len(self.tenant.clients) < 4)
    @rule(target=xpm_clients, partner=st.integers(0, 5), manager=st.integers(0, 5))
    def add_client_in_xpm(self, partner: int, manager: int) -> str:
        taken = {c.name for c in self.tenant.clients}
        name = next(n for n in XPM_CLIENT_NAMES if n not in taken)
        record = EmulatedClient(
            name=name,
            account_manager_uuid=self.live_staff_uuid(partner),
            job_manager_uuid=self.live_staff_uuid(manager),
            modified_at=self.stamp(),
        )
        self.tenant.clients.append(record)
        self.ours.add(record.uuid)
        return record.uuid

    @rule(client=clients, partner=st.integers(0, 5), manager=st.integers(0, 5))
    def change_people_here(self, client: Client, partner: int, manager: int) -> None:
        client.refresh_from_db()
        client_services.client_update(
            practice=self.practice,
            client=client,
            name=client.name,
            email=client.email,
            partner=self.linked_member(partner),
            manager=self.linked_member(manager),
            archived=client.archived,
        )

    @rule(pick=st.integers(0, 20), partner=st.integers(0, 5), manager=st.integers(0, 5))
    def change_people_in_xpm(self, pick: int, partner: int, manager: int) -> None:
        clients = [c for c in self.tenant.clients if not c.is_deleted]
        if not clients:
            return
        record = clients[pick % len(clients)]
        record.account_manager_uuid = self.live_staff_uuid(partner)
        record.job_manager_uuid = self.live_staff_uuid(manager)
        record.modified_at = self.stamp()

    @rule(pick=st.integers(0, 20), per_service=st.booleans())
    def accept_proposal(self, pick: int, per_service: bool) -> None:
        """A proposal accepted for a client here: its jobs wait for the sync to deploy them."""
        clients = list(Client.objects.filter(practice=self.practice).order_by("pk"))
        if not clients:
            return
        structure = JobStructure.PER_SERVICE if per_service else JobStructure.SINGLE
        proposal = proposal_services.proposal_create(
            practice=self.practice,
            client=clients[pick % len(clients)],
            title="Compliance",
            services=[
                proposal_services.ServiceLine("Accounts", "", Decimal("1"), Decimal("900")),
                proposal_services.ServiceLine("Tax return", "", Decimal("1"), Decimal("300")),
            ],
            job_structure=structure,
        )
        proposal_services.proposal_set_status(
            practice=self.practice, proposal=proposal, status=Status.ACCEPTED
        )
        deployment_request(proposal)  # what the acceptance hook does once committed
        self.accepted.append(proposal.pk)

    # --- rules: syncs under faults ----------------------------------------------------------

    @rule(wait=st.booleans())
    def sync_under_faults(self, wait: bool) -> None:
        """A sync while XPM fails. Not `wait`ing, the next step may run while a late write
        is still on its way to XPM (the next sync does not see it yet)."""
        rate = _fault_rate(len(FAULTS))
        for kind in FAULTS:
            self.server.emulator.faults.add(Fault(kind, "*", count=None, rate=rate, seconds=LATE))
        try:
            self.sync()
        finally:
            faults = self.server.emulator.faults.list()
            Figures.faults += sum(f.hits for f in faults)
            late = any(f.hits for f in faults if f.kind in ("slow", "drip"))
            self.server.emulator.faults.clear()
        if late and wait:
            time.sleep(LATE)
        self.in_flight = late and not wait

    # Syncs as often as all the other work together: three rules run the same sync.
    sync_again = sync_under_faults
    sync_once_more = sync_under_faults

    @invariant()
    def links_are_one_to_one(self) -> None:
        pairs = StaffLink.objects.filter(practice=self.practice).values_list("member", "staff")
        members, staff = Counter(m for m, _ in pairs), Counter(s for _, s in pairs)
        assert max(members.values(), default=1) == 1 and max(staff.values(), default=1) == 1

    # --- after the faults: converge, then check -----------------------------------------------

    def teardown(self) -> None:
        try:
            self.converge_and_check()
        finally:
            self.server.clear_faults()
            self.server.emulator.clock.reset()

    def converge_and_check(self) -> None:
        if self.in_flight:
            time.sleep(LATE)  # the last late write lands before the faults are over
        self.advance(QUIET_MINUTES + 1)  # past the quiet period of every uncertain create
        self.sync(timeout=5.0)
        self.check_nothing_twice()
        self.check_links()
        self.check_people_agree()
        self.check_jobs_deployed_once()
        self.check_a_further_sync_changes_nothing()

    def made_by_us(self, records) -> list:
        return [r for r in records if r.uuid not in self.ours]

    def check_nothing_twice(self) -> None:
        """Every staff practicelink created is one member's (by the emails it ever had, all
        unique), once; every client it created is one client's, once."""
        created = self.made_by_us(self.tenant.staff)
        emails = Counter(s.email for s in created)
        assert max(emails.values(), default=1) == 1, f"a staff created twice: {emails}"
        for person in created:
            member = Member.objects.get(pk=self.member_of[person.email])
            if member.is_deleted or StaffLink.objects.filter(member=member).exists():
                continue  # deleted before it was linked, or linked (to it, or by hand)
            by_hand = LinkChange.objects.filter(member=member).filter(
                Q(linked=False) | Q(method=LinkMethod.MANUAL)
            )
            assert by_hand.exists(), (
                f"practicelink created {person.email} in XPM and left it unlinked"
            )
        names = Counter(c.name for c in self.made_by_us(self.tenant.clients))
        assert max(names.values(), default=1) == 1, f"a client created twice: {names}"
        local = Counter(Client.objects.filter(practice=self.practice).values_list("name"))
        assert max(local.values(), default=1) == 1, f"a client imported twice: {local}"

    def check_links(self) -> None:
        uuids = {c.uuid for c in self.tenant.clients}
        links = list(ClientLink.objects.filter(practice=self.practice))
        assert all(link.uuid in uuids for link in links)
        assert len({link.uuid for link in links}) == len(links)
        for client in Client.objects.filter(practice=self.practice):
            assert ClientLink.objects.filter(client=client).exists(), (
                f"{client.name} is not in XPM",
                list(client.xpm_matches.values("status", "reason"))
                if hasattr(client, "xpm_matches")
                else None,
            )

    def check_people_agree(self) -> None:
        staff_of = dict(
            StaffLink.objects.filter(practice=self.practice).values_list("member_id", "staff__uuid")
        )
        linked_staff = set(staff_of.values())
        records = {c.uuid: c for c in self.tenant.clients}
        for link in ClientLink.objects.filter(practice=self.practice).select_related("client"):
            record = records[link.uuid]
            for field, ours, theirs in (
                ("partner", link.client.partner_id, record.account_manager_uuid),
                ("manager", link.client.manager_id, record.job_manager_uuid),
            ):
                if ours is not None and ours not in staff_of:
                    continue  # not linked to a staff: nothing to put in XPM (a problem shown)
                if theirs and theirs not in linked_staff:
                    continue  # a staff no member is linked to: nothing to take (a problem shown)
                if staff_of.get(ours) == (theirs or None):
                    continue
                assert ClientConflict.objects.filter(
                    client=link.client, field=field, status=ConflictStatus.OPEN
                ).exists(), f"{link.client.name}: {field} differs and no conflict is recorded"

    def check_jobs_deployed_once(self) -> None:
        numbers = Counter(job.id for job in self.tenant.jobs)
        assert max(numbers.values(), default=1) == 1, f"a job created twice: {numbers}"
        assert len(self.tenant.jobs) == Deployment.objects.filter(practice=self.practice).count()
        for row in Deployment.objects.filter(proposal_id__in=self.accepted):
            assert row.status in (DeploymentStatus.DEPLOYED, DeploymentStatus.PARTLY), (
                row.job_number,
                row.status,
                row.problem,
            )
            assert numbers[row.job_number] == 1

    def check_a_further_sync_changes_nothing(self) -> None:
        Figures.calls += len(self.server.calls(self.tenant_id))
        self.server.clear_calls()
        run = self.sync(timeout=5.0)
        writes = [c for c in self.server.calls(self.tenant_id) if c["method"] != "GET"]
        assert writes == [], writes
        changes = list(run.events.values_list("action", "outcome", "message"))
        assert all(outcome not in ("done", "uncertain", "failed") for _, outcome, _ in changes), (
            changes
        )


def test_both_sides_converge_under_faults(xpm_server: EmulatorHandle, settings_fixture) -> None:
    Convergence.server = xpm_server
    Convergence.http = httpx.Client()
    limits = xpm_server.configure()
    xpm_server.configure(minute_limit=1_000_000, day_limit=1_000_000)
    try:
        run_state_machine_as_test(
            Convergence,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=8,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        Convergence.http.close()
        xpm_server.clear_faults()
        xpm_server.configure(minute_limit=limits["minute_limit"], day_limit=limits["day_limit"])
    print(
        f"\nconvergence: {Figures.cases} cases, {Figures.syncs} syncs, "
        f"{Figures.faults} faults injected in {Figures.calls} XPM calls"
    )


@pytest.fixture
def settings_fixture(settings):
    settings.XPM_UNCERTAIN_CREATE_QUIET_MINUTES = QUIET_MINUTES
    return settings
