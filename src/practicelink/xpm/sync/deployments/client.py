"""The client of a deployment, in XPM: its link, or a match, or a new XPM client (once).

A stand-in for the clients sync's own "create the client in XPM if needed" service until
that lands: match first (exact normalised name or email among XPM's search results), and
add only with a write-ahead record committed before the call, so a lost answer is found by
name at the next attempt instead of adding the client twice.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.xpm.models import ClientCreation, ClientLink, ClientLinkMethod, StaffLink
from practicelink.xpm.remote import XpmClient
from practicelink.xpm.remote.records import Client as XpmClientRecord
from practicelink.xpm.remote.records import NewClient
from practicelink.xpm.sync.clients.plan import normalise_email, normalise_name


def _staff_uuid(member_id: int | None) -> str | None:
    if member_id is None:
        return None
    link = StaffLink.objects.filter(member_id=member_id).select_related("staff").first()
    return link.staff.uuid if link else None


def _matches(client: Client, found: list[XpmClientRecord]) -> list[XpmClientRecord]:
    name, email = normalise_name(client.name), normalise_email(client.email)
    return [
        c
        for c in found
        if not c.is_deleted
        and (normalise_name(c.name) == name or (email and normalise_email(c.email) == email))
    ]


def _link(client: Client, record: XpmClientRecord, method: str) -> ClientLink:
    now = timezone.now()
    try:
        with transaction.atomic():
            return ClientLink.objects.create(
                practice_id=client.practice_id,
                client=client,
                uuid=record.uuid,
                method=method,
                linked_at=now,
                synced_at=now,
                synced_name=record.name,
                synced_email=record.email,
                synced_partner_id=client.partner_id,
                synced_partner_staff=record.account_manager.uuid if record.account_manager else "",
                synced_manager_id=client.manager_id,
                synced_manager_staff=record.job_manager.uuid if record.job_manager else "",
            )
    except IntegrityError:
        link = ClientLink.objects.filter(client=client).first()
        if link is None:
            raise ValidationError(
                f"The XPM client {record.name} is already linked to another client."
            ) from None
        return link


def client_in_xpm(client: Client, xpm: XpmClient) -> str:
    """The XPM client UUID of `client`, linking or creating it if needed."""
    link = ClientLink.objects.filter(client=client).first()
    if link is not None:
        return link.uuid
    matches = _matches(client, xpm.client_search(client.name))
    if len(matches) > 1:
        raise ValidationError(
            f"XPM has {len(matches)} clients that could be {client.name}: link the right one "
            "in the client review queue, then redeploy."
        )
    if matches:
        created = ClientCreation.objects.filter(client=client).exists()
        method = ClientLinkMethod.CREATED if created else ClientLinkMethod.MATCHED
        return _link(client, matches[0], method).uuid
    creation, _ = ClientCreation.objects.get_or_create(
        client=client,
        defaults={
            "practice_id": client.practice_id,
            "name": client.name,
            "requested_at": timezone.now(),
        },
    )
    ClientCreation.objects.filter(pk=creation.pk).update(attempts=creation.attempts + 1)
    record = xpm.client_add(
        NewClient(
            name=client.name,
            email=client.email,
            account_manager_uuid=_staff_uuid(client.partner_id),
            job_manager_uuid=_staff_uuid(client.manager_id),
        )
    )
    return _link(client, record, ClientLinkMethod.CREATED).uuid
