"""Writes behind Link health's fixes that the team and clients screens do in several steps.

Each goes through the same services as the screens, so it is recorded as it is there: a
member added from XPM is `member_create` then a manual link (as Settings > Team > Add user
with an XPM user picked), an accepted suggestion is `suggestion_accept`, an assignment is
`client_update` (pushed to XPM on commit like any client edit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.clients.services import client_update
from practicelink.team.models import Member, Practice, Role
from practicelink.team.services import member_create
from practicelink.xpm.health import TeamState
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.services.links import link_create, suggestion_accept
from practicelink.xpm.sync.staff.plan import Kind


@transaction.atomic
def member_add_from_staff(
    *,
    practice: Practice,
    staff: StaffRow,
    send_invitation: bool,
    role: str = Role.STANDARD,
    by: Member | None = None,
) -> Member:
    """Settings > Team > Add user with this XPM user picked: a member with the staff's name and
    email, linked to it by hand, invited or without access."""
    if staff.practice_id != practice.pk:
        raise StaffRow.DoesNotExist("No such XPM staff in this practice.")
    member = member_create(
        practice=practice,
        name=staff.name,
        email=staff.email,
        role=role,
        send_invitation=send_invitation,
        invited_by=by,
    )
    link_create(practice=practice, member=member, staff=staff, by=by)
    return member


@dataclass(frozen=True)
class Accepted:
    linked: list[Member]
    refused: list[str]
    """Why a suggestion could not be accepted (taken meanwhile...), one sentence each."""


def suggestions_accept_all(*, practice: Practice, by: Member | None = None) -> Accepted:
    """Accept every suggestion that has exactly one candidate (several: a person picks)."""
    team = TeamState.of(practice, timezone.now())
    single = {
        member_id: action.staff_uuids[0]
        for member_id, action in team.actions.items()
        if action.kind in (Kind.SUGGEST, Kind.LINK) and len(action.staff_uuids) == 1
    }
    members = Member.objects.filter(practice=practice).in_bulk(list(single))
    staff = {
        s.uuid: s
        for s in StaffRow.objects.filter(practice=practice, uuid__in=list(single.values()))
    }
    linked, refused = [], []
    for member_id, uuid in single.items():
        member = members[member_id]
        try:
            suggestion_accept(practice=practice, member=member, staff=staff[uuid], by=by)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
        else:
            linked.append(member)
    return Accepted(linked, refused)


@transaction.atomic
def clients_assign(
    *,
    practice: Practice,
    clients: Sequence[Client],
    partner: Member | None = None,
    manager: Member | None = None,
) -> list[Client]:
    """Give the clients this partner and/or manager (None: keep theirs), all or none."""
    if partner is None and manager is None:
        raise ValidationError("Choose a partner, a manager or both.")
    saved = []
    for client in clients:
        saved.append(
            client_update(
                practice=practice,
                client=client,
                name=client.name,
                email=client.email,
                partner=partner or client.partner,
                manager=manager or client.manager,
                archived=client.archived,
                allow_duplicate=True,
            )
        )
    return saved
