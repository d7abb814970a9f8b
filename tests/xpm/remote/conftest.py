from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from practicelink.xpm.http import shared_client
from practicelink.xpm.remote import NoLimit, RateLimiter, RetryPolicy, XpmClient
from practicelink.xpm.remote.guard import MAX_ANSWER_BYTES
from xpm_emulator.seed import DEMO_TENANT_ID
from xpm_emulator.testing import EmulatorHandle, running_emulator

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


@pytest.fixture(scope="session")
def demo_xpm() -> Iterator[EmulatorHandle]:
    """A real emulator over HTTP, seeded with the demo practices; our own, so we may reset it."""
    with running_emulator(seed="demo") as handle:
        yield handle


@pytest.fixture
def emulator(demo_xpm: EmulatorHandle) -> EmulatorHandle:
    demo_xpm.reset()
    return demo_xpm


@pytest.fixture
def live_client(emulator: EmulatorHandle, sleeps: Sleeps) -> Iterator[Callable[..., XpmClient]]:
    """An `XpmClient` on the demo tenant of the live emulator."""
    access, _ = emulator.issue_token([DEMO_TENANT_ID])
    made: list[XpmClient] = []

    def make(
        *,
        limiter: RateLimiter | None = None,
        timeout: float = 5.0,
        tenant_id: str = DEMO_TENANT_ID,
        token: str = access,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> XpmClient:
        client = XpmClient(
            emulator.api_url,
            tenant_id,
            lambda: token,
            limiter=limiter or NoLimit(),
            http=shared_client(),  # as the app does: one pool and TLS context per process
            timeout=timeout,
            retry=RetryPolicy(attempts=3, backoff=0.5, sleep=sleeps),
            max_answer_bytes=max_answer_bytes,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def xpm(live_client: Callable[..., XpmClient]) -> XpmClient:
    return live_client()


@pytest.fixture
def catalogue(xpm: XpmClient) -> dict[str, dict[str, Any]]:
    """The demo practice's templates, categories and task types, by name."""
    return {
        "templates": {t.name: t for t in xpm.template_list()},
        "categories": {c.name: c for c in xpm.category_list()},
        "task_types": {t.name: t for t in xpm.task_type_list()},
    }
