"""Pairing clients: link a client and an XPM client, bring an XPM client in, queue a review,
and make sure a client exists in XPM (matching first, then a write-ahead `client.api/add`).

Nothing here is adopted silently: an exact match on the normalised name or email links, a
doubtful one waits in the review queue, and only "no candidate at all" creates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.clients.services import client_import
from practicelink.rows import db_value, insert_rows, insert_rows_returning
from practicelink.team.models import Practice
from practicelink.xpm import faultpoints
from practicelink.xpm.models import (
    ClientCreation,
    ClientLink,
    ClientLinkMethod,
    ClientMatch,
    ClientMirror,
    MatchSide,
    ReviewStatus,
)
from practicelink.xpm.oauth import creation_check
from practicelink.xpm.remote import WRITE_UNCERTAIN, NewClient, XpmClient, XpmError
from practicelink.xpm.remote import Client as XpmRecord
from practicelink.xpm.sync.clients.pairs import (
    Pairs,
    local_of,
    mirror_store,
    remote_of,
    set_base,
)
from practicelink.xpm.sync.clients.plan import (
    Candidate,
    LocalClient,
    Matcher,
    MatchKind,
    RemoteClient,
    first_base,
    normalise_name,
    plan_pair,
)


class ClientWaits(Exception):
    """The client cannot be linked to or created in XPM yet; the message says why. Callers
    leave it for a later attempt (a deployment stays pending, a sync action is not done)."""


class ClientInReview(ClientWaits):
    """The client waits in the review queue: someone must say which XPM client it is (Clients >
    Review) before it can be linked or created in XPM."""


class ClientCreationUncertain(ClientWaits):
    """XPM's answer to creating the client was lost and the client has not appeared yet: it
    may still land, so it is not created again before the quiet period is over."""


def creation_quiet_until(creation: ClientCreation) -> datetime:
    """When a `client.api/add` whose answer was lost may be sent again (the same quiet period
    as a staff's: `XPM_UNCERTAIN_CREATE_QUIET_MINUTES`)."""
    return creation.requested_at + timedelta(minutes=settings.XPM_UNCERTAIN_CREATE_QUIET_MINUTES)


def creation_waits_text(name: str, until: datetime) -> str:
    when = timezone.localtime(until).strftime("%Y-%m-%d %H:%M")
    return (
        f"XPM's answer to creating {name} was lost: practicelink looks for it at each sync "
        f"and creates it again only if it has not appeared by {when}."
    )


class ClientLinkTaken(Exception):
    """The client or the XPM client is already linked to another."""


def link_pair(
    pairs: Pairs,
    client: Client,
    remote: RemoteClient,
    method: str,
    fresh: XpmRecord | None = None,
) -> ClientLink:
    """Link a client and an XPM client and bring them into agreement at once: on a new pair a
    side with a value fills the other's gap; where both differ, the practice's policy decides."""
    try:
        with transaction.atomic():
            link = _new_link(pairs, client, remote, method)
            link.save()
    except IntegrityError:
        raise ClientLinkTaken(
            f"{client.name} or the XPM client {remote.name} is already linked."
        ) from None
    pairs.reconcile(link, client, remote, fresh)
    return link


def _new_link(pairs: Pairs, client: Client, remote: RemoteClient, method: str) -> ClientLink:
    """The link of a new pair (not saved), its base as `first_base` says."""
    link = ClientLink(
        practice=pairs.practice,
        client=client,
        uuid=remote.uuid,
        method=method,
        linked_at=pairs.now,
        synced_at=pairs.now,
    )
    set_base(link, first_base(local_of(client), remote, pairs.staff, pairs.policy))
    return link


def import_client(pairs: Pairs, remote: RemoteClient) -> Client:
    """An XPM client with no counterpart here comes in as a new client, with its partner and
    manager translated through the staff links."""
    client = client_import(practice=pairs.practice, name=remote.name, email=remote.email)
    link_pair(pairs, client, remote, ClientLinkMethod.IMPORTED)
    return client


def import_clients(pairs: Pairs, remotes: Sequence[RemoteClient]) -> None:
    """What `import_client` does for each of `remotes`, in two multi-row INSERTs (a first sync
    brings in thousands). Raises `ValidationError` when one needs more than that (no name, or
    a change to send back to XPM): the caller then imports each on its own."""
    clients, links = [], []
    for remote in remotes:
        local = LocalClient(0, remote.name.strip(), remote.email.strip(), None, None, pairs.now)
        if not local.name:
            raise ValidationError({"name": "A client needs a name."})
        base = first_base(local, remote, pairs.staff, pairs.policy)
        plan = plan_pair(local, remote, base, pairs.staff, pairs.policy, pairs.now)
        if plan.remote_changes or plan.conflicts:
            raise ValidationError("A change to send to XPM: imported on its own.")
        ours = {**{"name": local.name, "email": local.email}, **plan.local_changes}
        clients.append(
            (ours["name"], ours["email"], ours.get("partner"), ours.get("manager"), False)
        )
        base = plan.base_after(base)
        links.append(
            (
                remote.uuid,
                *(base.name, base.email, base.partner_id, base.partner_uuid),
                *(base.manager_id, base.manager_uuid, " ".join(plan.problems)),
            )
        )
    practice, now = pairs.practice.pk, db_value(Client, "created_at", timezone.now())
    ids = insert_rows_returning(
        Client,
        ("practice", "created_at", "updated_at", "name", "email", "partner", "manager", "archived"),
        ((practice, now, now, *client) for client in clients),
    )
    synced = db_value(ClientLink, "synced_at", pairs.now)
    insert_rows(
        ClientLink,
        ("practice", "client", "method", "linked_at", "synced_at", "uuid", *LINK_BASE, "problem"),
        (
            (practice, client_id, ClientLinkMethod.IMPORTED.value, synced, synced, *link)
            for client_id, link in zip(ids, links, strict=True)
        ),
    )


LINK_BASE = (
    "synced_name",
    "synced_email",
    "synced_partner",
    "synced_partner_staff",
    "synced_manager",
    "synced_manager_staff",
)
"""A link's last-synced values, in the order of `Base`."""


def queue_review(
    pairs: Pairs,
    *,
    side: str,
    name: str,
    email: str,
    candidates: Iterable[dict[str, str]],
    reason: str,
    uuid: str = "",
    client: Client | None = None,
) -> None:
    """Put a client in the review queue (once: an open item is refreshed, not repeated)."""
    key = {"uuid": uuid} if side == MatchSide.XPM else {"client": client}
    fields = {"name": name, "email": email, "candidates": list(candidates), "reason": reason}
    ClientMatch.objects.update_or_create(
        practice=pairs.practice,
        side=side,
        status=ReviewStatus.OPEN,
        **key,
        defaults=fields,
        create_defaults={**fields, "created_at": pairs.now},
    )


def xpm_candidates(practice: Practice) -> Matcher[str]:
    """XPM clients not linked to any client here, not archived or deleted, by the mirror."""
    rows = (
        ClientMirror.objects.filter(
            practice=practice, archived=False, deleted=False, gone_at__isnull=True
        )
        .exclude(uuid__in=ClientLink.objects.filter(practice=practice).values("uuid"))
        .values_list("uuid", "name", "email")
    )
    return Matcher(Candidate(uuid, name, email) for uuid, name, email in rows)


def _mirror_rows(practice: Practice, uuids: Iterable[str]) -> dict[str, ClientMirror]:
    return {r.uuid: r for r in ClientMirror.objects.filter(practice=practice, uuid__in=uuids)}


def _candidate_dicts(practice: Practice, uuids: Iterable[str]) -> list[dict[str, str]]:
    rows = _mirror_rows(practice, uuids)
    return [
        {"key": uuid, "name": rows[uuid].name, "email": rows[uuid].email}
        for uuid in uuids
        if uuid in rows
    ]


def _search(pairs: Pairs, client: Client, matcher: Matcher[str]) -> None:
    """Add XPM clients found by name or email that the mirror does not know yet (made in XPM
    since the last sync) to the candidates. The name is searched by its longest word, so a
    near name ("Ltd" against "Limited") is found too."""
    words = normalise_name(client.name).split()
    queries = [max(words, key=len)] if words else []
    queries += [client.email] if client.email else []
    found = {r.uuid: r for q in queries for r in pairs.xpm.client_search(q)}
    if not found:
        return
    mirror_store(pairs.practice, found.values(), pairs.now)
    linked = set(
        ClientLink.objects.filter(practice=pairs.practice, uuid__in=found).values_list(
            "uuid", flat=True
        )
    )
    for record in found.values():
        if record.uuid not in linked and not (record.is_archived or record.is_deleted):
            matcher.add(Candidate(record.uuid, record.name, record.email))


def _created_earlier(pairs: Pairs, creation: ClientCreation) -> XpmRecord | None:
    """The XPM client an earlier `client.api/add` made, if its answer was lost: an unlinked
    XPM client with exactly the name that was sent."""
    linked = set(ClientLink.objects.filter(practice=pairs.practice).values_list("uuid", flat=True))
    found = [
        r
        for r in pairs.xpm.client_search(creation.name)
        if r.name == creation.name and r.uuid not in linked and not r.is_deleted
    ]
    if len(found) > 1:
        raise ClientInReview(
            f"{len(found)} XPM clients are called {creation.name}: pick the right one in "
            "Clients > Review."
        )
    return found[0] if found else None


def ensure(pairs: Pairs, client: Client) -> ClientLink:
    """Link `client` to its XPM client, creating that first if XPM has none."""
    link = ClientLink.objects.filter(client=client).first()
    if link is not None:
        return link
    review = ClientMatch.objects.filter(
        client=client, side=MatchSide.LOCAL, status=ReviewStatus.OPEN
    ).first()
    if review is not None:
        raise ClientInReview(f"{client.name} waits in the review queue: {review.reason}")
    if ClientCreation.objects.filter(client=client).exists():
        return create_in_xpm(pairs, client)
    matcher = xpm_candidates(pairs.practice)
    _search(pairs, client, matcher)
    found = matcher.match(client.name, client.email)
    if found.kind == MatchKind.LINK:
        row = ClientMirror.objects.get(practice=pairs.practice, uuid=found.keys[0])
        matcher.remove(row.uuid)
        remote = RemoteClient(
            row.uuid, row.name, row.email, row.account_manager_uuid, row.job_manager_uuid
        )
        return link_pair(pairs, client, remote, ClientLinkMethod.MATCHED)
    if found.kind == MatchKind.REVIEW:
        queue_review(
            pairs,
            side=MatchSide.LOCAL,
            name=client.name,
            email=client.email,
            candidates=_candidate_dicts(pairs.practice, found.keys),
            reason=found.reason,
            client=client,
        )
        raise ClientInReview(f"{client.name} waits in the review queue: {found.reason}")
    return create_in_xpm(pairs, client)


def create_in_xpm(pairs: Pairs, client: Client) -> ClientLink:
    """`client.api/add` behind a write-ahead record committed first: if the answer is lost,
    the next attempt finds the client XPM made (`_created_earlier`) instead of adding again.
    Raises `TenantNotConfirmed` after a switch to another XPM practice not yet confirmed."""
    creation = ClientCreation.objects.filter(client=client).first()
    if creation is not None:
        earlier = _created_earlier(pairs, creation)
        if earlier is not None:
            mirror_store(pairs.practice, [earlier], pairs.now)
            link = link_pair(pairs, client, remote_of(earlier), ClientLinkMethod.CREATED, earlier)
            creation.delete()
            return link
        until = creation_quiet_until(creation)
        if until > pairs.now:
            raise ClientCreationUncertain(creation_waits_text(client.name, until))
    creation_check(pairs.practice, f"{client.name} is not")
    with transaction.atomic():
        creation, _ = ClientCreation.objects.get_or_create(
            client=client,
            defaults={"practice": pairs.practice, "name": client.name, "requested_at": pairs.now},
        )
        # The quiet period counts from the last time the add was sent.
        ClientCreation.objects.filter(pk=creation.pk).update(
            attempts=F("attempts") + 1, requested_at=pairs.now
        )
    staff_of = pairs.staff.staff_of
    new = NewClient(
        name=creation.name,
        email=client.email,
        account_manager_uuid=staff_of.get(client.partner_id) if client.partner_id else None,
        job_manager_uuid=staff_of.get(client.manager_id) if client.manager_id else None,
    )
    try:
        record = pairs.xpm.client_add(new)
    except WRITE_UNCERTAIN:
        raise  # it may still land: the write-ahead record stays, the quiet period applies
    except XpmError:
        creation.delete()  # refused, or never sent: nothing was created
        raise
    faultpoints.after_write("client.api/add")
    mirror_store(pairs.practice, [record], pairs.now)
    link = link_pair(pairs, client, remote_of(record), ClientLinkMethod.CREATED, record)
    creation.delete()
    return link


def client_ensure_in_xpm(
    *,
    practice: Practice,
    client: Client,
    xpm: XpmClient,
    now: datetime | None = None,
) -> str:
    """The UUID of `client`'s XPM client, linking or creating it first (job deployment calls
    this before `job.api/add`).

    Looks before it creates: an unlinked XPM client with the same normalised name or email is
    linked; several or near candidates raise `ClientInReview` (the client is queued there), a
    lost add still in its quiet period `ClientCreationUncertain` (both `ClientWaits`);
    only then `client.api/add`, with a write-ahead record so a lost answer never makes a
    second client. Raises `XpmError` when XPM fails (try again later: it looks first) and lets
    `RateLimitDenied` / `XpmRateLimited` through to defer the caller.
    """
    if client.practice_id != practice.pk:
        raise Client.DoesNotExist("No such client in this practice.")
    pairs = Pairs.of(practice, xpm, now or timezone.now())
    return ensure(pairs, client).uuid
