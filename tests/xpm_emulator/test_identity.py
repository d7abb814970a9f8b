"""The Xero identity stand-ins: consent page, token endpoint, connections."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.xpm_emulator.conftest import XpmApi, mint_token
from xpm_emulator.seed import DEMO_TENANT_ID, SECOND_TENANT_ID

CLIENT = ("practicelink-demo", "demo-secret")
REDIRECT = "http://localhost:8000/xpm/callback"
VERIFIER = "a-long-random-verifier-string-of-at-least-43-characters-0123456789"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


def authorize_params(**overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT[0],
        "redirect_uri": REDIRECT,
        "scope": "openid offline_access practicemanager",
        "state": "xyz",
        "code_challenge": CHALLENGE.decode(),
        "code_challenge_method": "S256",
    } | overrides


def consent(http, tenants=(DEMO_TENANT_ID,), decision="allow", **overrides) -> dict[str, str]:
    """Load the consent page, submit its form; the redirect's query parameters."""
    page = http.get("/identity/connect/authorize", params=authorize_params(**overrides))
    assert page.status_code == 200
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form = [(k, unescape(v)) for k, v in hidden.items()] + [("tenant", t) for t in tenants]
    response = http.post(
        "/identity/connect/authorize",
        content=urlencode([*form, ("decision", decision)]),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def exchange(http, code: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    } | overrides
    return http.post("/connect/token", data=form, auth=CLIENT)


def refresh(http, token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token}
    form |= {"client_id": CLIENT[0], "client_secret": CLIENT[1]}  # credentials in the form
    return http.post("/connect/token", data=form)


def test_consent_page_lists_tenants(http):
    page = http.get("/identity/connect/authorize", params=authorize_params())
    assert "Demo Practice" in page.text and "Second Street Accounting" in page.text
    assert page.text.count('type="checkbox"') == 2
    assert "Allow access" in page.text


def test_full_flow_with_pkce(http):
    redirect = consent(http, tenants=(DEMO_TENANT_ID, SECOND_TENANT_ID))
    assert redirect["state"] == "xyz"
    response = exchange(http, redirect["code"])
    assert response.status_code == 200
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 1800
    assert tokens["scope"] == "openid offline_access practicemanager"
    assert tokens["refresh_token"]
    connections = http.get(
        "/connections", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert {c["tenantName"] for c in connections} == {"Demo Practice", "Second Street Accounting"}
    assert set(connections[0]) == {
        "id",
        "tenantId",
        "authEventId",
        "tenantType",
        "tenantName",
        "createdDateUtc",
        "updatedDateUtc",
    }
    assert connections[0]["tenantType"] == "PRACTICEMANAGER"
    assert XpmApi(http, tokens["access_token"]).ok("GET", "staff.api/list")


def test_code_works_once(http):
    code = consent(http)["code"]
    assert exchange(http, code).status_code == 200
    second = exchange(http, code)
    assert (second.status_code, second.json()) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_verifier": "wrong-verifier"},
        {"code_verifier": ""},
        {"redirect_uri": "http://localhost:9999/elsewhere"},
    ],
)
def test_code_exchange_checks_pkce_and_redirect_uri(http, overrides):
    response = exchange(http, consent(http)["code"], **overrides)
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


def test_code_expires(http, emulator):
    code = consent(http)["code"]
    emulator.clock.advance(301)
    assert exchange(http, code).status_code == 400


def test_client_credentials_in_the_form_and_bad_secret(http):
    code = consent(http)["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    form |= {"code_verifier": VERIFIER, "client_id": CLIENT[0], "client_secret": "wrong"}
    response = http.post("/connect/token", data=form)
    assert (response.status_code, response.json()) == (401, {"error": "invalid_client"})
    response = http.post("/connect/token", data=form | {"client_secret": CLIENT[1]})
    assert response.status_code == 200


def test_flow_without_pkce_and_without_offline_access(http):
    code = consent(http, code_challenge="", code_challenge_method="", scope="practicemanager")
    tokens = exchange(http, code["code"], code_verifier="").json()
    assert "refresh_token" not in tokens
    assert tokens["scope"] == "practicemanager"


def test_deny_redirects_with_access_denied(http):
    assert consent(http, decision="deny") == {"error": "access_denied", "state": "xyz"}


def test_no_tenant_chosen_shows_the_page_again(http):
    page = http.get("/identity/connect/authorize", params=authorize_params())
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    response = http.post(
        "/identity/connect/authorize", data=hidden | {"decision": "allow"}, follow_redirects=False
    )
    assert response.status_code == 400
    assert "Choose at least one organisation" in response.text


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_id": "stranger"}, 400, None),
        ({"redirect_uri": "https://evil.example/cb"}, 400, None),
        ({"response_type": "token"}, 302, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, 302, "invalid_request"),
    ],
)
def test_authorize_errors(http, overrides, status, error):
    response = http.get(
        "/identity/connect/authorize",
        params=authorize_params(**overrides),
        follow_redirects=False,
    )
    assert response.status_code == status
    if error:
        assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == [error]


def test_registered_client_with_fixed_redirect_and_public_client(http):
    http.post(
        "/_emulator/oauth-clients",
        json={
            "client_id": "desktop",
            "client_secret": None,
            "redirect_uris": ["http://127.0.0.1:1/cb"],
        },
    )
    params = {"client_id": "desktop", "redirect_uri": "http://127.0.0.1:1/cb"}
    assert (
        http.get("/identity/connect/authorize", params=authorize_params(**params)).status_code
        == 200
    )
    other = authorize_params(client_id="desktop", redirect_uri="http://127.0.0.1:2/cb")
    assert http.get("/identity/connect/authorize", params=other).status_code == 400
    no_pkce = authorize_params(**params, code_challenge="")
    response = http.get("/identity/connect/authorize", params=no_pkce, follow_redirects=False)
    assert "error=invalid_request" in response.headers["location"]


def test_refresh_rotates_with_grace(http, emulator):
    first = mint_token(http)
    second = refresh(http, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    emulator.clock.advance(1700)
    retried = refresh(http, first["refresh_token"])  # inside the 30-minute grace
    assert retried.status_code == 200
    emulator.clock.advance(101)
    assert refresh(http, first["refresh_token"]).json() == {"error": "invalid_grant"}
    third = refresh(http, second["refresh_token"])
    assert third.status_code == 200
    assert XpmApi(http, third.json()["access_token"]).ok("GET", "staff.api/list")


def test_refresh_grace_is_configurable(http, emulator):
    emulator.config = replace(emulator.config, refresh_grace=0)
    first = mint_token(http)
    assert refresh(http, first["refresh_token"]).status_code == 200
    emulator.clock.advance(1)
    assert refresh(http, first["refresh_token"]).status_code == 400


def test_unknown_or_revoked_refresh_token_is_invalid_grant(http):
    assert refresh(http, "nope").json() == {"error": "invalid_grant"}
    tokens = mint_token(http)
    assert http.post(
        "/_emulator/revoke", json={"refresh_token": tokens["refresh_token"]}
    ).is_success
    assert refresh(http, tokens["refresh_token"]).status_code == 400
    assert XpmApi(http, tokens["access_token"]).call("GET", "staff.api/list").status_code == 401


def test_revocation_endpoint_and_revoke_by_grant_or_access_token(http):
    tokens = mint_token(http)
    response = http.post(
        "/connect/revocation", data={"token": tokens["refresh_token"]}, auth=CLIENT
    )
    assert response.status_code == 200
    assert refresh(http, tokens["refresh_token"]).status_code == 400
    assert http.post("/connect/revocation", data={"token": "x"}).status_code == 401
    for key in ("grant_id", "access_token"):
        tokens = mint_token(http)
        assert http.post("/_emulator/revoke", json={key: tokens[key]}).status_code == 200
        assert XpmApi(http, tokens["access_token"]).call("GET", "staff.api/list").status_code == 401
    assert http.post("/_emulator/revoke", json={"grant_id": "nope"}).status_code == 404


def test_refresh_token_expires_after_60_days(http, emulator):
    tokens = mint_token(http)
    emulator.clock.advance(60 * 86_400)
    assert refresh(http, tokens["refresh_token"]).status_code == 400


def test_connections_need_a_valid_token(http, emulator):
    assert http.get("/connections").status_code == 401
    tokens = mint_token(http)
    emulator.clock.advance(1800)
    response = http.get(
        "/connections", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer error=invalid_token"


def test_delete_connection_disconnects_the_tenant(http):
    tokens = mint_token(http, tenant_ids=[DEMO_TENANT_ID, SECOND_TENANT_ID])
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    connections = http.get("/connections", headers=auth).json()
    demo = next(c for c in connections if c["tenantId"] == DEMO_TENANT_ID)
    filtered = http.get("/connections", headers=auth, params={"authEventId": demo["authEventId"]})
    assert len(filtered.json()) == 2
    assert http.delete(f"/connections/{demo['id']}", headers=auth).status_code == 204
    assert http.delete(f"/connections/{demo['id']}", headers=auth).status_code == 404
    api = XpmApi(http, tokens["access_token"])
    assert api.call("GET", "staff.api/list").status_code == 403
    api.tenant_id = SECOND_TENANT_ID
    assert api.call("GET", "staff.api/list").status_code == 200
    assert [c["tenantId"] for c in http.get("/connections", headers=auth).json()] == [
        SECOND_TENANT_ID
    ]


def test_unsupported_grant_type(http):
    response = http.post("/connect/token", data={"grant_type": "password"}, auth=CLIENT)
    assert (response.status_code, response.json()) == (400, {"error": "unsupported_grant_type"})


def test_full_flow_over_real_http(live):
    with httpx.Client(base_url=live.base_url) as client:
        assert live.authorize_url.startswith(live.base_url)
        tokens = exchange(client, consent(client)["code"]).json()
        refreshed = refresh(client, tokens["refresh_token"]).json()
        auth = {"Authorization": f"Bearer {refreshed['access_token']}"}
        connections = httpx.get(live.connections_url, headers=auth).json()
        assert [c["tenantId"] for c in connections] == [DEMO_TENANT_ID]
        response = httpx.post(live.token_url, data={"grant_type": "refresh_token"}, auth=CLIENT)
        assert response.json() == {"error": "invalid_grant"}
