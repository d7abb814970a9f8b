"""Sync runs and their events: the record a practice reads."""

from __future__ import annotations

from django.db import models

from practicelink.team.models import Member, Practice


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
