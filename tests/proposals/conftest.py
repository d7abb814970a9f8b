"""A known data set for the proposals screen: awkward names, every status, fixed dates.

Numbers 1-8 (PROP-0001..8) belong to the `practice` fixture ("Alpha & Co"); a second practice
("Beta Ltd") has look-alike rows that must never show up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from practicelink.clients.models import Client
from practicelink.proposals.models import Proposal
from practicelink.team.models import Member
from tests.conftest import PASSWORD
from tests.factories import ClientFactory, MemberFactory, PracticeFactory, make_proposal


def day(month: int, dom: int) -> datetime:
    return datetime(2026, month, dom, 10, 0, tzinfo=UTC)


@dataclass
class DataSet:
    pat: Member  # partner
    zoe: Member  # partner
    mia: Member  # manager
    yulia: Member  # manager
    clients: dict[str, Client]
    proposals: dict[int, Proposal]  # by number
    other_member: Member  # signed-in member of Beta Ltd
    other_client: Client


#: number, client key, title, price, status, created, sent, accepted
ROWS = [
    (1, "acme", "Annual accounts", "100", "draft", day(1, 5), None, None),
    (2, "acme", "Tax return", "250", "sent", day(1, 10), day(1, 12), None),
    (3, "quoted", "Payroll", "1200", "accepted", day(2, 1), day(2, 2), day(2, 10)),
    (4, "multiline", "Bookkeeping, monthly", "90", "declined", day(2, 15), day(2, 16), None),
    (5, "tokyo", "@SUM(1+1)", "300", "lost", day(3, 1), None, None),
    (6, "formula", "-2+3 advisory", "75", "sent", day(3, 10), day(3, 11), None),
    (7, "quoted", 'Audit "special"', "5000", "accepted", day(3, 20), day(3, 21), day(3, 25)),
    (8, "tokyo", "Tax return 2026", "260", "draft", day(4, 1), None, None),
]


@pytest.fixture
def dataset(practice, admin) -> DataSet:
    pat = MemberFactory(practice=practice, name="Pat Partner", email="pat@alpha.example")
    zoe = MemberFactory(practice=practice, name="Zoë Žák", email="zoe@alpha.example")
    mia = MemberFactory(practice=practice, name="Mia Manager", email="mia@alpha.example")
    yulia = MemberFactory(practice=practice, name="Юлия Иванова", email="yulia@alpha.example")
    clients = {
        "acme": ClientFactory(practice=practice, name="Acme, Ltd", partner=pat, manager=mia),
        "quoted": ClientFactory(
            practice=practice, name='The "Quoted" Co', partner=pat, manager=yulia
        ),
        "multiline": ClientFactory(
            practice=practice, name="Multi\nLine Pty", partner=zoe, manager=mia
        ),
        "tokyo": ClientFactory(practice=practice, name="株式会社 東京", partner=zoe),
        "formula": ClientFactory(practice=practice, name='=HYPERLINK("http://evil.example")'),
    }
    proposals = {}
    for number, client, title, price, status, created, sent, accepted in ROWS:
        proposal = make_proposal(clients[client], title=title, price=price)
        assert proposal.number == number
        Proposal.objects.filter(pk=proposal.pk).update(
            status=status, created_at=created, sent_at=sent, accepted_at=accepted
        )
        proposal.refresh_from_db()
        proposals[number] = proposal

    beta = PracticeFactory(name="Beta Ltd")
    other_member = MemberFactory(practice=beta, name="Olga Other", login=PASSWORD)
    other_client = ClientFactory(practice=beta, name="Acme, Ltd", partner=other_member)
    for title in ("Annual accounts", "Tax return"):
        make_proposal(other_client, title=title)
    return DataSet(pat, zoe, mia, yulia, clients, proposals, other_member, other_client)
