"""Proposals to clients and their service lines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models.functions import Lower

from practicelink.clients.models import Client
from practicelink.proposals.recurrence import Frequency, Schedule, period_months
from practicelink.team.models import Member, Practice


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    LOST = "lost", "Lost"


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class DeploymentStatus(models.TextChoices):
    """Where the proposal's jobs stand in XPM, as the integration reports it (SPEC §4)."""

    NONE = "", "Not deployed"
    PENDING = "pending", "Deploying"
    DEPLOYED = "deployed", "Deployed"
    PARTLY = "partly", "Partly deployed"
    FAILED = "failed", "Failed"


class JobStructure(models.TextChoices):
    SINGLE = "single", "One job for the proposal"
    PER_SERVICE = "per_service", "One job per service"


def proposal_reference(number: int) -> str:
    return f"PROP-{number:04d}"


class Proposal(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField(editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    job_structure = models.CharField(
        max_length=16, choices=JobStructure.choices, default=JobStructure.SINGLE
    )
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True)
    accepted_name = models.CharField(max_length=255, blank=True)
    """Who accepted: the name the client typed, or the client's name when a member marked it."""
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    """The member who marked it accepted on the client's behalf (None: the client did)."""
    deployment_status = models.CharField(
        max_length=16, choices=DeploymentStatus.choices, default="", blank=True
    )
    job_numbers = models.CharField(max_length=255, blank=True)
    """The XPM job numbers of its deployed jobs, comma-separated."""

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="proposal_number_unique"),
        ]
        # The list filters by client (its partner, its manager) or a date range, counts the
        # matches per status and shows a page of them by number: each such index holds the
        # status and the number too, so the counts and the page's sort read the index alone,
        # never the rows (see bench/proposals_list.py).
        indexes = [
            models.Index(fields=["practice", "status", "-number"]),
            models.Index(fields=["practice", "client", "status", "number"]),
            models.Index(fields=["practice", "created_at", "status", "number"]),
            models.Index(fields=["practice", "sent_at", "status", "number"]),
            models.Index(fields=["practice", "accepted_at", "status", "number"]),
            models.Index(fields=["practice", "deployment_status"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return proposal_reference(self.number)


class AcceptanceLink(models.Model):
    """A one-time, expiring link a client accepts or declines a proposal with.

    Only the SHA-256 of the token is stored: the token itself exists in the email alone.
    Sending again revokes the links sent before.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="acceptance_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_to = models.EmailField(max_length=254)
    sent_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"acceptance link of {self.proposal} to {self.sent_to}"


class Recurrence(models.Model):
    """How often a service recurs and when its jobs start and are due in each period: set on a
    library entry as the default of the lines made from it, and on a proposal's line."""

    frequency = models.CharField(
        max_length=16, choices=Frequency.choices, default=Frequency.ONE_OFF, blank=True
    )
    interval_months = models.PositiveSmallIntegerField(null=True, blank=True)
    """Every N months (frequency "months" only)."""
    start_offset_days = models.PositiveSmallIntegerField(default=0)
    """The job starts this many days after its period starts."""
    due_offset_days = models.PositiveSmallIntegerField(default=0)
    """The job is due this many days after its period ends."""

    class Meta:
        abstract = True

    @property
    def recurs(self) -> bool:
        return self.frequency != Frequency.ONE_OFF


class LibraryService(Recurrence):
    """One of the practice's standard services: pre-fills a proposal's line and its job.

    The XPM job template and category are kept as XPM's UUID and name (picked from the
    catalogue the XPM integration mirrors): the domain stores the choice, not the catalogue.
    """

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="library_services"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    template_uuid = models.CharField(max_length=64, blank=True)
    template_name = models.CharField(max_length=255, blank=True)
    category_uuid = models.CharField(max_length=64, blank=True)
    category_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("practice", Lower("name"), name="library_service_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Service(Recurrence):
    """A line of a proposal: what is sold, once or every period (its recurrence)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="services")
    library_service = models.ForeignKey(
        LibraryService, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    first_period_start = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    """No period starts after this day."""
    occurrences = models.PositiveSmallIntegerField(null=True, blank=True)
    """At most this many periods."""
    ended_at = models.DateTimeField(null=True, blank=True)
    """A member ended the recurrence: no further occurrences (deployed jobs stay)."""
    ended_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    next_period_start = models.DateField(null=True, blank=True)
    """The start of its next period with no occurrence yet (None: no more to come): what the
    list's "has upcoming occurrences" filter reads."""

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def amount(self) -> Decimal:
        return line_amount(self.quantity, self.price)

    @property
    def schedule(self) -> Schedule | None:
        """The periods this line recurs over (None: one-off, or not set)."""
        if not self.recurs or self.first_period_start is None:
            return None
        return Schedule(
            months=period_months(self.frequency, self.interval_months),
            first_start=self.first_period_start,
            ends_on=self.ends_on,
            count=self.occurrences,
            start_offset_days=self.start_offset_days,
            due_offset_days=self.due_offset_days,
        )


class Job(models.Model):
    """A job the proposal will deploy to XPM on acceptance (SPEC §4): the job plan.

    One for the proposal, or one per service (`service` set). `index` (1, 2, ...) is part of
    the XPM job number, so it never changes once the proposal is accepted.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="jobs")
    index = models.PositiveIntegerField()
    service = models.OneToOneField(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="job"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    template_uuid = models.CharField(max_length=64, blank=True)
    template_name = models.CharField(max_length=255, blank=True)
    category_uuid = models.CharField(max_length=64, blank=True)
    category_name = models.CharField(max_length=255, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    staff = models.ManyToManyField(Member, blank=True, related_name="proposal_jobs")
    """The job staff: the only people the job's tasks can be allocated to."""

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "index"], name="proposal_job_index_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class OccurrenceStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DEPLOYED = "deployed", "Deployed"
    PARTLY = "partly", "Partly deployed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Occurrence(models.Model):
    """One period of a recurring service's job, recorded when its job is due to be deployed
    (SPEC §4). Its status and job number are what the integration reports."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="occurrences")
    number = models.PositiveSmallIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    start_date = models.DateField()
    due_date = models.DateField()
    status = models.CharField(
        max_length=16, choices=OccurrenceStatus.choices, default=OccurrenceStatus.PLANNED
    )
    job_number = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    """Why it was skipped or failed, or what the deployed job still lacks."""
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job__proposal_id", "job__index", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="occurrence_period_unique"),
        ]
        indexes = [models.Index(fields=["practice", "status", "start_date"])]

    def __str__(self) -> str:
        return f"{self.job} {self.period_start:%Y-%m}"


class RecurrenceChange(models.Model):
    """Who ended a recurrence or changed its job staff for future occurrences, and when."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    by = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, related_name="+")
    what = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.what
