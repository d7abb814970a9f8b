"""Daily points of a practice's link completeness (see `xpm/health.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from practicelink.team.models import Practice


@dataclass(frozen=True)
class Completeness:
    """How complete a practice's link is: members linked, active clients fully assigned (a
    linked partner and manager) and linked to an XPM client."""

    members: int
    members_linked: int
    clients: int
    clients_complete: int

    @staticmethod
    def _share(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def members_share(self) -> float:
        return self._share(self.members_linked, self.members)

    @property
    def clients_share(self) -> float:
        return self._share(self.clients_complete, self.clients)

    @property
    def percent(self) -> int:
        """The figure shown: the mean of both shares, rounded down (100 only when complete)."""
        return int((self.members_share + self.clients_share) * 50 + 1e-9)


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

    @property
    def completeness(self) -> Completeness:
        return Completeness(self.members, self.members_linked, self.clients, self.clients_complete)
