"""The staff step of a sync: read XPM's staff once, update the mirror, plan, apply (SPEC §2)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from practicelink.team.models import Member
from practicelink.xpm import selectors, services
from practicelink.xpm.models import EventOutcome, LinkMethod, StaffCreation, StaffLink, SyncRun
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.remote import NewStaff, XpmClient, XpmError
from practicelink.xpm.remote import Staff as XpmStaff
from practicelink.xpm.sync.events import event, progress
from practicelink.xpm.sync.plan import Action, Kind, StaffSide, plan_staff


def staff_reconcile(run: SyncRun, client: XpmClient, now: datetime) -> None:
    progress(run, "Reading XPM staff")
    listed = client.staff_list()
    if not run.dry_run:
        _mirror_update(run, listed, now)
    linked = dict(
        StaffLink.objects.filter(practice=run.practice).values_list("staff__uuid", "member_id")
    )
    staff = [StaffSide(s.uuid, s.name, s.normalised_email, linked.get(s.uuid)) for s in listed]
    actions = plan_staff(
        selectors.member_sides(run.practice), staff, selectors.policy_for(run.practice), now
    )
    actions = [a for a in actions if a.kind != Kind.WAIT]
    members = Member.objects.in_bulk([a.member_id for a in actions])
    progress(run, "Linking members and staff", total=len(actions))
    for action in actions:
        _apply(run, client, action, members[action.member_id], now)
        progress(run, done=1)


@transaction.atomic
def _mirror_update(run: SyncRun, listed: list[XpmStaff], now: datetime) -> None:
    """Upsert every listed staff; tombstone those XPM no longer lists."""
    practice = run.practice
    known = {row.uuid: row for row in StaffRow.objects.filter(practice=practice)}
    for person in listed:
        row = known.pop(person.uuid, None)
        fields = {
            "name": person.name,
            "email": person.email,
            "email_normalised": person.normalised_email,
        }
        if row is None:
            StaffRow.objects.create(practice=practice, uuid=person.uuid, seen_at=now, **fields)
            event(run, "staff_new", EventOutcome.DONE, staff_uuid=person.uuid, after=fields)
            continue
        before = {"name": row.name, "email": row.email, "email_normalised": row.email_normalised}
        if before != fields or row.gone_at is not None:
            event(
                run,
                "staff_changed",
                EventOutcome.DONE,
                staff_uuid=person.uuid,
                before=before,
                after=fields,
            )
        StaffRow.objects.filter(pk=row.pk).update(seen_at=now, gone_at=None, **fields)
    for row in known.values():
        if row.gone_at is None:
            row.gone_at = now
            row.save(update_fields=["gone_at"])
            link = StaffLink.objects.filter(staff=row).select_related("member").first()
            message = f"{row.name} is no longer in XPM"
            message += f"; kept linked to {link.member.name}." if link else "."
            event(run, "staff_gone", EventOutcome.DONE, staff_uuid=row.uuid, message=message)


def _apply(run: SyncRun, client: XpmClient, action: Action, member: Member, now: datetime) -> None:
    if action.kind == Kind.SUGGEST:
        for uuid in action.staff_uuids:
            event(
                run,
                "suggest_link",
                EventOutcome.SUGGESTED,
                member=member,
                staff_uuid=uuid,
                message=action.reason,
            )
    elif action.kind == Kind.BLOCKED:
        event(run, "no_link", EventOutcome.SKIPPED, member=member, message=action.reason)
    elif run.dry_run:
        uuid = action.staff_uuids[0] if action.staff_uuids else ""
        event(run, action.kind.value, EventOutcome.PLANNED, member=member, staff_uuid=uuid)
    elif action.kind == Kind.LINK:
        _link_by_email(run, member, action.staff_uuids[0])
    elif action.kind == Kind.CREATE:
        _create_staff(run, client, member, now)


def _link_by_email(run: SyncRun, member: Member, staff_uuid: str) -> None:
    staff = StaffRow.objects.get(practice=run.practice, uuid=staff_uuid)
    creation = StaffCreation.objects.filter(member=member).first()
    method = LinkMethod.CREATED if creation else LinkMethod.EMAIL
    try:
        services.link_create(practice=run.practice, member=member, staff=staff, method=method)
    except ValidationError as error:
        event(
            run,
            "link",
            EventOutcome.FAILED,
            member=member,
            staff_uuid=staff_uuid,
            message=" ".join(error.messages),
        )
        return
    if creation:
        creation.delete()
    event(
        run,
        "link",
        EventOutcome.DONE,
        member=member,
        staff_uuid=staff_uuid,
        message=f"Linked by email ({method.label}).",
    )


def _create_staff(run: SyncRun, client: XpmClient, member: Member, now: datetime) -> None:
    """Create the staff in XPM, with a write-ahead record so a crash never leads to a duplicate."""
    StaffCreation.objects.get_or_create(
        member=member,
        defaults={"practice": run.practice, "email": member.email, "requested_at": now},
    )
    try:
        created = client.staff_add(NewStaff(name=member.name, email=member.email))
    except XpmError as error:
        event(run, "create_staff", EventOutcome.FAILED, member=member, message=str(error))
        return
    with transaction.atomic():
        fields = {
            "name": created.name,
            "email": created.email,
            "email_normalised": created.normalised_email,
        }
        staff, _ = StaffRow.objects.update_or_create(
            practice=run.practice,
            uuid=created.uuid,
            defaults={**fields, "seen_at": now, "gone_at": None},
        )
        services.link_create(
            practice=run.practice, member=member, staff=staff, method=LinkMethod.CREATED
        )
        StaffCreation.objects.filter(member=member).delete()
        event(
            run,
            "create_staff",
            EventOutcome.DONE,
            member=member,
            staff_uuid=created.uuid,
            after=fields,
        )
