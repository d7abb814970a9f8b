"""Clients of a practice, each with an optional partner and manager (members)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from practicelink.team.models import Member, Practice


class Client(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=255)
    email = models.EmailField(max_length=254, blank=True)
    partner = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="partner_of"
    )
    manager = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="manager_of"
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("name"), "id"]
        indexes = [
            models.Index(fields=["practice", "partner"]),
            models.Index(fields=["practice", "manager"]),
            # Link health pages clients by name: walked in order, a page stops after 20 rows
            models.Index(fields=["practice", "name"]),
        ]

    def __str__(self) -> str:
        return self.name
