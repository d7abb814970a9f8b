"""Client sync at scale: the first import of N XPM clients, then a sync with nothing to do.

    .venv/bin/python -m bench.client_sync [--clients 20000]

On a throw-away SQLite database and, when DATABASE_URL is set, a throw-away database on that
server (each in its own process). The first sync reads every client page by page (the fewest
calls: the pages the API requires at its page size, plus the other steps' lists); a sync with
nothing to do reads only the clients changed since (one client call). Each sync's CPU time is
printed next to its floor: parsing the same client pages with the XPM client's codec. Appends
a JSON line to bench/results/client_sync.jsonl.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from bench.harness import (
    environment,
    print_environment,
    record,
    run_each_target,
    throwaway_database,
)
from bench.staff_sync import GOALS, READS
from bench.xpm_sync import Syncs, connect, fetch, print_header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--target", choices=["sqlite", "database-url"])
    args = parser.parse_args()
    if not args.target:
        run_each_target("bench.client_sync", ["--clients", str(args.clients)])
        return
    with throwaway_database("bench_clients", use_database_url=args.target != "sqlite") as db:
        env = environment(db)
        print(f"\n== client sync on {db.vendor}: {args.clients:,} XPM clients")
        print_environment(env)
        figures = measure(args.clients)
        env["load_after"] = environment(db)["load"]
        print(f"load after: {' '.join(map(str, env['load_after']))}")
        path = record("client_sync", {"clients": args.clients, **env, "syncs": figures})
        print(f"appended to {path}")


def measure(count: int) -> dict[str, Any]:
    from practicelink.clients.models import Client as LocalClient
    from practicelink.xpm.remote import codec
    from practicelink.xpm.sync.clients.step import PAGE_SIZE
    from xpm_emulator.config import EmulatorConfig
    from xpm_emulator.models import Client, Tenant
    from xpm_emulator.testing import running_emulator

    with running_emulator(EmulatorConfig(seed="none")) as xpm:
        tenant = Tenant(name="Bench Practice")
        tenant.clients = [
            Client(name=f"Client {i} Ltd", email=f"client{i}@bench.example") for i in range(count)
        ]
        xpm.store.tenants.append(tenant)
        practice = connect(xpm, tenant)
        pages = math.ceil(count / PAGE_SIZE)
        xml = fetch(xpm, tenant, f"client.api/paged-list?pageSize={PAGE_SIZE}")

        def parse() -> int:  # every page: the first one, as many times as there are pages
            root = codec.parse_response(xml)
            found = codec.many(root, "Clients", "Client", codec.parse_client)
            for _ in range(pages - 1):
                codec.many(codec.parse_response(xml), "Clients", "Client", codec.parse_client)
            return len(found) * pages

        print(f"floor: parsing {pages} client pages ({len(xml):,} bytes each) with the XPM codec")
        print_header("sync (CPU of the syncing thread)")
        syncs = Syncs(xpm, tenant, practice, parse, GOALS)
        syncs.run("first", f"first import of {count:,} clients", fewest=READS - 1 + pages)
        print(f"{'':<44}clients: {LocalClient.objects.filter(practice=practice).count():,}")
        syncs.run("no change", "second sync (nothing to do)", fewest=READS)
        print(f"calls of a no-change sync: {', '.join(syncs.figures['no change']['endpoints'])}")
    return syncs.figures


if __name__ == "__main__":
    main()
