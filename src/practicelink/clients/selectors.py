"""Reads for clients, scoped to one practice."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice


def client_list(*, practice: Practice, include_archived: bool = True) -> QuerySet[Client]:
    clients = Client.objects.filter(practice=practice).select_related("partner", "manager")
    return clients if include_archived else clients.filter(archived=False)


def client_same_name(
    *, practice: Practice, name: str, exclude: Client | None = None
) -> QuerySet[Client]:
    """Clients whose name is `name` but for case and spacing (" bluebird  dental ")."""
    words = name.split()
    if not words:
        return Client.objects.none()
    pattern = r"^\s*" + r"\s+".join(re.escape(word) for word in words) + r"\s*$"
    clients = client_list(practice=practice).filter(name__iregex=pattern)
    return clients.exclude(pk=exclude.pk) if exclude is not None else clients


def client_get(*, practice: Practice, pk: int) -> Client:
    return get_object_or_404(
        Client.objects.select_related("partner", "manager"), practice=practice, pk=pk
    )


def client_filter(
    clients: QuerySet[Client],
    *,
    q: str = "",
    partner: Member | None = None,
    manager: Member | None = None,
) -> QuerySet[Client]:
    """Narrow a client list by name and by partner or manager (deleted members included)."""
    if q:
        clients = clients.filter(name__icontains=q)
    if partner is not None:
        clients = clients.filter(partner=partner)
    if manager is not None:
        clients = clients.filter(manager=manager)
    return clients
