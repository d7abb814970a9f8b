"""Stand-ins for Xero's identity server: authorize (consent page), token, connections.

Paths follow Xero's: `/identity/connect/authorize` (login.xero.com), `/connect/token` and
`/connect/revocation` (identity.xero.com), `/connections` (api.xero.com). Tokens are opaque
random strings; lifetimes, rotation and the refresh grace follow Xero's FAQ and are measured
on the emulator clock. A refresh token is issued only when `offline_access` was requested,
as with Xero.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from xpm_emulator.context import Emulator, emulator_of
from xpm_emulator.models import (
    AccessToken,
    AuthCode,
    Connection,
    Grant,
    OAuthClient,
    RefreshToken,
)
from xpm_emulator.xml import xpm_datetime

DEFAULT_SCOPE = "openid profile email offline_access practicemanager"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class Unauthorized(Exception):
    """The bearer token is missing, unknown, revoked or expired (`detail` says which)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def problem(
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    *,
    instance: str | None = None,
) -> Response:
    """A gateway error as Xero sends it: JSON problem details with capitalised keys.
    On the XPM API, `instance` is the answer's `xero-correlation-id`."""
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": instance or secrets.token_hex(16),
        "Extensions": {},
    }
    return JSONResponse(body, status_code=status, headers=headers)


def unauthorized(
    detail: str, headers: dict[str, str] | None = None, *, instance: str | None = None
) -> Response:
    return problem(
        401,
        "Unauthorized",
        detail,
        {**(headers or {}), "www-authenticate": "Bearer error=invalid_token"},
        instance=instance,
    )


def authenticate(emulator: Emulator, request: Request) -> Grant:
    """The grant behind the request's bearer token, or `Unauthorized`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    record = emulator.store.access_tokens.get(token.strip())
    if scheme.lower() != "bearer" or record is None:
        raise Unauthorized("AuthenticationUnsuccessful")
    grant = emulator.store.grants.get(record.grant_id)
    if grant is None or grant.revoked:
        raise Unauthorized("AuthenticationUnsuccessful")
    if emulator.clock.timestamp() >= record.expires_at:
        expired = datetime.fromtimestamp(record.expires_at, UTC).strftime("%m/%d/%Y %H:%M:%S")
        raise Unauthorized(f"TokenExpired: token expired at {expired}")
    return grant


def create_grant(emulator: Emulator, client_id: str, scope: str, tenant_ids: list[str]) -> Grant:
    """Record a consent: one auth event connecting these tenants."""
    stamp = xpm_datetime(emulator.clock.now())
    grant = Grant(client_id=client_id, scope=scope, created_at=stamp)
    grant.connections = [Connection(t, grant.id, stamp) for t in tenant_ids]
    emulator.store.grants[grant.id] = grant
    return grant


def issue_tokens(emulator: Emulator, grant: Grant) -> dict[str, object]:
    """A token endpoint answer for `grant`: a new access token, and a new refresh token
    when the grant asked for `offline_access`."""
    now, config = emulator.clock.timestamp(), emulator.config
    access = secrets.token_urlsafe(32)
    emulator.store.access_tokens[access] = AccessToken(grant.id, now + config.access_token_ttl)
    body: dict[str, object] = {
        "access_token": access,
        "expires_in": config.access_token_ttl,
        "token_type": "Bearer",
        "scope": grant.scope,
    }
    if "offline_access" in grant.scope.split():
        refresh = secrets.token_urlsafe(32)
        emulator.store.refresh_tokens[refresh] = RefreshToken(
            grant.id, now + config.refresh_token_ttl
        )
        body["refresh_token"] = refresh
    return body


def revoke_grant(emulator: Emulator, grant_id: str) -> bool:
    grant = emulator.store.grants.get(grant_id)
    if grant is None:
        return False
    grant.revoked = True
    return True


def _redirect_allowed(client: OAuthClient, redirect_uri: str) -> bool:
    if client.redirect_uris:
        return redirect_uri in client.redirect_uris
    parts = urlsplit(redirect_uri)
    return parts.scheme in ("http", "https") and parts.hostname in LOOPBACK_HOSTS


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form (python-multipart is not needed for that)."""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace")))


def _consent_page(emulator: Emulator, params: dict[str, str], message: str = "") -> str:
    esc = html.escape
    hidden = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in params.items()
    )
    tenants = "".join(
        f'<li><label><input type="checkbox" name="tenant" value="{esc(t.tenant_id)}" checked> '
        f"{esc(t.name)}</label></li>"
        for t in emulator.store.tenants
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>XPM emulator: allow access"
        "</title></head><body><h1>Allow access to Xero Practice Manager</h1>"
        f"<p><strong>{esc(params.get('client_id', ''))}</strong> wants access "
        f"({esc(params.get('scope', ''))}).</p>"
        f"{f'<p role=alert>{esc(message)}</p>' if message else ''}"
        f"<form method='post'>{hidden}<ul>{tenants}</ul>"
        "<button type='submit' name='decision' value='allow'>Allow access</button> "
        "<button type='submit' name='decision' value='deny'>Cancel</button></form>"
        "</body></html>"
    )


AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _check_authorize(emulator: Emulator, params: dict[str, str]) -> Response | None:
    """An error response for a bad authorize request, or None when it is fine.

    Errors the client cannot be trusted with (unknown client, foreign redirect_uri) are
    shown here; the others go back to redirect_uri, as OAuth 2.0 says.
    """
    client = emulator.store.oauth_clients.get(params.get("client_id", ""))
    redirect_uri = params.get("redirect_uri", "")
    if client is None or not _redirect_allowed(client, redirect_uri):
        return HTMLResponse("<h1>Invalid client_id or redirect_uri</h1>", status_code=400)
    error = None
    if params.get("response_type") != "code":
        error = "unsupported_response_type"
    elif params.get("code_challenge") and params.get("code_challenge_method") != "S256":
        error = "invalid_request"
    elif client.client_secret is None and not params.get("code_challenge"):
        error = "invalid_request"  # public clients must use PKCE
    if error is None:
        return None
    reply = {"error": error} | ({"state": params["state"]} if "state" in params else {})
    return RedirectResponse(_with_query(redirect_uri, reply), status_code=302)


async def authorize_page(request: Request) -> Response:
    emulator = emulator_of(request)
    params = {k: v for k, v in request.query_params.items() if k in AUTHORIZE_PARAMS}
    params.setdefault("scope", DEFAULT_SCOPE)
    return _check_authorize(emulator, params) or HTMLResponse(_consent_page(emulator, params))


async def authorize_decision(request: Request) -> Response:
    emulator = emulator_of(request)
    pairs = parse_qsl((await request.body()).decode("utf-8", "replace"))
    params = {k: v for k, v in pairs if k in AUTHORIZE_PARAMS}
    refusal = _check_authorize(emulator, params)
    if refusal is not None:
        return refusal
    state = {"state": params["state"]} if "state" in params else {}
    if dict(pairs).get("decision") != "allow":
        return RedirectResponse(
            _with_query(params["redirect_uri"], {"error": "access_denied", **state}), 302
        )
    tenant_ids = [v for k, v in pairs if k == "tenant" and emulator.store.tenant(v)]
    if not tenant_ids:
        page = _consent_page(emulator, params, "Choose at least one organisation.")
        return HTMLResponse(page, status_code=400)
    code = secrets.token_urlsafe(24)
    emulator.store.auth_codes[code] = AuthCode(
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        scope=params.get("scope", DEFAULT_SCOPE),
        tenant_ids=tenant_ids,
        expires_at=emulator.clock.timestamp() + emulator.config.auth_code_ttl,
        code_challenge=params.get("code_challenge") or None,
    )
    return RedirectResponse(_with_query(params["redirect_uri"], {"code": code, **state}), 302)


def _oauth_error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    """client_id and secret from HTTP Basic, else from the form."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return "", None
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret")


def _authenticate_client(emulator: Emulator, request: Request, form: dict[str, str]) -> str | None:
    """The authenticated client_id, or None. Public clients send no secret."""
    client_id, secret = _client_credentials(request, form)
    client = emulator.store.oauth_clients.get(client_id)
    if client is None:
        return None
    if client.client_secret is None:
        return client_id
    ok = secret is not None and secrets.compare_digest(secret, client.client_secret)
    return client_id if ok else None


def _pkce_ok(challenge: str | None, verifier: str | None) -> bool:
    if challenge is None:
        return True
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return secrets.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), challenge)


def _grant_from_code(emulator: Emulator, client_id: str, form: dict[str, str]) -> Grant | None:
    # pop: a code works once, even when the exchange fails.
    code = emulator.store.auth_codes.pop(form.get("code", ""), None)
    if (
        code is None
        or code.client_id != client_id
        or code.redirect_uri != form.get("redirect_uri")
        or emulator.clock.timestamp() >= code.expires_at
        or not _pkce_ok(code.code_challenge, form.get("code_verifier"))
    ):
        return None
    return create_grant(emulator, client_id, code.scope, code.tenant_ids)


def _grant_from_refresh(emulator: Emulator, client_id: str, form: dict[str, str]) -> Grant | None:
    """Rotate: the old token keeps working for the grace period after its first use."""
    now = emulator.clock.timestamp()
    record = emulator.store.refresh_tokens.get(form.get("refresh_token", ""))
    if record is None or now >= record.expires_at:
        return None
    if record.rotated_at is not None and now > record.rotated_at + emulator.config.refresh_grace:
        return None
    grant = emulator.store.grants.get(record.grant_id)
    if grant is None or grant.revoked or grant.client_id != client_id:
        return None
    if record.rotated_at is None:
        record.rotated_at = now
    return grant


async def token(request: Request) -> Response:
    emulator = emulator_of(request)
    form = await _form(request)
    client_id = _authenticate_client(emulator, request, form)
    if client_id is None:
        return _oauth_error("invalid_client", 401)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        grant = _grant_from_code(emulator, client_id, form)
    elif grant_type == "refresh_token":
        grant = _grant_from_refresh(emulator, client_id, form)
    else:
        return _oauth_error("unsupported_grant_type")
    if grant is None:
        return _oauth_error("invalid_grant")
    return JSONResponse(issue_tokens(emulator, grant), headers={"cache-control": "no-store"})


async def revocation(request: Request) -> Response:
    """RFC 7009: revoking a refresh token ends its grant; unknown tokens are fine."""
    emulator = emulator_of(request)
    form = await _form(request)
    if _authenticate_client(emulator, request, form) is None:
        return _oauth_error("invalid_client", 401)
    record = emulator.store.refresh_tokens.get(form.get("token", ""))
    if record is not None:
        revoke_grant(emulator, record.grant_id)
    return Response(status_code=200)


def _connection_json(emulator: Emulator, conn: Connection) -> dict[str, object]:
    tenant = emulator.store.tenant(conn.tenant_id)
    return {
        "id": conn.id,
        "authEventId": conn.auth_event_id,
        "tenantId": conn.tenant_id,
        "tenantType": "PRACTICEMANAGER",
        "tenantName": tenant.name if tenant else None,
        "createdDateUtc": conn.created_at,
        "updatedDateUtc": conn.created_at,
    }


async def connections(request: Request) -> Response:
    emulator = emulator_of(request)
    try:
        grant = authenticate(emulator, request)
    except Unauthorized as exc:
        return unauthorized(exc.detail)
    auth_event = request.query_params.get("authEventId")
    found = [c for c in grant.connections if auth_event in (None, c.auth_event_id)]
    return JSONResponse([_connection_json(emulator, c) for c in found])


async def delete_connection(request: Request) -> Response:
    emulator = emulator_of(request)
    try:
        grant = authenticate(emulator, request)
    except Unauthorized as exc:
        return unauthorized(exc.detail)
    connection_id = request.path_params["connection_id"]
    remaining = [c for c in grant.connections if c.id != connection_id]
    if len(remaining) == len(grant.connections):
        return problem(404, "Not Found", "Connection not found")
    grant.connections = remaining
    return Response(status_code=204)


ROUTES = [
    Route("/identity/connect/authorize", authorize_page, methods=["GET"]),
    Route("/identity/connect/authorize", authorize_decision, methods=["POST"]),
    Route("/connect/token", token, methods=["POST"]),
    Route("/connect/revocation", revocation, methods=["POST"]),
    Route("/connections", connections, methods=["GET"]),
    Route("/connections/{connection_id}", delete_connection, methods=["DELETE"]),
]
