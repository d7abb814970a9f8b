"""Personal API tokens: created, listed and revoked by the person they belong to.

django-rest-knox keeps only a digest of each token and checks the expiry; the token itself is
shown once, when it is created. Setting a new password (a reset or a change) revokes every
token of that person.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework.request import Request

from practicelink.team.models import ApiToken

DAYS_DEFAULT = 90
DAYS_MAX = 365
LAST_USED_EVERY = timedelta(minutes=1)
"""How stale `last_used_at` may be: a busy script does not write on every request."""


def person(request: HttpRequest | Request) -> AbstractBaseUser:
    """The signed-in person whose tokens a request handles (the views require a sign-in)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


def tokens_of(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """The person's tokens that still work, newest first."""
    return ApiToken.objects.filter(user_id=user.pk, expiry__gt=timezone.now()).order_by(
        "-created", "-id"
    )


def token_create(
    *, user: AbstractBaseUser, name: str, days: int = DAYS_DEFAULT
) -> tuple[ApiToken, str]:
    """A new token valid for `days`; returns it with the token, which is never readable again."""
    return ApiToken.objects.create(user=user, expiry=timedelta(days=days), name=name.strip())


def token_revoke(*, user: AbstractBaseUser, pk: int) -> ApiToken:
    """Revoke one of the person's tokens (another person's raises ApiToken.DoesNotExist)."""
    token = tokens_of(user).get(pk=pk)
    token.delete()
    return token


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _revoke_on_new_password(sender: Any, instance: AbstractBaseUser, **kwargs: Any) -> None:
    # Django keeps the raw password in `_password` from set_password() until the save that
    # stores it (what its password_changed() hook uses); a hash upgraded at sign-in is not a
    # new password and clears it first.
    if getattr(instance, "_password", None) is not None:
        ApiToken.objects.filter(user_id=instance.pk).delete()


class ApiTokenAuthentication(TokenAuthentication):
    """knox's `Authorization: Token <token>`, noting when each token was last used."""

    def validate_user(self, auth_token: ApiToken) -> tuple[Any, ApiToken]:
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
