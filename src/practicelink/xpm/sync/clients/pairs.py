"""A linked pair brought into agreement: plan with the three-way compare, push to XPM what
practicelink changed (the full record read just before, so nothing else is lost), store what
XPM changed, record conflicts and problems, move the link's base on.

Shared by the clients step, the push that follows a change made here, the creation of a
client in XPM and the review decisions, so they all agree on what a pair means. What happened
is told by the caller (the step's sync events, the review page's message).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db import transaction
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.clients.services import client_set_synced
from practicelink.rows import db_value, insert_rows
from practicelink.team.models import Member, Practice
from practicelink.xpm import faultpoints
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientMirror,
    ConflictStatus,
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
    """The mirror's copy of an XPM client (in the order of `MIRRORED`)."""
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


MIRRORED = tuple(mirror_fields(XpmRecord("", "")))
"""The mirror's columns that copy XPM's record."""


@transaction.atomic
def mirror_store(
    practice: Practice,
    records: Iterable[XpmRecord],
    now: datetime,
    *,
    pass_seen_at: datetime | None = None,
) -> dict[str, bool]:
    """Upsert XPM clients into the mirror (a few queries per page, whatever its size): new ones
    inserted as plain rows, those XPM changed updated, all marked seen now (and listed by the
    full pass started at `pass_seen_at`). Returns, for each one the mirror already held,
    whether it was live there (not gone, archived or deleted)."""
    listed = {record.uuid: mirror_fields(record) for record in records}
    known = {
        uuid: (pk, gone_at is None, dict(zip(MIRRORED, values, strict=True)))
        for pk, uuid, gone_at, *values in ClientMirror.objects.filter(
            practice=practice, uuid__in=listed
        ).values_list("pk", "uuid", "gone_at", *MIRRORED)
    }
    seen, passed = (db_value(ClientMirror, "seen_at", at) for at in (now, pass_seen_at))
    insert_rows(
        ClientMirror,
        ("practice", "uuid", "seen_at", "pass_seen_at", "gone_at", *MIRRORED),
        (
            (practice.pk, uuid, seen, passed, None, *fields.values())
            for uuid, fields in listed.items()
            if uuid not in known
        ),
    )
    changed = [
        ClientMirror(pk=known[uuid][0], **fields)
        for uuid, fields in listed.items()
        if uuid in known and fields != known[uuid][2]
    ]
    ClientMirror.objects.bulk_update(changed, MIRRORED, batch_size=500)
    seen_again: dict[str, Any] = {"seen_at": now, "gone_at": None}
    if pass_seen_at is not None:
        seen_again["pass_seen_at"] = pass_seen_at
    ClientMirror.objects.filter(pk__in=[pk for pk, _, _ in known.values()]).update(**seen_again)
    return {
        uuid: present and not (fields["archived"] or fields["deleted"])
        for uuid, (_, present, fields) in known.items()
    }


OURS_ATTR = {"name": "name", "email": "email", "partner": "partner_id", "manager": "manager_id"}
THEIRS_ATTR = {
    "name": "name",
    "email": "email",
    "partner": "partner_uuid",
    "manager": "manager_uuid",
}
TO_XPM = {
    "name": "name",
    "email": "email",
    "partner": "account_manager_uuid",
    "manager": "job_manager_uuid",
}


def set_base(link: ClientLink, base: Base) -> None:
    """Keep `base` as the link's last-synced values (`base_of` reads them back)."""
    link.synced_name, link.synced_email = base.name, base.email
    link.synced_partner_id, link.synced_partner_staff = base.partner_id, base.partner_uuid
    link.synced_manager_id, link.synced_manager_staff = base.manager_id, base.manager_uuid


@dataclass(frozen=True)
class Reconciled:
    plan: PairPlan
    push_error: str = ""
    """Why XPM refused the push ("": it took it, or nothing was sent)."""
    replanned: bool = False
    """XPM had moved since it was read: `plan` was made again from the record read to push."""


@dataclass
class Pairs:
    """Everything needed to bring linked pairs of one practice into agreement."""

    practice: Practice
    xpm: XpmClient
    now: datetime
    policy: Policy

    @classmethod
    def of(cls, practice: Practice, xpm: XpmClient, now: datetime) -> Pairs:
        return cls(practice, xpm, now, Policy(sync_settings(practice).conflict_policy))

    @cached_property
    def staff(self) -> StaffMap:
        """Read when first needed: a sync with no client to pair or compare never reads it."""
        return staff_map(self.practice)

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
    ) -> Reconciled:
        """Plan the pair and apply the plan. `fresh` is XPM's full record when it was just
        read; a push reads it first otherwise (and plans again if XPM moved meanwhile)."""
        plan = self.plan(link, client, remote)
        replanned, push_error = False, ""
        if plan.remote_changes:
            if fresh is None:
                fresh = self.xpm.client_get(link.uuid)
                mirror_store(self.practice, [fresh], self.now)
                if remote_of(fresh) != remote:
                    plan, replanned = self.plan(link, client, remote_of(fresh)), True
            if plan.remote_changes:
                push_error = self._push(link, fresh, plan)
        self._store(link, client, plan, push_error)
        return Reconciled(plan, push_error, replanned)

    def _push(self, link: ClientLink, current: XpmRecord, plan: PairPlan) -> str:
        changes = {TO_XPM[field]: value for field, value in plan.remote_changes.items()}
        update = ClientUpdate(**{"uuid": link.uuid, "name": current.name, **changes})
        try:
            updated = self.xpm.client_update(update, current=current)
        except DEFERRING:
            raise
        except XpmError as error:
            return str(error)
        faultpoints.after_write("client.api/update")
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
        set_base(link, plan.base_after(base_of(link), pushed=not push_error))
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


def client_push(
    *, practice: Practice, client: Client, xpm: XpmClient, now: datetime | None = None
) -> bool:
    """Bring one linked client and its XPM client into agreement now (after an edit here):
    read XPM's full record, compare three ways, push or store. False when not linked."""
    link = ClientLink.objects.filter(practice=practice, client=client).first()
    if link is None:
        return False
    pairs = Pairs.of(practice, xpm, now or timezone.now())
    record = xpm.client_get(link.uuid)
    pairs.reconcile(link, client, remote_of(record), record)
    return True
