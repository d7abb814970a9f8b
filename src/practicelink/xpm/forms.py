from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms

from practicelink.xpm.models import SyncSettings
from practicelink.xpm.models.connection import (
    CREATION_WINDOW_MAX_HOURS,
    MAX_LEAD_DAYS,
    SYNC_INTERVAL_MAX_MINUTES,
    SYNC_INTERVAL_MIN_MINUTES,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _bounded(
    label: str, low: int, high: int, unit: str, help_text: StrOrPromise = ""
) -> forms.IntegerField:
    """A whole number within [low, high]; the browser gets the same limits as min/max."""
    message = f"{label} must be a whole number from {low} to {high} {unit}."
    return forms.IntegerField(
        label=f"{label} ({unit})",
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


class SyncSettingsForm(forms.ModelForm):
    creation_window_hours = _bounded(
        "Creation window",
        0,
        CREATION_WINDOW_MAX_HOURS,
        "hours",
        SyncSettings._meta.get_field("creation_window_hours").help_text,
    )
    sync_interval_minutes = _bounded(
        "Sync every", SYNC_INTERVAL_MIN_MINUTES, SYNC_INTERVAL_MAX_MINUTES, "minutes"
    )
    occurrence_lead_days = _bounded(
        "Deploy recurring jobs ahead",
        0,
        MAX_LEAD_DAYS,
        "days",
        SyncSettings._meta.get_field("occurrence_lead_days").help_text,
    )

    class Meta:
        model = SyncSettings
        fields = [
            "creation_window_hours",
            "auto_link",
            "sync_interval_minutes",
            "conflict_policy",
            "create_clients_at_once",
            "occurrence_lead_days",
        ]
        labels = {
            "auto_link": "Auto-link by email",
            "create_clients_at_once": "Create new clients in XPM at once",
        }
