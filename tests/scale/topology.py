"""The README's "Running at scale" topology as real processes: workers and schedulers started
with `practicelink worker --no-periodic` and `practicelink scheduler`, sharing the test's
database, a queue and the XPM rate limiter (Redis, or SQLite files on this host)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from practicelink.team.models import Practice
from practicelink.xpm.crypto import encrypt
from practicelink.xpm.models import ConnectionStatus, SyncSettings, XpmConnection
from tests.factories import MemberFactory, PracticeFactory
from xpm_emulator.testing import EmulatorHandle

PRACTICELINK = str(Path(sys.executable).parent / "practicelink")


def _database_url() -> str:
    """The test database, for the other processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def shared_store(kind: str) -> dict[str, str]:
    """Environment for the queue and limiter: Redis (skipped without REDIS_URL) or SQLite."""
    if kind == "sqlite":
        return {}
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("REDIS_URL is not set: the Redis topology needs a Redis server")
    return {"REDIS_URL": url}


@dataclass
class Topology:
    """Processes of one deployment; each one's output goes to a file in `folder`."""

    folder: Path
    xpm: EmulatorHandle
    store: dict[str, str]
    settings: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    queue: str = field(default_factory=lambda: f"topology-{uuid.uuid4().hex[:12]}")

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "HUEY_QUEUE_NAME"}
            and not key.startswith(("DJANGO_", "XPM_", "PYTEST", "PRACTICELINK_", "PROMETHEUS"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="practicelink.settings",
            PRACTICELINK_DATA_DIR=str(self.folder / "var"),
            DATABASE_URL=_database_url(),
            DATABASE_POOL_MAX_SIZE="4",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            PRACTICELINK_ENCRYPTION_KEY=settings.PRACTICELINK_ENCRYPTION_KEY,
            HUEY_QUEUE_NAME=self.queue,
            XPM_API_URL=self.xpm.api_url,
            XPM_IDENTITY_URL=self.xpm.base_url,
            XPM_CONNECTIONS_URL=self.xpm.connections_url,
            XPM_AUTHORIZE_URL=self.xpm.authorize_url,
            XPM_CLIENT_ID="practicelink-demo",
            XPM_CLIENT_SECRET="demo-secret",
            **self.store,
            **self.settings,
        )
        return env

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [PRACTICELINK, *args], env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self, name: str, signum: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        process.send_signal(signum)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} stopped:\n{self.log(name)}"


@contextmanager
def running(
    folder: Path, xpm: EmulatorHandle, store: dict[str, str], **settings: str
) -> Iterator[Topology]:
    topology = Topology(folder, xpm, store, settings)
    try:
        yield topology
    finally:
        for name in list(topology.processes):
            topology.stop(name, signal.SIGKILL)


def practice_in_xpm(xpm: EmulatorHandle, name: str, members: int) -> tuple[Practice, str]:
    """A practice connected to its own XPM tenant, with members the sync creates as staff."""
    practice = PracticeFactory(name=name)
    tenant = str(uuid.uuid4())
    xpm.seed({"tenants": [{"name": f"{name} XPM", "tenant_id": tenant}]})
    access, refresh = xpm.issue_token([tenant])
    XpmConnection.objects.create(
        practice=practice,
        status=ConnectionStatus.CONNECTED,
        tenant_id=tenant,
        tenant_name=f"{name} XPM",
        access_token_encrypted=encrypt(access),
        refresh_token_encrypted=encrypt(refresh),
        expires_at=timezone.now() + timedelta(minutes=30),
        connected_at=timezone.now(),
    )
    SyncSettings.objects.create(
        practice=practice, creation_window_hours=0, sync_interval_minutes=60
    )
    slug = name.lower().replace(" ", "-")
    for number in range(members):
        MemberFactory(practice=practice, name=f"Member {number}", email=f"m{number}@{slug}.example")
    return practice, tenant


def staff_emails(xpm: EmulatorHandle, tenant: str) -> list[str]:
    return sorted(s.email for s in xpm.store.tenant(tenant).staff if not s.deleted)


def member_emails(practice: Practice) -> list[str]:
    return sorted(practice.members.values_list("email", flat=True))


def wait_until(done: Callable[[], bool], seconds: float, check: Callable[[], None]) -> None:
    """Poll `done` every half second; `check` runs each time (invariants, processes alive)."""
    deadline = time.monotonic() + seconds
    while not done():
        check()
        assert time.monotonic() < deadline, f"not done within {seconds:.0f} s"
        time.sleep(0.5)


def call_seconds(call: dict[str, str]) -> float:
    return datetime.fromisoformat(call["time"]).timestamp()
