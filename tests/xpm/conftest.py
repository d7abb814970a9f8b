"""An XPM emulator over real HTTP, and a practice connected to one fresh tenant of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from practicelink.team.models import Practice
from practicelink.xpm.crypto import encrypt
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import ConnectionStatus, SyncRun, SyncTrigger, XpmConnection
from practicelink.xpm.ratelimit import rate_limiter
from practicelink.xpm.sync.engine import Outcome, run_execute
from xpm_emulator.models import Staff as EmulatedStaff
from xpm_emulator.testing import EmulatorHandle, running_emulator

CLIENT_ID = "practicelink-demo"
CLIENT_SECRET = "demo-secret"


@pytest.fixture(scope="session")
def xpm_server() -> Iterator[EmulatorHandle]:
    with running_emulator() as handle:
        yield handle


@dataclass
class XpmTenant:
    """One emulated XPM practice, with shortcuts to arrange and inspect it in tests."""

    server: EmulatorHandle
    tenant_id: str

    def add_staff(self, name: str, email: str = "") -> str:
        staff = EmulatedStaff(name=name, email=email)
        self.server.store.tenant(self.tenant_id).staff.append(staff)
        return staff.uuid

    def staff_emails(self) -> list[str]:
        return [s.email for s in self.server.store.tenant(self.tenant_id).staff if not s.deleted]

    def writes(self) -> list[str]:
        return [c["endpoint"] for c in self.server.calls(self.tenant_id) if c["method"] != "GET"]


@pytest.fixture
def xpm(xpm_server: EmulatorHandle, settings) -> XpmTenant:
    xpm_server.clear_faults()
    xpm_server.clear_calls()
    tenant_id = str(uuid.uuid4())
    xpm_server.seed({"tenants": [{"name": "Alpha XPM", "tenant_id": tenant_id}]})
    settings.XPM_CLIENT_ID = CLIENT_ID
    settings.XPM_CLIENT_SECRET = CLIENT_SECRET
    settings.XPM_API_URL = xpm_server.api_url
    settings.XPM_AUTHORIZE_URL = xpm_server.authorize_url
    settings.XPM_IDENTITY_URL = xpm_server.base_url
    settings.XPM_CONNECTIONS_URL = xpm_server.connections_url
    settings.XPM_TIMEOUT_SECONDS = 5.0
    return XpmTenant(xpm_server, tenant_id)


@pytest.fixture
def connected(practice: Practice, xpm: XpmTenant) -> XpmConnection:
    access, refresh = xpm.server.issue_token([xpm.tenant_id])
    return XpmConnection.objects.create(
        practice=practice,
        status=ConnectionStatus.CONNECTED,
        tenant_id=xpm.tenant_id,
        tenant_name="Alpha XPM",
        access_token_encrypted=encrypt(access),
        refresh_token_encrypted=encrypt(refresh),
        expires_at=timezone.now() + timedelta(minutes=30),
        connected_at=timezone.now(),
    )


class LimiterClock:
    """The rate limiter's clock, moved by hand: a deferred run resumes without anyone waiting."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def limiter_clock(settings) -> Iterator[LimiterClock]:
    """This process's XPM rate limiter (XPM's real limits) on a clock the test moves."""
    clock = LimiterClock()
    settings.XPM_RATE_LIMITER = {
        "BACKEND": "practicelink.xpm.ratelimit.InProcessRateLimiter",
        "OPTIONS": {"clock": clock},
    }
    rate_limiter.cache_clear()
    yield clock
    rate_limiter.cache_clear()


def sync(practice: Practice, *, now: datetime | None = None, dry_run: bool = False) -> SyncRun:
    """Run one sync at a chosen time (the injectable clock) and return its finished record."""
    run = SyncRun.objects.create(practice=practice, trigger=SyncTrigger.API, dry_run=dry_run)
    outcome, _ = run_execute(run.pk, client_factory=client_for, now=now or timezone.now())
    assert outcome == Outcome.FINISHED
    run.refresh_from_db()
    return run
