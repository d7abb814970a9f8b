"""REST API plumbing: token auth, choosing the practice, roles, CSRF, the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from practicelink.clients.models import Client
from practicelink.team.models import Member
from practicelink.team.tokens import token_create
from tests.conftest import PASSWORD
from tests.factories import ClientFactory, MemberFactory, PracticeFactory

pytestmark = pytest.mark.django_db

CLIENTS = reverse("client-list")


def _token_api(member: Member, practice_id: object = None) -> APIClient:
    """A client authenticated by the member's token (CSRF checks on: tokens do not need them)."""
    api = APIClient(enforce_csrf_checks=True)
    _, token = token_create(user=member.user, name="tests")
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    if practice_id is not None:
        headers["HTTP_X_PRACTICE_ID"] = str(practice_id)
    api.credentials(**headers)
    return api


def _client_names(api: APIClient) -> list[str]:
    response = api.get(CLIENTS)
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def second_practice(admin):
    """Ada Admin's other practice ("Beta Ltd"): same login, one client of its own."""
    beta = PracticeFactory(name="Beta Ltd")
    MemberFactory(practice=beta, email=admin.email, name="Ada Admin", role="admin", login=PASSWORD)
    ClientFactory(practice=beta, name="Beta's client")
    ClientFactory(practice=admin.practice, name="Alpha's client")
    return beta


def test_token_auth_reads_and_writes(admin):
    api = _token_api(admin)
    created = api.post(CLIENTS, {"name": "Token Client"}, format="json")
    assert created.status_code == 201
    assert Client.objects.get(pk=created.json()["id"]).practice == admin.practice
    assert _client_names(api) == ["Token Client"]


def test_wrong_token_is_refused(admin):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get(CLIENTS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Invalid token."}


def test_no_credentials_is_refused():
    response = APIClient().get(CLIENTS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_without_header_the_first_practice_by_name_is_used(admin, second_practice):
    assert _client_names(_token_api(admin)) == ["Alpha's client"]


def test_practice_header_picks_one_of_the_callers_practices(admin, second_practice):
    assert _client_names(_token_api(admin, second_practice.pk)) == ["Beta's client"]
    assert _client_names(_token_api(admin, admin.practice_id)) == ["Alpha's client"]


def test_practice_header_works_with_session_auth_too(admin, second_practice):
    api = APIClient()
    api.force_login(admin.user)
    response = api.get(CLIENTS, headers={"X-Practice-Id": str(second_practice.pk)})
    assert [row["name"] for row in response.json()["results"]] == ["Beta's client"]


@pytest.mark.parametrize("practice_id", ["foreign", "unknown", "not-a-number"])
def test_practice_header_for_a_practice_you_are_not_in_is_403(admin, practice_id):
    foreign = PracticeFactory(name="Gamma")
    ClientFactory(practice=foreign, name="Gamma's client")
    header = {"foreign": foreign.pk, "unknown": foreign.pk + 1000, "not-a-number": "x"}
    response = _token_api(admin, header[practice_id]).get(CLIENTS)
    assert response.status_code == 403
    assert response.json() == {"detail": "You are not an active member of this practice."}


def test_standard_member_reads_the_team_but_cannot_change_it(practice, admin, standard):
    api = _token_api(standard)
    listed = api.get(reverse("member-list"))
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["Ada Admin", "Sam Standard"]
    assert api.get(reverse("member-detail", args=[admin.pk])).status_code == 200

    detail = reverse("member-detail", args=[admin.pk])
    attempts = [
        api.post(reverse("member-list"), {"name": "New", "email": "new@example.com"}),
        api.put(detail, {"name": "Renamed", "email": admin.email, "role": "standard"}),
        api.patch(detail, {"role": "standard"}),
        api.delete(detail),
        api.post(reverse("member-invite", args=[admin.pk])),
        api.post(reverse("member-restore", args=[admin.pk])),
    ]
    assert [r.status_code for r in attempts] == [403] * 6
    assert attempts[0].json() == {"detail": "Only admins can change this."}
    admin.refresh_from_db()
    assert (admin.name, admin.role, admin.deleted_at) == ("Ada Admin", "admin", None)
    assert Member.objects.filter(practice=practice).count() == 2


def test_admin_changes_the_team_through_the_api(practice, admin, standard):
    api = _token_api(admin)
    created = api.post(
        reverse("member-list"), {"name": "Newt", "email": " Newt@Example.com "}, format="json"
    )
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("name", "email", "role", "access")} == {
        "name": "Newt",
        "email": "Newt@Example.com",
        "role": "standard",
        "access": "none",
    }
    duplicate = api.post(
        reverse("member-list"), {"name": "Again", "email": "NEWT@example.com"}, format="json"
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {"email": ["Newt already uses Newt@Example.com in this practice."]}

    detail = reverse("member-detail", args=[standard.pk])
    assert api.delete(detail).status_code == 204
    assert api.get(reverse("member-list")).json()["count"] == 2
    assert api.get(reverse("member-list"), {"include_deleted": "true"}).json()["count"] == 3
    restored = api.post(reverse("member-restore", args=[standard.pk]))
    assert (restored.status_code, restored.json()["is_deleted"]) == (200, False)


def _logged_in_csrf_api(member: Member) -> APIClient:
    api = APIClient(enforce_csrf_checks=True)
    assert api.login(username=member.email, password=PASSWORD)
    return api


def test_session_writes_without_csrf_token_are_refused(admin):
    api = _logged_in_csrf_api(admin)
    assert api.get(CLIENTS).status_code == 200
    response = api.post(CLIENTS, {"name": "Forged"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed:")
    assert not Client.objects.filter(name="Forged").exists()


def test_session_writes_with_csrf_token_pass(admin):
    api = _logged_in_csrf_api(admin)
    api.get(reverse("login"))
    token = api.cookies["csrftoken"].value
    response = api.post(CLIENTS, {"name": "Genuine"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert Client.objects.filter(practice=admin.practice, name="Genuine").count() == 1


def test_token_writes_need_no_csrf_token(admin):
    response = _token_api(admin).post(CLIENTS, {"name": "Scripted"}, format="json")
    assert response.status_code == 201


def test_openapi_schema_generates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()  # warnings from earlier schema requests in this process
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ("/api/v1/members/{id}/", "/api/v1/clients/{id}/", "/api/v1/proposals/{id}/"):
        assert f"  {path}:\n" in schema


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert schema.content.startswith(b"openapi: 3.0.3\n")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"/api/schema/" in docs.content
