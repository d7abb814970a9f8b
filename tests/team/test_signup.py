"""A practice starts on its own: sign up, confirm the email, land in the new practice as admin.
Operators create one with `practicelink practice create`; the API signs up too."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from practicelink.cli import main
from practicelink.team.middleware import SESSION_KEY
from practicelink.team.models import Access, Member, Practice, SignUp
from tests.conftest import signed_in

# Real commits: the emails leave on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
SIGNUP = reverse("signup")
NEW_PASSWORD = "a-long-Pass-phrase-9"
FORM = {
    "practice_name": " Bluebird Accounting ",
    "name": "Bea Founder",
    "email": " Bea@Bluebird.example ",
    "password": NEW_PASSWORD,
    "password_again": NEW_PASSWORD,
}


def _link() -> str:
    assert len(mail.outbox) == 1
    found = re.search(r"http\S+(/signup/verify/[\w-]+/)", mail.outbox[0].body)
    assert found is not None, mail.outbox[0].body
    return found.group(1)


def test_sign_up_emails_a_link_and_creates_nothing_yet(client):
    response = client.post(SIGNUP, FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("signup-sent")
    assert (
        "We sent a link to <strong>Bea@Bluebird.example</strong>"
        in client.get(reverse("signup-sent")).content.decode()
    )
    assert mail.outbox[0].to == ["Bea@Bluebird.example"]
    assert (
        mail.outbox[0].subject == "Confirm your email to start Bluebird Accounting on practicelink"
    )
    assert _link()
    assert not Practice.objects.exists()
    assert not get_user_model().objects.exists()
    assert NEW_PASSWORD not in SignUp.objects.get().password_hash


def test_opening_the_link_creates_the_practice_its_admin_and_signs_in(client):
    client.post(SIGNUP, FORM)
    link = _link()
    confirm = client.get(link)
    assert "Confirm and create Bluebird Accounting</button>" in confirm.content.decode()
    assert not Practice.objects.exists()  # a mail scanner's GET creates nothing

    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:list")
    member = Member.objects.get()
    assert (member.practice.name, member.name, member.email) == (
        "Bluebird Accounting",
        "Bea Founder",
        "Bea@Bluebird.example",
    )
    assert (member.role, member.access) == ("admin", Access.ACTIVE)
    assert client.session[SESSION_KEY] == member.practice_id
    page = client.get(reverse("proposals:list")).content.decode()
    assert "Welcome to Bluebird Accounting. You are its admin." in page
    assert "Write your first proposal" in page

    fresh = BrowserClient()
    assert fresh.login(username="bea@bluebird.example", password=NEW_PASSWORD)


def test_a_link_works_once_and_not_after_it_expires(client):
    client.post(SIGNUP, FORM)
    link = _link()
    client.post(link)
    again = BrowserClient().post(link)
    assert again.status_code == 410
    assert "This confirmation link was already used: sign in instead." in again.content.decode()

    mail.outbox.clear()
    BrowserClient().post(SIGNUP, {**FORM, "email": "late@bluebird.example"})
    late = _link()
    SignUp.objects.filter(email="late@bluebird.example").update(expires_at=timezone.now())
    expired = BrowserClient().post(late)
    assert expired.status_code == 410
    assert "This confirmation link has expired: please sign up again." in expired.content.decode()
    assert Practice.objects.count() == 1


def test_signing_up_again_makes_the_earlier_link_stop_working(client):
    client.post(SIGNUP, FORM)
    first = _link()
    mail.outbox.clear()
    client.post(SIGNUP, {**FORM, "practice_name": "Bluebird & Co"})
    second = _link()
    assert client.post(first).status_code == 410
    assert client.post(second).status_code == 302
    assert list(Practice.objects.values_list("name", flat=True)) == ["Bluebird & Co"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"practice_name": "  "}, "practice_name", "Please enter your practice's name."),
        ({"name": " "}, "name", "Please enter your name."),
        ({"email": "bea@"}, "email", "“bea@” is not a valid email address."),
        (
            {"password": "short", "password_again": "short"},
            "password",
            "This password is too short. It must contain at least 8 characters.",
        ),
        ({"password_again": "something else"}, "__all__", "The two passwords differ."),
    ],
)
def test_bad_input_is_named_and_keeps_the_rest(client, change, field, message):
    response = client.post(SIGNUP, {**FORM, **change})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    html = response.content.decode()
    if "practice_name" not in change:
        assert 'value=" Bluebird Accounting "' in html or 'value="Bluebird Accounting"' in html
    assert mail.outbox == []
    assert not SignUp.objects.exists()


def test_an_email_with_a_login_is_told_to_sign_in_at_once(client, admin):
    response = client.post(SIGNUP, {**FORM, "email": admin.email.upper()})
    assert response.context["form"].errors["email"] == [
        f"{admin.email.upper()} already has a practicelink login: sign in with it, "
        "then add your practice from the sign-up page."
    ]
    assert mail.outbox == []


def test_signed_in_person_adds_a_practice_with_the_same_login(admin, practice):
    web = signed_in(admin)
    page = web.get(SIGNUP)
    assert list(page.context["form"].fields) == ["practice_name", "name"]
    response = web.post(SIGNUP, {"practice_name": "Second Practice", "name": "Ada Admin"})
    assert response.status_code == 302
    second = Member.objects.get(practice__name="Second Practice")
    assert (second.user, second.role, second.access) == (admin.user, "admin", Access.ACTIVE)
    assert web.session[SESSION_KEY] == second.practice_id
    assert mail.outbox == []


def test_the_new_practice_sees_nothing_of_another(client, admin, practice):
    from tests.factories import ClientFactory

    ClientFactory(practice=practice, name="Alpha's client")
    client.post(SIGNUP, FORM)
    client.post(_link())
    assert "Alpha's client" not in client.get(reverse("clients:list")).content.decode()


def test_api_signs_up_with_the_same_rules():
    api = APIClient(enforce_csrf_checks=True)
    url = reverse("api-signup")
    body = {k: v for k, v in FORM.items() if k != "password_again"}
    accepted = api.post(url, body, format="json")
    assert accepted.status_code == 202
    assert accepted.json() == {
        "detail": "We sent a link to Bea@Bluebird.example: open it to confirm."
    }
    assert _link()
    refused = api.post(url, {**body, "password": "short"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "password": ["This password is too short. It must contain at least 8 characters."]
    }


def test_operator_creates_a_practice_and_its_admin_is_invited(capsys, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    code = main(
        [
            "practice",
            "create",
            "--name",
            "Operator Practice",
            "--admin-name",
            "Olga Operator",
            "--admin-email",
            "olga@operator.example",
        ]
    )
    assert code == 0
    admin = Member.objects.get(practice__name="Operator Practice")
    assert (admin.name, admin.role, admin.access) == ("Olga Operator", "admin", Access.INVITED)
    out = capsys.readouterr().out
    assert f"Practice “Operator Practice” created (id {admin.practice_id}).\n" in out
    link = re.search(r"emailed: \S+(/invite/[\w-]+/)\n", out)
    assert link is not None
    assert mail.outbox[0].to == ["olga@operator.example"]
    assert link.group(1) in mail.outbox[0].body


def test_operator_gets_a_plain_error_and_nothing_is_created(capsys):
    code = main(["practice", "create", "--name", "X", "--admin-name", "Y", "--admin-email", "nope"])
    assert code == 2
    assert capsys.readouterr().err == (
        "practicelink practice create: “nope” is not a valid email address.\n"
    )
    assert not Practice.objects.exists()


def test_sign_in_page_offers_sign_up(client):
    assert f'<a href="{SIGNUP}">Sign up</a>' in client.get(reverse("login")).content.decode()
