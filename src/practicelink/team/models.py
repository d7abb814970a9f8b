"""Practices (tenants), their members, invitations, and people's API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from practicelink.team.emails import normalise_email


class Practice(models.Model):
    """One accounting firm: the tenant everything else belongs to."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    next_proposal_number = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    STANDARD = "standard", "Standard"


class Access(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    NONE = "none", "No access"


class MemberQuerySet(models.QuerySet["Member"]):
    def current(self) -> MemberQuerySet:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> MemberQuerySet:
        return self.filter(deleted_at__isnull=False)


class Member(models.Model):
    """A person on a practice's team. May or may not have access (a login)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    email_normalised = models.CharField(max_length=254, editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STANDARD)
    access = models.CharField(max_length=16, choices=Access.choices, default=Access.NONE)
    added_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name"), "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "email_normalised"], name="member_email_unique_in_practice"
            ),
            models.UniqueConstraint(
                fields=["practice", "user"], name="member_user_unique_in_practice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip()
        self.email_normalised = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def can_sign_in(self) -> bool:
        return self.access == Access.ACTIVE and self.user_id is not None and not self.is_deleted


class InvitationStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"


class Invitation(models.Model):
    """A one-time link that lets an invited member set a password. Only the token's hash is kept."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation for {self.member}"


class SignUp(models.Model):
    """A practice waiting for its first admin to verify their email (see `team.signup`).

    Nothing else exists until then: no practice, member or login. Only hashes are kept of the
    password and of the emailed token.
    """

    practice_name = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    email_normalised = models.CharField(max_length=254, db_index=True)
    password_hash = models.CharField(max_length=128)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    practice = models.ForeignKey(
        Practice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Sign-up of {self.practice_name} by {self.email}"


class ApiToken(AbstractAuthToken):
    """A person's API token (django-rest-knox): only a digest of the token is kept, and it
    expires. The person names it, and sees when it was last used."""

    id = models.BigAutoField(primary_key=True)
    # knox makes the digest the primary key; an id lets a token be named in a URL without it.
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token “{self.name}” of {self.user}"
