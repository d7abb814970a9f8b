from __future__ import annotations

from django import forms

from practicelink.xpm.models import SyncSettings


class SyncSettingsForm(forms.ModelForm):
    class Meta:
        model = SyncSettings
        fields = [
            "creation_window_hours",
            "auto_link",
            "sync_interval_minutes",
            "conflict_policy",
            "create_clients_at_once",
        ]
        labels = {
            "creation_window_hours": "Creation window (hours)",
            "auto_link": "Auto-link by email",
            "sync_interval_minutes": "Sync every (minutes)",
            "create_clients_at_once": "Create new clients in XPM at once",
        }

    def clean_sync_interval_minutes(self) -> int:
        minutes = self.cleaned_data["sync_interval_minutes"]
        if minutes < 1:
            raise forms.ValidationError("Sync at most once a minute.")
        return minutes
