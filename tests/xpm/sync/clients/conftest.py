"""Clients against an emulated XPM over HTTP: arrange both sides, run the clients step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from practicelink.clients.models import Client
from practicelink.team.models import Member, Practice
from practicelink.xpm.crypto import decrypt
from practicelink.xpm.models import Staff as StaffRow
from practicelink.xpm.models import StaffLink, XpmConnection
from practicelink.xpm.remote import NoLimit, RateLimitDenied, RetryPolicy, XpmClient
from practicelink.xpm.sync.clients.step import clients_reconcile
from tests.factories import MemberFactory
from tests.xpm.conftest import XpmTenant
from xpm_emulator.models import Client as EmulatedClient
from xpm_emulator.models import Tenant

STAMP = "%Y-%m-%dT%H:%M:%S"


@dataclass
class Log:
    """The step's actions as a list, for asserting on."""

    dry_run: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)

    def record(self, action: str, outcome: str, **details: Any) -> None:
        self.events.append({"action": action, "outcome": outcome, **details})

    def actions(self, outcome: str | None = None) -> list[str]:
        return [e["action"] for e in self.events if outcome in (None, e["outcome"])]


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
            retry=RetryPolicy(attempts=2, backoff=0.0),
        )

    def sync(
        self,
        *,
        now: datetime | None = None,
        dry_run: bool = False,
        limiter: NoLimit | None = None,
    ) -> Log:
        log = Log(dry_run=dry_run)
        with self.client(limiter) as xpm:
            clients_reconcile(self.practice, xpm, log, now or timezone.now())
        return log

    def calls(self) -> list[str]:
        return [f"{c['method']} {c['endpoint']}" for c in self.xpm.server.calls(self.xpm.tenant_id)]

    def local(self, name: str) -> Client:
        return Client.objects.get(practice=self.practice, name=name)


@pytest.fixture
def both(practice, connected, xpm) -> Both:
    return Both(practice, xpm)
