"""Sync runs, the outcome of each of their steps, and their events: the record a practice reads."""

from __future__ import annotations

from django.db import models

from practicelink.team.models import Member, Practice


class SyncTrigger(models.TextChoices):
    PERIODIC = "periodic", "Periodic"
    MANUAL = "manual", "Sync now"
    API = "api", "API"
    CONNECTED = "connected", "First sync"
    """Queued by practicelink itself right after a practice is connected (the demo does)."""


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DEFERRED = "deferred", "Waiting for XPM's rate limit"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTLY_FAILED = "partly_failed", "Partly failed"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING, SyncStatus.DEFERRED)
FINISHED_STATUSES = (SyncStatus.SUCCEEDED, SyncStatus.PARTLY_FAILED, SyncStatus.FAILED)


class StepOutcome(models.TextChoices):
    """How one step of a run ended; the run's status is the worst of its steps."""

    SUCCEEDED = "succeeded", "Succeeded"
    PARTLY_FAILED = "partly_failed", "Partly failed"
    FAILED = "failed", "Failed"
    DEFERRED = "deferred", "Waiting for XPM's rate limit"


class SyncRun(models.Model):
    """One pass reconciling a practice with XPM, or a dry run of it (a Preview)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="xpm_sync_runs")
    trigger = models.CharField(max_length=16, choices=SyncTrigger.choices)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    started_by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    resume_at = models.DateTimeField(
        null=True, blank=True, help_text="A deferred run resumes at this time."
    )
    step = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    steps = models.JSONField(
        default=dict,
        blank=True,
        help_text="Outcome per step name, in the order the steps ran, e.g. "
        '{"staff": "succeeded", "catalogue": "deferred"}.',
    )
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
        return self.status in FINISHED_STATUSES

    @property
    def summary_words(self) -> str:
        """ "4 done, 1 failed" — how its actions ended, in the outcomes' own words."""
        labels = dict(EventOutcome.choices)
        return ", ".join(
            f"{n} {labels.get(outcome, outcome).lower()}"
            for outcome, n in self.summary.items()
            if outcome in labels
        )

    @property
    def kind_label(self) -> str:
        """ "Preview" for a dry run, else what started it ("Sync now", "Periodic", "First sync")."""
        return "Preview" if self.dry_run else self.get_trigger_display()


class EventOutcome(models.TextChoices):
    DONE = "done", "Done"
    PLANNED = "planned", "Would do (preview)"
    SUGGESTED = "suggested", "Suggested"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not done"
    UNCERTAIN = "uncertain", "Sent; XPM's answer was lost"


class SubjectKind(models.TextChoices):
    """What an event is about: a local record (its id) and/or its XPM counterpart (XPM id)."""

    MEMBER = "member", "Member"
    STAFF = "staff", "XPM staff"
    CATALOGUE = "catalogue", "XPM catalogue entry"
    CLIENT = "client", "Client"
    JOB = "job", "Job"


class SyncEvent(models.Model):
    """One action of a sync run: what, on whom (by name), before → after, outcome and why."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="events")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=40)
    subject_kind = models.CharField(max_length=16, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField(
        null=True, blank=True, help_text="The local record's id (member, client, job…)."
    )
    subject_xpm_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=255, blank=True)
    key = models.CharField(
        max_length=255, help_text="Identifies the action within its run: written once."
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=EventOutcome.choices)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["practice", "subject_kind", "subject_id"], name="xpm_event_subject"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="xpm_sync_event_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.outcome}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that changed, in a stable order."""
        fields = sorted({*self.before, *self.after})
        return [(f, self.before.get(f, ""), self.after.get(f, "")) for f in fields]
