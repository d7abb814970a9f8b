"""Personal API tokens: created, listed and revoked by their owner, on the profile page and
through the API; kept hashed with an expiry; revoked by a new password; never logged."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from practicelink.team.models import ApiToken
from practicelink.team.tokens import token_create
from tests.conftest import PASSWORD, api_for, signed_in

pytestmark = pytest.mark.django_db

TOKENS = reverse("api-token-list")
ME = reverse("member-list")


def _with_token(token: str) -> APIClient:
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def _works(token: str) -> bool:
    status = _with_token(token).get(ME).status_code
    assert status in (200, 401)
    return status == 200


def _every_stored_value() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_created_through_the_api_shown_once_stored_hashed(admin):
    api = api_for(admin)
    created = api.post(TOKENS, {"name": "Reporting script", "expires_in_days": 30}, format="json")
    assert created.status_code == 201
    body = created.json()
    token = body["token"]
    assert token.startswith("pl_") and len(token) > 60
    expiry = timezone.datetime.fromisoformat(body["expiry"])
    assert abs(expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)

    assert token not in _every_stored_value()
    listed = api.get(TOKENS).json()["results"]
    assert [row["name"] for row in listed] == ["Reporting script"]
    assert set(listed[0]) == {"id", "name", "created", "expiry", "last_used_at"}
    assert token not in api.get(TOKENS).content.decode()
    assert "token" not in api.get(reverse("api-token-detail", args=[body["id"]])).json()


def test_a_token_acts_as_its_owner_and_notes_its_last_use(admin):
    stored, token = token_create(user=admin.user, name="CI")
    assert stored.last_used_at is None
    answer = _with_token(token).get(TOKENS)
    assert answer.status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert answer.json()["results"][0]["last_used_at"] is not None


def test_an_expired_token_is_refused(admin):
    stored, token = token_create(user=admin.user, name="Old", days=1)
    ApiToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    answer = _with_token(token).get(ME)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Invalid token."}
    assert api_for(admin).get(TOKENS).json()["results"] == []


def test_revoked_through_the_api_stops_working_at_once(admin):
    stored, token = token_create(user=admin.user, name="Laptop")
    api = _with_token(token)
    assert api.delete(reverse("api-token-detail", args=[stored.pk])).status_code == 204
    assert not _works(token)


def test_another_persons_token_does_not_exist_for_you(admin, standard):
    theirs, their_token = token_create(user=standard.user, name="Sam's")
    api = api_for(admin)
    detail = reverse("api-token-detail", args=[theirs.pk])
    assert api.get(detail).status_code == 404
    assert api.delete(detail).status_code == 404
    assert api.get(TOKENS).json()["results"] == []
    assert _works(their_token)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "expires_in_days": 30}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Zero", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "Too long", "expires_in_days": 366}, "expires_in_days"),
    ],
)
def test_bad_input_is_a_clear_400_and_creates_nothing(admin, body, field):
    answer = api_for(admin).post(TOKENS, body, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == [field]
    assert not ApiToken.objects.exists()


def test_a_password_reset_revokes_every_token(admin, client):
    _, token = token_create(user=admin.user, name="Script")
    client.post(reverse("password_reset"), {"email": admin.email})
    link = re.search(r"https?://\S+/reset/\S+/", mail.outbox[-1].body)
    assert link is not None
    form = client.get(link.group(0), follow=True)
    new = "another horse battery staple"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert not _works(token)


def test_a_password_change_revokes_every_token(admin):
    _, token = token_create(user=admin.user, name="Script")
    browser = signed_in(admin)
    page = browser.get(reverse("password_change"))
    assert b"API tokens are revoked" in page.content
    new = "another horse battery staple"
    answer = browser.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 302
    assert not _works(token)


def test_signing_in_and_other_saves_keep_the_tokens(admin, client):
    _, token = token_create(user=admin.user, name="Script")
    assert client.login(username=admin.user.username, password=PASSWORD)
    admin.user.first_name = "Ada"
    admin.user.save()
    assert _works(token)


def test_tokens_never_reach_the_logs(admin, caplog):
    caplog.set_level(logging.DEBUG)
    created = api_for(admin).post(TOKENS, {"name": "Logged?"}, format="json").json()
    token = created["token"]
    _with_token(token).get(ME)
    _with_token(token + "x").get(ME)
    _with_token(token).post(TOKENS, {"name": ""}, format="json")
    assert caplog.records, "the requests above log something (a 401, a 400)"
    assert token[3:15] not in caplog.text


def test_the_schema_documents_the_token_scheme(admin):
    schema = api_for(admin).get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert {"apiToken": []} in schema["paths"]["/api/v1/clients/"]["get"]["security"]
    created = schema["paths"]["/api/v1/tokens/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/ApiTokenCreated")


# --- the profile page -------------------------------------------------------------------------

PROFILE = reverse("profile:show")


def _once(page: bytes) -> str:
    found = re.search(rb'name="once" value="([^"]+)"', page)
    assert found is not None
    return found.group(1).decode()


def test_the_profile_page_creates_a_token_and_shows_it_once(standard):
    browser = signed_in(standard)
    assert f'href="{PROFILE}"'.encode() in browser.get(reverse("proposals:list")).content
    once = _once(browser.get(PROFILE).content)
    created = browser.post(PROFILE, {"name": "Spreadsheet", "expires_in_days": "7", "once": once})
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    token = re.search(rb"<code data-token>(pl_[^<]+)</code>", created.content)
    assert token is not None
    assert _works(token.group(1).decode())

    again = browser.get(PROFILE)
    assert token.group(1) not in again.content
    assert b'data-token-name="Spreadsheet"' in again.content
    assert b"never" not in again.content  # it was just used


def test_sending_the_form_again_makes_no_second_token(standard):
    browser = signed_in(standard)
    form = {"name": "Report", "expires_in_days": "7", "once": _once(browser.get(PROFILE).content)}
    first = browser.post(PROFILE, form)
    assert b"<code data-token>" in first.content
    again = browser.post(PROFILE, form)  # the browser's refresh of that answer
    assert b"<code data-token>" not in again.content
    assert "already sent, so no second token was made" in again.content.decode()
    assert ApiToken.objects.filter(user=standard.user).count() == 1
    fresh = {**form, "once": _once(again.content)}  # the new form on that page still works
    assert b"<code data-token>" in browser.post(PROFILE, fresh).content
    assert ApiToken.objects.filter(user=standard.user).count() == 2


def test_a_form_sent_without_its_one_use_value_makes_no_token(standard):
    answer = signed_in(standard).post(PROFILE, {"name": "Forged", "expires_in_days": "7"})
    assert answer.status_code == 200
    assert not ApiToken.objects.exists()


def test_the_profile_page_refuses_bad_input_plainly(standard):
    answer = signed_in(standard).post(PROFILE, {"name": "", "expires_in_days": "400"})
    assert answer.status_code == 200
    assert b"This field is required." in answer.content
    assert b"Ensure this value is less than or equal to 365." in answer.content
    assert not ApiToken.objects.exists()


def test_the_profile_page_revokes_your_token_and_not_anothers(admin, standard):
    mine, token = token_create(user=standard.user, name="Mine")
    theirs, their_token = token_create(user=admin.user, name="Ada's")
    browser = signed_in(standard)
    revoke = "profile:token-revoke"
    assert browser.post(reverse(revoke, args=[theirs.pk])).status_code == 404
    assert browser.get(reverse(revoke, args=[mine.pk])).status_code == 405
    answer = browser.post(reverse(revoke, args=[mine.pk]), follow=True)
    assert "Token “Mine” revoked" in answer.content.decode()
    assert not _works(token)
    assert _works(their_token)


def test_the_profile_page_needs_a_sign_in(client):
    answer = client.get(PROFILE)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
