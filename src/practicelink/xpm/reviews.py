"""Decisions on the client review queue and on conflicts (SPEC §3). Each decision is kept on
its row (status, who, when) and takes effect in practicelink and XPM at once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.clients.services import client_set_synced
from practicelink.team.models import Member, Practice
from practicelink.xpm.models import (
    ClientConflict,
    ClientLink,
    ClientLinkMethod,
    ClientMatch,
    ClientMirror,
    ConflictStatus,
    MatchSide,
    ReviewStatus,
)
from practicelink.xpm.oauth import TenantNotConfirmed
from practicelink.xpm.remote import XpmClient, XpmError
from practicelink.xpm.sync.clients.linking import (
    ClientLinkTaken,
    ClientWaits,
    create_in_xpm,
    import_client,
    link_pair,
)
from practicelink.xpm.sync.clients.pairs import (
    DEFERRING,
    Pairs,
    client_push,
    remote_of,
    remote_of_mirror,
)


def _still_open(practice: Practice, item: ClientMatch, *, lock: bool = False) -> ClientMatch:
    if item.practice_id != practice.pk:
        raise ClientMatch.DoesNotExist("No such review item in this practice.")
    rows = ClientMatch.objects.select_for_update() if lock else ClientMatch.objects
    item = rows.get(pk=item.pk)
    if item.status != ReviewStatus.OPEN:
        raise ValidationError(f"This was already decided: {item.get_status_display().lower()}.")
    return item


def _open(practice: Practice, item: ClientMatch) -> ClientMatch:
    """The item, locked for the decision (call inside a transaction)."""
    return _still_open(practice, item, lock=True)


def _decide(item: ClientMatch, status: str, by: Member | None, **fields: object) -> ClientMatch:
    item.status, item.decided_by, item.decided_at = status, by, timezone.now()
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    return item


def review_link(
    *,
    practice: Practice,
    item: ClientMatch,
    key: str,
    by: Member | None,
    xpm: XpmClient,
) -> ClientMatch:
    """Accept a candidate (or pick another, `key` being any unlinked client of the other side):
    link the pair and bring it into agreement."""
    pairs = Pairs.of(practice, xpm, timezone.now())
    item = _still_open(practice, item)
    if item.side == MatchSide.XPM:
        client = Client.objects.filter(practice=practice, pk=_client_id(key)).first()
        uuid = item.uuid
    else:
        client, uuid = item.client, key
    if client is None:
        raise ValidationError("Pick a client of this practice.")
    if not ClientMirror.objects.filter(practice=practice, uuid=uuid).exists():
        raise ValidationError("Pick an XPM client read by the last sync.")
    record = xpm.client_get(uuid)
    try:
        link = link_pair(pairs, client, remote_of(record), ClientLinkMethod.REVIEWED, record)
    except ClientLinkTaken as taken:
        raise ValidationError(str(taken)) from None
    with transaction.atomic():
        item = _open(practice, item)
        return _decide(item, ReviewStatus.LINKED, by, client=client, linked_uuid=link.uuid)


def _client_id(key: str) -> int:
    try:
        return int(key)
    except (TypeError, ValueError):
        raise ValidationError("Pick a client of this practice.") from None


def review_create(
    *, practice: Practice, item: ClientMatch, by: Member | None, xpm: XpmClient
) -> ClientMatch:
    """None of the candidates: an XPM client comes in as a new client here; a client here is
    created in XPM (looked up first, write-ahead, as always)."""
    pairs = Pairs.of(practice, xpm, timezone.now())
    item = _still_open(practice, item)
    if item.side == MatchSide.XPM:
        row = ClientMirror.objects.get(practice=practice, uuid=item.uuid)
        with transaction.atomic():
            item = _open(practice, item)
            client = import_client(pairs, remote_of_mirror(row))
            return _decide(item, ReviewStatus.CREATED, by, client=client, linked_uuid=item.uuid)
    assert item.client is not None
    try:
        link = create_in_xpm(pairs, item.client)
    except (ClientWaits, TenantNotConfirmed) as waiting:
        raise ValidationError(str(waiting)) from None
    with transaction.atomic():
        item = _open(practice, item)
        return _decide(item, ReviewStatus.CREATED, by, linked_uuid=link.uuid)


@transaction.atomic
def review_ignore(*, practice: Practice, item: ClientMatch, by: Member | None) -> ClientMatch:
    """Leave both clients unpaired; the sync does not ask again."""
    return _decide(_open(practice, item), ReviewStatus.IGNORED, by)


def conflict_resolve(
    *,
    practice: Practice,
    conflict: ClientConflict,
    keep: str,
    by: Member | None,
    xpm: XpmClient,
) -> ClientConflict:
    """Keep practicelink's value (`keep="ours"`) or take XPM's (`"theirs"`). When that differs
    from what the policy applied, the value is set here and pushed to XPM at once."""
    if keep not in ("ours", "theirs"):
        raise ValidationError("Choose ours or theirs.")
    if conflict.practice_id != practice.pk:
        raise ClientConflict.DoesNotExist("No such conflict in this practice.")
    with transaction.atomic():
        conflict = ClientConflict.objects.select_for_update().get(pk=conflict.pk)
        if conflict.status != ConflictStatus.OPEN:
            raise ValidationError("This conflict was already decided.")
        link = ClientLink.objects.filter(client=conflict.client).select_related("client").first()
        if keep != conflict.applied:
            if link is None:
                raise ValidationError(f"{conflict.client.name} is no longer linked to XPM.")
            value = _local_value(practice, conflict, keep)
            client_set_synced(
                practice=practice, client=link.client, changes={conflict.field: value}
            )
        conflict.status = ConflictStatus.KEPT_OURS if keep == "ours" else ConflictStatus.TOOK_XPM
        conflict.decided_by, conflict.decided_at = by, timezone.now()
        conflict.save()
    if keep != conflict.applied and link is not None:
        _push_now(practice, link, xpm)
    return conflict


def _local_value(practice: Practice, conflict: ClientConflict, keep: str) -> object:
    """The chosen value in practicelink's terms (a member for partner and manager)."""
    if conflict.field in ("name", "email"):
        return conflict.ours_value if keep == "ours" else conflict.theirs_value
    if keep == "ours":
        member_id = conflict.ours_value
    else:
        if not conflict.theirs_value:
            return None
        link = (
            practice.xpm_links.filter(staff__uuid=conflict.theirs_value)
            .select_related("member")
            .first()
        )
        if link is None:
            raise ValidationError(
                f"XPM's {conflict.theirs} is not linked to a member: link them in Settings > "
                "Team first."
            )
        return link.member
    return Member.objects.filter(practice=practice, pk=member_id).first() if member_id else None


def _push_now(practice: Practice, link: ClientLink, xpm: XpmClient) -> None:
    """Send the pair's change to XPM now; if XPM fails, the next sync sends it again."""
    try:
        client_push(practice=practice, client=link.client, xpm=xpm)
    except DEFERRING:
        return
    except XpmError as error:
        ClientLink.objects.filter(pk=link.pk).update(
            problem=f"Not sent to XPM yet ({error}); the next sync sends it again."
        )
