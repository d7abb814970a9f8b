"""Writes for clients. A partner or manager must be a current member of the same practice."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice


def _clean_role_holder(practice: Practice, member: Member | None, field: str) -> Member | None:
    if member is None:
        return None
    if member.practice_id != practice.pk:
        raise ValidationError({field: f"The {field} must be a member of {practice.name}."})
    if member.is_deleted:
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
) -> Client:
    name, email = _clean_fields(practice, name, email)
    return Client.objects.create(
        practice=practice,
        name=name,
        email=email,
        partner=_clean_role_holder(practice, partner, "partner"),
        manager=_clean_role_holder(practice, manager, "manager"),
    )


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
) -> Client:
    if client.practice_id != practice.pk:
        raise Client.DoesNotExist("No such client in this practice.")
    client.name, client.email = _clean_fields(practice, name, email)
    client.partner = _clean_role_holder(practice, partner, "partner")
    client.manager = _clean_role_holder(practice, manager, "manager")
    client.archived = archived
    client.save()
    return client
