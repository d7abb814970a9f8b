"""Writes for practices, members and invitations. Every function takes the practice first."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from practicelink.team.emails import normalise_email
from practicelink.team.models import Access, Invitation, Member, Practice, Role

User = get_user_model()


def practice_create(*, name: str) -> Practice:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A practice needs a name."})
    return Practice.objects.create(name=name)


def _clean_email(practice: Practice, email: str, *, exclude: Member | None = None) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"“{email}” is not a valid email address."}) from None
    clash = Member.objects.filter(practice=practice, email_normalised=normalise_email(email))
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    existing = clash.first()
    if existing is not None:
        hint = " (a deleted member: restore them instead)" if existing.is_deleted else ""
        raise ValidationError(
            {"email": f"{existing.name} already uses {existing.email} in this practice{hint}."}
        )
    return email


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A member needs a name."})
    return name


def _save_member(member: Member) -> Member:
    """Save, turning a lost race on the unique email into the same clear error as the check."""
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ValidationError(
            {"email": f"{member.email} is already used in this practice."}
        ) from None
    return member


@transaction.atomic
def member_create(
    *,
    practice: Practice,
    name: str,
    email: str,
    role: str = Role.STANDARD,
    send_invitation: bool = False,
    invited_by: Member | None = None,
) -> Member:
    """Add a member; with `send_invitation` they get an email to set a password (access)."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    member = Member(
        practice=practice,
        name=_clean_name(name),
        email=_clean_email(practice, email),
        role=role,
        access=Access.INVITED if send_invitation else Access.NONE,
    )
    _save_member(member)
    if send_invitation:
        invitation_send(practice=practice, member=member, invited_by=invited_by)
    return member


@transaction.atomic
def member_update(
    *,
    practice: Practice,
    member: Member,
    name: str,
    email: str,
    role: str,
    by: Member | None = None,
) -> Member:
    _check_belongs(practice, member)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    if member.role == Role.ADMIN and role != Role.ADMIN:
        _check_not_last_admin(practice, member)
    member.name = _clean_name(name)
    member.email = _clean_email(practice, email, exclude=member)
    member.role = role
    return _save_member(member)


@transaction.atomic
def member_delete(*, practice: Practice, member: Member, by: Member | None = None) -> Member:
    """Soft delete: the member keeps its history and can be restored with its access."""
    _check_belongs(practice, member)
    if member.is_deleted:
        raise ValidationError(f"{member.name} is already deleted.")
    if by is not None and by.pk == member.pk:
        raise ValidationError("You cannot delete yourself.")
    if member.role == Role.ADMIN:
        _check_not_last_admin(practice, member)
    member.deleted_at = timezone.now()
    member.save(update_fields=["deleted_at"])
    return member


@transaction.atomic
def member_restore(*, practice: Practice, member: Member, by: Member | None = None) -> Member:
    _check_belongs(practice, member)
    if not member.is_deleted:
        raise ValidationError(f"{member.name} is not deleted.")
    member.deleted_at = None
    member.save(update_fields=["deleted_at"])
    return member


def _check_belongs(practice: Practice, member: Member) -> None:
    if member.practice_id != practice.pk:
        raise Member.DoesNotExist("No such member in this practice.")


def _check_not_last_admin(practice: Practice, member: Member) -> None:
    admins = Member.objects.current().filter(practice=practice, role=Role.ADMIN)
    if not admins.exclude(pk=member.pk).exists():
        raise ValidationError("A practice needs at least one admin.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_send(*, practice: Practice, member: Member, invited_by: Member | None = None) -> str:
    """Email a one-time link; earlier unused links of the member stop working. Returns the token."""
    _check_belongs(practice, member)
    if member.is_deleted:
        raise ValidationError("A deleted member cannot be invited: restore them first.")
    if member.can_sign_in:
        raise ValidationError(f"{member.name} already has access.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    Invitation.objects.filter(member=member, used_at__isnull=True).update(expires_at=now)
    Invitation.objects.create(
        practice=practice,
        member=member,
        token_hash=_token_hash(token),
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    if member.access == Access.NONE:
        member.access = Access.INVITED
        member.save(update_fields=["access"])
    link = settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])
    context = {"member": member, "practice": practice, "link": link, "invited_by": invited_by}
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {practice.name} on practicelink",
            message=render_to_string("team/invitation_email.txt", context),
            from_email=None,
            recipient_list=[member.email],
        )
    )
    return token


def invitation_lookup(token: str) -> Invitation:
    """The usable invitation for a token, or a clear error."""
    invitation = (
        Invitation.objects.select_related("member", "practice")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None:
        raise ValidationError("This invitation link is not valid.")
    if invitation.used_at is not None:
        raise ValidationError("This invitation link has already been used.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation link has expired: ask an admin for a new one.")
    if invitation.member.is_deleted:
        raise ValidationError("This invitation is no longer valid.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, password: str, signed_in_user: AbstractBaseUser | None = None
) -> Member:
    """Give the invited member access: a new login, or the person's existing one."""
    invitation = invitation_lookup(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError("This invitation link has already been used.")
    member = invitation.member
    username = member.email_normalised
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=member.email, first_name=member.name[:150])
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
        user.save()
    elif signed_in_user is None or signed_in_user.pk != user.pk:
        raise ValidationError(
            f"{member.email} already has a practicelink login: sign in first, then open the link."
        )
    member.user = user
    member.access = Access.ACTIVE
    member.save(update_fields=["user", "access"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return member


@transaction.atomic
def member_grant_login(*, practice: Practice, member: Member, password: str) -> Member:
    """Give a member a login directly (demo set-up and first admin), bypassing the email."""
    _check_belongs(practice, member)
    user, _ = User.objects.get_or_create(
        username=member.email_normalised, defaults={"email": member.email}
    )
    user.set_password(password)
    user.save()
    member.user = user
    member.access = Access.ACTIVE
    member.save(update_fields=["user", "access"])
    return member
