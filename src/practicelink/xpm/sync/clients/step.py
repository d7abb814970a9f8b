"""The clients step of a sync (SPEC §3): read XPM's clients, pair them, reconcile, push.

Reading costs as few calls as XPM allows:
- an **incremental pull**, `client.api/list?modifiedsince=`, from the cursor minus an overlap
  window (a change in the boundary second, or under a small clock skew, is read again rather
  than missed; reading a client twice changes nothing). One call when nothing changed.
- a **full pass**, `client.api/paged-list` at 500 a page, for the first import and then once a
  day, to notice clients archived or deleted in XPM. Each page is applied and checkpointed (its
  page token saved) before the next is read, so a deferred or crashed run resumes where it
  stopped. A client missing from a completed pass is looked up before anything is concluded:
  a page that shifted under us is never taken for a deletion, and a failed pass concludes
  nothing at all.
The cursor moves only when every change read from XPM was applied here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q

from practicelink.clients.models import Client
from practicelink.clients.services import client_set_synced
from practicelink.team.models import Practice
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
)
from practicelink.xpm.remote import Client as XpmRecord
from practicelink.xpm.remote import XpmBusinessError, XpmClient, XpmError
from practicelink.xpm.selectors import sync_settings
from practicelink.xpm.sync.clients.linking import (
    ClientInReview,
    ClientLinkTaken,
    ensure,
    import_client,
    link_pair,
    queue_review,
    xpm_candidates,
)
from practicelink.xpm.sync.clients.pairs import (
    DEFERRING,
    Pairs,
    Recorder,
    mirror_store,
    remote_of,
    remote_of_mirror,
)
from practicelink.xpm.sync.clients.plan import Candidate, Matcher, MatchKind

OVERLAP = timedelta(minutes=5)
FULL_PASS_EVERY = timedelta(hours=24)
PAGE_SIZE = 500
LOOKUPS_BEFORE_LIST = 20
"""Missing from a full pass: up to this many are looked up one by one, more with one list."""


class Counted:
    """Forwards to the run's recorder and counts failures of changes coming from XPM."""

    def __init__(self, log: Recorder) -> None:
        self.log = log
        self.failed_from_xpm = 0

    @property
    def dry_run(self) -> bool:
        return self.log.dry_run

    def record(self, action: str, outcome: str, **details: Any) -> None:
        if outcome == EventOutcome.FAILED and action != "client_to_xpm":
            self.failed_from_xpm += 1
        self.log.record(action, outcome, **details)


def _changed_here() -> Q:
    """Links whose client changed here since the last sync, or that carry a problem."""
    changed = Q(problem__gt="") | ~Q(client__name=F("synced_name"))
    changed |= ~Q(client__email=F("synced_email"))
    for field in ("partner", "manager"):
        ours, base = f"client__{field}", f"synced_{field}"
        changed |= Q(**{f"{ours}__isnull": True, f"{base}__isnull": False})
        changed |= Q(**{f"{ours}__isnull": False, f"{base}__isnull": True})
        changed |= Q(**{f"{ours}__isnull": False, f"{base}__isnull": False}) & ~Q(**{ours: F(base)})
    return changed


class ClientsStep:
    def __init__(
        self,
        practice: Practice,
        xpm: XpmClient,
        log: Recorder,
        now: datetime,
        progress: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.practice = practice
        self.xpm = xpm
        self.log = Counted(log)
        self.now = now
        self.progress = progress
        self.pairs = Pairs.of(practice, xpm, self.log, now)
        self.handled: set[str] = set()
        self._local: Matcher[int] | None = None

    @property
    def dry_run(self) -> bool:
        return self.log.dry_run

    def run(self) -> None:
        cursor = ClientCursor.objects.filter(practice=self.practice).first()
        if cursor is None:
            cursor = ClientCursor(practice=self.practice)
            if not self.dry_run:
                cursor.save()
        if self._full_pass_due(cursor):
            self._full_pass(cursor)
        else:
            self._incremental(cursor)
        self._push_pending()
        if sync_settings(self.practice).create_clients_at_once:
            self._create_new()

    # --- reading --------------------------------------------------------------------------

    def _full_pass_due(self, cursor: ClientCursor) -> bool:
        return (
            cursor.modified_since is None
            or cursor.pass_started_at is not None
            or cursor.full_pass_at is None
            or self.now - cursor.full_pass_at >= FULL_PASS_EVERY
        )

    def _save(self, cursor: ClientCursor) -> None:
        if not self.dry_run:
            cursor.save()

    def _incremental(self, cursor: ClientCursor) -> None:
        assert cursor.modified_since is not None
        self.progress("Reading XPM clients changed since the last sync")
        self._take(self.xpm.client_list(modified_since=cursor.modified_since - OVERLAP))
        if not self.log.failed_from_xpm:
            cursor.modified_since = self.now
            self._save(cursor)

    def _full_pass(self, cursor: ClientCursor) -> None:
        if cursor.pass_started_at is None:
            cursor.pass_started_at = self.now
            cursor.pass_page_token, cursor.pass_pages, cursor.pass_clients = "", 0, 0
            self._save(cursor)
        started = cursor.pass_started_at
        token = cursor.pass_page_token or None
        while True:
            self.progress(
                f"Reading XPM clients: page {cursor.pass_pages + 1} "
                f"({cursor.pass_clients} read so far)"
            )
            page = self.xpm.client_paged_list(PAGE_SIZE, token)
            self._take(page.clients, pass_started=started)
            cursor.pass_page_token = page.next_page_token or ""
            cursor.pass_pages += 1
            cursor.pass_clients += len(page.clients)
            self._save(cursor)  # the checkpoint a deferred or crashed run resumes at
            if page.next_page_token is None:
                break
            token = page.next_page_token
        self._missing_from_pass(started)
        cursor.full_pass_at = started
        if not self.log.failed_from_xpm:
            cursor.modified_since = started
        cursor.pass_started_at = None
        self._save(cursor)

    def _missing_from_pass(self, started: datetime) -> None:
        """Clients the mirror holds as live that the completed pass did not list: look them up
        (archived, deleted, or only missed because the pages moved while we read)."""
        missing = list(
            ClientMirror.objects.filter(
                practice=self.practice,
                gone_at__isnull=True,
                archived=False,
                deleted=False,
                seen_at__lt=started,
            )
            .filter(Q(pass_seen_at__isnull=True) | Q(pass_seen_at__lt=started))
            .values_list("uuid", flat=True)
        )
        missing = [uuid for uuid in missing if uuid not in self.handled]
        if not missing:
            return
        self.progress(f"Looking up {len(missing)} XPM clients no longer listed as active")
        if len(missing) > LOOKUPS_BEFORE_LIST:
            listed = {r.uuid: r for r in self.xpm.client_list()}
            found = [listed[uuid] for uuid in missing if uuid in listed]
            unknown = [uuid for uuid in missing if uuid not in listed]
        else:
            found, unknown = [], []
            for uuid in missing:
                try:
                    found.append(self.xpm.client_get(uuid))
                except DEFERRING:
                    raise
                except XpmBusinessError:
                    unknown.append(uuid)
        self._take(found)
        for uuid in unknown:
            self._gone(uuid, "is no longer in XPM")

    # --- applying what was read -----------------------------------------------------------

    def _take(self, records: Iterable[XpmRecord], pass_started: datetime | None = None) -> None:
        records = [r for r in records if r.uuid not in self.handled]
        uuids = [r.uuid for r in records]
        was_live = {
            row.uuid: row.gone_at is None and not (row.archived or row.deleted)
            for row in ClientMirror.objects.filter(practice=self.practice, uuid__in=uuids)
        }
        if not self.dry_run:
            mirror_store(self.practice, records, self.now)
            if pass_started is not None:
                ClientMirror.objects.filter(practice=self.practice, uuid__in=uuids).update(
                    pass_seen_at=pass_started
                )
        links = {
            link.uuid: link
            for link in ClientLink.objects.filter(
                practice=self.practice, uuid__in=uuids
            ).select_related("client")
        }
        for record in records:
            self.handled.add(record.uuid)
            try:
                self._take_one(record, links.get(record.uuid), was_live.get(record.uuid))
            except DEFERRING:
                raise
            except (XpmError, ValidationError, ClientLinkTaken) as error:
                self.log.record(
                    "client_from_xpm",
                    EventOutcome.FAILED,
                    uuid=record.uuid,
                    message=f"XPM's client {record.name} could not be brought in: {_words(error)}",
                )

    def _take_one(self, record: XpmRecord, link: ClientLink | None, was_live: bool | None) -> None:
        live = not (record.is_archived or record.is_deleted)
        if link is None:
            if live:
                self._arrived(record)
            return
        if live:
            self.pairs.reconcile(link, link.client, remote_of(record))
        if was_live is not None and was_live != live:
            self._archive(link.client, link.uuid, archived=not live, why=_state(record))

    def _gone(self, uuid: str, why: str) -> None:
        if not self.dry_run:
            ClientMirror.objects.filter(practice=self.practice, uuid=uuid).update(gone_at=self.now)
        link = ClientLink.objects.filter(practice=self.practice, uuid=uuid).first()
        if link is not None:
            self._archive(link.client, uuid, archived=True, why=why)

    def _archive(self, client: Client, uuid: str, *, archived: bool, why: str) -> None:
        if client.archived == archived:
            return
        if not self.dry_run:
            client_set_synced(practice=self.practice, client=client, changes={"archived": archived})
        self.log.record(
            "client_archived" if archived else "client_restored",
            EventOutcome.PLANNED if self.dry_run else EventOutcome.DONE,
            client=client,
            uuid=uuid,
            before={"archived": not archived},
            after={"archived": archived},
            message=f"{client.name} {why}, so it is {'archived' if archived else 'active'} here.",
        )

    def _local_candidates(self) -> Matcher[int]:
        """Clients here not linked, not archived, not waiting in the review queue."""
        if self._local is None:
            waiting = ClientMatch.objects.filter(
                practice=self.practice, side=MatchSide.LOCAL, status=ReviewStatus.OPEN
            ).values("client_id")
            rows = (
                Client.objects.filter(practice=self.practice, archived=False, xpm_link__isnull=True)
                .exclude(pk__in=waiting)
                .values_list("pk", "name", "email")
            )
            self._local = Matcher(Candidate(pk, name, email) for pk, name, email in rows)
        return self._local

    def _arrived(self, record: XpmRecord) -> None:
        """An XPM client not linked yet: link it to the one client here that is plainly the
        same, queue it for review when that is doubtful, or bring it in as a new client."""
        reviewed = ClientMatch.objects.filter(
            practice=self.practice,
            side=MatchSide.XPM,
            uuid=record.uuid,
            status__in=[ReviewStatus.OPEN, ReviewStatus.IGNORED],
        ).exists()
        if reviewed:
            return
        candidates = self._local_candidates()
        found = candidates.match(record.name, record.email)
        if found.kind == MatchKind.LINK:
            client = Client.objects.get(pk=found.keys[0])
            candidates.remove(client.pk)
            link_pair(self.pairs, client, remote_of(record), ClientLinkMethod.MATCHED)
            if not self.dry_run:
                ClientCreation.objects.filter(client=client).delete()
        elif found.kind == MatchKind.REVIEW:
            clients = Client.objects.in_bulk(found.keys)
            queue_review(
                self.pairs,
                side=MatchSide.XPM,
                uuid=record.uuid,
                name=record.name,
                email=record.email,
                candidates=[
                    {"key": str(pk), "name": clients[pk].name, "email": clients[pk].email}
                    for pk in found.keys
                    if pk in clients
                ],
                reason=found.reason,
            )
        else:
            import_client(self.pairs, remote_of(record))

    # --- pushing what changed here --------------------------------------------------------

    def _push_pending(self) -> None:
        """Pairs changed here (or with a problem) that XPM did not report: plan them against the
        mirror; the push itself reads XPM's full record first."""
        pending = (
            ClientLink.objects.filter(practice=self.practice)
            .filter(_changed_here())
            .select_related("client")
        )
        mirror = {
            row.uuid: row
            for row in ClientMirror.objects.filter(
                practice=self.practice, uuid__in=pending.values("uuid")
            )
        }
        for link in pending:
            if link.uuid in self.handled:
                continue
            self.handled.add(link.uuid)
            row = mirror.get(link.uuid)
            if row is None or row.gone_at is not None or row.archived or row.deleted:
                continue
            try:
                self.pairs.reconcile(link, link.client, remote_of_mirror(row))
            except DEFERRING:
                raise
            except XpmError as error:
                self.log.record(
                    "client_to_xpm",
                    EventOutcome.FAILED,
                    client=link.client,
                    uuid=link.uuid,
                    message=f"{link.client.name} could not be read from XPM: {error}",
                )

    def _create_new(self) -> None:
        """With "create new clients in XPM at once": every client here not linked yet."""
        skipped = ClientMatch.objects.filter(
            practice=self.practice,
            side=MatchSide.LOCAL,
            status__in=[ReviewStatus.OPEN, ReviewStatus.IGNORED],
        ).values("client_id")
        new = Client.objects.filter(
            practice=self.practice, archived=False, xpm_link__isnull=True
        ).exclude(pk__in=skipped)
        if not new.exists():
            return
        candidates = xpm_candidates(self.practice)
        for client in new:
            try:
                ensure(self.pairs, client, candidates)
            except DEFERRING:
                raise
            except ClientInReview:
                continue
            except XpmError:
                continue  # recorded as failed by `ensure`; tried again at the next sync


def _state(record: XpmRecord) -> str:
    if record.is_deleted:
        return "was deleted in XPM"
    if record.is_archived:
        return "was archived in XPM"
    return "is active again in XPM"


def _words(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def clients_reconcile(
    practice: Practice,
    xpm: XpmClient,
    log: Recorder,
    now: datetime,
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    ClientsStep(practice, xpm, log, now, progress).run()
