"""Django admin for operators: every record can be inspected, none changed behind the rules.

Writes go through the services (which check, audit and tell integrations), so the admin
shows records read-only. Secrets (token hashes and digests, encrypted tokens, password
hashes) are never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

SECRET_MARKS = ("token", "password", "encrypted", "hash", "digest")


def _shown(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if not any(mark in field.name for mark in SECRET_MARKS)
    ]


class InspectAdmin(admin.ModelAdmin):
    """Read-only: list, search, filter by practice, open a record."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def register_inspect(*inspected: type[models.Model]) -> None:
    """Register models read-only, showing their fields but secrets, filtered by practice."""
    for model in inspected:
        shown = _shown(model)
        searchable = [name for name in ("name", "email", "title", "uuid") if name in shown]
        options = {
            "list_display": shown[:8],
            "fields": shown,
            "list_filter": [name for name in ("status", "practice") if name in shown],
            "search_fields": searchable,
            "list_select_related": False,
        }
        admin.site.register(model, type(f"{model.__name__}Admin", (InspectAdmin,), options))
