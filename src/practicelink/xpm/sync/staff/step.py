"""The staff step: XPM's staff into the mirror, then link or create members (SPEC §2)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from practicelink.rows import db_value, insert_rows
from practicelink.team.emails import normalise_email
from practicelink.team.models import Member
from practicelink.xpm import faultpoints, selectors, services
from practicelink.xpm.models import (
    CreationState,
    EventOutcome,
    LinkChange,
    LinkMethod,
    StaffCreation,
    StaffLink,
    SubjectKind,
)
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.remote import WRITE_UNCERTAIN, NewStaff, XpmError
from practicelink.xpm.sync.staff.plan import (
    Action,
    Kind,
    MemberSide,
    MirrorChange,
    MirrorKind,
    Policy,
    StaffCopy,
    StaffSide,
    plan_mirror,
    plan_staff,
)
from practicelink.xpm.sync.steps import ActionFailed, Planned, Step, Subject, SyncContext


@dataclass(frozen=True)
class StaffState:
    listed: list[StaffCopy]
    mirrored: list[StaffCopy]
    members: list[MemberSide]
    """The members `plan_staff` plans for: not deleted, not linked."""
    staff: list[StaffSide]
    linked_to: dict[str, str]
    """Staff UUID → name of the member it is linked to."""
    policy: Policy


class StaffStep(Step[StaffState]):
    name = "staff"
    label = "Reading XPM staff, linking members"

    def read(self, ctx: SyncContext) -> StaffState:
        listed = ctx.client.staff_list()
        # plain values, not model instances: thousands of them are read at every sync
        links = StaffLink.objects.filter(practice=ctx.practice)
        member_of = {
            uuid: (member_id, name)
            for uuid, member_id, name in links.values_list(
                "staff__uuid", "member_id", "member__name"
            )
        }
        mirrored = StaffRow.objects.filter(practice=ctx.practice)
        return StaffState(
            listed=[StaffCopy(s.uuid, s.name, s.email) for s in listed],
            mirrored=[
                StaffCopy(uuid, name, email, gone_at is not None)
                for uuid, name, email, gone_at in mirrored.values_list(
                    "uuid", "name", "email", "gone_at"
                )
            ],
            members=selectors.member_sides(ctx.practice, unlinked=True),
            staff=[
                StaffSide(
                    s.uuid,
                    s.name,
                    s.normalised_email,
                    member_of[s.uuid][0] if s.uuid in member_of else None,
                )
                for s in listed
            ],
            linked_to={uuid: name for uuid, (_, name) in member_of.items()},
            policy=selectors.policy_for(ctx.practice),
        )

    def plan(self, ctx: SyncContext, state: StaffState) -> list[Planned]:
        mirror = [
            _mirror_planned(change, state.linked_to)
            for change in plan_mirror(state.mirrored, state.listed)
        ]
        names = {m.id: m.name for m in state.members}
        staff_names = {s.uuid: s.name for s in state.staff}
        links = [
            planned
            for action in plan_staff(state.members, state.staff, state.policy, ctx.now)
            for planned in _link_planned(action, names[action.member_id], staff_names)
        ]
        return mirror + links

    def apply(self, ctx: SyncContext, planned: Planned) -> Planned | None:
        if isinstance(planned.detail, MirrorChange):
            _mirror_apply(ctx, planned.detail)
            return None
        action: Action = planned.detail
        member = Member.objects.get(practice=ctx.practice, pk=action.member_id)
        if action.kind == Kind.LINK:
            return _link_by_email(ctx, planned, member, action.staff_uuids[0])
        return _create_staff(ctx, planned, member)

    def apply_many(self, ctx: SyncContext, batch: list[Planned]) -> list[Planned | None]:
        """The mirror's changes and the links by email of a batch, in a few bulk writes."""
        _mirror_apply_many(ctx, [p.detail for p in batch if isinstance(p.detail, MirrorChange)])
        links = _link_many(ctx, [p for p in batch if not isinstance(p.detail, MirrorChange)])
        return [links.get(id(p)) for p in batch]


def _staff_subject(copy: StaffCopy) -> Subject:
    return Subject(SubjectKind.STAFF, copy.name, xpm_id=copy.uuid)


def _fields(copy: StaffCopy | None) -> dict[str, str]:
    return {"name": copy.name, "email": copy.email} if copy else {}


def _mirror_planned(change: MirrorChange, linked_to: dict[str, str]) -> Planned:
    staff = change.staff
    if change.kind == MirrorKind.GONE:
        member = linked_to.get(staff.uuid)
        kept = f"; kept linked to {member}" if member else ""
        message = f"{staff.name} is no longer in XPM{kept}."
    else:
        message = {
            MirrorKind.NEW: f"{staff.name} is new in XPM.",
            MirrorKind.CHANGED: f"{staff.name} changed in XPM.",
            MirrorKind.BACK: f"{staff.name} is back in XPM.",
        }[change.kind]
    after = {} if change.kind == MirrorKind.GONE else _fields(staff)
    return Planned(
        change.kind.value,
        _staff_subject(staff),
        message,
        before=_fields(change.before),
        after=after,
        detail=change,
        batch=True,
    )


def _link_planned(action: Action, member: str, staff_names: dict[str, str]) -> list[Planned]:
    def subject(uuid: str = "") -> Subject:
        return Subject(SubjectKind.MEMBER, member, id=action.member_id, xpm_id=uuid)

    if action.kind == Kind.SUGGEST:
        return [
            Planned(
                "suggest_link",
                subject(uuid),
                f"Suggested linking {member} ↔ {staff_names[uuid]}: {action.reason}",
                writes=False,
                outcome=EventOutcome.SUGGESTED,
            )
            for uuid in action.staff_uuids
        ]
    if action.kind == Kind.BLOCKED:
        message = f"{member} is not linked: {action.reason}"
        return [Planned("no_link", subject(), message, writes=False, outcome=EventOutcome.SKIPPED)]
    if action.kind == Kind.LINK:
        uuid = action.staff_uuids[0]
        message = f"Link {member} ↔ {staff_names[uuid]} (same email)."
        return [Planned("link", subject(uuid), message, detail=action, batch=True)]
    if action.kind == Kind.CREATE:
        return [Planned("create_staff", subject(), f"Create {member} in XPM.", detail=action)]
    return []  # WAIT: nothing to do before the creation window is over


@transaction.atomic
def _mirror_apply(ctx: SyncContext, change: MirrorChange) -> None:
    staff = change.staff
    if change.kind == MirrorKind.GONE:
        StaffRow.objects.filter(practice=ctx.practice, uuid=staff.uuid).update(gone_at=ctx.now)
        return
    _mirror_write(ctx, staff)


def _mirror_write(ctx: SyncContext, staff: StaffCopy) -> StaffRow:
    row, _ = StaffRow.objects.update_or_create(
        practice=ctx.practice,
        uuid=staff.uuid,
        defaults={
            "name": staff.name,
            "email": staff.email,
            "email_normalised": normalise_email(staff.email),
            "seen_at": ctx.now,
            "gone_at": None,
        },
    )
    return row


def _mirror_apply_many(ctx: SyncContext, changes: list[MirrorChange]) -> None:
    """What `_mirror_apply` does for each change, in a few statements: new staff are inserted
    as plain rows (a first sync reads thousands), the others updated."""
    gone = [c.staff.uuid for c in changes if c.kind == MirrorKind.GONE]
    StaffRow.objects.filter(practice=ctx.practice, uuid__in=gone).update(gone_at=ctx.now)
    now = db_value(StaffRow, "seen_at", ctx.now)
    insert_rows(
        StaffRow,
        ("practice", "uuid", "name", "email", "email_normalised", "seen_at", "gone_at"),
        (
            (ctx.practice.pk, s.uuid, s.name, s.email, normalise_email(s.email), now, None)
            for s in (c.staff for c in changes if c.kind == MirrorKind.NEW)
        ),
    )
    listed = {c.staff.uuid: c.staff for c in changes if c.kind in _SEEN_AGAIN}
    rows = list(StaffRow.objects.filter(practice=ctx.practice, uuid__in=list(listed)))
    for row in rows:
        staff = listed[row.uuid]
        row.name, row.email = staff.name, staff.email
        row.email_normalised = normalise_email(staff.email)
        row.seen_at, row.gone_at = ctx.now, None
    fields = ("name", "email", "email_normalised", "seen_at", "gone_at")
    StaffRow.objects.bulk_update(rows, fields)
    if len(rows) < len(listed):
        raise ActionFailed("A staff changed in XPM is missing here: each is applied on its own.")


_SEEN_AGAIN = (MirrorKind.CHANGED, MirrorKind.BACK)


def _link_many(ctx: SyncContext, batch: list[Planned]) -> dict[int, Planned]:
    """Links by email (what `_link_by_email` does for each), in bulk writes; raises
    ActionFailed when any would not be a plain new link, so that each is then applied alone
    (with its own checks and message)."""
    actions: list[Action] = [p.detail for p in batch]
    member_ids = [a.member_id for a in actions]
    uuids = [a.staff_uuids[0] for a in actions]
    members = {
        pk: (name, deleted_at is None)
        for pk, name, deleted_at in Member.objects.filter(
            practice=ctx.practice, pk__in=member_ids
        ).values_list("pk", "name", "deleted_at")
    }
    staff = {
        uuid: (pk, name, gone_at is None)
        for uuid, pk, name, gone_at in StaffRow.objects.filter(
            practice=ctx.practice, uuid__in=uuids
        ).values_list("uuid", "pk", "name", "gone_at")
    }
    staff_ids = [pk for pk, _, _ in staff.values()]
    taken = StaffLink.objects.filter(Q(member_id__in=member_ids) | Q(staff_id__in=staff_ids))
    plain = (
        len(set(member_ids)) == len(actions) == len(set(uuids))
        and all(m in members and members[m][1] for m in member_ids)
        and all(u in staff and staff[u][2] for u in uuids)
        and not taken.exists()
    )
    if not plain:
        raise ActionFailed("Not a plain link: each is applied on its own.")
    created = set(
        StaffCreation.objects.filter(member_id__in=member_ids).values_list("member_id", flat=True)
    )
    method = {m: LinkMethod.CREATED if m in created else LinkMethod.EMAIL for m in member_ids}
    now = db_value(StaffLink, "linked_at", timezone.now())
    pairs = list(zip(member_ids, uuids, strict=True))
    practice_id = ctx.practice.pk
    insert_rows(
        StaffLink,
        ("practice", "member", "staff", "method", "linked_at", "linked_by"),
        ((practice_id, m, staff[u][0], str(method[m]), now, None) for m, u in pairs),
    )
    insert_rows(
        LinkChange,
        ("practice", "member", "staff_uuid", "linked", "method", "at", "by"),
        ((practice_id, m, u, True, str(method[m]), now, None) for m, u in pairs),
    )
    StaffCreation.objects.filter(member_id__in=created).delete()
    return {
        id(planned): planned.but(message=_linked(members[m][0], staff[u][1], m in created))
        for planned, (m, u) in zip(batch, pairs, strict=True)
    }


def _linked(member: str, staff: str, created: bool) -> str:
    """What a link by email says (given the member's and the staff's names): how, and
    whether the names differ."""
    how = "the staff practicelink created" if created else "same email"
    message = f"Linked {member} ↔ {staff} ({how})."
    if " ".join(member.split()).casefold() != " ".join(staff.split()).casefold():
        message += f" The names differ: {member} here, {staff} in XPM."
    return message


def _link_by_email(ctx: SyncContext, planned: Planned, member: Member, uuid: str) -> Planned:
    staff = StaffRow.objects.get(practice=ctx.practice, uuid=uuid)
    creation = StaffCreation.objects.filter(member=member).first()
    method = LinkMethod.CREATED if creation else LinkMethod.EMAIL
    try:
        services.link_create(practice=ctx.practice, member=member, staff=staff, method=method)
    except ValidationError as error:
        raise ActionFailed(" ".join(error.messages)) from error
    if creation:
        creation.delete()
    return planned.but(message=_linked(member.name, staff.name, creation is not None))


def _create_staff(ctx: SyncContext, planned: Planned, member: Member) -> Planned:
    """Create the staff in XPM. What is sent is recorded first (write-ahead), so an answer that
    never arrives, or a crash, never leads to a second staff: see `StaffCreation`."""
    sent = NewStaff(name=member.name, email=member.email)
    StaffCreation.objects.update_or_create(
        member=member,
        defaults={
            "practice": ctx.practice,
            "name": sent.name,
            "email": sent.email,
            "state": CreationState.SENT,
            "requested_at": ctx.now,
        },
    )
    try:
        created = ctx.client.staff_add(sent)
    except WRITE_UNCERTAIN as error:
        StaffCreation.objects.filter(member=member).update(state=CreationState.UNCERTAIN)
        retry_at = ctx.now + selectors.policy_for(ctx.practice).quiet_period
        return planned.but(
            outcome=EventOutcome.UNCERTAIN,
            message=f"Sent {member.name} to XPM, but the answer was lost ({error.message}) "
            f"The next syncs look for a staff with {sent.email} and link them; "
            f"practicelink creates them again only if none appears by "
            f"{timezone.localtime(retry_at):%Y-%m-%d %H:%M}.",
        )
    except XpmError:
        StaffCreation.objects.filter(member=member).delete()  # refused: nothing was created
        raise
    faultpoints.after_write("staff.api/add")
    copy = StaffCopy(created.uuid, created.name, created.email)
    with transaction.atomic():
        staff = _mirror_write(ctx, copy)
        services.link_create(
            practice=ctx.practice, member=member, staff=staff, method=LinkMethod.CREATED
        )
        StaffCreation.objects.filter(member=member).delete()
    return planned.but(
        subject=Subject(SubjectKind.MEMBER, member.name, id=member.pk, xpm_id=created.uuid),
        message=f"Created {member.name} in XPM.",
        after=_fields(copy),
    )
