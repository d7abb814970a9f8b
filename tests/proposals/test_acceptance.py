"""Sending a proposal with a one-time acceptance link; the public acceptance page; accepting
on the client's behalf; accepting twice or after a decline is refused (SPEC §4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.utils import timezone

from practicelink.proposals import hooks
from practicelink.proposals.models import AcceptanceLink, Proposal, Status
from practicelink.proposals.services import proposal_accept, proposal_send
from tests.factories import ClientFactory, make_proposal

# real commits: the email and the accepted handlers run on commit
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acme(practice):
    return ClientFactory(practice=practice, name="Acme", email="books@acme.example")


@pytest.fixture
def accepted_calls():
    """The proposals the accepted handlers heard of."""
    calls: list[int] = []

    def handler(proposal: Proposal) -> None:
        calls.append(proposal.pk)

    hooks.proposal_accepted_handlers.append(handler)
    yield calls
    hooks.proposal_accepted_handlers.remove(handler)


def _token(message) -> str:
    return re.search(r"/p/([\w-]+)/", message.body).group(1)


def test_send_emails_a_one_time_link_and_stores_only_its_hash(practice, admin, acme):
    proposal = make_proposal(acme, title="FY26 accounts")
    sent = proposal_send(practice=practice, proposal=proposal, by=admin)
    assert (sent.to, sent.proposal.status) == ("books@acme.example", Status.SENT)
    [email] = mail.outbox
    assert email.to == ["books@acme.example"]
    assert "FY26 accounts" in email.subject and sent.link in email.body
    token = _token(email)
    link = AcceptanceLink.objects.get()
    assert link.token_hash != token and token not in link.token_hash
    assert (link.sent_by, link.sent_to) == (admin, "books@acme.example")
    assert link.expires_at - link.created_at == timedelta(days=30)


def test_send_needs_an_address(practice, admin):
    nobody = ClientFactory(practice=practice, name="No Mail Ltd")
    proposal = make_proposal(nobody)
    with pytest.raises(ValidationError) as error:
        proposal_send(practice=practice, proposal=proposal, by=admin)
    assert error.value.message_dict == {
        "to": ["No Mail Ltd has no email: add one to the client, or type one."]
    }
    assert Proposal.objects.get(pk=proposal.pk).status == Status.DRAFT
    sent = proposal_send(practice=practice, proposal=proposal, by=admin, to="boss@nomail.example")
    assert sent.to == "boss@nomail.example" and mail.outbox[0].to == ["boss@nomail.example"]


def test_client_accepts_on_the_public_page_keeping_name_time_and_ip(
    practice, admin, acme, accepted_calls
):
    proposal = make_proposal(acme, title="FY26 accounts")
    proposal_send(practice=practice, proposal=proposal, by=admin)
    url = f"/p/{_token(mail.outbox[0])}/"
    browser = BrowserClient(REMOTE_ADDR="203.0.113.9")  # the client: not signed in
    page = browser.get(url)
    assert page.status_code == 200
    assert "FY26 accounts" in page.text and "Accounts" in page.text

    refused = browser.post(url, {"name": "  ", "decision": "accept"})
    assert "Type your name to accept." in refused.text
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SENT

    before = timezone.now()
    done = browser.post(url, {"name": " Alice Acme ", "decision": "accept"})
    assert "the proposal is accepted" in done.text
    proposal.refresh_from_db()
    assert (proposal.status, proposal.accepted_name, proposal.accepted_ip) == (
        Status.ACCEPTED,
        "Alice Acme",
        "203.0.113.9",
    )
    assert proposal.accepted_by is None and proposal.accepted_at >= before
    assert accepted_calls == [proposal.pk]

    again = browser.post(url, {"name": "Alice Acme", "decision": "accept"})
    assert again.status_code == 410 and "already been used" in again.text
    assert accepted_calls == [proposal.pk]


def test_client_declines_then_the_link_is_spent_and_acceptance_refused(
    practice, admin, acme, accepted_calls
):
    proposal = make_proposal(acme)
    proposal_send(practice=practice, proposal=proposal, by=admin)
    url = f"/p/{_token(mail.outbox[0])}/"
    browser = BrowserClient()
    assert "declined" in browser.post(url, {"name": "", "decision": "decline"}).text
    proposal.refresh_from_db()
    assert proposal.status == Status.DECLINED and proposal.declined_at is not None
    assert "already been used" in browser.get(url).text
    with pytest.raises(ValidationError) as error:
        proposal_accept(practice=practice, proposal=proposal, by=admin)
    assert error.value.messages == [
        "This proposal was declined: send it again before it can be accepted."
    ]
    assert accepted_calls == []


def test_links_expire_and_sending_again_replaces_them(practice, admin, acme):
    proposal = make_proposal(acme)
    proposal_send(practice=practice, proposal=proposal, by=admin)
    proposal_send(practice=practice, proposal=proposal, by=admin)
    first, second = (f"/p/{_token(m)}/" for m in mail.outbox)
    browser = BrowserClient()
    assert "A newer link was sent" in browser.get(first).text
    AcceptanceLink.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = browser.get(second)
    assert expired.status_code == 410 and "This link has expired" in expired.text
    unknown = browser.get("/p/not-a-real-token/")
    assert unknown.status_code == 410 and "This link is not valid" in unknown.text
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SENT


def test_member_marks_accepted_on_the_clients_behalf_and_twice_is_refused(
    practice, admin, admin_web, acme, accepted_calls
):
    proposal = make_proposal(acme)
    response = admin_web.post(f"/proposals/{proposal.pk}/status/", {"status": "accepted"})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.accepted_by, proposal.accepted_name) == (
        Status.ACCEPTED,
        admin,
        "Acme",
    )
    page = admin_web.get(response.url)
    assert "Marked accepted on the client's behalf by Ada Admin" in page.text
    twice = admin_web.post(f"/proposals/{proposal.pk}/status/", {"status": "accepted"}, follow=True)
    when = timezone.localtime(proposal.accepted_at).strftime("%Y-%m-%d %H:%M")
    assert f"This proposal was already accepted by Acme on {when}." in twice.text
    assert accepted_calls == [proposal.pk]


def test_a_handler_that_fails_does_not_undo_the_acceptance(practice, admin, acme):
    def broken(_: Proposal) -> None:
        raise RuntimeError("integration down")

    hooks.proposal_accepted_handlers.append(broken)
    try:
        proposal = proposal_accept(practice=practice, proposal=make_proposal(acme), by=admin)
    finally:
        hooks.proposal_accepted_handlers.remove(broken)
    assert Proposal.objects.get(pk=proposal.pk).status == Status.ACCEPTED


def test_api_sends_and_accepts(admin_api, acme):
    proposal = make_proposal(acme)
    sent = admin_api.post(f"/api/v1/proposals/{proposal.pk}/send/", {"to": "cfo@acme.example"})
    assert sent.status_code == 200
    assert (sent.json()["to"], sent.json()["proposal"]["status"]) == ("cfo@acme.example", "sent")
    bad = admin_api.post(f"/api/v1/proposals/{proposal.pk}/send/", {"to": "not an email"})
    assert bad.status_code == 400 and "to" in bad.json()
    accepted = admin_api.post(f"/api/v1/proposals/{proposal.pk}/accept/")
    assert accepted.status_code == 200 and accepted.json()["accepted_name"] == "Acme"
    twice = admin_api.post(f"/api/v1/proposals/{proposal.pk}/accept/")
    assert twice.status_code == 400
    assert twice.json()["status"][0].startswith("This proposal was already accepted by Acme")
