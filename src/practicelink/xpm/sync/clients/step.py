"""The clients step of a sync (SPEC §3): read XPM's clients, pair them, compare, push.

Reading costs as few calls as XPM allows:
- an **incremental pull**, `client.api/list?modifiedsince=`, from the cursor minus an overlap
  window (a change in the boundary second, or under a small clock skew, is read again rather
  than missed; reading a client twice changes nothing). One call when nothing changed.
- a **full pass**, `client.api/paged-list` at 500 a page, for the first import and then once a
  day, to notice clients archived or deleted in XPM. Each page is kept in the client mirror and
  its page token saved before the next page is read, so a deferred or crashed run resumes
  where it stopped. A client missing from a completed pass is looked up before anything is
  concluded: a page that shifted under us is never taken for a deletion, and a failed pass
  concludes nothing.

The mirror is XPM's copy of the clients: `read` keeps it (except in a Preview) and the cursor
moves once what was read is in it. `plan` is level-triggered over the mirror, the links and
the clients here, so anything read but not yet applied (a failed or deferred action) is planned
again at every sync until it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q

from practicelink.clients.models import Client
from practicelink.clients.services import client_set_synced
from practicelink.xpm.models import (
    ClientCreation,
    ClientCursor,
    ClientLink,
    ClientLinkMethod,
    ClientMatch,
    ClientMirror,
    EventOutcome,
    MatchSide,
    ReviewStatus,
    SubjectKind,
)
from practicelink.xpm.oauth import TenantNotConfirmed
from practicelink.xpm.remote import Client as XpmRecord
from practicelink.xpm.remote import XpmBusinessError
from practicelink.xpm.selectors import sync_settings, tenant_confirmed
from practicelink.xpm.sync.clients.linking import (
    ClientLinkTaken,
    ClientWaits,
    create_in_xpm,
    creation_quiet_until,
    creation_waits_text,
    import_client,
    import_clients,
    link_pair,
    queue_review,
)
from practicelink.xpm.sync.clients.pairs import (
    DEFERRING,
    OURS_ATTR,
    THEIRS_ATTR,
    Pairs,
    base_of,
    local_of,
    mirror_store,
    remote_of,
    remote_of_mirror,
)
from practicelink.xpm.sync.clients.plan import (
    Candidate,
    Matcher,
    MatchKind,
    PairPlan,
    RemoteClient,
    plan_pair,
)
from practicelink.xpm.sync.steps import ActionFailed, Planned, Step, Subject, SyncContext

OVERLAP = timedelta(minutes=5)
FULL_PASS_EVERY = timedelta(hours=24)
PAGE_SIZE = 500
LOOKUPS_BEFORE_LIST = 20
"""Missing from a full pass: up to this many are looked up one by one, more with one list."""


def _live(record: XpmRecord | ClientMirror) -> bool:
    if isinstance(record, ClientMirror):
        return record.gone_at is None and not (record.archived or record.deleted)
    return not (record.is_archived or record.is_deleted)


class _Reader:
    """Reads XPM's clients for one pass of a run and keeps what it read (mirror, cursor)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.live: dict[str, RemoteClient] = {}
        """Read and active in XPM (kept slim: a full pass reads tens of thousands)."""
        self.inactive: set[str] = set()
        """Read, and archived or deleted in XPM."""
        self.restored: set[str] = set()
        """Live in XPM again while the mirror had them archived, deleted or gone."""
        self.gone: set[str] = set()
        """Looked up after a full pass: XPM no longer knows them."""

    @property
    def dry_run(self) -> bool:
        return self.ctx.dry_run

    def run(self) -> None:
        practice = self.ctx.practice
        cursor = ClientCursor.objects.filter(practice=practice).first()
        if cursor is None:
            cursor = ClientCursor(practice=practice)
            self._save(cursor)
        if self._full_pass_due(cursor):
            self._full_pass(cursor)
        else:
            self._incremental(cursor)

    def _full_pass_due(self, cursor: ClientCursor) -> bool:
        return (
            cursor.modified_since is None
            or cursor.pass_started_at is not None
            or cursor.full_pass_at is None
            or self.ctx.now - cursor.full_pass_at >= FULL_PASS_EVERY
        )

    def _save(self, cursor: ClientCursor) -> None:
        if not self.dry_run:
            cursor.save()

    def _keep(self, records: list[XpmRecord], pass_started: datetime | None = None) -> None:
        if self.dry_run:
            was_live = {
                row.uuid: _live(row)
                for row in ClientMirror.objects.filter(
                    practice=self.ctx.practice, uuid__in=[r.uuid for r in records]
                )
            }
        else:
            was_live = mirror_store(
                self.ctx.practice, records, self.ctx.now, pass_seen_at=pass_started
            )
        for record in records:
            uuid = record.uuid
            if _live(record):
                self.live[uuid] = remote_of(record)
                self.inactive.discard(uuid)
                if was_live.get(uuid) is False:
                    self.restored.add(uuid)
            else:
                self.inactive.add(uuid)
                self.live.pop(uuid, None)

    def _incremental(self, cursor: ClientCursor) -> None:
        assert cursor.modified_since is not None
        self.ctx.recorder.progress("Reading XPM clients changed since the last sync")
        self._keep(self.ctx.client.client_list(modified_since=cursor.modified_since - OVERLAP))
        cursor.modified_since = self.ctx.now
        self._save(cursor)

    def _full_pass(self, cursor: ClientCursor) -> None:
        if cursor.pass_started_at is None:
            cursor.pass_started_at = self.ctx.now
            cursor.pass_page_token, cursor.pass_pages, cursor.pass_clients = "", 0, 0
            self._save(cursor)
        started = cursor.pass_started_at
        token = cursor.pass_page_token or None
        while True:
            self.ctx.recorder.progress(
                f"Reading XPM clients: page {cursor.pass_pages + 1} "
                f"({cursor.pass_clients} read so far)"
            )
            page = self.ctx.client.client_paged_list(PAGE_SIZE, token)
            self._keep(list(page.clients), pass_started=started)
            cursor.pass_page_token = page.next_page_token or ""
            cursor.pass_pages += 1
            cursor.pass_clients += len(page.clients)
            self._save(cursor)  # the checkpoint a deferred or crashed run resumes at
            if page.next_page_token is None:
                break
            token = page.next_page_token
        self._missing_from_pass(started)
        cursor.full_pass_at = cursor.modified_since = started
        cursor.pass_started_at = None
        self._save(cursor)

    def _missing_from_pass(self, started: datetime) -> None:
        """Clients the mirror holds as live that the completed pass did not list: look them up
        (archived, deleted, or only missed because the pages moved while we read)."""
        missing = [
            uuid
            for uuid in ClientMirror.objects.filter(
                practice=self.ctx.practice,
                gone_at__isnull=True,
                archived=False,
                deleted=False,
                seen_at__lt=started,
            )
            .filter(Q(pass_seen_at__isnull=True) | Q(pass_seen_at__lt=started))
            .values_list("uuid", flat=True)
            if uuid not in self.live and uuid not in self.inactive
        ]
        if not missing:
            return
        self.ctx.recorder.progress(f"Looking up {len(missing)} XPM clients no longer listed")
        found: list[XpmRecord] = []
        if len(missing) > LOOKUPS_BEFORE_LIST:
            listed = {r.uuid: r for r in self.ctx.client.client_list()}
            found = [listed[uuid] for uuid in missing if uuid in listed]
            self.gone = {uuid for uuid in missing if uuid not in listed}
        else:
            for uuid in missing:
                try:
                    found.append(self.ctx.client.client_get(uuid))
                except DEFERRING:
                    raise
                except XpmBusinessError:
                    self.gone.add(uuid)
        self._keep(found)
        if self.gone and not self.dry_run:
            ClientMirror.objects.filter(practice=self.ctx.practice, uuid__in=self.gone).update(
                gone_at=self.ctx.now
            )


def changed_here() -> Q:
    """Links whose client changed here since the last sync, or that carry a problem."""
    changed = Q(problem__gt="") | ~Q(client__name=F("synced_name"))
    changed |= ~Q(client__email=F("synced_email"))
    for role in ("partner", "manager"):
        ours, base = f"client__{role}", f"synced_{role}"
        changed |= Q(**{f"{ours}__isnull": True, f"{base}__isnull": False})
        changed |= Q(**{f"{ours}__isnull": False, f"{base}__isnull": True})
        changed |= Q(**{f"{ours}__isnull": False, f"{base}__isnull": False}) & ~Q(**{ours: F(base)})
    return changed


def changed_in_xpm() -> Q:
    """Links whose XPM client (by the mirror) differs from what was last agreed, or is no longer
    active there while the client here still is."""
    mirror = ClientMirror.objects.filter(practice=OuterRef("practice"), uuid=OuterRef("uuid"))
    differs = (
        ~Q(name=OuterRef("synced_name"))
        | ~Q(email=OuterRef("synced_email"))
        | ~Q(account_manager_uuid=OuterRef("synced_partner_staff"))
        | ~Q(job_manager_uuid=OuterRef("synced_manager_staff"))
    )
    inactive = Q(gone_at__isnull=False) | Q(archived=True) | Q(deleted=True)
    return Exists(mirror.filter(differs)) | (
        Exists(mirror.filter(inactive)) & Q(client__archived=False)
    )


@dataclass(frozen=True)
class Pair:
    link: ClientLink
    client: Client
    remote: RemoteClient
    live: bool


@dataclass
class ClientsState:
    pairs: Pairs
    """The practice's staff map, policy and XPM client, shared by every action's `apply`."""
    linked: list[Pair] = field(default_factory=list)
    arrivals: list[RemoteClient] = field(default_factory=list)
    """XPM clients not linked, active, not in the review queue (open or ignored)."""
    local: dict[int, Client] = field(default_factory=dict)
    """Clients here not linked, active, not in the review queue."""
    in_review: set[int] = field(default_factory=set)
    """Clients here offered as candidates of an open review item."""
    restored: set[str] = field(default_factory=set)
    create_at_once: bool = False
    may_create: bool = True
    """False while a newly connected XPM practice waits for an admin's confirmation."""
    xpm_unlinked: list[RemoteClient] = field(default_factory=list)
    """Every active XPM client not linked (candidates for a client here to be created)."""
    creating: dict[int, datetime] = field(default_factory=dict)
    """Clients whose `client.api/add` answer was lost: not sent again before this time."""


@dataclass(frozen=True)
class LinkDetail:
    pairs: Pairs
    client_id: int
    remote: RemoteClient


@dataclass(frozen=True)
class ImportDetail:
    pairs: Pairs
    remote: RemoteClient


@dataclass(frozen=True)
class ReviewDetail:
    pairs: Pairs
    side: str
    name: str
    email: str
    candidates: tuple[tuple[str, str, str], ...]
    reason: str
    uuid: str = ""
    client_id: int | None = None


@dataclass(frozen=True)
class SyncDetail:
    pairs: Pairs
    link_id: int
    remote: RemoteClient


@dataclass(frozen=True)
class ArchiveDetail:
    client_id: int
    archived: bool


@dataclass(frozen=True)
class CreateDetail:
    pairs: Pairs
    client_id: int


def _subject(name: str, client_id: int | None = None, uuid: str = "") -> Subject:
    return Subject(SubjectKind.CLIENT, name, id=client_id, xpm_id=uuid)


def _linked(
    ctx: SyncContext,
    reader: _Reader,
    read_live: dict[str, RemoteClient],
    not_live: set[str],
) -> list[Pair]:
    """The linked pairs to compare: changed on either side since the last agreement, with a
    problem, or (in a Preview, where the mirror is left as it was) read just now."""
    links = ClientLink.objects.filter(practice=ctx.practice).select_related("client")
    if not ctx.dry_run:  # the mirror already holds what was read
        links = links.filter(changed_here() | changed_in_xpm() | Q(uuid__in=reader.restored))
    chosen = list(links)
    mirror = {
        row.uuid: row
        for row in ClientMirror.objects.filter(
            practice=ctx.practice, uuid__in=[link.uuid for link in chosen]
        )
    }
    pairs = []
    for link in chosen:
        if link.uuid in read_live:
            pairs.append(Pair(link, link.client, read_live[link.uuid], True))
        elif link.uuid in not_live:
            pairs.append(Pair(link, link.client, RemoteClient(link.uuid, "", "", "", ""), False))
        elif link.uuid in mirror:
            row = mirror[link.uuid]
            pairs.append(Pair(link, link.client, remote_of_mirror(row), _live(row)))
    return pairs


def _unlinked(
    ctx: SyncContext, read_live: dict[str, RemoteClient], not_live: set[str]
) -> dict[str, Any]:
    """Clients of either side not linked yet, and which of them the review queue holds (the
    clients here are read only when something is to be matched against them)."""
    practice = ctx.practice
    linked = ClientLink.objects.filter(practice=practice).values("uuid")
    xpm = {
        row.uuid: remote_of_mirror(row)
        for row in ClientMirror.objects.filter(
            practice=practice, gone_at__isnull=True, archived=False, deleted=False
        ).exclude(uuid__in=linked)
    }
    linked_uuids = (
        set(ClientLink.objects.filter(practice=practice).values_list("uuid", flat=True))
        if read_live
        else set()
    )
    xpm.update({u: r for u, r in read_live.items() if u not in linked_uuids})
    for uuid in not_live:
        xpm.pop(uuid, None)
    reviewed = set(
        ClientMatch.objects.filter(
            practice=practice,
            side=MatchSide.XPM,
            status__in=[ReviewStatus.OPEN, ReviewStatus.IGNORED],
        ).values_list("uuid", flat=True)
    )
    arrivals = [r for u, r in xpm.items() if u not in reviewed]
    if not arrivals and not sync_settings(practice).create_clients_at_once:
        return {"xpm_unlinked": list(xpm.values()), "arrivals": []}  # nothing to match
    waiting = ClientMatch.objects.filter(
        practice=practice,
        side=MatchSide.LOCAL,
        status__in=[ReviewStatus.OPEN, ReviewStatus.IGNORED],
    ).values("client_id")
    in_review: set[int] = set()
    for candidates in ClientMatch.objects.filter(
        practice=practice, side=MatchSide.XPM, status=ReviewStatus.OPEN
    ).values_list("candidates", flat=True):
        in_review.update(int(c["key"]) for c in candidates)
    return {
        "xpm_unlinked": list(xpm.values()),
        "arrivals": arrivals,
        "local": Client.objects.filter(practice=practice, archived=False, xpm_link__isnull=True)
        .exclude(pk__in=waiting)
        .in_bulk(),
        "in_review": in_review,
    }


class ClientsStep(Step[ClientsState]):
    name = "clients"
    label = "Reading XPM clients, pairing partners and managers"

    def read(self, ctx: SyncContext) -> ClientsState:
        reader = _Reader(ctx)
        reader.run()
        practice = ctx.practice
        read_live, not_live = reader.live, reader.inactive | reader.gone
        return ClientsState(
            pairs=Pairs.of(practice, ctx.client, ctx.now),
            linked=_linked(ctx, reader, read_live, not_live),
            **_unlinked(ctx, read_live, not_live),
            restored=reader.restored,
            create_at_once=sync_settings(practice).create_clients_at_once,
            may_create=tenant_confirmed(practice),
            creating={
                creation.client_id: creation_quiet_until(creation)
                for creation in ClientCreation.objects.filter(practice=practice)
            },
        )

    # --- plan -----------------------------------------------------------------------------

    def plan(self, ctx: SyncContext, state: ClientsState) -> list[Planned]:
        planned: list[Planned] = []
        local = Matcher(
            Candidate(pk, c.name, c.email)
            for pk, c in state.local.items()
            if pk not in state.in_review
        )
        handled: set[str] = set()
        for remote in state.arrivals:
            handled.add(remote.uuid)
            planned.append(self._arrival(state, local, remote))
        for pair in state.linked:
            planned.extend(self._pair(state, pair))
        if state.create_at_once:
            xpm = Matcher(
                Candidate(r.uuid, r.name, r.email)
                for r in state.xpm_unlinked
                if r.uuid not in handled
            )
            names = {r.uuid: r for r in state.xpm_unlinked}
            linked_here = {p.detail.client_id for p in planned if isinstance(p.detail, LinkDetail)}
            for pk, client in state.local.items():
                if pk not in linked_here and pk not in state.in_review:
                    planned.append(self._new_here(state, xpm, names, client))
        return planned

    def _arrival(self, state: ClientsState, local: Matcher[int], remote: RemoteClient) -> Planned:
        found = local.match(remote.name, remote.email)
        if found.kind == MatchKind.LINK:
            client = state.local[found.keys[0]]
            local.remove(client.pk)
            return Planned(
                "client_link",
                _subject(client.name, client.pk, remote.uuid),
                f"{client.name} linked to XPM's {remote.name} (same name or email).",
                detail=LinkDetail(state.pairs, client.pk, remote),
            )
        if found.kind == MatchKind.REVIEW:
            candidates = tuple(
                (str(pk), state.local[pk].name, state.local[pk].email) for pk in found.keys
            )
            return Planned(
                "client_review",
                _subject(remote.name, uuid=remote.uuid),
                f"XPM's client {remote.name} waits in the review queue: {found.reason}",
                detail=ReviewDetail(
                    state.pairs,
                    MatchSide.XPM,
                    remote.name,
                    remote.email,
                    candidates,
                    found.reason,
                    uuid=remote.uuid,
                ),
            )
        pairs = state.pairs
        return Planned(
            "client_import",
            _subject(remote.name, uuid=remote.uuid),
            f"{remote.name} comes in from XPM.",
            after={
                name: words
                for name, words in (
                    ("name", remote.name),
                    ("email", remote.email),
                    ("partner", pairs.theirs_words("partner", remote.partner_uuid)),
                    ("manager", pairs.theirs_words("manager", remote.manager_uuid)),
                )
                if words and words != "nobody"
            },
            detail=ImportDetail(pairs, remote),
            batch=True,
        )

    def _pair(self, state: ClientsState, pair: Pair) -> list[Planned]:
        client, link = pair.client, pair.link
        subject = _subject(client.name, client.pk, link.uuid)
        if not pair.live:
            if client.archived:
                return []
            return [
                Planned(
                    "client_archive",
                    subject,
                    f"{client.name} was archived or deleted in XPM, so it is archived here.",
                    before={"archived": False},
                    after={"archived": True},
                    detail=ArchiveDetail(client.pk, True),
                )
            ]
        planned = []
        if link.uuid in state.restored and client.archived:
            planned.append(
                Planned(
                    "client_restore",
                    subject,
                    f"{client.name} is active again in XPM, so it is active here.",
                    before={"archived": True},
                    after={"archived": False},
                    detail=ArchiveDetail(client.pk, False),
                )
            )
        pairs = state.pairs
        plan = plan_pair(
            local_of(client), pair.remote, base_of(link), pairs.staff, pairs.policy, pairs.now
        )
        if _writes(link, plan):
            before, after = _changes(pairs, client, pair.remote, plan)
            planned.append(
                Planned(
                    "client_sync",
                    subject,
                    _sync_message(pairs, client.name, plan),
                    before=before,
                    after=after,
                    detail=SyncDetail(pairs, link.pk, pair.remote),
                )
            )
        elif plan.problems:
            planned.append(
                Planned(
                    "client_unmapped",
                    subject,
                    f"{client.name}: {' '.join(plan.problems)}",
                    writes=False,
                    outcome=EventOutcome.SKIPPED,
                )
            )
        return planned

    def _new_here(
        self,
        state: ClientsState,
        xpm: Matcher[str],
        names: dict[str, RemoteClient],
        client: Client,
    ) -> Planned:
        found = xpm.match(client.name, client.email)
        subject = _subject(client.name, client.pk)
        if found.kind == MatchKind.LINK:
            remote = names[found.keys[0]]
            xpm.remove(remote.uuid)
            return Planned(
                "client_link",
                _subject(client.name, client.pk, remote.uuid),
                f"{client.name} linked to XPM's {remote.name} (same name or email).",
                detail=LinkDetail(state.pairs, client.pk, remote),
            )
        if found.kind == MatchKind.REVIEW:
            candidates = tuple((k, names[k].name, names[k].email) for k in found.keys)
            return Planned(
                "client_review",
                subject,
                f"{client.name} waits in the review queue: {found.reason}",
                detail=ReviewDetail(
                    state.pairs,
                    MatchSide.LOCAL,
                    client.name,
                    client.email,
                    candidates,
                    found.reason,
                    client_id=client.pk,
                ),
            )
        quiet_until = state.creating.get(client.pk)
        if quiet_until is not None and quiet_until > state.pairs.now:
            return Planned(
                "client_create",
                subject,
                creation_waits_text(client.name, quiet_until),
                writes=False,
                outcome=EventOutcome.SKIPPED,
            )
        if not state.may_create:
            return Planned(
                "client_create",
                subject,
                f"{client.name} is not created in XPM until an admin confirms the newly "
                "connected XPM practice in Settings > Apps.",
                writes=False,
                outcome=EventOutcome.SKIPPED,
            )
        return Planned(
            "client_create",
            subject,
            f"{client.name} is created in XPM.",
            detail=CreateDetail(state.pairs, client.pk),
        )

    # --- apply ----------------------------------------------------------------------------

    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None:
        detail = planned.detail
        try:
            if isinstance(detail, LinkDetail):
                client = Client.objects.get(practice=ctx.practice, pk=detail.client_id)
                link_pair(detail.pairs, client, detail.remote, ClientLinkMethod.MATCHED)
                ClientCreation.objects.filter(client=client).delete()
            elif isinstance(detail, ImportDetail):
                import_client(detail.pairs, detail.remote)
            elif isinstance(detail, ReviewDetail):
                queue_review(
                    detail.pairs,
                    side=detail.side,
                    name=detail.name,
                    email=detail.email,
                    candidates=[
                        {"key": key, "name": name, "email": email}
                        for key, name, email in detail.candidates
                    ],
                    reason=detail.reason,
                    uuid=detail.uuid,
                    client=Client.objects.filter(practice=ctx.practice, pk=detail.client_id).first()
                    if detail.client_id is not None
                    else None,
                )
            elif isinstance(detail, SyncDetail):
                return self._sync(ctx, planned, detail)
            elif isinstance(detail, ArchiveDetail):
                client = Client.objects.get(practice=ctx.practice, pk=detail.client_id)
                client_set_synced(
                    practice=ctx.practice, client=client, changes={"archived": detail.archived}
                )
            elif isinstance(detail, CreateDetail):
                client = Client.objects.get(practice=ctx.practice, pk=detail.client_id)
                link = create_in_xpm(detail.pairs, client)
                return planned.but(subject=_subject(client.name, client.pk, link.uuid))
        except (ClientLinkTaken, ClientWaits, TenantNotConfirmed) as error:
            raise ActionFailed(str(error)) from error
        except ValidationError as error:
            raise ActionFailed(" ".join(error.messages)) from error
        return None

    def apply_many(self, ctx: SyncContext, batch: list[Planned]) -> list[Planned | None]:
        """Imports (the only `batch` actions: a first sync brings in thousands) in bulk."""
        import_clients(batch[0].detail.pairs, [planned.detail.remote for planned in batch])
        return [None] * len(batch)

    def _sync(self, ctx: SyncContext, planned: Planned, detail: SyncDetail) -> Planned | None:
        link = ClientLink.objects.select_related("client").get(
            practice=ctx.practice, pk=detail.link_id
        )
        done = detail.pairs.reconcile(link, link.client, detail.remote)
        if done.push_error:
            raise ActionFailed(f"{planned.message} XPM refused the update: {done.push_error}")
        if done.replanned:
            return planned.but(message=_sync_message(detail.pairs, link.client.name, done.plan))
        return None


def _writes(link: ClientLink, plan: PairPlan) -> bool:
    """Whether the pair needs a write: a change either way, a conflict to keep, a base that
    moves on (both sides changed alike), or a problem to show on the client or clear."""
    if plan.local_changes or plan.remote_changes or plan.conflicts:
        return True
    if link.problem != " ".join(plan.problems):
        return True  # a problem to show on the client, or one that is gone
    base = base_of(link)
    current = {
        "name": (base.name, base.name),
        "email": (base.email, base.email),
        "partner": (base.partner_id, base.partner_uuid),
        "manager": (base.manager_id, base.manager_uuid),
    }
    return any(current[field] != value for field, value in plan.agreed.items())


def _changes(
    pairs: Pairs, client: Client, remote: RemoteClient, plan: PairPlan
) -> tuple[dict[str, str], dict[str, str]]:
    local = local_of(client)
    before, after = {}, {}
    for name, value in plan.local_changes.items():
        before[name] = pairs.ours_words(name, getattr(local, OURS_ATTR[name]))
        after[name] = pairs.ours_words(name, value)
    for name, value in plan.remote_changes.items():
        before[f"{name} in XPM"] = pairs.theirs_words(name, getattr(remote, THEIRS_ATTR[name]))
        after[f"{name} in XPM"] = pairs.theirs_words(name, value)
    return before, after


def _sync_message(pairs: Pairs, name: str, plan: PairPlan) -> str:
    parts = []
    if plan.local_changes:
        parts.append(f"{', '.join(plan.local_changes)} taken from XPM")
    if plan.remote_changes:
        parts.append(f"{', '.join(plan.remote_changes)} sent to XPM")
    policy = pairs.policy.value.replace("_", " ")
    for conflict in plan.conflicts:
        kept = "XPM's" if conflict.winner.value == "theirs" else "practicelink's"
        parts.append(
            f"{conflict.field} changed on both sides, the policy ({policy}) kept {kept} "
            "(review it in Clients > Review)"
        )
    parts += [problem.rstrip(".") for problem in plan.problems]
    return f"{name}: {'; '.join(parts) or 'both sides agree'}."
