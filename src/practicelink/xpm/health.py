"""Link health (read side): what stands between a practice and a complete XPM sync.

Each kind of gap has a count, what it breaks in words and the records behind it. Everything
is read with a fixed number of queries whatever the practice's size: counts are aggregates,
the members' states come from the same plan the staff sync runs (`plan_staff`, fed by one
read of each side), and record lists are bounded pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.proposals.models import DeploymentStatus as ProposalDeployment
from practicelink.proposals.models import Job, Proposal
from practicelink.proposals.models import Status as ProposalStatus
from practicelink.team.models import Member, Practice
from practicelink.xpm import selectors
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientMatch,
    Completeness,
    ConflictStatus,
    HealthSnapshot,
    ReviewStatus,
    StaffLink,
    SyncRun,
)
from practicelink.xpm.ratelimit import Budget
from practicelink.xpm.sync.staff.plan import Action, Kind, MemberSide, StaffSide, plan_staff

PAGE_SIZE = 20
"""Records listed per gap on the page (the rest a page at a time)."""
HISTORY_DAYS = 30


class GapKind(StrEnum):
    MEMBERS_UNLINKED = "members_unlinked"
    STAFF_UNLINKED = "staff_unlinked"
    CLIENTS_UNASSIGNED = "clients_unassigned"
    CLIENTS_ROLE_UNLINKED = "clients_role_unlinked"
    CLIENTS_NOT_IN_XPM = "clients_not_in_xpm"
    CLIENT_REVIEWS = "client_reviews"
    CLIENT_CONFLICTS = "client_conflicts"
    DEPLOYMENTS = "deployments"
    JOB_STAFF_UNLINKED = "job_staff_unlinked"


@dataclass(frozen=True)
class GapText:
    title: str
    breaks: str


GAP_TEXT = {
    GapKind.MEMBERS_UNLINKED: GapText(
        "Members not linked to XPM staff",
        "As partner, manager or job staff they cannot reach XPM: clients and jobs stay "
        "unassigned there and job tasks cannot be allocated to them.",
    ),
    GapKind.STAFF_UNLINKED: GapText(
        "XPM staff linked to no member",
        "They cannot be picked as partner, manager or job staff here, and a client XPM gives "
        "them comes in without that partner or manager.",
    ),
    GapKind.CLIENTS_UNASSIGNED: GapText(
        "Clients without a partner or a manager",
        "Their jobs are deployed without a partner or manager, and the proposals screen's "
        "partner and manager filters miss them.",
    ),
    GapKind.CLIENTS_ROLE_UNLINKED: GapText(
        "Clients whose partner or manager is not linked",
        "That partner or manager cannot be sent to XPM: the client and its jobs stay without "
        "them there.",
    ),
    GapKind.CLIENTS_NOT_IN_XPM: GapText(
        "Clients not linked to an XPM client",
        "Their partner and manager do not sync with XPM; they are created in XPM only when "
        "their first job is deployed.",
    ),
    GapKind.CLIENT_REVIEWS: GapText(
        "Clients in the review queue",
        "They stay unpaired, so nothing syncs for them, until someone says which client is which.",
    ),
    GapKind.CLIENT_CONFLICTS: GapText(
        "Open conflicts",
        "A value changed on both sides; the conflict policy picked one, which nobody has "
        "confirmed yet.",
    ),
    GapKind.DEPLOYMENTS: GapText(
        "Accepted proposals partly or not deployed",
        "Their jobs are missing in XPM or lack their partner, manager or staff, so the work "
        "cannot start or be allocated there.",
    ),
    GapKind.JOB_STAFF_UNLINKED: GapText(
        "Job staff not linked",
        "They are not assigned to their jobs in XPM, so the jobs' tasks cannot be allocated "
        "to them.",
    ),
}


class MemberState(StrEnum):
    """Where an unlinked member stands, in the words of the team page."""

    WAITING = "waiting"
    """Waiting for automatic creation in XPM (creation window) or created at the next sync."""
    SUGGESTED = "suggested"
    BLOCKED = "blocked"


_STATE_OF_KIND = {
    Kind.WAIT: MemberState.WAITING,
    Kind.CREATE: MemberState.WAITING,
    Kind.LINK: MemberState.SUGGESTED,
    Kind.SUGGEST: MemberState.SUGGESTED,
    Kind.BLOCKED: MemberState.BLOCKED,
}


@dataclass(frozen=True)
class UnlinkedMember:
    """A current member without a link and what the next sync does about it."""

    id: int
    name: str
    email: str
    state: MemberState
    action: Action
    suggested: tuple[StaffSide, ...] = ()

    @property
    def why(self) -> str:
        """In words, worked out only for the members shown."""
        return _why(self.action)


@dataclass(frozen=True)
class Gap:
    kind: GapKind
    count: int
    detail: dict[str, int] = field(default_factory=dict)
    """A breakdown of the count (members: waiting / suggested / blocked)."""

    @property
    def text(self) -> GapText:
        return GAP_TEXT[self.kind]


@dataclass(frozen=True)
class TeamState:
    """The unlinked members, the XPM staff and the plan for each unlinked member, read once,
    with how many current members there are and how many are linked."""

    members: list[MemberSide]
    """Current members without a link: the ones the staff sync plans for."""
    staff: list[StaffSide]
    actions: dict[int, Action]
    emails: dict[int, str]
    current: int
    linked: int

    @classmethod
    def of(cls, practice: Practice, now: datetime) -> TeamState:
        members = selectors.member_sides(practice, unlinked=True)
        staff = selectors.staff_sides(practice)
        actions = plan_staff(members, staff, selectors.policy_for(practice), now)
        current = Member.objects.current().filter(practice=practice)
        emails = dict(current.filter(xpm_link__isnull=True).values_list("pk", "email"))
        counts = current.aggregate(current=Count("pk"), linked=Count("xpm_link"))
        return cls(members, staff, {a.member_id: a for a in actions}, emails, **counts)

    @cached_property
    def unlinked_members(self) -> list[UnlinkedMember]:
        staff = {s.uuid: s for s in self.staff}
        return [
            UnlinkedMember(
                id=m.id,
                name=m.name,
                email=self.emails.get(m.id, m.email_normalised),
                state=_STATE_OF_KIND[action.kind],
                action=action,
                suggested=tuple(staff[u] for u in action.staff_uuids if u in staff),
            )
            for m in sorted(self.members, key=lambda m: (m.name.casefold(), m.id))
            if (action := self.actions.get(m.id)) is not None
        ]

    @cached_property
    def unlinked_staff(self) -> list[StaffSide]:
        return sorted(
            (s for s in self.staff if s.linked_member_id is None),
            key=lambda s: (s.name.casefold(), s.uuid),
        )


def _why(action: Action) -> str:
    if action.kind == Kind.CREATE:
        return "No XPM staff has their email: the next sync creates them in XPM and links them."
    if action.kind == Kind.WAIT and action.create_at is not None:
        when = timezone.localtime(action.create_at).strftime("%Y-%m-%d %H:%M")
        return action.reason or (
            f"No XPM staff has their email: practicelink creates them in XPM on {when} "
            "(the creation window) unless they are linked before."
        )
    if action.kind == Kind.LINK:
        return "An unlinked XPM staff has their email: the next sync links them."
    return action.reason


def active_clients(practice: Practice) -> QuerySet[Client]:
    return Client.objects.filter(practice=practice, archived=False)


CLIENT_GAPS = (
    GapKind.CLIENTS_UNASSIGNED,
    GapKind.CLIENTS_ROLE_UNLINKED,
    GapKind.CLIENTS_NOT_IN_XPM,
)


@dataclass(frozen=True)
class ClientFilters:
    """Which clients each client gap holds, and which are complete.

    Linked people and linked clients are tested, never joined through members to their links
    (which made both databases walk and sort every client of the practice for a page of
    twenty). To count every client, as set membership (`IN (SELECT ...)`: one hashed set of
    each beside a single pass over the clients); to list a page, one index probe per client
    (`EXISTS`), so the clients are walked in name order and the walk stops at the page's end.
    """

    gaps: dict[GapKind, Q]
    complete: Q

    @classmethod
    def of(cls, practice: Practice, *, per_row: bool = False) -> ClientFilters:
        people = StaffLink.objects.filter(practice=practice)
        in_xpm = ClientLink.objects.filter(practice=practice)

        def linked(column: str, links: QuerySet[Any], key: str) -> Q:
            if per_row:
                return Q(Exists(links.filter(**{key: OuterRef(column)})))
            return Q(**{f"{column}__in": links.values(key)})

        partner_linked = linked("partner_id", people, "member_id")
        manager_linked = linked("manager_id", people, "member_id")
        client_linked = linked("pk", in_xpm, "client_id")
        return cls(
            gaps={
                GapKind.CLIENTS_UNASSIGNED: Q(partner__isnull=True) | Q(manager__isnull=True),
                GapKind.CLIENTS_ROLE_UNLINKED: (Q(partner__isnull=False) & ~partner_linked)
                | (Q(manager__isnull=False) & ~manager_linked),
                GapKind.CLIENTS_NOT_IN_XPM: ~client_linked,
            },
            complete=partner_linked & manager_linked & client_linked,
        )


def open_reviews(practice: Practice) -> QuerySet[ClientMatch]:
    return ClientMatch.objects.filter(practice=practice, status=ReviewStatus.OPEN)


def open_conflicts(practice: Practice) -> QuerySet[ClientConflict]:
    return ClientConflict.objects.filter(practice=practice, status=ConflictStatus.OPEN)


def proposals_not_deployed(practice: Practice) -> QuerySet[Proposal]:
    """Accepted proposals whose deployment ended partly or failed."""
    return Proposal.objects.filter(
        practice=practice,
        status=ProposalStatus.ACCEPTED,
        deployment_status__in=[ProposalDeployment.PARTLY, ProposalDeployment.FAILED],
    )


LIVE_PROPOSALS = (ProposalStatus.DRAFT, ProposalStatus.SENT, ProposalStatus.ACCEPTED)
"""Proposals still to be, or already, accepted: their job staff matter."""


def live_job_staff(practice: Practice) -> QuerySet[Any]:
    """The practice's job staff rows (job, member) of live proposals."""
    return Job.staff.through.objects.filter(
        job__proposal__practice=practice, job__proposal__status__in=LIVE_PROPOSALS
    )


def job_staff_unlinked(practice: Practice) -> QuerySet[Member]:
    """Current members with no link who are job staff of a live proposal."""
    linked = StaffLink.objects.filter(practice=practice).values("member_id")
    return (
        Member.objects.current()
        .filter(practice=practice, pk__in=live_job_staff(practice).values("member_id"))
        .exclude(pk__in=linked)
    )


def _with_jobs(practice: Practice, page: list[int]) -> QuerySet[Member]:
    """The page's members, each with the number of live jobs they staff as `jobs`."""
    jobs = (
        live_job_staff(practice)
        .filter(member_id=OuterRef("pk"))
        .order_by()
        .values("member_id")
        .annotate(n=Count("job_id"))
        .values("n")
    )
    return Member.objects.filter(pk__in=page).annotate(jobs=Subquery(jobs)).order_by("name", "pk")


@dataclass(frozen=True)
class Health:
    gaps: list[Gap]
    completeness: Completeness
    last_run: SyncRun | None
    budget: Budget | None
    team: TeamState

    @property
    def total(self) -> int:
        return sum(gap.count for gap in self.gaps)

    def gap(self, kind: GapKind) -> Gap:
        return next(gap for gap in self.gaps if gap.kind == kind)

    def counts(self) -> dict[str, int]:
        return {gap.kind.value: gap.count for gap in self.gaps}


def link_health(practice: Practice, now: datetime | None = None) -> Health:
    """Every gap's count, the completeness figure, the last sync and the XPM budget."""
    team = TeamState.of(practice, now or timezone.now())
    filters = ClientFilters.of(practice)
    clients = active_clients(practice).aggregate(
        total=Count("pk"),
        complete=Count("pk", filter=filters.complete),
        **{kind.value: Count("pk", filter=q) for kind, q in filters.gaps.items()},
    )
    unlinked = team.unlinked_members
    states = Counter(m.state.value for m in unlinked)
    gaps = [
        Gap(
            GapKind.MEMBERS_UNLINKED, len(unlinked), {s.value: states[s.value] for s in MemberState}
        ),
        Gap(GapKind.STAFF_UNLINKED, len(team.unlinked_staff)),
        *(Gap(kind, clients[kind.value]) for kind in CLIENT_GAPS),
        Gap(GapKind.CLIENT_REVIEWS, open_reviews(practice).count()),
        Gap(GapKind.CLIENT_CONFLICTS, open_conflicts(practice).count()),
        Gap(GapKind.DEPLOYMENTS, proposals_not_deployed(practice).count()),
        Gap(GapKind.JOB_STAFF_UNLINKED, job_staff_unlinked(practice).count()),
    ]
    completeness = Completeness(
        members=team.current,
        members_linked=team.linked,
        clients=clients["total"],
        clients_complete=clients["complete"],
    )
    return Health(
        gaps, completeness, selectors.last_run(practice), selectors.xpm_budget(practice), team
    )


def gap_records(
    practice: Practice, kind: GapKind, *, health: Health, offset: int = 0, limit: int = PAGE_SIZE
) -> list[Any]:
    """One page of the records behind a gap (two queries at most)."""
    end = offset + limit
    if kind == GapKind.MEMBERS_UNLINKED:
        return health.team.unlinked_members[offset:end]
    if kind == GapKind.STAFF_UNLINKED:
        return health.team.unlinked_staff[offset:end]
    if kind in CLIENT_GAPS:
        # The page's ids first, then their rows: joining partner and manager for every client
        # of the gap before sorting costs more than a second short query.
        gap = ClientFilters.of(practice, per_row=True).gaps[kind]
        matching = active_clients(practice).filter(gap).order_by("name", "pk")
        page = list(matching.values_list("pk", flat=True)[offset:end])
        clients = Client.objects.filter(pk__in=page).order_by("name", "pk")
        return list(clients.select_related("partner__xpm_link", "manager__xpm_link"))
    # Reviews and conflicts are few: their clients are read for the page alone (a join made
    # PostgreSQL hash every client of the practice first).
    if kind == GapKind.CLIENT_REVIEWS:
        return list(open_reviews(practice).prefetch_related("client")[offset:end])
    if kind == GapKind.CLIENT_CONFLICTS:
        return list(open_conflicts(practice).prefetch_related("client")[offset:end])
    if kind == GapKind.DEPLOYMENTS:
        proposals = proposals_not_deployed(practice).select_related("client")
        proposals = proposals.prefetch_related("xpm_deployments")
        return list(proposals.order_by("-number")[offset:end])
    staff = job_staff_unlinked(practice).order_by("name", "pk")
    return list(_with_jobs(practice, list(staff.values_list("pk", flat=True)[offset:end])))


def history(practice: Practice, days: int = HISTORY_DAYS) -> list[HealthSnapshot]:
    """The practice's daily points, oldest first, of the last `days` days."""
    points = HealthSnapshot.objects.filter(practice=practice).order_by("-day")[:days]
    return list(reversed(points))


def snapshot_take(practice: Practice, now: datetime | None = None) -> HealthSnapshot:
    """Write (or rewrite) today's point from the practice's current state."""
    now = now or timezone.now()
    health = link_health(practice, now)
    c = health.completeness
    day: date = timezone.localdate(now)
    snapshot, _ = HealthSnapshot.objects.update_or_create(
        practice=practice,
        day=day,
        defaults={
            "members": c.members,
            "members_linked": c.members_linked,
            "clients": c.clients,
            "clients_complete": c.clients_complete,
            "gaps": health.counts(),
            "taken_at": now,
        },
    )
    return snapshot


@dataclass(frozen=True)
class GapRecord:
    """A record behind a gap, described the same way whatever its kind (for the API)."""

    id: str
    """Member, client, review, conflict or proposal id; a staff's XPM UUID."""
    name: str
    detail: str


def gap_record(kind: GapKind, record: Any) -> GapRecord:
    """Describe one of `gap_records`' records: what it is and what stands in its way."""
    if kind == GapKind.MEMBERS_UNLINKED:
        return GapRecord(str(record.id), record.name, record.why)
    if kind == GapKind.STAFF_UNLINKED:
        return GapRecord(record.uuid, record.name, "Linked to no member: offered for Add user.")
    if kind in CLIENT_GAPS:
        roles = (("Partner", record.partner), ("Manager", record.manager))
        detail = "; ".join(f"{role}: {person.name if person else 'none'}" for role, person in roles)
        return GapRecord(str(record.pk), record.name, detail)
    if kind == GapKind.CLIENT_REVIEWS:
        return GapRecord(str(record.pk), record.name, record.reason)
    if kind == GapKind.CLIENT_CONFLICTS:
        detail = f"{record.field}: ours {record.ours!r}, XPM {record.theirs!r}"
        return GapRecord(str(record.pk), record.client.name, detail)
    if kind == GapKind.DEPLOYMENTS:
        name = f"{record.reference} {record.title} ({record.client.name})"
        return GapRecord(str(record.pk), name, "Jobs partly deployed or failed: Redeploy.")
    return GapRecord(str(record.pk), record.name, "Job staff not linked to XPM staff.")
