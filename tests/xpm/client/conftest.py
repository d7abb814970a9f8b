from collections.abc import Callable

import httpx
import pytest

from practicelink.xpm.client import NoLimit, RateLimiter, RetryPolicy, XpmClient

API_URL = "https://xpm.test/practicemanager/3.1"
TENANT = "tenant-1"


class Sleeps(list[float]):
    """An injectable `sleep` that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def mock_client(sleeps: Sleeps) -> Callable[..., XpmClient]:
    """An `XpmClient` whose HTTP goes to `handler` (an `httpx.MockTransport` handler)."""

    def make(
        handler: Callable[[httpx.Request], httpx.Response], limiter: RateLimiter | None = None
    ) -> XpmClient:
        return XpmClient(
            API_URL,
            TENANT,
            lambda: "access-token",
            limiter=limiter or NoLimit(),
            http=httpx.Client(transport=httpx.MockTransport(handler)),
            retry=RetryPolicy(attempts=3, backoff=0.5, sleep=sleeps),
        )

    return make


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
