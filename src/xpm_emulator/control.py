"""The control API under `/_emulator/` (JSON, no auth), for tests and demos.

| verb | path | body / answer |
| --- | --- | --- |
| POST | /_emulator/reset | back to the start: config, seed; no tokens, calls, faults; real time |
| POST | /_emulator/seed | `{"seed": "demo"}` or `{"tenants": [...]}`: add tenants |
| GET | /_emulator/state | the whole store (tenants, grants, tokens, calls) |
| GET, DELETE | /_emulator/calls | the XPM API call log (`?tenant=` filters); DELETE clears it |
| GET, POST | /_emulator/clock | `{"advance": seconds}` or `{"set": "2025-01-01T00:00:00Z"}` |
| GET, POST, DELETE | /_emulator/faults | list, add (`Fault` fields), clear all |
| DELETE | /_emulator/faults/{id} | remove one fault |
| POST | /_emulator/revoke | `{"grant_id"}`, `{"refresh_token"}` or `{"access_token"}` |
| POST | /_emulator/oauth-clients | `{"client_id", "client_secret", "redirect_uris"}` |
| POST | /_emulator/tokens | `{"tenant_ids", "client_id"?, "scope"?}`: a grant without the browser |
| GET, PATCH | /_emulator/config | the `EmulatorConfig`; PATCH changes fields, e.g. |
|  |  | `{"answer_form": "3.0"}` (integer IDs), `{"strict_update": true}` |
| POST | /_emulator/snapshot | `{"path"?}`: save the store (default: the --state file) |
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xpm_emulator.config import EmulatorConfig
from xpm_emulator.context import Emulator, emulator_of
from xpm_emulator.faults import Fault
from xpm_emulator.identity import DEFAULT_SCOPE, create_grant, issue_tokens, revoke_grant
from xpm_emulator.models import OAuthClient
from xpm_emulator.seed import apply_seed, apply_seed_document
from xpm_emulator.store import from_dict


class BadRequest(Exception):
    pass


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise BadRequest(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def _clock_json(emulator: Emulator) -> dict[str, Any]:
    return {"now": emulator.clock.now().isoformat(), "timestamp": emulator.clock.timestamp()}


async def reset(request: Request) -> Response:
    emulator_of(request).reset()
    return JSONResponse({"ok": True})


async def seed(request: Request) -> Response:
    emulator = emulator_of(request)
    data = await _json(request)
    before = {t.tenant_id for t in emulator.store.tenants}
    try:
        if "seed" in data:
            apply_seed(emulator.store, data["seed"])
        else:
            apply_seed_document(emulator.store, data)
    except (ValueError, TypeError) as exc:
        raise BadRequest(str(exc)) from exc
    added = [t.tenant_id for t in emulator.store.tenants if t.tenant_id not in before]
    return JSONResponse({"tenants": [t.tenant_id for t in emulator.store.tenants], "added": added})


async def state(request: Request) -> Response:
    emulator = emulator_of(request)
    return JSONResponse({**emulator.store.to_dict(), "clock": _clock_json(emulator)})


async def calls(request: Request) -> Response:
    emulator = emulator_of(request)
    if request.method == "DELETE":
        emulator.store.calls.clear()
        return JSONResponse({"ok": True})
    tenant = request.query_params.get("tenant")
    found = [asdict(c) for c in emulator.store.calls if tenant in (None, c.tenant_id)]
    return JSONResponse(found)


async def clock(request: Request) -> Response:
    emulator = emulator_of(request)
    if request.method == "POST":
        data = await _json(request)
        if "advance" in data:
            emulator.clock.advance(float(data["advance"]))
        elif "set" in data:
            try:
                emulator.clock.set(datetime.fromisoformat(data["set"]))
            except (TypeError, ValueError) as exc:
                raise BadRequest(f"invalid time: {exc}") from exc
        else:
            raise BadRequest("expected 'advance' or 'set'")
    return JSONResponse(_clock_json(emulator))


async def faults(request: Request) -> Response:
    emulator = emulator_of(request)
    if request.method == "POST":
        data = await _json(request)
        try:
            fault = emulator.faults.add(from_dict(Fault, {**data, "kind": str(data.get("kind"))}))
        except (ValueError, TypeError) as exc:
            raise BadRequest(str(exc)) from exc
        return JSONResponse(asdict(fault), status_code=201)
    if request.method == "DELETE":
        emulator.faults.clear()
    return JSONResponse([asdict(f) for f in emulator.faults.list()])


async def delete_fault(request: Request) -> Response:
    removed = emulator_of(request).faults.remove(request.path_params["fault_id"])
    return Response(status_code=204 if removed else 404)


async def revoke(request: Request) -> Response:
    emulator = emulator_of(request)
    data = await _json(request)
    store = emulator.store
    grant_id = data.get("grant_id")
    for key, tokens in (
        ("refresh_token", store.refresh_tokens),
        ("access_token", store.access_tokens),
    ):
        if key in data and data[key] in tokens:
            grant_id = tokens[data[key]].grant_id
    if not grant_id or not revoke_grant(emulator, grant_id):
        return JSONResponse({"error": "no such grant or token"}, status_code=404)
    return JSONResponse({"revoked": grant_id})


async def oauth_clients(request: Request) -> Response:
    emulator = emulator_of(request)
    try:
        client = from_dict(OAuthClient, await _json(request))
    except (ValueError, TypeError) as exc:
        raise BadRequest(str(exc)) from exc
    emulator.store.oauth_clients[client.client_id] = client
    return JSONResponse(asdict(client), status_code=201)


async def tokens(request: Request) -> Response:
    emulator = emulator_of(request)
    data = await _json(request)
    tenant_ids = data.get("tenant_ids") or [t.tenant_id for t in emulator.store.tenants]
    unknown = [t for t in tenant_ids if emulator.store.tenant(t) is None]
    if unknown:
        raise BadRequest(f"unknown tenants {unknown}")
    client_id = data.get("client_id", emulator.config.default_client_id)
    if client_id not in emulator.store.oauth_clients:
        raise BadRequest(f"unknown OAuth client {client_id!r}")
    grant = create_grant(emulator, client_id, data.get("scope", DEFAULT_SCOPE), tenant_ids)
    return JSONResponse({**issue_tokens(emulator, grant), "grant_id": grant.id})


async def config(request: Request) -> Response:
    emulator = emulator_of(request)
    if request.method == "PATCH":
        changes = await _json(request)
        known = {f.name for f in fields(EmulatorConfig)}
        if set(changes) - known:
            raise BadRequest(f"unknown settings {sorted(set(changes) - known)}")
        try:
            emulator.config = replace(emulator.config, **changes)
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
    return JSONResponse(asdict(emulator.config))


async def snapshot(request: Request) -> Response:
    emulator = emulator_of(request)
    path = (await _json(request)).get("path") or emulator.config.state_path
    if not path:
        raise BadRequest("no path given and no --state file configured")
    emulator.store.save(path)
    return JSONResponse({"saved": path})


async def bad_request(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=400)


EXCEPTION_HANDLERS = {BadRequest: bad_request}


ROUTES = [
    Route(f"/_emulator/{path}", endpoint, methods=methods)
    for path, endpoint, methods in (
        ("reset", reset, ["POST"]),
        ("seed", seed, ["POST"]),
        ("state", state, ["GET"]),
        ("calls", calls, ["GET", "DELETE"]),
        ("clock", clock, ["GET", "POST"]),
        ("faults", faults, ["GET", "POST", "DELETE"]),
        ("faults/{fault_id}", delete_fault, ["DELETE"]),
        ("revoke", revoke, ["POST"]),
        ("oauth-clients", oauth_clients, ["POST"]),
        ("tokens", tokens, ["POST"]),
        ("config", config, ["GET", "PATCH"]),
        ("snapshot", snapshot, ["POST"]),
    )
]
