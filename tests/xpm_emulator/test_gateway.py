"""The gateway in front of the endpoints: auth, headers, envelopes, rate limits."""

from __future__ import annotations

from dataclasses import replace

import pytest
from defusedxml.ElementTree import fromstring

from tests.xpm_emulator.conftest import XpmApi, mint_token
from xpm_emulator.seed import DEMO_TENANT_ID, SECOND_TENANT_ID

LIMIT_HEADERS = ("x-daylimit-remaining", "x-minlimit-remaining", "x-appminlimit-remaining")


def test_success_headers(api):
    response = api.call("GET", "staff.api/list")
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.headers["xero-correlation-id"]
    assert [response.headers[h] for h in LIMIT_HEADERS] == ["4999", "59", "9999"]
    assert not response.text.startswith("<?xml")


def test_version_30_is_an_alias(api):
    api.prefix = "/practicemanager/3.0"
    assert api.ok("GET", "staff.api/list").findall("StaffList/Staff")
    api.prefix = "/practicemanager/2.0"
    assert api.call("GET", "staff.api/list").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic abc"])
def test_bad_token_is_401_problem_details(http, authorization):
    headers = {"xero-tenant-id": DEMO_TENANT_ID}
    if authorization:
        headers["Authorization"] = authorization
    response = http.get("/practicemanager/3.1/staff.api/list", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer error=invalid_token"
    assert response.headers["content-type"] == "application/json"
    # As recorded: no limit headers on a 401; Instance is the correlation id.
    assert not any(h in response.headers for h in LIMIT_HEADERS)
    body = response.json()
    assert (body["Title"], body["Status"], body["Detail"]) == (
        "Unauthorized",
        401,
        "AuthenticationUnsuccessful",
    )
    assert body["Instance"] == response.headers["xero-correlation-id"]


def test_expired_token_is_401_token_expired(api, emulator):
    emulator.clock.advance(1800)
    response = api.call("GET", "staff.api/list")
    assert response.status_code == 401
    assert response.json()["Detail"].startswith("TokenExpired: token expired at ")


def test_short_configured_token_lifetime(api, http, emulator):
    emulator.config = replace(emulator.config, access_token_ttl=60)
    api.token = mint_token(http)["access_token"]
    emulator.clock.advance(59)
    assert api.call("GET", "staff.api/list").status_code == 200
    emulator.clock.advance(1)
    assert api.call("GET", "staff.api/list").status_code == 401


@pytest.mark.parametrize("tenant_id", ["", "not-a-tenant", "11111111-2222-3333-4444-555555555555"])
def test_unknown_tenant_is_403(api, tenant_id):
    api.tenant_id = tenant_id
    response = api.call("GET", "staff.api/list")
    assert response.status_code == 403
    assert response.json()["Detail"] == "AuthenticationUnsuccessful"
    # As recorded: of the limit headers, a 403 carries only the app-minute one.
    assert [h for h in LIMIT_HEADERS if h in response.headers] == ["x-appminlimit-remaining"]
    assert response.json()["Instance"] == response.headers["xero-correlation-id"]


def test_tenant_not_granted_is_403(http):
    api = XpmApi(http, mint_token(http, tenant_ids=[DEMO_TENANT_ID])["access_token"])
    api.tenant_id = SECOND_TENANT_ID
    assert api.call("GET", "staff.api/list").status_code == 403


def test_tenant_header_is_case_insensitive(api):
    api.tenant_id = DEMO_TENANT_ID.upper()
    assert api.ok("GET", "staff.api/list")


@pytest.mark.parametrize(
    "body",
    [
        "<Staff><Name>Unclosed</Staff>",
        "",
        "not xml at all",
        '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><Staff><Name>&b;</Name></Staff>',
    ],
)
def test_malformed_or_hostile_xml_is_an_error_envelope(api, tenant, body):
    root = fromstring(api.call("POST", "staff.api/add", body).content)
    assert root.get("api-method") == "Get"
    assert root.findtext("Status") == "ERROR"
    assert root.findtext("ErrorDescription").startswith("Message not in expected format")
    assert len(tenant.staff) == 12


def test_unknown_endpoint_and_wrong_verb(api):
    assert api.call("GET", "staff.api/explode").status_code == 404
    assert api.call("GET", "nothing/list").status_code == 404
    assert api.call("GET", "staff.api/add").status_code == 405
    assert api.call("GET", "staff.api").status_code == 404


def test_calls_are_logged(api, http):
    api.call("POST", "staff.api/add", "<Staff><Name>Jo</Name></Staff>")
    api.call("GET", "job.api/get/J000001")
    api.tenant_id = "nope"
    api.call("GET", "staff.api/list")
    calls = http.get("/_emulator/calls").json()
    assert [(c["method"], c["endpoint"], c["status"]) for c in calls] == [
        ("POST", "staff.api/add", 200),
        ("GET", "job.api/get", 200),
        ("GET", "staff.api/list", 403),
    ]
    assert calls[0]["body"] == "<Staff><Name>Jo</Name></Staff>"
    assert calls[1]["path"] == "job.api/get/J000001"
    assert calls[0]["tenant_id"] == DEMO_TENANT_ID
    only_demo = http.get("/_emulator/calls", params={"tenant": DEMO_TENANT_ID}).json()
    assert len(only_demo) == 2


def test_minute_limit(api, emulator):
    emulator.config = replace(emulator.config, minute_limit=3)
    remaining = [api.call("GET", "staff.api/list").headers["x-minlimit-remaining"] for _ in "abc"]
    assert remaining == ["2", "1", "0"]
    emulator.clock.advance(20)
    refused = api.call("GET", "staff.api/list")
    assert refused.status_code == 429
    assert refused.content == b""
    assert refused.headers["x-rate-limit-problem"] == "minute"
    assert refused.headers["retry-after"] == "40"
    assert refused.headers["x-minlimit-remaining"] == "0"
    assert refused.headers["xero-correlation-id"]
    api.tenant_id = SECOND_TENANT_ID  # limits are per tenant
    assert api.call("GET", "staff.api/list").status_code == 200
    api.tenant_id = DEMO_TENANT_ID
    emulator.clock.advance(40)
    assert api.call("GET", "staff.api/list").headers["x-minlimit-remaining"] == "2"


def test_day_limit(api, emulator):
    emulator.config = replace(emulator.config, day_limit=2)
    assert [api.call("GET", "staff.api/list").status_code for _ in "abc"] == [200, 200, 429]
    emulator.clock.advance(1000)
    refused = api.call("GET", "staff.api/list")
    assert refused.headers["x-rate-limit-problem"] == "day"
    assert refused.headers["retry-after"] == str(86_400 - 1000)
    assert refused.headers["x-daylimit-remaining"] == "0"


def test_app_minute_limit_spans_tenants(api, emulator):
    emulator.config = replace(emulator.config, app_minute_limit=2)
    api.call("GET", "staff.api/list")
    api.tenant_id = SECOND_TENANT_ID
    api.call("GET", "staff.api/list")
    refused = api.call("GET", "staff.api/list")
    assert (refused.status_code, refused.headers["x-rate-limit-problem"]) == (429, "appminute")
    assert "retry-after" not in refused.headers
    assert refused.headers["x-appminlimit-remaining"] == "0"
