"""The staff mirror, member ↔ staff links, their audit and the staff write-ahead record."""

from __future__ import annotations

from django.db import models

from practicelink.team.models import Member, Practice


class Staff(models.Model):
    """The last seen copy of an XPM staff. Staff gone from XPM are kept with `gone_at` set."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="xpm_staff")
    uuid = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    email_normalised = models.CharField(max_length=254, blank=True, db_index=True)
    seen_at = models.DateTimeField()
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "staff"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "uuid"], name="xpm_staff_uuid_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class LinkMethod(models.TextChoices):
    MANUAL = "manual", "Linked by hand"
    EMAIL = "email", "Linked by email"
    CREATED = "created", "Created in XPM by practicelink"


class StaffLink(models.Model):
    """The 1:1 pairing of a member and an XPM staff, within one practice."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="xpm_links")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="xpm_link")
    staff = models.OneToOneField(Staff, on_delete=models.PROTECT, related_name="link")
    method = models.CharField(max_length=16, choices=LinkMethod.choices)
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.member} ↔ {self.staff}"


class LinkChange(models.Model):
    """Audit of links made and undone: how, when, by whom. Outlives the link itself."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="xpm_link_changes")
    staff_uuid = models.CharField(max_length=64)
    linked = models.BooleanField(help_text="True: linked; False: unlinked.")
    method = models.CharField(max_length=16, choices=LinkMethod.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{'link' if self.linked else 'unlink'} {self.member} ↔ {self.staff_uuid}"


class CreationState(models.TextChoices):
    SENT = "sent", "Sent to XPM"
    UNCERTAIN = "uncertain", "XPM's answer was lost"


class StaffCreation(models.Model):
    """Write-ahead record of a staff we are creating in XPM for a member: what was sent.

    Committed before `staff.api/add`. While it exists the outcome is unknown (the worker died
    during the call, or XPM's answer timed out or was lost): the syncs look for a staff with
    the email that was sent and link it, and create again only after the quiet period
    (`XPM_UNCERTAIN_CREATE_QUIET_MINUTES`) without the staff appearing. It is removed once
    the member is linked, or when XPM refused the create.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="xpm_creation")
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254)
    state = models.CharField(
        max_length=16, choices=CreationState.choices, default=CreationState.SENT
    )
    requested_at = models.DateTimeField(help_text="When `staff.api/add` was sent.")
    staff_uuid = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"create {self.email} in XPM ({self.state})"
