"""Deployments: one per planned job of an accepted proposal, or per occurrence of a recurring
job, with its attempts (SPEC §4).

A deployment is written before anything is sent to XPM and carries the job number we chose,
so a retry, a crash or a second worker looks the job up by that number before adding it.
"""

from __future__ import annotations

from django.db import models

from practicelink.proposals.models import Job, Occurrence, Proposal
from practicelink.team.models import Practice


class DeploymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DEPLOYED = "deployed", "Deployed"
    PARTLY = "partly", "Partly deployed"
    FAILED = "failed", "Failed"


class Deployment(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="xpm_deployments")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="xpm_deployments")
    occurrence = models.OneToOneField(
        Occurrence, on_delete=models.CASCADE, null=True, blank=True, related_name="xpm_deployment"
    )
    """The period deployed, for a recurring job (None: the job is deployed once)."""
    job_number = models.CharField(max_length=32)
    """The XPM job number (`<ID>`): practice prefix, proposal number, job index (and the
    occurrence's period)."""
    status = models.CharField(
        max_length=16, choices=DeploymentStatus.choices, default=DeploymentStatus.PENDING
    )
    xpm_uuid = models.CharField(max_length=64, blank=True)
    missing = models.JSONField(default=list, blank=True)
    """What the deployed job still lacks and why, one sentence each (e.g. an unlinked partner)."""
    problem = models.TextField(blank=True)
    """Why it failed, or why the last attempt must be retried."""
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deployed_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    """A worker deploying it holds it until then: one worker at a time, a dead one times out."""

    class Meta:
        ordering = ["proposal_id", "job__index", "occurrence__period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["job"],
                condition=models.Q(occurrence__isnull=True),
                name="xpm_deployment_one_per_job",
            ),
            models.UniqueConstraint(
                fields=["practice", "job_number"], name="xpm_deployment_job_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["practice", "status"])]

    def __str__(self) -> str:
        return f"{self.job_number} ({self.status})"


class DeploymentAttempt(models.Model):
    """One XPM call made for a deployment: when, what, and the answer."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    call = models.CharField(max_length=40)
    sent = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(null=True)
    """None: sent, answer not (yet) recorded (a crash leaves it so)."""
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.call} at {self.at:%Y-%m-%d %H:%M:%S}"
