"""XPM's job catalogue as last read: templates, categories, task types, job states."""

from __future__ import annotations

from django.db import models

from practicelink.team.models import Practice


class CatalogueKind(models.TextChoices):
    TEMPLATE = "template", "Job template"
    CATEGORY = "category", "Job category"
    TASK_TYPE = "task_type", "Task type"
    JOB_STATE = "job_state", "Job state"


class CatalogueItem(models.Model):
    """One entry of an XPM list; entries gone from XPM are kept with `gone_at` set (a library
    service may still name them)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=CatalogueKind.choices)
    uuid = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    seen_at = models.DateTimeField()
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "kind", "uuid"], name="xpm_catalogue_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"
