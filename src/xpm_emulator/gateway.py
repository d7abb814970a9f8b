"""The XPM API route: Xero's gateway in front of the endpoint handlers.

For each call: bearer token (401), tenant header (403), rate limits (429), injected faults,
then the handler. Every answer carries a correlation id (also the `Instance` of a JSON
problem) and the limit headers, except as recorded from XPM: a 401 carries none of them and
a 403 only the app-minute one. Every call goes to the call log.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from uuid import uuid4

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from xpm_emulator.context import Emulator, emulator_of
from xpm_emulator.faults import Fault
from xpm_emulator.identity import Unauthorized, authenticate, problem, unauthorized
from xpm_emulator.limits import Refusal
from xpm_emulator.models import CallRecord, Tenant
from xpm_emulator.resources import ENDPOINTS, XpmError, XpmRequest
from xpm_emulator.xml import envelope, error_envelope, xpm_datetime

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
# uvicorn started by `server.py`/`testing.py` puts a transport abort here (see server.py).
DROP_EXTENSION = "xpm_emulator.drop"
API_VERSIONS = ("3.1", "3.0")
APP_MINUTE_HEADER = "x-appminlimit-remaining"


class ConnectionDropped(Exception):
    """Raised for `drop` faults when there is no real connection to drop (TestClient)."""


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=XML_CONTENT_TYPE)


def _dispatch(emulator: Emulator, request: Request, tenant: Tenant, body: bytes) -> Response:
    resource_part, _, rest = request.path_params["rest"].partition("/")
    method, *args = rest.split("/") if rest else [""]
    candidates = ENDPOINTS.get((resource_part.removesuffix(".api"), method), [])
    if not resource_part.endswith(".api") or not candidates:
        return _xml(error_envelope(None, "The requested resource does not exist"), 404)
    endpoint = next((e for e in candidates if e.verb == request.method), None)
    if endpoint is None:
        return _xml(error_envelope(None, f"{request.method} is not supported here"), 405)
    version = request.path_params["version"]
    xpm_request = XpmRequest(
        tenant=tenant,
        args=args,
        query={k.lower(): v for k, v in request.query_params.items()},
        body=body,
        now=emulator.clock.now(),
        config=emulator.config,
        api_url=f"{str(request.base_url).rstrip('/')}/practicemanager/{version}",
    )
    try:
        children = endpoint.handler(xpm_request)
    except XpmError as exc:
        return _xml(error_envelope(endpoint.api_method, exc.message))
    return _xml(envelope(endpoint.api_method, children))


def _fault_response(fault: Fault, instance: str) -> Response | None:
    """The canned answer of a fault that stops the call before the handler, if any."""
    if fault.kind == "429":
        headers = {"retry-after": str(fault.retry_after), "x-rate-limit-problem": fault.problem}
        return Response(b"", status_code=429, headers=headers)
    if fault.kind == "500":
        return problem(500, "Internal Server Error", "An error occurred", instance=instance)
    if fault.kind == "503":
        return problem(503, "Unavailable", "ServiceNotAvailable", instance=instance)
    return None


async def _drop(request: Request) -> None:
    """Close the connection without answering."""
    abort = request.scope.get("extensions", {}).get(DROP_EXTENSION)
    if abort is None:
        raise ConnectionDropped(request.url.path)
    abort()
    # Let the transport report the loss before returning, so uvicorn does not try to
    # answer on a closed connection.
    await asyncio.sleep(0)


class _Dropped(Exception):
    """Unwinds a call that must end with its connection closed."""


@dataclass
class _Call:
    """What the call log records about the call in progress."""

    tenant_id: str | None = None
    app_id: str | None = None
    status: int = 0
    fault: str | None = None
    correlation_id: str = field(default_factory=lambda: str(uuid4()))


async def xpm_api(request: Request) -> Response:
    emulator = emulator_of(request)
    body = await request.body()
    call = _Call(tenant_id=request.headers.get("xero-tenant-id"))
    try:
        response = await _handle(emulator, request, body, call)
    except _Dropped:
        _log(emulator, request, body, call)
        await _drop(request)
        # The connection is gone: uvicorn discards this, nothing reaches the client.
        return Response(status_code=499)
    call.status = response.status_code
    response.headers.update(_standard_headers(emulator, call))
    _log(emulator, request, body, call)
    return response


async def _handle(emulator: Emulator, request: Request, body: bytes, call: _Call) -> Response:
    if request.path_params["version"] not in API_VERSIONS:
        return _xml(error_envelope(None, "Unsupported API version"), 404)
    try:
        grant = authenticate(emulator, request)
    except Unauthorized as exc:
        return unauthorized(exc.detail, instance=call.correlation_id)
    call.app_id = grant.client_id
    tenant = emulator.store.tenant(call.tenant_id)
    if tenant is None or not grant.reaches(tenant.tenant_id):
        return problem(403, "Forbidden", "AuthenticationUnsuccessful", instance=call.correlation_id)
    call.tenant_id = tenant.tenant_id
    outcome = emulator.limiter.acquire(
        emulator.config, tenant.tenant_id, grant.client_id, emulator.clock.timestamp()
    )
    if isinstance(outcome, Refusal):
        headers: dict[str, str] = {"x-rate-limit-problem": outcome.problem}
        if outcome.retry_after is not None:
            headers["retry-after"] = str(outcome.retry_after)
        return Response(b"", status_code=429, headers=headers)
    try:
        return await _faulted(emulator, request, tenant, body, call)
    finally:
        outcome.release()


async def _faulted(
    emulator: Emulator, request: Request, tenant: Tenant, body: bytes, call: _Call
) -> Response:
    """Run the handler under the fault that fires for this call, if any."""
    fault = emulator.faults.pick(request.method, request.path_params["rest"])
    if fault is None:
        return _dispatch(emulator, request, tenant, body)
    call.fault = fault.kind
    canned = _fault_response(fault, call.correlation_id)
    if canned is not None:
        return canned
    if fault.kind == "slow":
        await asyncio.sleep(fault.seconds)
    if fault.kind == "drop":
        raise _Dropped
    response = _dispatch(emulator, request, tenant, body)
    if fault.kind == "drop_after":
        raise _Dropped
    if fault.kind == "malformed":
        response.body = response.body[: max(1, len(response.body) // 2)]
        response.headers["content-length"] = str(len(response.body))
    if fault.kind == "drip":
        return _streamed(_drip(bytes(response.body), fault.seconds))
    if fault.kind == "oversize":
        return _streamed(_padded(bytes(response.body), fault.size))
    if fault.kind == "gzip_bomb":
        streamed = _streamed(_gzipped(_padded(bytes(response.body), fault.size)))
        streamed.headers["content-encoding"] = "gzip"
        return streamed
    return response


DRIP_PIECES = 20
PAD_CHUNK = b" " * (1 << 20)


def _streamed(chunks: Iterator[bytes] | AsyncIterator[bytes]) -> Response:
    return StreamingResponse(chunks, media_type=XML_CONTENT_TYPE)


async def _drip(body: bytes, seconds: float) -> AsyncIterator[bytes]:
    """`body` in `DRIP_PIECES` pieces, a pause before each: no read waits long, all do."""
    step = max(1, -(-len(body) // DRIP_PIECES))
    for start in range(0, len(body), step):
        await asyncio.sleep(seconds / DRIP_PIECES)
        yield body[start : start + step]


def _padded(body: bytes, size: int) -> Iterator[bytes]:
    """`body` grown to `size` bytes with whitespace before its closing `</Response>`."""
    head, closing, tail = body.rpartition(b"</Response>")
    yield head
    left = size - len(body)
    while left > 0:
        yield PAD_CHUNK[:left]
        left -= len(PAD_CHUNK)
    yield closing + tail


def _gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(9, wbits=31)
    for chunk in chunks:
        if packed := compressor.compress(chunk):
            yield packed
    yield compressor.flush()


def _standard_headers(emulator: Emulator, call: _Call) -> dict[str, str]:
    now = emulator.clock.timestamp()
    limits = emulator.limiter.headers(emulator.config, call.tenant_id, call.app_id, now)
    if call.status == 401:
        limits = {}
    elif call.status == 403:
        limits = {APP_MINUTE_HEADER: limits[APP_MINUTE_HEADER]}
    return {
        "xero-correlation-id": call.correlation_id,
        "cache-control": "max-age=0, no-cache, no-store",
        "pragma": "no-cache",
        "expires": formatdate(now, usegmt=True),
        **limits,
    }


def _log(emulator: Emulator, request: Request, body: bytes, call: _Call) -> None:
    path = request.path_params["rest"]
    resource, _, rest = path.partition("/")
    calls = emulator.store.calls
    calls.append(
        CallRecord(
            seq=len(calls) + 1,
            time=xpm_datetime(emulator.clock.now()),
            method=request.method,
            path=path,
            endpoint=f"{resource}/{rest.split('/')[0]}" if rest else resource,
            query=dict(request.query_params),
            tenant_id=call.tenant_id,
            status=call.status,
            body=body.decode("utf-8", "replace"),
            fault=call.fault,
        )
    )


ROUTES = [
    Route(
        "/practicemanager/{version}/{rest:path}",
        xpm_api,
        methods=["GET", "POST", "PUT", "DELETE"],
    )
]
