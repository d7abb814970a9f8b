"""Everything practicelink stores about XPM: the connection, mirrors, links, sync runs."""

from __future__ import annotations

from django.db import models

from practicelink.team.models import Member, Practice


class ConnectionStatus(models.TextChoices):
    CHOOSE_TENANT = "choose_tenant", "Choose a practice"
    CONNECTED = "connected", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"


class XpmConnection(models.Model):
    """A practice's OAuth grant to one XPM tenant. Tokens are encrypted (see crypto.py)."""

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

    def __str__(self) -> str:
        return f"{self.practice} → {self.tenant_name or '?'} ({self.status})"


class ConflictPolicy(models.TextChoices):
    XPM_WINS = "xpm_wins", "XPM wins"
    PRACTICELINK_WINS = "practicelink_wins", "practicelink wins"


class SyncSettings(models.Model):
    """Per-practice sync settings (Settings > Apps > XPM)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="xpm_settings")
    creation_window_hours = models.PositiveIntegerField(
        default=24,
        help_text="Hours after a member is added before the sync creates them in XPM "
        "(0 = at the next sync).",
    )
    auto_link = models.BooleanField(
        default=False,
        help_text="Link a member automatically when exactly one unlinked XPM staff "
        "has their email.",
    )
    sync_interval_minutes = models.PositiveIntegerField(default=5)
    conflict_policy = models.CharField(
        max_length=20, choices=ConflictPolicy.choices, default=ConflictPolicy.XPM_WINS
    )

    def __str__(self) -> str:
        return f"XPM settings of {self.practice}"


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


class StaffCreation(models.Model):
    """Write-ahead record of a staff we are about to create in XPM for a member.

    Committed before `staff.api/add`, so a crash between XPM's write and ours is recognised at
    the next sync: the staff with this email is then linked, never created a second time.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="xpm_creation")
    email = models.CharField(max_length=254)
    requested_at = models.DateTimeField()
    staff_uuid = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"create {self.email} in XPM"


class SyncTrigger(models.TextChoices):
    PERIODIC = "periodic", "Periodic"
    MANUAL = "manual", "Sync now"
    API = "api", "API"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class SyncRun(models.Model):
    """One pass reconciling a practice with XPM, or a dry run of it."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="xpm_sync_runs")
    trigger = models.CharField(max_length=16, choices=SyncTrigger.choices)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    started_by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    step = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "-created_at"])]
        constraints = [
            # The per-practice lock: one running reconcile, on any number of workers and hosts.
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(status="running"),
                name="xpm_one_running_sync_per_practice",
            ),
        ]

    def __str__(self) -> str:
        return f"Sync {self.pk} of {self.practice} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (SyncStatus.SUCCEEDED, SyncStatus.FAILED)


class EventOutcome(models.TextChoices):
    DONE = "done", "Done"
    PLANNED = "planned", "Would do (dry run)"
    SUGGESTED = "suggested", "Suggested"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not done"


class SyncEvent(models.Model):
    """One action of a sync run: what, on what, before/after, outcome and why."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="events")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=40)
    member = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True)
    staff_uuid = models.CharField(max_length=64, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=EventOutcome.choices)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.outcome}"
