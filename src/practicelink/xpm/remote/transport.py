"""HTTP to XPM: URLs, headers, timeouts, status mapping, quota headers, retries of reads."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote
from xml.etree.ElementTree import Element

import httpx

from . import codec
from .errors import (
    XpmBusinessError,
    XpmConnectionError,
    XpmError,
    XpmForbiddenTenant,
    XpmNotFound,
    XpmProtocolError,
    XpmRateLimited,
    XpmServerError,
    XpmTimeout,
    XpmTokenExpired,
    XpmUnauthorized,
)
from .guard import ACCEPT_ENCODING, MAX_ANSWER_BYTES, Deadline, deadline, read_body
from .limiter import RateLimiter

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DEFAULT_COOL_DOWN = 1.0
"""Seconds to wait after a 429 without `Retry-After` (concurrent and app-minute limits)."""
_RETRIED = (XpmServerError, XpmTimeout, XpmConnectionError)


@dataclass(frozen=True)
class Quota:
    """XPM's remaining-calls headers from the last answer; None when a header was absent."""

    minute_remaining: int | None
    day_remaining: int | None
    app_minute_remaining: int | None


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of reads (GET) after transient failures; writes are never retried."""

    attempts: int = 3
    backoff: float = 0.5
    """Seconds before the first retry; doubled each time."""
    sleep: Callable[[float], None] = time.sleep


DEFAULT_RETRY = RetryPolicy()


def _header_int(headers: httpx.Headers, name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return None


def _header_float(headers: httpx.Headers, name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def _problem_detail(body: bytes) -> str:
    """`Detail` of the gateway's JSON problem-details body, or "" when there is none."""
    try:
        problem = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(problem, dict):
        return ""
    return str(problem.get("Detail") or problem.get("Title") or "")


def _seconds(timeout: httpx.Timeout | float) -> float:
    """The deadline of a whole call: the timeout's read value (a float is all of it)."""
    if isinstance(timeout, httpx.Timeout):
        return timeout.read or 30.0
    return float(timeout)


def _error_for(response: httpx.Response, body: bytes) -> XpmError:
    status = response.status_code
    if status == 401:
        detail = _problem_detail(body)
        return XpmTokenExpired() if detail.startswith("TokenExpired") else XpmUnauthorized(detail)
    if status == 403:
        return XpmForbiddenTenant()
    if status == 429:
        retry_after = _header_float(response.headers, "Retry-After")
        return XpmRateLimited(
            response.headers.get("X-Rate-Limit-Problem", "").strip().lower(),
            DEFAULT_COOL_DOWN if retry_after is None else retry_after,
        )
    if status >= 500:
        return XpmServerError(status)
    try:
        codec.parse_response(body)
    except XpmBusinessError as exc:
        description = exc.description
    except XpmProtocolError:
        description = _problem_detail(body) or f"HTTP {status}"
    else:
        description = f"HTTP {status}"
    return XpmNotFound(description) if status == 404 else XpmBusinessError(description)


class Transport:
    """One tenant's HTTP channel to `{api_url}/{resource}.api/{method}[/...]`.

    `timeout` bounds each whole call (see `guard`); `max_answer_bytes` each answer. `on_error`
    hears every error XPM answers before it is raised (a caller may catch it; the owner of the
    credentials still needs to know of a 401)."""

    def __init__(
        self,
        api_url: str,
        tenant_id: str,
        token_provider: Callable[[], str],
        *,
        limiter: RateLimiter,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        on_error: Callable[[XpmError], None] | None = None,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._tenant_id = tenant_id
        self._token_provider = token_provider
        self._limiter = limiter
        self._owns_http = http is None
        self._http = http or httpx.Client()
        self._timeout = timeout
        self._deadline = _seconds(timeout)
        self._max_answer_bytes = max_answer_bytes
        self._retry = retry
        self._on_error = on_error
        self.quota: Quota | None = None
        """Remaining-calls headers of the last answer."""

    def url(self, resource: str, method: str, *path: str) -> str:
        segments = "".join(f"/{quote(segment, safe='')}" for segment in path)
        return f"{self._api_url}/{resource}.api/{method}{segments}"

    def get(
        self, resource: str, method: str, *path: str, params: Mapping[str, str] | None = None
    ) -> Element:
        """A read, retried with exponential backoff after transient failures."""
        attempt = 1
        while True:
            try:
                return self._call("GET", self.url(resource, method, *path), params=params)
            except _RETRIED:
                if attempt >= self._retry.attempts:
                    raise
            self._retry.sleep(self._retry.backoff * 2 ** (attempt - 1))
            attempt += 1

    def send(
        self, verb: str, resource: str, method: str, body: bytes | None, *path: str
    ) -> Element:
        """A write (POST/PUT/DELETE), sent once: a retry could create the record twice."""
        return self._call(verb, self.url(resource, method, *path), content=body)

    def _call(
        self,
        verb: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> Element:
        headers = {
            "Authorization": f"Bearer {self._token_provider()}",
            "Xero-Tenant-Id": self._tenant_id,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if content is not None:
            headers["Content-Type"] = "application/xml"
        self._limiter.acquire(self._tenant_id)
        try:
            with deadline(self._deadline) as call:
                response, body = self._exchange(call, verb, url, params, content, headers)
        finally:
            self._limiter.release(self._tenant_id)
        error = None if response.is_success else _error_for(response, body)
        self._observe(response, error)
        if error is not None:
            if self._on_error is not None:
                self._on_error(error)
            raise error
        return codec.parse_response(body)

    def _exchange(
        self,
        call: Deadline,
        verb: str,
        url: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        headers: dict[str, str],
    ) -> tuple[httpx.Response, bytes]:
        """The answer and its body, read within `call`'s deadline and the size cap."""
        try:
            with self._http.stream(
                verb,
                url,
                params=params,
                content=content,
                headers=headers,
                timeout=self._timeout,
                extensions={"trace": call.trace},
            ) as response:
                call.watch(response.extensions.get("network_stream"))
                return response, read_body(response, self._max_answer_bytes, call)
        except httpx.TimeoutException as exc:
            raise XpmTimeout() from exc
        except httpx.TransportError as exc:
            if call.passed():
                raise XpmTimeout() from exc
            raise XpmConnectionError(type(exc).__name__) from exc

    def _observe(self, response: httpx.Response, error: XpmError | None) -> None:
        headers = response.headers
        self.quota = Quota(
            minute_remaining=_header_int(headers, "X-MinLimit-Remaining"),
            day_remaining=_header_int(headers, "X-DayLimit-Remaining"),
            app_minute_remaining=_header_int(headers, "X-AppMinLimit-Remaining"),
        )
        self._limiter.observe(
            self._tenant_id,
            minute_remaining=self.quota.minute_remaining,
            day_remaining=self.quota.day_remaining,
            retry_after=error.retry_after if isinstance(error, XpmRateLimited) else None,
        )

    def close(self) -> None:
        if self._owns_http:
            self._http.close()
