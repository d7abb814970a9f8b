"""Staff sync at scale: N members against N XPM staff, over HTTP to the emulator.

    .venv/bin/python -m bench.staff_sync [--staff 2000] [--creates 50]

On a temporary SQLite database (or a fresh test database of DATABASE_URL's server when set).
Prints: the first sync (mirror N staff, auto-link N members by email), a second sync (nothing
to do), a dry run, and a sync that creates `--creates` staff in XPM, with XPM calls made. Each
next to its floor: parsing the same staff list XML (fetched once from the emulator) with the
XPM client's codec, the least a sync that reads it can cost.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import interleaved, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--creates", type=int, default=50)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="practicelink-bench-")
    os.environ.update(
        PRACTICELINK_DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="practicelink.settings",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(data_dir) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        measure(args.staff, args.creates, connection.vendor)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def measure(count: int, creates: int, vendor: str) -> None:
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from practicelink.team.models import Member, Practice
    from practicelink.xpm.crypto import encrypt
    from practicelink.xpm.gateway import client_for
    from practicelink.xpm.models import (
        ConnectionStatus,
        StaffLink,
        SyncRun,
        SyncSettings,
        SyncTrigger,
        XpmConnection,
    )
    from practicelink.xpm.remote import codec
    from practicelink.xpm.sync.engine import run_execute
    from xpm_emulator.config import EmulatorConfig
    from xpm_emulator.models import Staff, Tenant
    from xpm_emulator.testing import running_emulator

    with running_emulator(EmulatorConfig(seed="none")) as xpm:
        tenant = Tenant(name="Bench Practice")
        tenant.staff = [
            Staff(name=f"Staff {i}", email=f"person{i}@bench.example") for i in range(count)
        ]
        xpm.store.tenants.append(tenant)
        settings.XPM_API_URL = xpm.api_url
        access, refresh = xpm.issue_token([tenant.tenant_id])
        practice = Practice.objects.create(name="Bench Practice")
        SyncSettings.objects.create(practice=practice, auto_link=True)
        XpmConnection.objects.create(
            practice=practice,
            status=ConnectionStatus.CONNECTED,
            tenant_id=tenant.tenant_id,
            access_token_encrypted=encrypt(access),
            refresh_token_encrypted=encrypt(refresh),
            expires_at=timezone.now() + timedelta(minutes=30),
        )
        Member.objects.bulk_create(
            Member(
                practice=practice,
                name=f"Member {i}",
                email=f"Person{i}@Bench.example",
                email_normalised=f"person{i}@bench.example",
            )
            for i in range(count)
        )

        xml = httpx.get(
            f"{xpm.api_url}/staff.api/list",
            headers={"Authorization": f"Bearer {access}", "Xero-Tenant-Id": tenant.tenant_id},
        ).content

        def parse() -> int:
            return len(
                codec.many(codec.parse_response(xml), "StaffList", "Staff", codec.parse_staff)
            )

        floor = summary(interleaved({"parse": parse}, 5)["parse"])["median"]
        print(f"floor: parsing the staff list XML ({len(xml):,} bytes) takes {floor:.0f} ms")

        def timed_sync(label: str, *, dry_run: bool = False) -> None:
            xpm.clear_calls()
            run = SyncRun.objects.create(
                practice=practice, trigger=SyncTrigger.API, dry_run=dry_run
            )
            started = time.perf_counter()
            run_execute(run.pk, client_factory=client_for)
            elapsed = time.perf_counter() - started
            run.refresh_from_db()
            calls = len(xpm.calls(tenant.tenant_id))
            print(
                f"{label:<44} {elapsed * 1000:9.0f} ms  {elapsed * 1000 / floor:5.1f}x floor  "
                f"{calls:4d} XPM calls  {run.events.count():6d} events  status {run.status}"
            )

        print(f"\n== staff sync on {vendor}: {count:,} members, {count:,} XPM staff")
        timed_sync(f"first sync (mirror + {count:,} links by email)")
        print(f"{'':<44} links: {StaffLink.objects.filter(practice=practice).count():,}")
        timed_sync("second sync (nothing to do)")
        timed_sync("dry run", dry_run=True)
        old = timezone.now() - timedelta(days=2)
        for i in range(creates):
            member = Member.objects.create(
                practice=practice, name=f"New {i}", email=f"new{i}@bench.example"
            )
            Member.objects.filter(pk=member.pk).update(added_at=old)
        timed_sync(f"sync creating {creates} staff in XPM")


if __name__ == "__main__":
    main()
