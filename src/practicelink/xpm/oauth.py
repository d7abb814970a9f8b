"""OAuth 2.0 with Xero's identity server (or the emulator): connect, tenants, refresh, disconnect.

Authorization-code flow with `state` and PKCE (S256). Tokens are stored encrypted; a refresh
rotates the refresh token and is saved under a row lock, so two workers never both spend it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from practicelink.team.models import Member, Practice
from practicelink.xpm.crypto import decrypt, encrypt
from practicelink.xpm.http import EVENT_HOOKS, shared_client, shared_transport
from practicelink.xpm.models import TENANT_HOLDING_STATUSES, ConnectionStatus, XpmConnection


class XpmAuthError(Exception):
    """The connection cannot be used; the message says what the admin should do."""


class XpmReconnectNeeded(XpmAuthError):
    pass


class TenantNotConfirmed(XpmAuthError):
    """XPM is connected to another practice than before: nothing is created in it until an
    admin confirms it (links to the old one's records are kept for a switch back)."""


def creation_check(practice: Practice, what: str = "Nothing is") -> None:
    """Raise `TenantNotConfirmed` while records may not be created in the connected XPM."""
    connection = XpmConnection.objects.filter(practice=practice).first()
    if connection is not None and not connection.tenant_confirmed:
        raise TenantNotConfirmed(
            f"{what} created in {connection.tenant_name} until an admin confirms it as this "
            "practice's XPM in Settings > Apps."
        )


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    code_verifier: str


@dataclass(frozen=True)
class Tenant:
    connection_id: str
    tenant_id: str
    name: str


def _token_url() -> str:
    return settings.XPM_IDENTITY_URL.rstrip("/") + "/connect/token"


def _oauth_client(redirect_uri: str | None = None) -> OAuth2Client:
    if not settings.XPM_CLIENT_ID:
        raise XpmAuthError("XPM_CLIENT_ID is not set: configure the XPM app credentials first.")
    return OAuth2Client(
        client_id=settings.XPM_CLIENT_ID,
        client_secret=settings.XPM_CLIENT_SECRET,
        scope=settings.XPM_SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=settings.XPM_TIMEOUT_SECONDS,
        transport=shared_transport(),
        event_hooks=EVENT_HOOKS,
    )


def authorization_start(*, redirect_uri: str) -> AuthorizationRequest:
    """The URL of Xero's consent page, with the state and PKCE verifier to keep in the session."""
    verifier = generate_token(64)
    with _oauth_client(redirect_uri) as client:
        url, state = client.create_authorization_url(
            settings.XPM_AUTHORIZE_URL, code_verifier=verifier
        )
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier)


def connection_refused(*, practice: Practice, problem: str) -> None:
    """XPM or Xero refused the practice's credentials: show "Needs reconnect" at once (the
    Apps card, its Reconnect button, and no periodic syncs until an admin reconnects)."""
    in_use = [ConnectionStatus.CONNECTED, ConnectionStatus.CHOOSE_TENANT]
    XpmConnection.objects.filter(practice=practice, status__in=in_use).update(
        status=ConnectionStatus.NEEDS_RECONNECT, problem=problem
    )


def _tenants(access_token: str, practice: Practice) -> list[Tenant]:
    try:
        response = shared_client().get(
            settings.XPM_CONNECTIONS_URL,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.XPM_TIMEOUT_SECONDS,
        )
        if response.status_code == 401:
            problem = (
                "Xero refused the credentials: an admin must reconnect XPM in Settings > Apps."
            )
            connection_refused(practice=practice, problem=problem)
            raise XpmReconnectNeeded(problem)
        response.raise_for_status()
        rows = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise XpmAuthError(f"Could not list your XPM practices: {error}") from error
    return [
        Tenant(connection_id=row["id"], tenant_id=row["tenantId"], name=row.get("tenantName", ""))
        for row in rows
        if row.get("tenantType") == "PRACTICEMANAGER"
    ]


def _store_token(connection: XpmConnection, token: dict[str, Any]) -> None:
    connection.access_token_encrypted = encrypt(token["access_token"])
    if token.get("refresh_token"):
        connection.refresh_token_encrypted = encrypt(token["refresh_token"])
    connection.expires_at = timezone.now() + timedelta(seconds=int(token.get("expires_in", 1800)))
    connection.scope = token.get("scope", connection.scope) or ""


@transaction.atomic
def authorization_finish(
    *,
    practice: Practice,
    by: Member,
    redirect_uri: str,
    code: str,
    code_verifier: str,
) -> XpmConnection:
    """Exchange the code for tokens and list the tenants; one tenant connects at once."""
    try:
        with _oauth_client(redirect_uri) as client:
            token = client.fetch_token(_token_url(), code=code, code_verifier=code_verifier)
    except (OAuthError, httpx.HTTPError) as error:
        raise XpmAuthError(f"XPM did not accept the sign-in: {error}") from error
    return connection_from_token(practice=practice, by=by, token=token)


@transaction.atomic
def connection_from_token(
    *, practice: Practice, by: Member | None, token: dict[str, Any]
) -> XpmConnection:
    """Store a fresh grant's tokens and list its tenants. A single tenant connects at once,
    unless it is not the practice's confirmed one: a switch is always chosen knowingly."""
    tenants = _tenants(token["access_token"], practice)
    if not tenants:
        raise XpmAuthError("This Xero login gave access to no Practice Manager practice.")
    connection, _ = XpmConnection.objects.select_for_update().get_or_create(
        practice=practice, defaults={"status": ConnectionStatus.CHOOSE_TENANT}
    )
    _store_token(connection, token)
    connection.connected_by = by
    connection.problem = ""
    connection.status = ConnectionStatus.CHOOSE_TENANT
    connection.save()
    known = connection.confirmed_tenant_id
    if len(tenants) == 1 and (not known or tenants[0].tenant_id == known):
        return tenant_choose(practice=practice, tenant_id=tenants[0].tenant_id)
    return connection


def tenants_available(*, practice: Practice) -> list[Tenant]:
    return _tenants(access_token(practice=practice), practice)


@transaction.atomic
def tenant_choose(*, practice: Practice, tenant_id: str) -> XpmConnection:
    connection = XpmConnection.objects.select_for_update().get(practice=practice)
    tenant = next(
        (
            t
            for t in _tenants(access_token(practice=practice), practice)
            if t.tenant_id == tenant_id
        ),
        None,
    )
    if tenant is None:
        raise XpmAuthError("That practice is not one this Xero login can reach.")
    if tenant_taken(practice=practice, tenant_id=tenant.tenant_id):
        raise XpmAuthError(_taken_message(tenant.name))
    connection.tenant_id = tenant.tenant_id
    connection.tenant_name = tenant.name
    connection.connection_id = tenant.connection_id
    connection.status = ConnectionStatus.CONNECTED
    connection.connected_at = timezone.now()
    if not connection.confirmed_tenant_id:
        _confirm(connection)
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError:  # another practice took it between the check and now
        raise XpmAuthError(_taken_message(tenant.name)) from None
    return connection


def tenant_taken(*, practice: Practice, tenant_id: str) -> bool:
    """Another practicelink practice holds this XPM tenant (see TENANT_HOLDING_STATUSES)."""
    holders = XpmConnection.objects.filter(tenant_id=tenant_id, status__in=TENANT_HOLDING_STATUSES)
    return holders.exclude(practice=practice).exists()


def tenants_taken(*, practice: Practice, tenants: list[Tenant]) -> set[str]:
    """The ids of `tenants` another practicelink practice holds (shown, not offered)."""
    return {t.tenant_id for t in tenants if tenant_taken(practice=practice, tenant_id=t.tenant_id)}


def _taken_message(name: str) -> str:
    return (
        f"{name} in XPM is already connected to another practicelink practice, and one XPM "
        "practice syncs with one practicelink practice. Disconnect it there first, or choose "
        "another."
    )


def _confirm(connection: XpmConnection) -> None:
    connection.confirmed_tenant_id = connection.tenant_id
    connection.confirmed_tenant_name = connection.tenant_name


@transaction.atomic
def tenant_confirm(*, practice: Practice) -> XpmConnection:
    """An admin accepts the newly connected tenant as the practice's XPM: syncs and
    deployments may create staff, clients and jobs in it again."""
    connection = XpmConnection.objects.select_for_update().filter(practice=practice).first()
    if connection is None or connection.status != ConnectionStatus.CONNECTED:
        raise XpmAuthError("Connect XPM first.")
    _confirm(connection)
    connection.save(update_fields=["confirmed_tenant_id", "confirmed_tenant_name"])
    return connection


def _usable_token(practice: Practice, *, lock: bool) -> tuple[XpmConnection, str | None]:
    """The connection, and its access token while it is not close to expiry."""
    rows = XpmConnection.objects.filter(practice=practice)
    connection = (rows.select_for_update() if lock else rows).first()
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        raise XpmAuthError("XPM is not connected: an admin can connect it in Settings > Apps.")
    if connection.status == ConnectionStatus.NEEDS_RECONNECT:
        raise XpmReconnectNeeded(connection.problem or "XPM needs to be reconnected.")
    margin = timedelta(seconds=settings.XPM_TOKEN_REFRESH_MARGIN_SECONDS)
    if connection.expires_at and connection.expires_at - margin > timezone.now():
        return connection, decrypt(connection.access_token_encrypted)
    return connection, None


def access_token(*, practice: Practice) -> str:
    """A valid access token for the practice, refreshed (and rotated) when close to expiry.

    The common case is a plain read; only a refresh takes the row lock (and re-reads under it,
    since another worker may have refreshed meanwhile).
    """
    _, token = _usable_token(practice, lock=False)
    if token is not None:
        return token
    with transaction.atomic():
        connection, token = _usable_token(practice, lock=True)
        if token is not None:
            return token
        problem = _refresh(connection)
    if problem:
        raise XpmReconnectNeeded(problem)
    return decrypt(connection.access_token_encrypted)


def _refresh(connection: XpmConnection) -> str:
    """Refresh in place; on a refused grant mark the connection and return the problem."""
    try:
        with _oauth_client() as client:
            token = client.refresh_token(
                _token_url(), refresh_token=decrypt(connection.refresh_token_encrypted)
            )
    except OAuthError as error:
        connection.status = ConnectionStatus.NEEDS_RECONNECT
        connection.problem = (
            f"XPM refused to renew access ({error.error}): an admin must reconnect XPM "
            "in Settings > Apps."
        )
        connection.save(update_fields=["status", "problem"])
        return connection.problem
    except httpx.HTTPError as error:
        raise XpmAuthError(f"Could not reach Xero to renew access: {error}") from error
    _store_token(connection, token)
    connection.refreshed_at = timezone.now()
    connection.save()
    return ""


def disconnect(*, practice: Practice) -> None:
    """Forget the tokens and tell Xero (best effort: a dead grant is gone either way). The
    tenant is remembered, so connecting another one later is a switch, warned about."""
    connection = XpmConnection.objects.filter(practice=practice).first()
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        return
    if connection.connection_id and connection.status == ConnectionStatus.CONNECTED:
        try:
            token = access_token(practice=practice)
            shared_client().delete(
                f"{settings.XPM_CONNECTIONS_URL.rstrip('/')}/{connection.connection_id}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=settings.XPM_TIMEOUT_SECONDS,
            )
        except (XpmAuthError, httpx.HTTPError):
            pass
    connection.status = ConnectionStatus.DISCONNECTED
    connection.access_token_encrypted = connection.refresh_token_encrypted = ""
    connection.expires_at = None
    connection.connection_id = connection.problem = ""
    connection.save()
