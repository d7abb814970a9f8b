"""Connecting XPM in Settings > Apps: the OAuth flow end to end against the emulator."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from practicelink.xpm import oauth
from practicelink.xpm.crypto import decrypt
from practicelink.xpm.models import ConnectionStatus, SyncRun, SyncStatus, XpmConnection
from practicelink.xpm.tasks import sync_tick
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db


def consent(
    authorize_url: str, *, decision: str = "allow", tenants: list[str] | None = None
) -> str:
    """Answer the emulator's consent page like a person would; returns the redirect back."""
    page = httpx.get(authorize_url)
    assert page.status_code == 200
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
    form = [(name, value.replace("&amp;", "&")) for name, value in fields]
    form += [("tenant", t) for t in tenants or []] + [("decision", decision)]
    answer = httpx.post(
        authorize_url.split("?")[0],
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def start(admin_web) -> str:
    response = admin_web.post(reverse("xpm:connect"))
    assert response.status_code == 302
    return response.url


def finish(admin_web, redirect: str):
    parts = urlsplit(redirect)
    assert parts.path == reverse("xpm:callback")
    return admin_web.get(f"{parts.path}?{parts.query}", follow=True)


def test_connect_with_state_and_pkce_then_one_tenant_connects(admin_web, practice, xpm):
    authorize = start(admin_web)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["code_challenge"]
    page = finish(admin_web, consent(authorize, tenants=[xpm.tenant_id]))
    connection = XpmConnection.objects.get(practice=practice)
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.tenant_id == xpm.tenant_id
    assert "Connected to Alpha XPM in XPM." in page.content.decode()
    token = decrypt(connection.access_token_encrypted)
    assert token and token not in connection.access_token_encrypted


def test_xpm_tokens_never_reach_the_logs_or_the_pages(admin_web, practice, xpm, caplog):
    caplog.set_level(logging.DEBUG)
    redirect = consent(start(admin_web), tenants=[xpm.tenant_id])
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    caplog.clear()  # the consent above is the person's browser, not practicelink
    finish(admin_web, redirect)
    connection = XpmConnection.objects.get(practice=practice)
    secrets = {
        decrypt(connection.access_token_encrypted),
        decrypt(connection.refresh_token_encrypted),
        code,
    }
    sync(practice)
    pages = [admin_web.get(reverse(name)).content.decode() for name in ("xpm:apps", "xpm:runs")]
    logged = [record.getMessage() + repr(record.__dict__) for record in caplog.records]
    assert logged, "connecting and syncing log something"
    leaks = [
        (secret[:8], text[:300]) for secret in secrets for text in logged + pages if secret in text
    ]
    assert leaks == []


def test_several_tenants_ask_which_one(admin_web, practice, xpm):
    other = "b1e6c0de-0000-4000-8000-000000000001"
    xpm.server.seed({"tenants": [{"name": "Beta XPM", "tenant_id": other}]})
    page = finish(admin_web, consent(start(admin_web), tenants=[xpm.tenant_id, other]))
    assert "Choose which XPM practice to connect." in page.content.decode()
    assert "Beta XPM" in page.content.decode()
    admin_web.post(reverse("xpm:choose-tenant"), {"tenant_id": other})
    connection = XpmConnection.objects.get(practice=practice)
    assert (connection.status, connection.tenant_name) == (ConnectionStatus.CONNECTED, "Beta XPM")


def test_callback_with_a_foreign_state_is_refused(admin_web, practice, xpm):
    redirect = consent(start(admin_web), tenants=[xpm.tenant_id])
    forged = re.sub(r"state=[^&]+", "state=forged", redirect)
    page = finish(admin_web, forged)
    assert "was not started here" in page.content.decode()
    assert not XpmConnection.objects.filter(practice=practice).exists()


def test_cancel_on_the_consent_page_connects_nothing(admin_web, practice, xpm):
    page = finish(admin_web, consent(start(admin_web), decision="deny"))
    assert "XPM was not connected (access_denied)." in page.content.decode()
    assert not XpmConnection.objects.filter(practice=practice).exists()


def test_expired_access_token_is_refreshed_and_the_refresh_token_rotates(practice, connected, xpm):
    old_refresh = decrypt(connected.refresh_token_encrypted)
    XpmConnection.objects.filter(pk=connected.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    xpm.server.advance(1801)
    token = oauth.access_token(practice=practice)
    connected.refresh_from_db()
    assert decrypt(connected.refresh_token_encrypted) != old_refresh
    assert connected.expires_at > timezone.now() + timedelta(minutes=25)
    answer = httpx.get(
        f"{xpm.server.api_url}/staff.api/list",
        headers={"Authorization": f"Bearer {token}", "xero-tenant-id": xpm.tenant_id},
    )
    assert answer.status_code == 200


def test_revoked_grant_marks_needs_reconnect_and_says_so(admin_web, practice, connected, xpm):
    xpm.server.revoke(refresh_token=decrypt(connected.refresh_token_encrypted))
    XpmConnection.objects.filter(pk=connected.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(oauth.XpmReconnectNeeded, match="reconnect XPM"):
        oauth.access_token(practice=practice)
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.NEEDS_RECONNECT
    page = admin_web.get(reverse("xpm:apps")).content.decode()
    assert "Needs reconnect" in page
    assert "Reconnect" in page


def test_disconnect_forgets_tokens_and_tells_xero(admin_web, practice, connected, xpm):
    token = decrypt(connected.access_token_encrypted)
    rows = httpx.get(
        xpm.server.connections_url, headers={"Authorization": f"Bearer {token}"}
    ).json()
    XpmConnection.objects.filter(pk=connected.pk).update(connection_id=rows[0]["id"])
    admin_web.post(reverse("xpm:disconnect"))
    kept = XpmConnection.objects.get(practice=practice)  # the tenant is remembered, no token
    assert (kept.status, kept.access_token_encrypted, kept.refresh_token_encrypted) == (
        ConnectionStatus.DISCONNECTED,
        "",
        "",
    )
    assert kept.tenant_id == xpm.tenant_id
    after = httpx.get(xpm.server.connections_url, headers={"Authorization": f"Bearer {token}"})
    assert after.status_code != 200 or after.json() == []


def test_standard_member_cannot_connect(standard_web, xpm):
    assert standard_web.post(reverse("xpm:connect")).status_code == 403


def test_a_refused_call_marks_needs_reconnect_at_once_without_waiting_for_a_refresh(
    admin_web, admin_api, practice, connected, xpm
):
    xpm.server.revoke(access_token=decrypt(connected.access_token_encrypted))
    run = sync(practice)  # the access token is fresh: no refresh is attempted
    assert run.status == SyncStatus.FAILED
    assert "XPM refused the credentials" in run.error
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.NEEDS_RECONNECT
    assert "Reconnect XPM in Settings > Apps." in connected.problem
    page = admin_web.get(reverse("xpm:apps")).content.decode()
    card = page.split('id="xpm-connection"')[1].split("</section>")[0]
    assert '<span class="badge bad">Needs reconnect</span>' in card
    assert ">Reconnect</button>" in card and "badge ok" not in card
    assert "XPM refused the credentials" in card
    refused = admin_api.post("/api/v1/xpm/syncs/", {}, format="json")
    assert refused.status_code == 400
    sync_tick.call_local()
    assert SyncRun.objects.filter(practice=practice).count() == 1


def test_a_tenant_xpm_no_longer_grants_marks_needs_reconnect(practice, connected, xpm):
    XpmConnection.objects.filter(pk=connected.pk).update(tenant_id=str(uuid.uuid4()))
    assert sync(practice).status == SyncStatus.FAILED
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.NEEDS_RECONNECT
    assert "XPM refused access to this practice" in connected.problem


def test_an_expired_access_token_fails_the_run_but_is_not_a_refused_grant(practice, connected, xpm):
    xpm.server.advance(1801)  # XPM's clock runs ahead of ours: the token we hold has expired
    assert "expired" in sync(practice).error
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.CONNECTED


def test_listing_tenants_with_refused_credentials_asks_to_reconnect(
    admin_web, practice, connected, xpm
):
    XpmConnection.objects.filter(pk=connected.pk).update(status=ConnectionStatus.CHOOSE_TENANT)
    xpm.server.revoke(access_token=decrypt(connected.access_token_encrypted))
    page = admin_web.get(reverse("xpm:apps")).content.decode()
    assert "Xero refused the credentials: an admin must reconnect XPM" in page
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.NEEDS_RECONNECT
    assert ">Reconnect</button>" in admin_web.get(reverse("xpm:apps")).content.decode()
