"""The client mirror, client ↔ XPM client links, the review queue, conflicts, the client
write-ahead record and the client pull cursor (SPEC §3)."""

from __future__ import annotations

from django.db import models

from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice


class ClientMirror(models.Model):
    """The last seen copy of an XPM client. `gone_at`: absent from the last complete pass."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="xpm_client_mirror"
    )
    uuid = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    name_normalised = models.CharField(max_length=255, db_index=True)
    email_normalised = models.CharField(max_length=254, blank=True, db_index=True)
    account_manager_uuid = models.CharField(max_length=64, blank=True)
    """The client's partner in XPM."""
    job_manager_uuid = models.CharField(max_length=64, blank=True)
    """The client's manager in XPM."""
    archived = models.BooleanField(default=False)
    deleted = models.BooleanField(default=False)
    seen_at = models.DateTimeField()
    pass_seen_at = models.DateTimeField(null=True, blank=True)
    """Start of the last complete pass that listed this client (archived/deleted detection)."""
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "uuid"], name="xpm_client_uuid_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ClientLinkMethod(models.TextChoices):
    MATCHED = "matched", "Matched by name or email"
    IMPORTED = "imported", "Came in from XPM"
    CREATED = "created", "Created in XPM by practicelink"
    REVIEWED = "reviewed", "Chosen in the review queue"


class ClientLink(models.Model):
    """The 1:1 pairing of a client and an XPM client, with the values both sides last agreed on.

    The `synced_*` values are the base of the three-way compare: a side whose value differs from
    them changed since the last sync. Partner and manager are kept in both sides' terms (member
    id here, staff UUID in XPM) so each side is compared in its own terms.
    """

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="xpm_client_links"
    )
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="xpm_link")
    uuid = models.CharField(max_length=64)
    method = models.CharField(max_length=16, choices=ClientLinkMethod.choices)
    linked_at = models.DateTimeField()
    synced_at = models.DateTimeField()
    synced_name = models.CharField(max_length=255)
    synced_email = models.CharField(max_length=254, blank=True)
    synced_partner = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    synced_partner_staff = models.CharField(max_length=64, blank=True)
    synced_manager = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    synced_manager_staff = models.CharField(max_length=64, blank=True)
    problem = models.TextField(blank=True)
    """What the last sync could not do for this client (unmappable staff, a failed push)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "uuid"], name="xpm_client_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.client} ↔ {self.uuid}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "To review"
    LINKED = "linked", "Linked"
    CREATED = "created", "Created as a new client"
    IGNORED = "ignored", "Ignored"


class MatchSide(models.TextChoices):
    XPM = "xpm", "An XPM client, candidates here"
    LOCAL = "local", "A client here, candidates in XPM"


class ClientMatch(models.Model):
    """A review-queue item, never adopted silently: a client of one side with several or only
    near candidates on the other. Decided by accept / pick another (link), create new or
    ignore; the decision and who took it stay on the row.

    `side` says which client waits: an XPM client (`uuid`; candidates are client ids here) or
    a client here (`client`; candidates are XPM client UUIDs). `candidates` holds
    `{"key", "name", "email"}` as they were when queued.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=8, choices=MatchSide.choices)
    uuid = models.CharField(max_length=64, blank=True, help_text="The XPM client (side xpm).")
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="xpm_matches"
    )
    """The client here: waiting (side local) or, once decided, the one linked or created."""
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    candidates = models.JSONField(default=list)
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default="open")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_uuid = models.CharField(max_length=64, blank=True)
    """The XPM client a local-side item was linked to or created as."""

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "uuid"],
                condition=models.Q(status="open", side="xpm"),
                name="xpm_client_match_one_open_xpm",
            ),
            models.UniqueConstraint(
                fields=["practice", "client"],
                condition=models.Q(status="open", side="local"),
                name="xpm_client_match_one_open_local",
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.name} ({self.status})"


class ConflictStatus(models.TextChoices):
    OPEN = "open", "To review"
    KEPT_OURS = "kept_ours", "Kept practicelink's"
    TOOK_XPM = "took_xpm", "Took XPM's"


class ClientConflict(models.Model):
    """A field changed on both sides between two syncs. The policy already applied `applied`;
    the review either confirms it or switches to the other value (pushed or stored)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="xpm_conflicts")
    field = models.CharField(max_length=16)
    ours = models.CharField(max_length=255, blank=True, help_text="practicelink's value, shown.")
    theirs = models.CharField(max_length=255, blank=True, help_text="XPM's value, shown.")
    ours_value = models.CharField(max_length=255, blank=True)
    theirs_value = models.CharField(max_length=255, blank=True)
    applied = models.CharField(max_length=16, help_text="'ours' or 'theirs': what the policy did.")
    policy = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=ConflictStatus.choices, default="open")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"conflict on {self.client} {self.field} ({self.status})"


class ClientCreation(models.Model):
    """Write-ahead record of a `client.api/add` about to be sent for a client.

    Committed before the call: when the answer is lost, the next attempt finds the client XPM
    made (by its exact name) and links it instead of adding a second one.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="xpm_creation")
    name = models.CharField(max_length=255)
    requested_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"create {self.name} in XPM"


class ClientCursor(models.Model):
    """Where the client pull of a practice stands: the `modifiedsince` cursor and the paged
    pass in progress (its page token is the checkpoint a deferred or crashed run resumes at)."""

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, related_name="xpm_client_cursor"
    )
    modified_since = models.DateTimeField(null=True, blank=True)
    """XPM clients changed at or after this moment are pulled next (minus the overlap)."""
    full_pass_at = models.DateTimeField(null=True, blank=True)
    """Start of the last complete paged pass."""
    pass_started_at = models.DateTimeField(null=True, blank=True)
    pass_page_token = models.CharField(max_length=512, blank=True)
    pass_pages = models.PositiveIntegerField(default=0)
    pass_clients = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"client cursor of {self.practice}"
