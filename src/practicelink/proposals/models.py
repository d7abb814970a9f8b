"""Proposals to clients and their service lines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from practicelink.clients.models import Client
from practicelink.team.models import Practice


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    LOST = "lost", "Lost"


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def proposal_reference(number: int) -> str:
    return f"PROP-{number:04d}"


class Proposal(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField(editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="proposal_number_unique"),
        ]
        indexes = [
            models.Index(fields=["practice", "status", "-number"]),
            models.Index(fields=["practice", "client"]),
            models.Index(fields=["practice", "created_at"]),
            # the list's sent / accepted date ranges (see bench/proposals_list.py)
            models.Index(fields=["practice", "sent_at"]),
            models.Index(fields=["practice", "accepted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return proposal_reference(self.number)


class Service(models.Model):
    """A line of a proposal: what is sold."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="services")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> Decimal:
        return line_amount(self.quantity, self.price)
