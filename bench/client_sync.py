"""Client sync at scale: the first import of N XPM clients, a sync with nothing to do, and the
daily full pass with nothing changed.

    .venv/bin/python -m bench.client_sync [--clients 20000] [--team 20]

On a throw-away SQLite database and, when DATABASE_URL is set, a throw-away database on that
server (each in its own process). The practice has `--team` members, each linked by email to
an XPM staff at the first sync; the clients' partners and managers (XPM's AccountManager and
JobManager) are those staff, so the import translates them to members.

The first sync reads every client page by page (the fewest calls: the pages the API requires
at its page size, plus the other steps' lists) and imports every client; a sync with nothing
to do reads only the clients changed since (one client call); a day later the full pass reads
every page again, to notice archived and deleted clients, and changes nothing. XPM's limit of
60 calls a minute is raised for this benchmark (its syncs, a day apart in production, run
within a minute here); the calls each makes are counted against the fewest. Each sync's CPU
time is printed next to its floor: parsing every client page with the XPM client's codec.
Appends a JSON line to bench/results/client_sync.jsonl.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from bench.harness import (
    environment,
    print_environment,
    record,
    record_end,
    run_each_target,
    throwaway_database,
)
from bench.staff_sync import GOALS, READS
from bench.xpm_sync import Syncs, connect, fetch, print_header

#: a full pass with nothing changed reads as much XML as a first import: same goal as staff's
CLIENT_GOALS = {**GOALS, "full pass": GOALS["no change"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--team", type=int, default=20)
    parser.add_argument("--target", choices=["sqlite", "database-url"])
    args = parser.parse_args()
    if not args.target:
        options = ["--clients", str(args.clients), "--team", str(args.team)]
        run_each_target("bench.client_sync", options)
        return
    with throwaway_database("bench_clients", use_database_url=args.target != "sqlite") as db:
        env = environment(db)
        print(f"\n== client sync on {db.vendor}: {args.clients:,} XPM clients, {args.team} staff")
        print_environment(env)
        figures = measure(args.clients, args.team)
        record_end(env)
        payload = {"clients": args.clients, "team": args.team, **env, "syncs": figures}
        path = record("client_sync", payload)
        print(f"appended to {path}")


CALLS_A_MINUTE = 1000


def raise_minute_limit(calls: int) -> None:
    """XPM's calls a minute, for practicelink's rate limiter as for the emulator."""
    from django.conf import settings

    from practicelink.xpm.ratelimit import rate_limiter

    config = settings.XPM_RATE_LIMITER
    settings.XPM_RATE_LIMITER = {**config, "OPTIONS": {**config["OPTIONS"], "minute_limit": calls}}
    rate_limiter.cache_clear()


def measure(count: int, team: int) -> dict[str, Any]:
    from practicelink.clients.models import Client as LocalClient
    from practicelink.team.models import Member
    from practicelink.xpm.models import ClientCursor
    from practicelink.xpm.remote import codec
    from practicelink.xpm.sync.clients.step import FULL_PASS_EVERY, PAGE_SIZE
    from xpm_emulator.config import EmulatorConfig
    from xpm_emulator.models import Client, Staff, Tenant
    from xpm_emulator.testing import running_emulator

    raise_minute_limit(CALLS_A_MINUTE)
    with running_emulator(EmulatorConfig(seed="none", minute_limit=CALLS_A_MINUTE)) as xpm:
        tenant = Tenant(name="Bench Practice")
        tenant.staff = [
            Staff(name=f"Staff {i}", email=f"staff{i}@bench.example") for i in range(team)
        ]
        tenant.clients = [
            Client(
                name=f"Client {i} Ltd",
                email=f"client{i}@bench.example",
                account_manager_uuid=tenant.staff[i % team].uuid if team else None,
                job_manager_uuid=tenant.staff[(i + 1) % team].uuid if team else None,
            )
            for i in range(count)
        ]
        xpm.store.tenants.append(tenant)
        practice = connect(xpm, tenant)
        Member.objects.bulk_create(
            Member(
                practice=practice,
                name=f"Staff {i}",
                email=f"staff{i}@bench.example",
                email_normalised=f"staff{i}@bench.example",
            )
            for i in range(team)
        )
        pages = math.ceil(count / PAGE_SIZE)
        xml = fetch(xpm, tenant, f"client.api/paged-list?pageSize={PAGE_SIZE}")

        def parse() -> int:  # every page: the first one, as many times as there are pages
            return sum(
                len(codec.many(codec.parse_response(xml), "Clients", "Client", codec.parse_client))
                for _ in range(pages)
            )

        print(f"floor: parsing {pages} client pages ({len(xml):,} bytes each) with the XPM codec")
        print_header("sync (CPU of the syncing thread)")
        syncs = Syncs(xpm, tenant, practice, parse, CLIENT_GOALS, floor_rounds=2)
        syncs.run("first", f"first import of {count:,} clients", fewest=READS - 1 + pages)
        print(f"{'':<44}clients: {LocalClient.objects.filter(practice=practice).count():,}")
        syncs.run("no change", "second sync (nothing to do)", fewest=READS)
        day_ago = ClientCursor.objects.get(practice=practice).full_pass_at - FULL_PASS_EVERY
        ClientCursor.objects.filter(practice=practice).update(full_pass_at=day_ago)
        syncs.run("full pass", "a day later: full pass, nothing changed", fewest=READS - 1 + pages)
        print(f"calls of a no-change sync: {', '.join(syncs.figures['no change']['endpoints'])}")
    return syncs.figures


if __name__ == "__main__":
    main()
