"""Clients against an emulated XPM over HTTP: arrange both sides, run syncs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice
from practicelink.xpm.crypto import decrypt
from practicelink.xpm.http import shared_client
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.models import StaffLink, SyncRun, SyncTrigger, XpmConnection
from practicelink.xpm.remote import NoLimit, RateLimitDenied, RetryPolicy, XpmClient
from practicelink.xpm.sync.clients.step import ClientsStep
from practicelink.xpm.sync.engine import run_execute
from practicelink.xpm.sync.events import Recorder
from practicelink.xpm.sync.steps import SyncContext
from tests.factories import MemberFactory
from tests.xpm.conftest import XpmTenant
from xpm_emulator.models import Client as EmulatedClient
from xpm_emulator.models import Tenant

STAMP = "%Y-%m-%dT%H:%M:%S"


class Allowance(NoLimit):
    """A limiter that allows `calls` calls, then denies like an exhausted shared limiter."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def acquire(self, key: str) -> None:
        if self.calls <= 0:
            raise RateLimitDenied(30.0)
        self.calls -= 1


@dataclass
class Both:
    """A practice connected to an emulated XPM tenant, with shortcuts for both sides."""

    practice: Practice
    xpm: XpmTenant

    @property
    def tenant(self) -> Tenant:
        return self.xpm.server.store.tenant(self.xpm.tenant_id)

    def stamp(self) -> str:
        return self.xpm.server.clock.now().strftime(STAMP)

    def add_xpm_client(
        self, name: str, email: str = "", partner: str | None = None, manager: str | None = None
    ) -> EmulatedClient:
        client = EmulatedClient(
            name=name,
            email=email,
            account_manager_uuid=partner,
            job_manager_uuid=manager,
            modified_at=self.stamp(),
        )
        self.tenant.clients.append(client)
        return client

    def change_xpm(self, client: EmulatedClient, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(client, name, value)
        client.modified_at = self.stamp()

    def xpm_client(self, uuid: str) -> EmulatedClient:
        return next(c for c in self.tenant.clients if c.uuid == uuid)

    def xpm_names(self) -> list[str]:
        return sorted(c.name for c in self.tenant.clients)

    def person(
        self, name: str, *, staff: bool = True, member: bool = True
    ) -> tuple[Member | None, str]:
        """A member and/or an XPM staff of this name, linked when both exist."""
        uuid = self.xpm.add_staff(name, f"{name.split()[0].lower()}@alpha.example") if staff else ""
        someone = MemberFactory(practice=self.practice, name=name) if member else None
        if staff:
            row = StaffRow.objects.create(
                practice=self.practice, uuid=uuid, name=name, seen_at=timezone.now()
            )
            if someone is not None:
                StaffLink.objects.create(
                    practice=self.practice,
                    member=someone,
                    staff=row,
                    method="manual",
                    linked_at=timezone.now(),
                )
        return someone, uuid

    def client(self, limiter: NoLimit | None = None) -> XpmClient:
        """The practice's XPM client over HTTP (no backoff sleeps; `limiter` paces it)."""
        connection = XpmConnection.objects.get(practice=self.practice)
        token = decrypt(connection.access_token_encrypted)
        return XpmClient(
            self.xpm.server.api_url,
            connection.tenant_id,
            lambda: token,
            limiter=limiter or NoLimit(),
            http=shared_client(),  # as the app does: one pool and TLS context per process
            retry=RetryPolicy(attempts=2, backoff=0.0),
        )

    def sync(self, *, now: datetime | None = None, dry_run: bool = False) -> SyncRun:
        """One sync through the engine (staff, catalogue, clients...), at a chosen time."""
        run = SyncRun.objects.create(
            practice=self.practice, trigger=SyncTrigger.API, dry_run=dry_run
        )
        run_execute(run.pk, client_factory=lambda _: self.client(), now=now or timezone.now())
        run.refresh_from_db()
        return run

    def read(self, *, now: datetime, limiter: NoLimit) -> None:
        """The clients step's read alone, paced by `limiter` (a run's first phase)."""
        run = SyncRun.objects.create(practice=self.practice, trigger=SyncTrigger.API)
        with self.client(limiter) as xpm:
            ctx = SyncContext(run, self.practice, xpm, now, False, Recorder(run))
            ClientsStep().read(ctx)

    def calls(self) -> list[str]:
        """The client calls XPM received (the other steps' calls left out)."""
        return [
            f"{c['method']} {c['endpoint']}"
            for c in self.xpm.server.calls(self.xpm.tenant_id)
            if c["endpoint"].startswith("client.api")
        ]

    def local(self, name: str) -> Client:
        return Client.objects.get(practice=self.practice, name=name)


@pytest.fixture
def both(practice, connected, xpm) -> Both:
    return Both(practice, xpm)


def actions(run: SyncRun, outcome: str | None = None) -> list[str]:
    """The clients step's actions in a run, in order (optionally those with one outcome)."""
    events = run.events.filter(step="clients")
    if outcome is not None:
        events = events.filter(outcome=outcome)
    return list(events.values_list("action", flat=True))
