"""Link health at 1,000 members, 1,000 XPM staff and 20,000 clients: the page, the API and the
counts alone.

    .venv/bin/python -m bench.link_health [--members 1000] [--staff 1000] [--clients 20000]
                                          [--repeat 20]

Each figure is printed next to its floor, measured in the same run, interleaved: the server
time of the request through Django's test client (middleware, queries, the plan of every
unlinked member, the template) vs the same SQL statements on a bare cursor. The query count
is taken at the full size and on a practice a tenth of it built alongside: they must be
equal. Runs on a throw-away SQLite database and, when DATABASE_URL is set, also on a
throw-away database `bench_health_<pid>` on that server; ANALYZE first, as production has
statistics. Appends a JSON line to bench/results/link_health.jsonl.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from bench.harness import (
    analyze,
    as_a_web_worker,
    bare,
    capture,
    environment,
    interleaved,
    print_environment,
    print_header,
    print_row,
    record,
    record_end,
    run_each_target,
    summary,
    throwaway_database,
)

GOAL_MS = 200.0
"""Server time of the page and of its counts (p95), from the issue."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20, help="rounds of interleaved requests")
    parser.add_argument("--target", choices=["sqlite", "database-url"])
    args = parser.parse_args()
    size = (args.members, args.staff, args.clients)
    if args.target:
        run(args.target, size, args.repeat)
    else:
        options = ["--members", str(args.members), "--staff", str(args.staff)]
        options += ["--clients", str(args.clients), "--repeat", str(args.repeat)]
        run_each_target("bench.link_health", options)


def run(target: str, size: tuple[int, int, int], repeat: int) -> None:
    members, staff, clients = size
    with throwaway_database("bench_health", use_database_url=target != "sqlite") as db:
        print(
            f"\n== link health on {db.vendor} ({db.settings_dict['NAME']}): {members:,} members, "
            f"{staff:,} staff, {clients:,} clients"
        )
        started = time.perf_counter()
        big = build("Bench & Partners", members, staff, clients)
        small = build("Small & Co", members // 10, staff // 10, clients // 10)
        analyze(db)
        print(f"built in {time.perf_counter() - started:.1f} s")
        as_a_web_worker(db)
        env = environment(db)
        print_environment(env)
        figures = measure(big, small, repeat)
        record_end(env)
        path = record(
            "link_health",
            {"members": members, "staff": staff, "clients": clients, "env": env, **figures},
        )
        print(f"recorded in {path}")


def build(name: str, members: int, staff: int, clients: int) -> Any:
    """A practice with every kind of gap: half its members linked, a fifth of the rest with a
    suggestion, clients without partner or manager, clients with unlinked ones, clients not
    in XPM, reviews, conflicts, failed deployments and unlinked job staff. Returns its admin's
    login."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from practicelink.clients.models import Client
    from practicelink.proposals.models import Job, Proposal
    from practicelink.team.models import Access, Member, Practice
    from practicelink.xpm.models import (
        ClientConflict,
        ClientLink,
        ClientMatch,
        ConnectionStatus,
        Staff,
        StaffLink,
        XpmConnection,
    )

    rng = random.Random(17)
    now = timezone.now()
    practice = Practice.objects.create(name=name)
    slug = name.split()[0].lower()
    user = get_user_model().objects.create_user(f"admin@{slug}.example", password="x")
    people = Member.objects.bulk_create(
        Member(
            practice=practice,
            name=f"Member {n:04d}",
            email=f"m{n}@{slug}.example",
            email_normalised=f"m{n}@{slug}.example",
            role="admin" if n == 0 else "standard",
            access=Access.ACTIVE if n == 0 else Access.NONE,
            user=user if n == 0 else None,
        )
        for n in range(members)
    )
    # staff n has member n's email: the first half get linked, the next tenth are suggestions
    suggested = members // 2 + members // 10
    mirror = Staff.objects.bulk_create(
        Staff(
            practice=practice,
            uuid=f"{slug}-staff-{n}",
            name=f"Staff {n:04d}",
            email=f"m{n}@{slug}.example" if n < suggested else f"s{n}@{slug}.example",
            email_normalised=f"m{n}@{slug}.example" if n < suggested else f"s{n}@{slug}.example",
            seen_at=now,
        )
        for n in range(staff)
    )
    StaffLink.objects.bulk_create(
        StaffLink(
            practice=practice, member=people[n], staff=mirror[n], method="email", linked_at=now
        )
        for n in range(min(members, staff) // 2)
    )
    XpmConnection.objects.create(
        practice=practice, status=ConnectionStatus.CONNECTED, tenant_id=f"{slug}-tenant"
    )
    rows = Client.objects.bulk_create(
        (
            Client(
                practice=practice,
                name=f"Client {n:05d}",
                partner=None if n % 17 == 0 else rng.choice(people),
                manager=None if n % 23 == 0 else rng.choice(people),
            )
            for n in range(clients)
        ),
        batch_size=5000,
    )
    ClientLink.objects.bulk_create(
        (
            ClientLink(
                practice=practice,
                client=client,
                uuid=f"{slug}-client-{client.pk}",
                method="matched",
                linked_at=now,
                synced_at=now,
                synced_name=client.name,
            )
            for client in rows
            if rng.random() < 0.7
        ),
        batch_size=5000,
    )
    ClientMatch.objects.bulk_create(
        ClientMatch(
            practice=practice,
            side="xpm",
            uuid=f"{slug}-review-{n}",
            name=f"XPM client {n}",
            reason="Near names.",
            candidates=[{"key": str(rows[n].pk), "name": rows[n].name, "email": ""}],
            created_at=now,
        )
        for n in range(clients // 100)
    )
    ClientConflict.objects.bulk_create(
        ClientConflict(
            practice=practice,
            client=rows[n],
            field="name",
            ours="Ours",
            theirs="Theirs",
            applied="theirs",
            policy="xpm_wins",
            created_at=now,
        )
        for n in range(clients // 100)
    )
    proposals = Proposal.objects.bulk_create(
        Proposal(
            practice=practice,
            number=n + 1,
            client=rows[n],
            title=f"Proposal {n}",
            status="accepted",
            deployment_status=rng.choice(["deployed"] * 8 + ["partly", "failed"]),
        )
        for n in range(clients // 10)
    )
    jobs = Job.objects.bulk_create(
        Job(practice=practice, proposal=proposal, index=1, name=proposal.title)
        for proposal in proposals
    )
    Job.staff.through.objects.bulk_create(
        Job.staff.through(job_id=job.pk, member_id=rng.choice(people).pk) for job in jobs
    )
    return user


def measure(big: Any, small: Any, repeat: int) -> dict[str, Any]:
    from django.test import Client as Browser

    from practicelink.team.models import Member
    from practicelink.xpm.health import GapKind, gap_records, link_health

    def browser_of(user: Any) -> Browser:
        browser = Browser()
        browser.force_login(user)
        return browser

    def get(browser: Browser, path: str) -> Callable[[], Any]:
        def call() -> Any:
            response = browser.get(path)
            assert response.status_code == 200, response.status_code
            return response

        return call

    def counts(user: Any) -> Callable[[], Any]:
        practice = Member.objects.get(user=user).practice

        def call() -> Any:
            report = link_health(practice)
            return [gap_records(practice, kind, health=report) for kind in GapKind]

        return call

    requests = {
        "GET /settings/apps/health/": lambda user: get(browser_of(user), "/settings/apps/health/"),
        "GET /api/v1/xpm/health/": lambda user: get(browser_of(user), "/api/v1/xpm/health/"),
        "counts and first records": counts,
    }
    cases: dict[str, Callable[[], Any]] = {}
    queries: dict[str, tuple[int, int]] = {}
    for label, make in requests.items():
        call, tenth = make(big), make(small)
        call(), tenth()  # the practice's sync settings are made on the first visit
        statements = capture(call)
        queries[label] = (len(statements), len(capture(tenth)))
        cases[label] = call
        cases[f"floor: {label}"] = lambda s=statements: bare(s)
    samples = interleaved(cases, repeat)

    figures: dict[str, Any] = {"cases": {}}
    print_header("link health (server time)")
    for label in requests:
        figure, floor = summary(samples[label]), summary(samples[f"floor: {label}"])
        print_row(label, figure, floor)
        full, tenth = queries[label]
        figures["cases"][label] = {
            "ms": figure,
            "floor_ms": floor,
            "queries": full,
            "queries_at_a_tenth": tenth,
            "goal_p95_ms": GOAL_MS,
            "met": figure["p95"] <= GOAL_MS,
        }
    for label, (full, tenth) in queries.items():
        same = "constant" if full == tenth else "GROWS"
        print(f"queries, {label}: {full} (a tenth of the size: {tenth}) {same}")
    print(f"goal: p95 ≤ {GOAL_MS:.0f} ms")
    return figures


if __name__ == "__main__":
    main()
