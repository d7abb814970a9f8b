"""The periodic dispatcher's lease: which scheduler process is the active one."""

from __future__ import annotations

from django.db import models


class DispatcherLease(models.Model):
    """Held by one process until `until`; it renews it each tick, a stand-by takes it after."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=200)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.until:%H:%M:%S}"
