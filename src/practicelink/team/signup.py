"""A practice starts on its own: sign-up with email verification, a signed-in person adding a
practice, and operators creating one (`practicelink practice create`).

A sign-up creates nothing but a `SignUp` row until its emailed link is opened, so an email
nobody verifies never gets a practice or a login.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User as Login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from practicelink.team import services
from practicelink.team.emails import normalise_email
from practicelink.team.models import Access, Member, Role, SignUp
from practicelink.team.services import _token_hash

User = get_user_model()


def _required(value: str, field: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({field: f"Please enter {what}."})
    return value


def _login_exists(email: str) -> bool:
    return User.objects.filter(username=normalise_email(email)).exists()


def _no_login_yet(email: str) -> None:
    if _login_exists(email):
        raise ValidationError(
            {
                "email": f"{email} already has a practicelink login: sign in with it, "
                "then add your practice from the sign-up page."
            }
        )


@transaction.atomic
def signup_start(*, practice_name: str, name: str, email: str, password: str) -> str:
    """Check everything, keep the sign-up, email its verification link; returns the token.

    Signing up again with the same email makes the earlier links stop working.
    """
    practice_name = _required(practice_name, "practice_name", "your practice's name")
    name = _required(name, "name", "your name")
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"“{email}” is not a valid email address."}) from None
    _no_login_yet(email)
    try:
        validate_password(password, User(username=normalise_email(email), email=email))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    pending = SignUp.objects.filter(email_normalised=normalise_email(email), used_at__isnull=True)
    pending.update(expires_at=now)
    SignUp.objects.create(
        practice_name=practice_name,
        name=name,
        email=email,
        email_normalised=normalise_email(email),
        password_hash=make_password(password),
        token_hash=_token_hash(token),
        expires_at=now + timedelta(hours=settings.SIGNUP_VALID_HOURS),
    )
    link = settings.SITE_URL.rstrip("/") + reverse("signup-verify", args=[token])
    context = {
        "name": name,
        "practice_name": practice_name,
        "link": link,
        "hours": settings.SIGNUP_VALID_HOURS,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Confirm your email to start {practice_name} on practicelink",
            message=render_to_string("team/signup_email.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    return token


def signup_lookup(token: str) -> SignUp:
    """The sign-up a verification link belongs to, or a clear error."""
    signup = SignUp.objects.filter(token_hash=_token_hash(token)).first()
    if signup is None:
        raise ValidationError("This confirmation link is not valid.")
    if signup.used_at is not None:
        raise ValidationError("This confirmation link was already used: sign in instead.")
    if signup.expires_at <= timezone.now():
        raise ValidationError("This confirmation link has expired: please sign up again.")
    return signup


@transaction.atomic
def signup_verify(*, token: str) -> Member:
    """The email is verified: create the practice, its admin and their login."""
    signup = SignUp.objects.select_for_update().get(pk=signup_lookup(token).pk)
    if signup.used_at is not None:  # opened twice at once: the other request won
        raise ValidationError("This confirmation link was already used: sign in instead.")
    _no_login_yet(signup.email)
    practice = services.practice_create(name=signup.practice_name)
    member = services.member_create(
        practice=practice, name=signup.name, email=signup.email, role=Role.ADMIN
    )
    user = User(username=member.email_normalised, email=member.email, first_name=member.name[:150])
    user.password = signup.password_hash
    user.save()
    member.user = user
    member.access = Access.ACTIVE
    member.save(update_fields=["user", "access"])
    signup.used_at = timezone.now()
    signup.practice = practice
    signup.save(update_fields=["used_at", "practice"])
    return member


@transaction.atomic
def practice_add(*, user: Login, practice_name: str, name: str) -> Member:
    """Someone already signed in starts another practice, as its admin, with the same login."""
    practice = services.practice_create(name=_required(practice_name, "name", "a practice name"))
    member = services.member_create(
        practice=practice,
        name=_required(name, "name", "your name"),
        email=user.email or user.get_username(),
        role=Role.ADMIN,
    )
    member.user = user
    member.access = Access.ACTIVE
    member.save(update_fields=["user", "access"])
    return member


@transaction.atomic
def practice_create_for_operator(
    *, practice_name: str, admin_name: str, admin_email: str
) -> tuple[Member, str]:
    """A practice and its first admin, invited by email; returns the admin and the invitation
    token (an email that already has a login joins with it, as any invitation)."""
    practice = services.practice_create(name=practice_name)
    admin = services.member_create(
        practice=practice, name=admin_name, email=admin_email, role=Role.ADMIN
    )
    return admin, services.invitation_send(practice=practice, member=admin)
