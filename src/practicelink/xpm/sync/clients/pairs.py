"""A linked pair brought into agreement: plan with the three-way compare, push to XPM what
practicelink changed (the full record read just before, so nothing else is lost), store what
XPM changed, record conflicts and problems, move the link's base on.

Shared by the clients step, the push that follows a change made here, the creation of a
client in XPM and the review decisions, so they all agree on what a pair means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.clients.services import client_set_synced
from practicelink.team.models import Member, Practice
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientMirror,
    ConflictStatus,
    EventOutcome,
    StaffLink,
)
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.remote import Client as XpmRecord
from practicelink.xpm.remote import (
    ClientUpdate,
    RateLimitDenied,
    XpmClient,
    XpmError,
    XpmRateLimited,
)
from practicelink.xpm.selectors import sync_settings
from practicelink.xpm.sync.clients.plan import (
    Base,
    LocalClient,
    PairPlan,
    Policy,
    RemoteClient,
    StaffMap,
    normalise_email,
    normalise_name,
    plan_pair,
)

DEFERRING = (RateLimitDenied, XpmRateLimited)
"""Errors that defer the run (wait for XPM's rate limit) rather than fail an action."""


class Recorder(Protocol):
    """Where a client action is written: a sync run's events, or nowhere but the counts."""

    @property
    def dry_run(self) -> bool: ...

    def record(
        self,
        action: str,
        outcome: str,
        *,
        client: Client | None = None,
        uuid: str = "",
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        message: str = "",
    ) -> None: ...


@dataclass
class Tally:
    """A recorder outside any run (a push after an edit, a review decision): counts only."""

    dry_run: bool = False
    failed: int = 0
    done: int = 0

    def record(self, action: str, outcome: str, **_: Any) -> None:
        if outcome == EventOutcome.FAILED:
            self.failed += 1
        else:
            self.done += 1


def staff_map(practice: Practice) -> StaffMap:
    links = StaffLink.objects.filter(practice=practice).values_list("member_id", "staff__uuid")
    return StaffMap(
        staff_of={member: uuid for member, uuid in links},
        member_of={uuid: member for member, uuid in links},
        member_names=dict(Member.objects.filter(practice=practice).values_list("id", "name")),
        staff_names=dict(StaffRow.objects.filter(practice=practice).values_list("uuid", "name")),
    )


def local_of(client: Client) -> LocalClient:
    return LocalClient(
        client.pk,
        client.name,
        client.email,
        client.partner_id,
        client.manager_id,
        client.updated_at,
    )


def remote_of(record: XpmRecord) -> RemoteClient:
    return RemoteClient(
        record.uuid,
        record.name,
        record.email,
        record.account_manager.uuid if record.account_manager else "",
        record.job_manager.uuid if record.job_manager else "",
    )


def remote_of_mirror(row: ClientMirror) -> RemoteClient:
    return RemoteClient(
        row.uuid, row.name, row.email, row.account_manager_uuid, row.job_manager_uuid
    )


def base_of(link: ClientLink) -> Base:
    return Base(
        link.synced_name,
        link.synced_email,
        link.synced_partner_id,
        link.synced_partner_staff,
        link.synced_manager_id,
        link.synced_manager_staff,
    )


def mirror_fields(record: XpmRecord) -> dict[str, Any]:
    remote = remote_of(record)
    return {
        "name": record.name,
        "email": record.email,
        "name_normalised": normalise_name(record.name),
        "email_normalised": normalise_email(record.email),
        "account_manager_uuid": remote.partner_uuid,
        "job_manager_uuid": remote.manager_uuid,
        "archived": record.is_archived,
        "deleted": record.is_deleted,
    }


def mirror_store(practice: Practice, records: Iterable[XpmRecord], now: datetime) -> None:
    """Upsert XPM clients into the mirror (a few queries per page, whatever its size)."""
    by_uuid = {record.uuid: record for record in records}
    known = {
        row.uuid: row for row in ClientMirror.objects.filter(practice=practice, uuid__in=by_uuid)
    }
    new, changed = [], []
    for uuid, record in by_uuid.items():
        fields = mirror_fields(record)
        row = known.get(uuid)
        if row is None:
            new.append(ClientMirror(practice=practice, uuid=uuid, seen_at=now, **fields))
            continue
        for name, value in fields.items():
            setattr(row, name, value)
        row.seen_at, row.gone_at = now, None
        changed.append(row)
    ClientMirror.objects.bulk_create(new, batch_size=500)
    ClientMirror.objects.bulk_update(
        changed, [*mirror_fields(XpmRecord("", "")), "seen_at", "gone_at"], batch_size=500
    )


OURS_ATTR = {"name": "name", "email": "email", "partner": "partner_id", "manager": "manager_id"}
THEIRS_ATTR = {
    "name": "name",
    "email": "email",
    "partner": "partner_uuid",
    "manager": "manager_uuid",
}
FIELD_WORDS = {"name": "name", "email": "email", "partner": "partner", "manager": "manager"}
TO_XPM = {
    "name": "name",
    "email": "email",
    "partner": "account_manager_uuid",
    "manager": "job_manager_uuid",
}


@dataclass
class Pairs:
    """Everything needed to bring linked pairs of one practice into agreement."""

    practice: Practice
    xpm: XpmClient
    log: Recorder
    now: datetime
    staff: StaffMap
    policy: Policy

    @classmethod
    def of(cls, practice: Practice, xpm: XpmClient, log: Recorder, now: datetime) -> Pairs:
        policy = Policy(sync_settings(practice).conflict_policy)
        return cls(practice, xpm, log, now, staff_map(practice), policy)

    # --- words ----------------------------------------------------------------------------

    def ours_words(self, field: str, value: Any) -> str:
        if field in ("partner", "manager"):
            return self.staff.member_names.get(value, "nobody") if value else "nobody"
        return str(value or "")

    def theirs_words(self, field: str, value: str) -> str:
        if field in ("partner", "manager"):
            return self.staff.staff_names.get(value, value) if value else "nobody"
        return value

    # --- one pair -------------------------------------------------------------------------

    def plan(self, link: ClientLink, client: Client, remote: RemoteClient) -> PairPlan:
        return plan_pair(local_of(client), remote, base_of(link), self.staff, self.policy, self.now)

    def reconcile(
        self,
        link: ClientLink,
        client: Client,
        remote: RemoteClient,
        fresh: XpmRecord | None = None,
    ) -> PairPlan:
        """Plan the pair and apply the plan. `fresh` is XPM's full record when it was just
        read; a push reads it first otherwise (and plans again if XPM moved meanwhile)."""
        local = local_of(client)
        plan = self.plan(link, client, remote)
        if self.log.dry_run:
            self._record(client, link, plan, local, remote, EventOutcome.PLANNED)
            return plan
        push_error = ""
        if plan.remote_changes:
            if fresh is None:
                fresh = self.xpm.client_get(link.uuid)
                mirror_store(self.practice, [fresh], self.now)
                if remote_of(fresh) != remote:
                    remote = remote_of(fresh)
                    plan = self.plan(link, client, remote)
            if plan.remote_changes:
                push_error = self._push(link, fresh, plan)
        self._store(link, client, plan, push_error)
        self._record(client, link, plan, local, remote, EventOutcome.DONE, push_error)
        return plan

    def _push(self, link: ClientLink, current: XpmRecord, plan: PairPlan) -> str:
        changes = {TO_XPM[field]: value for field, value in plan.remote_changes.items()}
        update = ClientUpdate(**{"uuid": link.uuid, "name": current.name, **changes})
        try:
            updated = self.xpm.client_update(update, current=current)
        except DEFERRING:
            raise
        except XpmError as error:
            return str(error)
        mirror_store(self.practice, [updated], self.now)
        return ""

    @transaction.atomic
    def _store(self, link: ClientLink, client: Client, plan: PairPlan, push_error: str) -> None:
        changes: dict[str, Any] = dict(plan.local_changes)
        people = Member.objects.in_bulk(
            [v for f, v in changes.items() if f in ("partner", "manager") and v is not None]
        )
        for field in ("partner", "manager"):
            if field in changes:
                changes[field] = people.get(changes[field]) if changes[field] else None
        if changes:
            client_set_synced(practice=self.practice, client=client, changes=changes)
        pushed = not push_error
        for field, (ours, theirs) in plan.agreed.items():
            if field in plan.remote_changes and not pushed:
                continue
            if field in ("name", "email"):
                setattr(link, f"synced_{field}", ours)
            else:
                setattr(link, f"synced_{field}_id", ours)
                setattr(link, f"synced_{field}_staff", theirs)
        problems = list(plan.problems)
        if push_error:
            problems.append(f"XPM refused the update: {push_error} (tried again at every sync).")
        link.problem = " ".join(problems)
        link.synced_at = self.now
        link.save()
        for conflict in plan.conflicts:
            ClientConflict.objects.update_or_create(
                practice=self.practice,
                client=client,
                field=conflict.field,
                status=ConflictStatus.OPEN,
                defaults={
                    "ours": self.ours_words(conflict.field, conflict.ours),
                    "theirs": self.theirs_words(conflict.field, conflict.theirs),
                    "ours_value": "" if conflict.ours is None else str(conflict.ours),
                    "theirs_value": conflict.theirs,
                    "applied": conflict.winner.value,
                    "policy": self.policy.value,
                    "created_at": self.now,
                },
            )

    def _record(
        self,
        client: Client,
        link: ClientLink,
        plan: PairPlan,
        local: LocalClient,
        remote: RemoteClient,
        outcome: str,
        push_error: str = "",
    ) -> None:
        name = local.name
        for field, value in plan.local_changes.items():
            before = getattr(local, OURS_ATTR[field])
            self.log.record(
                "client_from_xpm",
                outcome,
                client=client,
                uuid=link.uuid,
                before={field: self.ours_words(field, before)},
                after={field: self.ours_words(field, value)},
                message=f"{name}: {FIELD_WORDS[field]} taken from XPM.",
            )
        if plan.remote_changes:
            before = {
                f: self.theirs_words(f, getattr(remote, THEIRS_ATTR[f]))
                for f in plan.remote_changes
            }
            after = {f: self.theirs_words(f, v) for f, v in plan.remote_changes.items()}
            fields = ", ".join(FIELD_WORDS[f] for f in plan.remote_changes)
            self.log.record(
                "client_to_xpm",
                EventOutcome.FAILED if push_error else outcome,
                client=client,
                uuid=link.uuid,
                before=before,
                after=after,
                message=f"{name}: XPM refused the {fields}: {push_error}"
                if push_error
                else f"{name}: {fields} sent to XPM.",
            )
        for conflict in plan.conflicts:
            winner = "XPM's" if conflict.winner.value == "theirs" else "practicelink's"
            self.log.record(
                "client_conflict",
                outcome,
                client=client,
                uuid=link.uuid,
                before={"practicelink": self.ours_words(conflict.field, conflict.ours)},
                after={"XPM": self.theirs_words(conflict.field, conflict.theirs)},
                message=f"{name}: the {FIELD_WORDS[conflict.field]} changed on both sides; "
                f"the policy ({self.policy.value.replace('_', ' ')}) kept {winner}. "
                "See Clients > Conflicts to review it.",
            )
        for problem in plan.problems:
            self.log.record(
                "client_unmapped",
                EventOutcome.SKIPPED,
                client=client,
                uuid=link.uuid,
                message=f"{name}: {problem}",
            )


def client_push(
    *, practice: Practice, client: Client, xpm: XpmClient, now: datetime | None = None
) -> bool:
    """Bring one linked client and its XPM client into agreement now (after an edit here):
    read XPM's full record, compare three ways, push or store. False when not linked."""
    link = ClientLink.objects.filter(practice=practice, client=client).first()
    if link is None:
        return False
    pairs = Pairs.of(practice, xpm, Tally(), now or timezone.now())
    record = xpm.client_get(link.uuid)
    pairs.reconcile(link, client, remote_of(record), record)
    return True
