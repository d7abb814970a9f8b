"""The practice's OAuth connection to one XPM tenant, and its sync settings."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from practicelink.team.models import Member, Practice


class ConnectionStatus(models.TextChoices):
    CHOOSE_TENANT = "choose_tenant", "Choose a practice"
    CONNECTED = "connected", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
    DISCONNECTED = "disconnected", "Not connected"
    """Disconnected by an admin: tokens forgotten, the tenant remembered (to warn of a switch)."""


#: a connection that holds its tenant: one XPM practice syncs with one practicelink practice
#: (two would create the same staff twice, and take each other's jobs for their own)
TENANT_HOLDING_STATUSES = (ConnectionStatus.CONNECTED, ConnectionStatus.NEEDS_RECONNECT)


class XpmConnection(models.Model):
    """A practice's OAuth grant to one XPM tenant. Tokens are encrypted (see crypto.py).

    `confirmed_tenant_*` is the XPM practice an admin accepted as this practice's own (the
    first one connected, or one confirmed after a switch). While connected to another tenant,
    syncs read it but create nothing in it.
    """

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, related_name="xpm_connection"
    )
    status = models.CharField(max_length=20, choices=ConnectionStatus.choices)
    tenant_id = models.CharField(max_length=64, blank=True)
    tenant_name = models.CharField(max_length=255, blank=True)
    connection_id = models.CharField(max_length=64, blank=True)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.TextField(blank=True)
    connected_by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True)
    confirmed_tenant_id = models.CharField(max_length=64, blank=True)
    confirmed_tenant_name = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id"],
                condition=models.Q(status__in=TENANT_HOLDING_STATUSES),
                name="xpm_tenant_one_practice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice} → {self.tenant_name or '?'} ({self.status})"

    @property
    def tenant_confirmed(self) -> bool:
        """The connected tenant is the practice's own (no confirmed one yet: the first is)."""
        return not self.confirmed_tenant_id or self.tenant_id == self.confirmed_tenant_id


class ConflictPolicy(models.TextChoices):
    XPM_WINS = "xpm_wins", "XPM wins"
    PRACTICELINK_WINS = "practicelink_wins", "practicelink wins"
    MOST_RECENT = "most_recent", "Most recent wins"


CREATION_WINDOW_MAX_HOURS = 24 * 365
"""A year: a longer window would only postpone creation past any use (and past the calendar)."""
MAX_LEAD_DAYS = 90
"""Further ahead, a job would sit in XPM for a quarter before its period starts."""
SYNC_INTERVAL_MIN_MINUTES = 1
SYNC_INTERVAL_MAX_MINUTES = 24 * 60


class SyncSettings(models.Model):
    """Per-practice sync settings (Settings > Apps > XPM). The bounds are shared by the form,
    the browser's input limits and the API."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="xpm_settings")
    creation_window_hours = models.PositiveIntegerField(
        default=24,
        validators=[MaxValueValidator(CREATION_WINDOW_MAX_HOURS)],
        help_text="Hours after a member is added before the sync creates them in XPM "
        "(0 = at the next sync).",
    )
    auto_link = models.BooleanField(
        default=False,
        help_text="Link a member automatically when exactly one unlinked XPM staff "
        "has their email.",
    )
    sync_interval_minutes = models.PositiveIntegerField(
        default=5,
        validators=[
            MinValueValidator(SYNC_INTERVAL_MIN_MINUTES),
            MaxValueValidator(SYNC_INTERVAL_MAX_MINUTES),
        ],
    )
    create_clients_at_once = models.BooleanField(
        default=False,
        help_text="Create a client made here in XPM at the next sync, not when its first job "
        "is deployed.",
    )
    job_number_prefix = models.CharField(
        max_length=8,
        default="PL",
        validators=[RegexValidator(r"^[A-Za-z]{1,8}$", "Use 1 to 8 letters, e.g. PL.")],
        help_text="Starts the number of every job deployed to XPM (letters only).",
    )
    occurrence_lead_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(MAX_LEAD_DAYS)],
        help_text="Days before its period starts that a recurring service's job is deployed.",
    )
    conflict_policy = models.CharField(
        max_length=20, choices=ConflictPolicy.choices, default=ConflictPolicy.XPM_WINS
    )

    def __str__(self) -> str:
        return f"XPM settings of {self.practice}"
