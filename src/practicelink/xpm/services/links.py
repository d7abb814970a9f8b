"""Writes about links: by hand, accepting a suggestion, unlinking. Rules of SPEC §2."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from practicelink.team.models import Member, Practice
from practicelink.xpm.models import LinkChange, LinkMethod, StaffLink
from practicelink.xpm.models import Staff as StaffRow


@dataclass(frozen=True)
class LinkResult:
    link: StaffLink
    warning: str = ""


def _record(link: StaffLink, *, linked: bool, by: Member | None) -> None:
    LinkChange.objects.create(
        practice=link.practice,
        member=link.member,
        staff_uuid=link.staff.uuid,
        linked=linked,
        method=link.method,
        at=timezone.now(),
        by=by,
    )


@transaction.atomic
def link_create(
    *,
    practice: Practice,
    member: Member,
    staff: StaffRow,
    method: str = LinkMethod.MANUAL,
    by: Member | None = None,
) -> LinkResult:
    """Link a member and a staff, each at most once; warn when their emails differ."""
    if member.practice_id != practice.pk or staff.practice_id != practice.pk:
        raise Member.DoesNotExist("No such member or staff in this practice.")
    if member.is_deleted:
        raise ValidationError(f"{member.name} is deleted: restore them before linking.")
    if staff.gone_at is not None:
        raise ValidationError(f"{staff.name} is no longer in XPM.")
    existing = StaffLink.objects.filter(staff=staff).select_related("member").first()
    if existing is not None and existing.member_id != member.pk:
        deleted = " (deleted)" if existing.member.is_deleted else ""
        raise ValidationError(f"{staff.name} is already linked to {existing.member.name}{deleted}.")
    if StaffLink.objects.filter(member=member).exclude(staff=staff).exists():
        raise ValidationError(f"{member.name} is already linked: unlink them first.")
    if existing is not None:
        return LinkResult(existing)
    try:
        with transaction.atomic():
            link = StaffLink.objects.create(
                practice=practice,
                member=member,
                staff=staff,
                method=method,
                linked_at=timezone.now(),
                linked_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            f"{member.name} or {staff.name} was linked by someone else just now: reload the page."
        ) from None
    _record(link, linked=True, by=by)
    warning = ""
    if staff.email_normalised != member.email_normalised:
        warning = (
            f"Note: {member.name}'s email ({member.email}) differs from {staff.name}'s in XPM "
            f"({staff.email or 'none'})."
        )
    return LinkResult(link, warning)


@transaction.atomic
def link_delete(*, practice: Practice, member: Member, by: Member | None = None) -> None:
    link = (
        StaffLink.objects.select_related("staff", "member", "practice")
        .filter(practice=practice, member=member)
        .first()
    )
    if link is None:
        raise ValidationError(f"{member.name} is not linked.")
    _record(link, linked=False, by=by)
    link.delete()


@transaction.atomic
def link_replace(
    *, practice: Practice, member: Member, staff: StaffRow | None, by: Member | None = None
) -> str:
    """Link, change or unlink (`staff` None) a member by hand; returns the warning to show."""
    link = StaffLink.objects.filter(practice=practice, member=member).first()
    if link is not None and staff is not None and link.staff_id == staff.pk:
        return ""
    if link is not None:
        link_delete(practice=practice, member=member, by=by)
    if staff is None:
        return ""
    return link_create(
        practice=practice, member=member, staff=staff, method=LinkMethod.MANUAL, by=by
    ).warning


def suggestion_accept(
    *, practice: Practice, member: Member, staff: StaffRow, by: Member | None = None
) -> LinkResult:
    """One click on a suggested match: only a staff with the member's email qualifies."""
    if staff.email_normalised != member.email_normalised:
        raise ValidationError(
            f"{staff.name} does not have {member.name}'s email: link them by hand in the edit form."
        )
    return link_create(
        practice=practice, member=member, staff=staff, method=LinkMethod.EMAIL, by=by
    )
