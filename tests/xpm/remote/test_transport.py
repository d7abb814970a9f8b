"""The documented wire shapes, served by `httpx.MockTransport`."""

from collections.abc import Iterator

import httpx
import pytest

from practicelink.xpm.ratelimit import InProcessRateLimiter
from practicelink.xpm.remote import (
    NewStaff,
    Quota,
    RateLimitDenied,
    XpmBusinessError,
    XpmConnectionError,
    XpmForbiddenTenant,
    XpmNotFound,
    XpmProtocolError,
    XpmRateLimited,
    XpmServerError,
    XpmTimeout,
    XpmTokenExpired,
    XpmUnauthorized,
)
from tests.xpm.remote.samples import (
    BAD_TENANT,
    BAD_TOKEN,
    ERRORS,
    JOB_GET,
    RATE_LIMITED_HEADERS,
    STAFF_ADD_WIRE,
    STAFF_GET,
    STAFF_LIST,
    TOKEN_EXPIRED,
)

QUOTA_HEADERS = {
    "x-minlimit-remaining": "59",
    "x-daylimit-remaining": "4994",
    "x-appminlimit-remaining": "9999",
}


def xml(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=body,
        headers={"content-type": "text/xml; charset=utf-8", **QUOTA_HEADERS, **(headers or {})},
    )


def problem(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": "application/json"})


class Script:
    """A handler answering from a list, recording every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self._answers: Iterator[httpx.Response | Exception] = iter(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = next(self._answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_read_request_shape(mock_client):
    script = Script(xml(STAFF_GET))
    mock_client(script).staff_get("f8235e1a-d383-48b7-9139-ba97ab8ca889")
    [request] = script.requests
    assert request.method == "GET"
    assert str(request.url) == (
        "https://xpm.test/practicemanager/3.1/staff.api/get/f8235e1a-d383-48b7-9139-ba97ab8ca889"
    )
    assert request.headers["authorization"] == "Bearer access-token"
    assert request.headers["xero-tenant-id"] == "tenant-1"
    assert "content-type" not in request.headers


def test_write_request_shape(mock_client):
    script = Script(xml(STAFF_ADD_WIRE))
    staff = mock_client(script).staff_add(NewStaff(name="Joe Bloggs"))
    [request] = script.requests
    assert (request.method, request.url.path) == ("POST", "/practicemanager/3.1/staff.api/add")
    assert request.headers["content-type"] == "application/xml"
    assert request.content.startswith(b"<Staff><Name>Joe Bloggs</Name>")
    assert staff.name == "Joe Bloggs"


def test_job_numbers_are_escaped_in_paths(mock_client):
    script = Script(xml(JOB_GET))
    mock_client(script).job_get("AB/1 2")
    assert script.requests[0].url.raw_path == b"/practicemanager/3.1/job.api/get/AB%2F1%202"


def test_quota_headers_are_exposed(mock_client):
    client = mock_client(Script(xml(STAFF_LIST)))
    assert client.quota is None
    client.staff_list()
    assert client.quota == Quota(minute_remaining=59, day_remaining=4994, app_minute_remaining=9999)


def test_429_with_its_headers(mock_client, clock):
    limiter = InProcessRateLimiter(clock=clock)
    client = mock_client(Script(httpx.Response(429, headers=RATE_LIMITED_HEADERS)), limiter=limiter)
    with pytest.raises(XpmRateLimited) as caught:
        client.staff_list()
    assert (caught.value.problem, caught.value.retry_after) == ("minute", 22.0)
    assert caught.value.transient
    assert "22 s" in caught.value.message
    assert client.quota == Quota(minute_remaining=0, day_remaining=4539, app_minute_remaining=9938)
    with pytest.raises(RateLimitDenied) as denied:
        client.staff_list()
    assert denied.value.retry_after == 22.0


def test_429_without_retry_after(mock_client):
    answer = httpx.Response(429, headers={"X-Rate-Limit-Problem": "Concurrent"})
    with pytest.raises(XpmRateLimited) as caught:
        mock_client(Script(answer)).staff_list()
    assert (caught.value.problem, caught.value.retry_after) == ("concurrent", 1.0)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (problem(401, TOKEN_EXPIRED), XpmTokenExpired),
        (problem(401, BAD_TOKEN), XpmUnauthorized),
        (problem(401, b""), XpmUnauthorized),
        (problem(403, BAD_TENANT), XpmForbiddenTenant),
        (xml(b"<Response><Status>OK</Status><Staff>"), XpmProtocolError),
        (xml(b"<Clients/>"), XpmProtocolError),
    ],
)
def test_status_mapping(mock_client, answer, error):
    script = Script(answer)
    with pytest.raises(error) as caught:
        mock_client(script).staff_list()
    assert not caught.value.transient
    assert len(script.requests) == 1


def test_401_detail_is_shown(mock_client):
    with pytest.raises(XpmUnauthorized, match="AuthenticationUnsuccessful"):
        mock_client(Script(problem(401, BAD_TOKEN))).staff_list()


def test_business_error_with_200(mock_client):
    script = Script(xml(ERRORS["Invalid staff identifier for add request"]))
    with pytest.raises(XpmBusinessError) as caught:
        mock_client(script).staff_get("nobody")
    assert caught.value.description == "Invalid staff identifier for add request"


@pytest.mark.parametrize(
    ("answer", "description"),
    [
        (xml(ERRORS["Invalid state code"], status=400), "Invalid state code"),
        (problem(409, b'{"Title":"Conflict","Detail":"Name in use"}'), "Name in use"),
        (httpx.Response(400), "HTTP 400"),
    ],
)
def test_other_4xx_are_business_errors(mock_client, answer, description):
    with pytest.raises(XpmBusinessError) as caught:
        mock_client(Script(answer)).staff_list()
    assert caught.value.description == description


@pytest.mark.parametrize(
    "answer", [xml(ERRORS["Invalid job identifier"]), httpx.Response(404, content=b"Not Found")]
)
def test_job_get_unknown_job_is_none(mock_client, answer):
    assert mock_client(Script(answer)).job_get("J999999") is None


def test_job_get_other_errors_raise(mock_client):
    with pytest.raises(XpmBusinessError):
        mock_client(Script(xml(ERRORS["A detailed explanation of the error"]))).job_get("J1")


def test_404_elsewhere_is_not_found(mock_client):
    with pytest.raises(XpmNotFound):
        mock_client(Script(httpx.Response(404))).staff_get("gone")


TRANSIENT = [
    (problem(500, b'{Status":500}'), XpmServerError),
    (
        problem(503, b'{"Title":"Unavailable","Status":503,"Detail":"ServiceNotAvailable"}'),
        XpmServerError,
    ),
    (httpx.ReadTimeout("slow"), XpmTimeout),
    (httpx.ConnectTimeout("slow"), XpmTimeout),
    (httpx.ConnectError("refused"), XpmConnectionError),
    (httpx.RemoteProtocolError("closed"), XpmConnectionError),
]


@pytest.mark.parametrize(("failure", "error"), TRANSIENT)
def test_reads_retry_with_backoff_then_fail(mock_client, sleeps, failure, error):
    script = Script(failure, failure, failure)
    with pytest.raises(error) as caught:
        mock_client(script).staff_list()
    assert caught.value.transient
    assert len(script.requests) == 3
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize(("failure", "error"), TRANSIENT)
def test_reads_recover_after_one_transient_failure(mock_client, sleeps, failure, error):
    script = Script(failure, xml(STAFF_LIST))
    assert len(mock_client(script).staff_list()) == 1
    assert len(script.requests) == 2
    assert sleeps == [0.5]


@pytest.mark.parametrize(("failure", "error"), TRANSIENT)
def test_writes_are_never_retried(mock_client, sleeps, failure, error):
    script = Script(failure, xml(STAFF_ADD_WIRE))
    with pytest.raises(error):
        mock_client(script).staff_add(NewStaff(name="Joe Bloggs"))
    assert len(script.requests) == 1
    assert sleeps == []


def test_rate_limited_reads_are_not_retried(mock_client, sleeps):
    script = Script(httpx.Response(429, headers=RATE_LIMITED_HEADERS), xml(STAFF_LIST))
    with pytest.raises(XpmRateLimited):
        mock_client(script).staff_list()
    assert (len(script.requests), sleeps) == (1, [])


def test_denied_call_sends_nothing(mock_client, clock):
    limiter = InProcessRateLimiter(minute_limit=1, clock=clock)
    script = Script(xml(STAFF_LIST), xml(STAFF_LIST))
    client = mock_client(script, limiter=limiter)
    client.staff_list()
    with pytest.raises(RateLimitDenied):
        client.staff_list()
    assert len(script.requests) == 1


def test_remaining_headers_reach_the_limiter(mock_client, clock):
    limiter = InProcessRateLimiter(clock=clock)
    script = Script(xml(STAFF_LIST, headers={"x-minlimit-remaining": "0"}))
    client = mock_client(script, limiter=limiter)
    client.staff_list()
    with pytest.raises(RateLimitDenied):
        client.staff_list()
    assert len(script.requests) == 1
