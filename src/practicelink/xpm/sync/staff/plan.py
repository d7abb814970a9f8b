"""Pure planning of the staff step (SPEC §2): both sides in, actions out.

No database, no network: the step reads both sides into these records, asks `plan_mirror`
how the staff mirror must change and `plan_staff` what to do for each member, and applies
the answer. `plan_staff` also answers the team page ("will be created on…", "suggested
match") so the UI and the sync can never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class MemberSide:
    id: int
    name: str
    email_normalised: str
    added_at: datetime
    deleted: bool
    linked_staff_uuid: str | None
    linked_by_hand_before: bool
    """The member was linked by hand at some point (it then never gets a staff created)."""
    creation_started: bool
    """A `staff.api/add` for this member was started and may have reached XPM."""
    unlinked_by_hand: bool = False
    """The member's last link change was an unlink by a person: it sticks (no auto-link, no
    creation) until someone links them by hand again."""
    creation_email: str = ""
    """The (normalised) email that `staff.api/add` sent, maybe since corrected on the member."""
    creation_sent_at: datetime | None = None
    """When that `staff.api/add` was sent; its outcome is unknown until the staff appears."""


UNLINKED_BY_HAND = (
    "Unlinked by hand: practicelink does not link or create them again until someone links "
    "them by hand."
)


@dataclass(frozen=True)
class StaffSide:
    uuid: str
    name: str
    email_normalised: str
    linked_member_id: int | None


@dataclass(frozen=True)
class StaffCopy:
    """A staff as XPM lists it, or as the mirror last recorded it (`gone`: no longer listed)."""

    uuid: str
    name: str
    email: str
    gone: bool = False


class MirrorKind(StrEnum):
    NEW = "staff_new"
    CHANGED = "staff_changed"
    BACK = "staff_back"
    GONE = "staff_gone"


@dataclass(frozen=True)
class MirrorChange:
    kind: MirrorKind
    staff: StaffCopy
    """What XPM lists now (for GONE: the mirror's last copy)."""
    before: StaffCopy | None = None


def plan_mirror(mirrored: list[StaffCopy], listed: list[StaffCopy]) -> list[MirrorChange]:
    """How the mirror must change to match XPM's list: new, changed, back and gone staff."""
    known = {copy.uuid: copy for copy in mirrored}
    changes = []
    for person in listed:
        previous = known.pop(person.uuid, None)
        if previous is None:
            changes.append(MirrorChange(MirrorKind.NEW, person))
        elif previous.gone:
            changes.append(MirrorChange(MirrorKind.BACK, person, previous))
        elif (previous.name, previous.email) != (person.name, person.email):
            changes.append(MirrorChange(MirrorKind.CHANGED, person, previous))
    changes += [MirrorChange(MirrorKind.GONE, c) for c in known.values() if not c.gone]
    return changes


@dataclass(frozen=True)
class Policy:
    creation_window: timedelta
    auto_link: bool
    quiet_period: timedelta = timedelta(minutes=15)
    """After a create whose outcome is unknown: how long to look for the staff before
    creating again."""
    may_create: bool = True
    """False while the connected XPM practice is not confirmed (after a switch)."""


NOT_CONFIRMED = (
    "Not created in XPM until an admin confirms the newly connected XPM practice "
    "in Settings > Apps."
)


class Kind(StrEnum):
    LINK = "link"
    """Link by email: auto-link on, or finishing our own interrupted creation."""
    SUGGEST = "suggest"
    CREATE = "create_staff"
    WAIT = "wait"
    """Unlinked, no staff with the email, creation window not over yet."""
    BLOCKED = "blocked"
    """Nothing can be done automatically; `reason` says why."""


@dataclass(frozen=True)
class Action:
    kind: Kind
    member_id: int
    staff_uuids: tuple[str, ...] = ()
    create_at: datetime | None = None
    reason: str = ""


def plan_staff(
    members: list[MemberSide], staff: list[StaffSide], policy: Policy, now: datetime
) -> list[Action]:
    """What the sync should do for every unlinked, not deleted member, in member order.

    Each staff is linked to one member at most. Members whose own create may have reached
    XPM are planned first: a staff carrying the email we sent is most likely the one we
    created, even when another member now has that email.
    """
    by_email: dict[str, list[StaffSide]] = defaultdict(list)
    for person in staff:
        if person.email_normalised:
            by_email[person.email_normalised].append(person)
    pending = [m for m in members if not m.deleted and m.linked_staff_uuid is None]
    claimed: dict[str, int] = {}
    planned: dict[int, Action] = {}
    for member in sorted(pending, key=lambda m: not m.creation_started):
        same_email = list(by_email.get(member.email_normalised, []))
        if member.creation_email and member.creation_email != member.email_normalised:
            same_email += by_email.get(member.creation_email, [])
        same_email = [
            replace(s, linked_member_id=claimed[s.uuid]) if s.uuid in claimed else s
            for s in same_email
        ]
        action = _plan_member(member, same_email, policy, now)
        if action.kind is Kind.LINK:
            claimed[action.staff_uuids[0]] = member.id
        planned[member.id] = action
    return [planned[m.id] for m in pending]


def _plan_member(
    member: MemberSide, same_email: list[StaffSide], policy: Policy, now: datetime
) -> Action:
    unlinked = [s for s in same_email if s.linked_member_id is None]
    uuids = tuple(s.uuid for s in unlinked)
    if member.unlinked_by_hand:
        if unlinked:
            return Action(Kind.SUGGEST, member.id, uuids, reason=UNLINKED_BY_HAND)
        return Action(Kind.BLOCKED, member.id, reason=UNLINKED_BY_HAND)
    if len(unlinked) == 1 and (policy.auto_link or member.creation_started):
        return Action(Kind.LINK, member.id, uuids)
    if unlinked:
        reason = (
            f"{len(unlinked)} unlinked XPM staff have this email: pick one by hand."
            if len(unlinked) > 1
            else "An unlinked XPM staff has this email: accept the suggestion to link them."
        )
        return Action(Kind.SUGGEST, member.id, uuids, reason=reason)
    if same_email:
        names = ", ".join(s.name for s in same_email)
        return Action(
            Kind.BLOCKED,
            member.id,
            reason=f"XPM staff with this email ({names}) is already linked to another member.",
        )
    if member.linked_by_hand_before:
        return Action(
            Kind.BLOCKED,
            member.id,
            reason="Was linked by hand before: practicelink will not create them in XPM.",
        )
    if not policy.may_create:
        return Action(Kind.BLOCKED, member.id, reason=NOT_CONFIRMED)
    if member.creation_started and member.creation_sent_at is not None:
        retry_at = member.creation_sent_at + policy.quiet_period
        if retry_at > now:
            return Action(
                Kind.WAIT,
                member.id,
                create_at=retry_at,
                reason="XPM's answer to creating them was lost: practicelink looks for them "
                "by the email it sent before creating them again.",
            )
        return Action(Kind.CREATE, member.id, create_at=retry_at)
    create_at = member.added_at + policy.creation_window
    if create_at > now:
        return Action(Kind.WAIT, member.id, create_at=create_at)
    return Action(Kind.CREATE, member.id, create_at=create_at)
