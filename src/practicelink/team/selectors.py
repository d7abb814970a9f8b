"""Reads for members and practices, always scoped to one practice."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, CharField, QuerySet, Value, When
from django.db.models.functions import Now
from django.shortcuts import get_object_or_404

from practicelink.team.models import (
    Access,
    Invitation,
    InvitationStatus,
    Member,
    MemberQuerySet,
    Practice,
)


def member_list(*, practice: Practice, include_deleted: bool = False) -> MemberQuerySet:
    members = Member.objects.filter(practice=practice)
    return members if include_deleted else members.current()


def member_get(*, practice: Practice, pk: int) -> Member:
    """The member of this practice, or 404 (another practice's member does not exist here)."""
    return get_object_or_404(Member, practice=practice, pk=pk)


def memberships_for_user(user: AbstractBaseUser) -> MemberQuerySet:
    """The practices a login may work in: active, not deleted memberships."""
    return (
        Member.objects.current()
        .filter(user_id=user.pk, access=Access.ACTIVE)
        .select_related("practice")
        .order_by("practice__name", "practice_id")
    )


def login_exists(member: Member) -> bool:
    """Whether the member's email already signs in to practicelink (in any practice)."""
    return get_user_model().objects.filter(username=member.email_normalised).exists()


def invitation_list(*, practice: Practice, status: str | None = None) -> QuerySet[Invitation]:
    """The practice's invitations, newest first, each with its `status` (sent, accepted,
    expired: a link replaced by a newer one expires at once); only those of `status` if given."""
    invitations = (
        Invitation.objects.filter(practice=practice)
        .select_related("member")
        .annotate(
            status=Case(
                When(used_at__isnull=False, then=Value(InvitationStatus.ACCEPTED)),
                When(expires_at__lte=Now(), then=Value(InvitationStatus.EXPIRED)),
                default=Value(InvitationStatus.SENT),
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-id")
    )
    return invitations.filter(status=status) if status else invitations
