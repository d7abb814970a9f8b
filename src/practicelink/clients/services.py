"""Writes for clients. A partner or manager must be a member of the same practice, and a
current one unless the client already had them (a deleted member keeps their assignments)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from practicelink.clients import hooks, selectors
from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice

SYNCED_FIELDS = ("name", "email", "partner", "manager", "archived")


class DuplicateClientName(ValidationError):
    """Another client already has this name (but for case and spacing); saving a second one
    needs `allow_duplicate`, so a typo does not split one client's proposals over two."""

    def __init__(self, name: str, existing: list[Client]) -> None:
        self.existing = existing
        names = " and ".join(f"“{client.name}”" for client in existing)
        super().__init__(
            {"name": f"{names} already exists. Use it, or save “{name}” as another client."}
        )


def _refuse_duplicate(
    practice: Practice, name: str, client: Client | None, allow_duplicate: bool
) -> None:
    if allow_duplicate:
        return
    existing = list(selectors.client_same_name(practice=practice, name=name, exclude=client))
    if existing:
        raise DuplicateClientName(name, existing)


def _saved(client: Client) -> None:
    for handler in hooks.client_saved_handlers:
        transaction.on_commit(partial(handler, client))


def _clean_role_holder(
    practice: Practice, member: Member | None, field: str, current: Member | None = None
) -> Member | None:
    if member is None:
        return None
    if member.practice_id != practice.pk:
        raise ValidationError({field: f"The {field} must be a member of {practice.name}."})
    if member.is_deleted and member != current:
        raise ValidationError({field: f"{member.name} is deleted and cannot be the {field}."})
    return member


def _clean_fields(practice: Practice, name: str, email: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A client needs a name."})
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": f"“{email}” is not a valid email address."}) from None
    return name, email


@transaction.atomic
def client_create(
    *,
    practice: Practice,
    name: str,
    email: str = "",
    partner: Member | None = None,
    manager: Member | None = None,
    allow_duplicate: bool = False,
) -> Client:
    name, email = _clean_fields(practice, name, email)
    _refuse_duplicate(practice, name, None, allow_duplicate)
    client = Client.objects.create(
        practice=practice,
        name=name,
        email=email,
        partner=_clean_role_holder(practice, partner, "partner"),
        manager=_clean_role_holder(practice, manager, "manager"),
    )
    _saved(client)
    return client


@transaction.atomic
def client_update(
    *,
    practice: Practice,
    client: Client,
    name: str,
    email: str = "",
    partner: Member | None = None,
    manager: Member | None = None,
    archived: bool = False,
    allow_duplicate: bool = False,
) -> Client:
    if client.practice_id != practice.pk:
        raise Client.DoesNotExist("No such client in this practice.")
    name, email = _clean_fields(practice, name, email)
    if name.casefold() != client.name.casefold():
        _refuse_duplicate(practice, name, client, allow_duplicate)
    client.name, client.email = name, email
    client.partner = _clean_role_holder(practice, partner, "partner", client.partner)
    client.manager = _clean_role_holder(practice, manager, "manager", client.manager)
    client.archived = archived
    client.save()
    _saved(client)
    return client


@transaction.atomic
def client_import(*, practice: Practice, name: str, email: str = "") -> Client:
    """A client that came in from an integration, as it was there (no hooks: nothing to send
    back). Its partner and manager follow through `client_set_synced`."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A client needs a name."})
    return Client.objects.create(practice=practice, name=name, email=email.strip())


@transaction.atomic
def client_set_synced(
    *, practice: Practice, client: Client, changes: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Apply values an integration brought in (XPM decided them, so a deleted member may be
    assigned); returns field → (before, after) of what actually changed."""
    if client.practice_id != practice.pk:
        raise Client.DoesNotExist("No such client in this practice.")
    changed = {}
    for field, value in changes.items():
        if field not in SYNCED_FIELDS:
            raise ValueError(f"{field} is not a synced client field")
        if isinstance(value, Member) and value.practice_id != practice.pk:
            raise ValidationError({field: f"The {field} must be a member of {practice.name}."})
        before = getattr(client, field)
        if before != value:
            changed[field] = (before, value)
            setattr(client, field, value)
    if changed:
        client.save()
    return changed
