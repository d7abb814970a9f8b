"""Reads about links and staff, scoped to one practice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from practicelink.team.emails import normalise_email
from practicelink.team.models import Member, Practice
from practicelink.xpm.models import (
    ConnectionStatus,
    LinkChange,
    LinkMethod,
    StaffCreation,
    StaffLink,
    SyncRun,
    SyncSettings,
    SyncStatus,
    XpmConnection,
)
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.ratelimit import Budget, rate_limiter
from practicelink.xpm.sync.staff.plan import Action, MemberSide, Policy, StaffSide, plan_staff


def sync_settings(practice: Practice) -> SyncSettings:
    settings, _ = SyncSettings.objects.get_or_create(practice=practice)
    return settings


def policy_for(practice: Practice) -> Policy:
    settings = sync_settings(practice)
    connection = XpmConnection.objects.filter(practice=practice).first()
    return Policy(
        creation_window=timedelta(hours=settings.creation_window_hours),
        auto_link=settings.auto_link,
        may_create=connection is None or connection.tenant_confirmed,
    )


def staff_present(practice: Practice) -> QuerySet[StaffRow]:
    """Staff seen in XPM at the last sync (gone ones left out)."""
    return StaffRow.objects.filter(practice=practice, gone_at__isnull=True)


def staff_unlinked(practice: Practice) -> QuerySet[StaffRow]:
    """The XPM user dropdown: staff of the last sync not linked to any member (deleted included)."""
    return staff_present(practice).filter(link__isnull=True).order_by("name", "id")


def linked_staff(member: Member | None) -> StaffRow | None:
    """The staff a member is linked to, if any (None for a member being added)."""
    if member is None:
        return None
    link = StaffLink.objects.filter(member=member).select_related("staff").first()
    return link.staff if link else None


def member_sides(practice: Practice) -> list[MemberSide]:
    links = dict(
        StaffLink.objects.filter(practice=practice).values_list("member_id", "staff__uuid")
    )
    by_hand = set(
        LinkChange.objects.filter(
            practice=practice, method=LinkMethod.MANUAL, linked=True
        ).values_list("member_id", flat=True)
    )
    started = set(
        StaffCreation.objects.filter(practice=practice).values_list("member_id", flat=True)
    )
    return [
        MemberSide(
            id=m.pk,
            name=m.name,
            email_normalised=m.email_normalised,
            added_at=m.added_at,
            deleted=m.is_deleted,
            linked_staff_uuid=links.get(m.pk),
            linked_by_hand_before=m.pk in by_hand,
            creation_started=m.pk in started,
        )
        for m in Member.objects.filter(practice=practice).order_by("added_at", "id")
    ]


def staff_sides(practice: Practice) -> list[StaffSide]:
    return [
        StaffSide(uuid=uuid, name=name, email_normalised=email, linked_member_id=member_id)
        for uuid, name, email, member_id in staff_present(practice).values_list(
            "uuid", "name", "email_normalised", "link__member_id"
        )
    ]


def link_plan(practice: Practice, now: datetime) -> dict[int, Action]:
    """What the next sync would do for each unlinked member, from the last sync's staff list."""
    actions = plan_staff(member_sides(practice), staff_sides(practice), policy_for(practice), now)
    return {action.member_id: action for action in actions}


def xpm_budget(practice: Practice) -> Budget | None:
    """What is left of the practice's XPM calls, and any cool-down XPM asked for."""
    connection = XpmConnection.objects.filter(
        practice=practice, status=ConnectionStatus.CONNECTED
    ).first()
    return rate_limiter().budget(connection.tenant_id) if connection else None


def last_run(practice: Practice) -> SyncRun | None:
    return SyncRun.objects.filter(practice=practice, dry_run=False).first()


@dataclass(frozen=True)
class WhyNot:
    """The answer to "why is this person not in the XPM user dropdown?" (SPEC §2.7)."""

    code: str
    message: str
    member: Member | None = None


def why_not_in_dropdown(practice: Practice, email: str) -> WhyNot:
    wanted = normalise_email(email)
    run = last_run(practice)
    if run is None:
        return WhyNot("never_synced", "XPM has not been synced yet: press Sync now.")
    if run.status == SyncStatus.FAILED:
        return WhyNot("sync_failed", f"The last sync failed: {run.error} Fix it, then Sync now.")
    matches = list(
        staff_present(practice).filter(email_normalised=wanted).select_related("link__member")
    )
    if not matches:
        return WhyNot(
            "not_in_xpm",
            f"No XPM staff has the email {email.strip()} yet: "
            "add them in XPM, then press Sync now.",
        )
    unlinked = [s for s in matches if not hasattr(s, "link")]
    if unlinked:
        return WhyNot("available", f"{unlinked[0].name} is in the dropdown: pick them there.")
    member = matches[0].link.member
    if member.is_deleted:
        return WhyNot(
            "linked_to_deleted",
            f"Linked to the deleted member {member.name}: restore them to use this person.",
            member,
        )
    return WhyNot("linked", f"Already linked to {member.name}.", member)
