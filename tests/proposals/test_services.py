from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from practicelink.proposals.models import Proposal, Service, Status
from practicelink.proposals.services import (
    ServiceLine,
    proposal_create,
    proposal_set_status,
    proposal_update,
)
from tests.factories import ClientFactory, PracticeFactory, make_proposal

pytestmark = pytest.mark.django_db

LINES = [
    ServiceLine(" Annual accounts ", " Year end ", Decimal("1"), Decimal("2400")),
    ServiceLine("Bookkeeping", "", Decimal("12"), Decimal("320.50")),
    ServiceLine("Payroll", "", Decimal("2.5"), Decimal("33.34")),
]


@pytest.fixture
def acme(practice):
    return ClientFactory(practice=practice, name="Acme")


def test_create_stores_lines_in_order_and_the_total(practice, acme):
    proposal = proposal_create(practice=practice, client=acme, title="  FY26  ", services=LINES)
    proposal.refresh_from_db()
    assert (proposal.title, proposal.status, proposal.total) == (
        "FY26",
        Status.DRAFT,
        Decimal("6329.35"),
    )
    rows = [
        (s.position, s.name, s.description, s.quantity, s.price, s.amount)
        for s in proposal.services.all()
    ]
    assert rows == [
        (0, "Annual accounts", "Year end", Decimal("1"), Decimal("2400"), Decimal("2400.00")),
        (1, "Bookkeeping", "", Decimal("12"), Decimal("320.50"), Decimal("3846.00")),
        (2, "Payroll", "", Decimal("2.5"), Decimal("33.34"), Decimal("83.35")),
    ]


def test_line_amounts_round_half_up_to_the_cent(practice, acme):
    line = ServiceLine("Payroll", "", Decimal("2.5"), Decimal("33.33"))
    proposal = proposal_create(practice=practice, client=acme, title="Half", services=[line])
    assert proposal.services.get().amount == Decimal("83.33")
    assert proposal.total == Decimal("83.33")


def test_numbers_run_per_practice(practice, acme):
    other = ClientFactory(practice=PracticeFactory(), name="Other")
    ours = [make_proposal(acme).reference for _ in range(3)]
    theirs = [make_proposal(other).reference for _ in range(2)]
    ours.append(make_proposal(acme).reference)
    assert ours == ["PROP-0001", "PROP-0002", "PROP-0003", "PROP-0004"]
    assert theirs == ["PROP-0001", "PROP-0002"]


def test_a_refused_create_does_not_use_up_a_number(practice, acme):
    with pytest.raises(ValidationError):
        proposal_create(practice=practice, client=acme, title="", services=LINES)
    assert make_proposal(acme).number == 1


def test_numbers_continue_after_the_stored_counter(practice, acme):
    practice.next_proposal_number = 9999
    practice.save()
    assert [make_proposal(acme).reference for _ in range(2)] == ["PROP-9999", "PROP-10000"]


@pytest.mark.parametrize(
    ("title", "lines", "errors"),
    [
        ("  ", LINES, {"title": ["A proposal needs a title."]}),
        ("FY26", [], {"services": ["A proposal needs at least one service."]}),
        (
            "FY26",
            [ServiceLine(" ", price=Decimal("1"))],
            {"services": ["Every service needs a name."]},
        ),
        (
            "FY26",
            [ServiceLine("Tax", price=Decimal("-0.01"))],
            {"services": ["“Tax”: price cannot be negative."]},
        ),
        (
            "FY26",
            [ServiceLine("Tax", quantity=Decimal("0"), price=Decimal("1"))],
            {"services": ["“Tax”: quantity must be above zero."]},
        ),
    ],
)
def test_invalid_proposals_are_clear_errors(practice, acme, title, lines, errors):
    with pytest.raises(ValidationError) as error:
        proposal_create(practice=practice, client=acme, title=title, services=lines)
    assert error.value.message_dict == errors
    assert not Proposal.objects.exists()
    assert not Service.objects.exists()


def test_client_of_another_practice_is_refused(practice):
    foreign = ClientFactory(practice=PracticeFactory())
    with pytest.raises(ValidationError) as error:
        proposal_create(practice=practice, client=foreign, title="FY26", services=LINES)
    assert error.value.message_dict == {"client": ["The client must belong to this practice."]}


def test_a_free_service_is_allowed(practice, acme):
    proposal = proposal_create(
        practice=practice, client=acme, title="Free", services=[ServiceLine("Chat")]
    )
    assert proposal.total == Decimal("0.00")


def test_update_replaces_lines_client_and_total(practice, acme):
    proposal = make_proposal(acme, price="100")
    other_client = ClientFactory(practice=practice, name="Bolt")
    proposal_update(
        practice=practice,
        proposal=proposal,
        client=other_client,
        title="Renamed",
        services=LINES[1:],
    )
    proposal.refresh_from_db()
    assert (proposal.client, proposal.title, proposal.total) == (
        other_client,
        "Renamed",
        Decimal("3929.35"),
    )
    assert [s.name for s in proposal.services.all()] == ["Bookkeeping", "Payroll"]
    assert proposal.number == 1


def test_refused_update_changes_nothing(practice, acme):
    proposal = make_proposal(acme, title="Kept", price="100")
    with pytest.raises(ValidationError):
        proposal_update(practice=practice, proposal=proposal, client=acme, title="New", services=[])
    proposal.refresh_from_db()
    assert (proposal.title, proposal.total) == ("Kept", Decimal("100.00"))
    assert [s.name for s in proposal.services.all()] == ["Accounts"]


def _accept_then_edit(practice, acme, *, stale: bool) -> Proposal:
    proposal = make_proposal(acme, title="Kept")
    accepted = proposal_set_status(practice=practice, proposal=proposal, status=Status.ACCEPTED)
    with pytest.raises(ValidationError) as error:
        proposal_update(
            practice=practice,
            proposal=proposal if stale else accepted,
            client=acme,
            title="New",
            services=LINES,
        )
    assert error.value.messages == ["An accepted proposal cannot be changed."]
    proposal.refresh_from_db()
    assert (proposal.title, proposal.total) == ("Kept", Decimal("100.00"))
    return proposal


def test_accepted_proposal_cannot_be_edited(practice, acme):
    _accept_then_edit(practice, acme, stale=False)


def test_accepted_proposal_cannot_be_edited_through_a_stale_copy(practice, acme):
    _accept_then_edit(practice, acme, stale=True)


def test_proposal_of_another_practice_cannot_be_changed(practice, acme):
    foreign = make_proposal(ClientFactory(practice=PracticeFactory()))
    with pytest.raises(Proposal.DoesNotExist):
        proposal_update(practice=practice, proposal=foreign, client=acme, title="X", services=LINES)
    with pytest.raises(Proposal.DoesNotExist):
        proposal_set_status(practice=practice, proposal=foreign, status=Status.SENT)
    foreign.refresh_from_db()
    assert (foreign.title, foreign.status) == ("Compliance", Status.DRAFT)


STAMPS = ("sent_at", "accepted_at", "declined_at", "lost_at")


def _stamps(proposal: Proposal) -> dict[str, datetime | None]:
    return {field: getattr(proposal, field) for field in STAMPS}


@pytest.mark.parametrize(
    ("path", "stamped"),
    [
        ([Status.SENT], {"sent_at"}),
        ([Status.SENT, Status.ACCEPTED], {"sent_at", "accepted_at"}),
        ([Status.SENT, Status.DECLINED], {"sent_at", "declined_at"}),
        ([Status.SENT, Status.LOST], {"sent_at", "lost_at"}),
        ([Status.ACCEPTED], {"accepted_at"}),
        ([Status.LOST, Status.DRAFT], {"lost_at"}),
        ([Status.DECLINED, Status.SENT], {"declined_at", "sent_at"}),
        ([Status.SENT, Status.DRAFT], {"sent_at"}),
    ],
)
def test_allowed_transitions_stamp_when_they_happened(practice, acme, path, stamped):
    proposal = make_proposal(acme)
    before = timezone.now()
    for status in path:
        proposal = proposal_set_status(practice=practice, proposal=proposal, status=status)
    proposal.refresh_from_db()
    assert proposal.status == path[-1]
    stamps = _stamps(proposal)
    assert {field for field, value in stamps.items() if value is not None} == stamped
    assert all(before <= stamps[field] <= timezone.now() for field in stamped)


def test_sending_again_moves_the_sent_stamp(practice, acme):
    proposal = make_proposal(acme)
    proposal_set_status(practice=practice, proposal=proposal, status=Status.SENT)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    Proposal.objects.filter(pk=proposal.pk).update(sent_at=first)
    proposal_set_status(practice=practice, proposal=proposal, status=Status.DRAFT)
    proposal = proposal_set_status(practice=practice, proposal=proposal, status=Status.SENT)
    assert proposal.sent_at > first


@pytest.mark.parametrize(
    ("path", "refused", "message"),
    [
        ([], Status.DRAFT, "A draft proposal cannot become draft."),
        ([Status.SENT], Status.SENT, "A sent proposal cannot become sent."),
        ([Status.ACCEPTED], Status.DRAFT, "An accepted proposal cannot become draft."),
        ([Status.ACCEPTED], Status.LOST, "An accepted proposal cannot become lost."),
        (
            [Status.DECLINED],
            Status.ACCEPTED,
            "This proposal was declined: send it again before it can be accepted.",
        ),
        ([Status.LOST], Status.DECLINED, "A lost proposal cannot become declined."),
        ([], "archived", "Unknown status “archived”."),
    ],
)
def test_refused_transitions_change_nothing(practice, acme, path, refused, message):
    proposal = make_proposal(acme)
    for status in path:
        proposal = proposal_set_status(practice=practice, proposal=proposal, status=status)
    before = Proposal.objects.get(pk=proposal.pk)
    with pytest.raises(ValidationError) as error:
        proposal_set_status(practice=practice, proposal=proposal, status=refused)
    assert error.value.message_dict == {"status": [message]}
    after = Proposal.objects.get(pk=proposal.pk)
    assert (after.status, _stamps(after)) == (before.status, _stamps(before))
