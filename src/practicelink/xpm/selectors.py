"""Reads about links and staff, scoped to one practice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from practicelink.team.emails import normalise_email
from practicelink.team.models import Member, Practice
from practicelink.xpm.models import (
    ClientMirror,
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
from practicelink.xpm.sync.staff.plan import (
    Action,
    Kind,
    MemberSide,
    Policy,
    StaffSide,
    plan_staff,
)


def sync_settings(practice: Practice) -> SyncSettings:
    settings, _ = SyncSettings.objects.get_or_create(practice=practice)
    return settings


def policy_for(practice: Practice) -> Policy:
    settings = sync_settings(practice)
    return Policy(
        creation_window=timedelta(hours=settings.creation_window_hours),
        auto_link=settings.auto_link,
        quiet_period=timedelta(minutes=django_settings.XPM_UNCERTAIN_CREATE_QUIET_MINUTES),
        may_create=tenant_confirmed(practice),
    )


def tenant_confirmed(practice: Practice) -> bool:
    """Records may be created in the connected XPM practice (not after an unconfirmed switch)."""
    connection = XpmConnection.objects.filter(practice=practice).first()
    return connection is None or connection.tenant_confirmed


def staff_present(practice: Practice) -> QuerySet[StaffRow]:
    """Staff seen in XPM at the last sync (gone ones left out)."""
    return StaffRow.objects.filter(practice=practice, gone_at__isnull=True)


def staff_unlinked(practice: Practice) -> QuerySet[StaffRow]:
    """The XPM user dropdown: staff of the last sync not linked to any member (deleted included)."""
    return staff_present(practice).filter(link__isnull=True).order_by("name", "id")


def clients_led_by(practice: Practice, staff: StaffRow) -> int:
    """How many of the practice's XPM clients (as last synced) have `staff` as their partner
    or manager."""
    led = Q(account_manager_uuid=staff.uuid) | Q(job_manager_uuid=staff.uuid)
    return ClientMirror.objects.filter(led, practice=practice, gone_at__isnull=True).count()


def linked_staff(member: Member | None) -> StaffRow | None:
    """The staff a member is linked to, if any (None for a member being added)."""
    if member is None:
        return None
    link = StaffLink.objects.filter(member=member).select_related("staff").first()
    return link.staff if link else None


def member_sides(practice: Practice, *, unlinked: bool = False) -> list[MemberSide]:
    """Every member as `plan_staff` sees them; `unlinked`: only those it plans for (not deleted,
    not linked), which a sync of a practice whose members are all linked reads in no time."""
    members = Member.objects.filter(practice=practice)
    changes = LinkChange.objects.filter(practice=practice)
    links: dict[int, str] = {}
    if unlinked:
        members = members.filter(deleted_at__isnull=True, xpm_link__isnull=True)
        changes = changes.filter(member__in=members)
    else:
        links = dict(
            StaffLink.objects.filter(practice=practice).values_list("member_id", "staff__uuid")
        )
    by_hand = set(
        changes.filter(method=LinkMethod.MANUAL, linked=True).values_list("member_id", flat=True)
    )
    started = {
        member_id: (normalise_email(email), sent_at)
        for member_id, email, sent_at in StaffCreation.objects.filter(
            practice=practice
        ).values_list("member_id", "email", "requested_at")
    }
    last_change = dict(  # the sync never unlinks: an unlink is always a person's
        changes.order_by("at", "id").values_list("member_id", "linked")
    )
    return [
        MemberSide(
            id=pk,
            name=name,
            email_normalised=email_normalised,
            added_at=added_at,
            deleted=deleted_at is not None,
            linked_staff_uuid=links.get(pk),
            linked_by_hand_before=pk in by_hand,
            creation_started=pk in started,
            unlinked_by_hand=last_change.get(pk) is False,
            creation_email=started[pk][0] if pk in started else "",
            creation_sent_at=started[pk][1] if pk in started else None,
        )
        # plain values: thousands of members are read at every sync
        for pk, name, email_normalised, added_at, deleted_at in members.order_by(
            "added_at", "id"
        ).values_list("pk", "name", "email_normalised", "added_at", "deleted_at")
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
    """What the last sync's staff, the links and the next sync's plan say about an email.

    A failed last sync does not hide what is known: the answer says it may be out of date.
    """
    wanted = normalise_email(email)
    run = last_run(practice)
    if run is None:
        return WhyNot("never_synced", "XPM has not been synced yet: press Sync now.")
    failed = run.status == SyncStatus.FAILED
    matches = list(
        staff_present(practice).filter(email_normalised=wanted).select_related("link__member")
    )
    answer = _staff_answer(matches) if matches else _member_answer(practice, wanted)
    if answer is None:
        if failed:
            return WhyNot(
                "sync_failed", f"The last sync failed: {run.error} Fix it, then Sync now."
            )
        answer = WhyNot(
            "not_in_xpm",
            f"No XPM staff has the email {email.strip()} yet: "
            "add them in XPM, then press Sync now.",
        )
    if failed:
        note = f" The last sync failed ({run.error}), so XPM may have changed since."
        return WhyNot(answer.code, answer.message + note, answer.member)
    return answer


def _describe(staff: StaffRow, *, named: bool = False) -> str:
    """What one XPM staff with the email is; `named` starts with its name (several staff)."""
    if not hasattr(staff, "link"):
        return f"{staff.name} is in the dropdown: pick them there."
    member = staff.link.member
    if member.is_deleted:
        linked = f"linked to the deleted member {member.name}: restore them to use this person."
    else:
        linked = f"already linked to {member.name}."
    return f"{staff.name} is {linked}" if named else linked[0].upper() + linked[1:]


def _staff_answer(matches: list[StaffRow]) -> WhyNot:
    """One or more XPM staff have the email: say what each is."""
    if len(matches) > 1:
        described = " ".join(_describe(s, named=True) for s in matches)
        return WhyNot("several", f"{len(matches)} XPM staff have this email. {described}")
    staff = matches[0]
    if not hasattr(staff, "link"):
        return WhyNot("available", _describe(staff))
    member = staff.link.member
    code = "linked_to_deleted" if member.is_deleted else "linked"
    return WhyNot(code, _describe(staff), member)


def _member_answer(practice: Practice, wanted: str) -> WhyNot | None:
    """No XPM staff has the email: a member with it may be linked by hand to a staff with
    another email, or be due for creation in XPM."""
    member = Member.objects.filter(practice=practice, email_normalised=wanted).first()
    if member is None:
        return None
    staff = linked_staff(member)
    if staff is not None:
        return WhyNot(
            "linked_other_email",
            f"{member.name} has this email and is linked to {staff.name} in XPM, whose email "
            f"there is {staff.email or 'empty'}: that staff is not in the dropdown because it "
            "is linked.",
            member,
        )
    action = link_plan(practice, timezone.now()).get(member.pk)
    if action is not None and action.kind == Kind.CREATE:
        when = "at the next sync"
    elif action is not None and action.kind == Kind.WAIT and action.create_at is not None:
        when = f"on {timezone.localtime(action.create_at):%Y-%m-%d %H:%M}"
    else:
        return None
    return WhyNot(
        "will_be_created",
        f"No XPM staff has this email yet: practicelink creates {member.name} in XPM {when} "
        "and links them (no need to add them in XPM).",
        member,
    )
