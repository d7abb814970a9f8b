"""Daily points of a practice's link completeness (see `xpm/health.py`)."""

from __future__ import annotations

from django.db import models

from practicelink.team.models import Practice


class HealthSnapshot(models.Model):
    """One point per practice and day: how complete its link with XPM was, and its gaps.

    Rewritten through the day (after each sync, each fix on the Link health page and by the
    daily task), so the day's point is its last state."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    members = models.PositiveIntegerField(help_text="Current members.")
    members_linked = models.PositiveIntegerField()
    clients = models.PositiveIntegerField(help_text="Active (not archived) clients.")
    clients_complete = models.PositiveIntegerField(
        help_text="Active clients with a linked partner and manager, linked to an XPM client."
    )
    gaps = models.JSONField(default=dict, help_text="Gap kind → count.")
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "day"], name="xpm_health_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"link health of {self.practice} on {self.day}"
