"""Proposals screen at 100,000 proposals: page, filters, search, counts, CSV export.

    .venv/bin/python -m bench.proposals_list [--rows 100000] [--repeat 5] [--explain]

Runs on a temporary SQLite database and, when DATABASE_URL is set, also on a fresh test
database of that server (`test_<name>`, created and dropped here; the configured database
itself is not touched). Each target runs in its own process, so each gets its own settings.
Timings are whole requests through Django's test client (middleware, queries, templates).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

WORDS = ("annual", "tax", "payroll", "bookkeeping", "advisory", "audit", "budget", "forecast")
WORDS += ("compliance", "company", "secretarial", "vat", "review", "planning", "cashflow")
STATUSES = (["draft"] * 3) + (["sent"] * 3) + (["accepted"] * 2) + ["declined", "lost"]
MEMBERS, PARTNERS, CLIENTS = 60, 12, 5000
START = datetime(2023, 1, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="print SQLite query plans")
    parser.add_argument("--target", choices=["sqlite", "database-url"])
    args = parser.parse_args()
    if args.target:
        run(args.target, args.rows, args.repeat, args.explain)
        return
    targets = ["sqlite"] + (["database-url"] if os.environ.get("DATABASE_URL") else [])
    for target in targets:
        command = [sys.executable, "-m", "bench.proposals_list", "--target", target]
        command += ["--rows", str(args.rows), "--repeat", str(args.repeat)]
        command += ["--explain"] if args.explain else []
        subprocess.run(command, check=True)


def run(target: str, rows: int, repeat: int, explain: bool) -> None:
    data_dir = tempfile.mkdtemp(prefix="practicelink-bench-")
    os.environ.update(
        PRACTICELINK_DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="practicelink.settings",
        DJANGO_ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    if target == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(data_dir) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"\n== {connection.vendor} ({connection.settings_dict['NAME']}), {rows:,} proposals")
        started = time.perf_counter()
        practice, admin_user = build(rows)
        print(f"built in {time.perf_counter() - started:.1f} s")
        measure(practice, admin_user, repeat, explain)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def explicit_created_at() -> Iterator[None]:
    """bulk_create would stamp every row with now(); the bench needs dates spread over years."""
    from practicelink.proposals.models import Proposal

    field = Proposal._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def build(rows: int) -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model

    from practicelink.clients.models import Client
    from practicelink.proposals.models import Proposal
    from practicelink.team.models import Access, Member, Practice

    rng = random.Random(5)
    practice = Practice.objects.create(name="Bench & Partners", next_proposal_number=rows + 1)
    other = Practice.objects.create(name="Other practice")
    user = get_user_model().objects.create_user("bench@example.com", password="x")
    members = Member.objects.bulk_create(
        Member(
            practice=practice,
            name=f"Member {n:02d}",
            email=f"member{n}@example.com",
            email_normalised=f"member{n}@example.com",
            role="admin" if n == 0 else "standard",
            access=Access.ACTIVE if n == 0 else Access.NONE,
            user=user if n == 0 else None,
        )
        for n in range(MEMBERS)
    )
    clients = Client.objects.bulk_create(
        Client(
            practice=rng.choice([practice] * 20 + [other]),
            name=f"{rng.choice(WORDS).title()} {n} Ltd",
            partner=rng.choice(members[:PARTNERS]),
            manager=rng.choice(members[PARTNERS:]),
        )
        for n in range(CLIENTS)
    )
    clients = [c for c in clients if c.practice_id == practice.pk]

    def proposal(number: int) -> Proposal:
        status = rng.choice(STATUSES)
        created = START + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        sent = created + timedelta(days=rng.randrange(1, 10)) if status != "draft" else None
        accepted = sent + timedelta(days=rng.randrange(1, 30)) if status == "accepted" else None
        return Proposal(
            practice=practice,
            number=number,
            client=rng.choice(clients),
            title=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {number}",
            status=status,
            total=Decimal(rng.randrange(10_000, 2_000_000)) / 100,
            created_at=created,
            sent_at=sent,
            accepted_at=accepted,
        )

    with explicit_created_at():
        Proposal.objects.bulk_create((proposal(n) for n in range(1, rows + 1)), batch_size=5000)
    return practice, user


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median milliseconds over `repeat` calls (after one warm-up), and the last result."""
    result = call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def measure(practice: Any, user: Any, repeat: int, explain: bool) -> None:
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client as Browser
    from django.test.utils import CaptureQueriesContext

    from practicelink.proposals.filters import ProposalFilterSet
    from practicelink.proposals.selectors import proposal_list, proposal_status_counts
    from practicelink.team.models import Member

    browser = Browser()
    browser.force_login(user)
    everything = proposal_list(practice=practice)
    request = SimpleNamespace(practice=practice)  # all the FilterSet reads from a request
    partner, manager = Member.objects.get(name="Member 03"), Member.objects.get(name="Member 20")
    pages = {
        "unfiltered first page": {},
        "partner filter": {"partner": partner.pk},
        "manager + status + created range": {
            "manager": manager.pk,
            "status": ["sent", "accepted"],
            "created_after": "2024-01-01",
            "created_before": "2024-12-31",
        },
        "text search (title word)": {"q": "payroll"},
        "text search (PROP-01234)": {"q": "PROP-01234"},
        "sort by client, page 200": {"sort": "client", "page": 200},
        "sent range, sort -total, 100/page": {
            "sent_after": "2025-01-01",
            "sort": "-total",
            "per_page": 100,
        },
    }
    print(f"{'page (GET /proposals/)':<40}{'median ms':>10}{'queries':>9}{'matches':>9}")
    for label, params in pages.items():
        with CaptureQueriesContext(connection) as queries:
            ms, response = timed(lambda p=params: browser.get("/proposals/", p), repeat)
        assert response.status_code == 200, response.status_code
        filterset = ProposalFilterSet(
            QueryDict(urlencode(params, doseq=True)), queryset=everything, request=request
        )
        count = filterset.qs.count() if filterset.is_valid() else "invalid"
        print(f"{label:<40}{ms:>10.1f}{len(queries) // (repeat + 1):>9}{count:>9,}")

    ms, _ = timed(lambda: proposal_status_counts(everything), repeat)
    print(f"{'count per status (all rows)':<40}{ms:>10.1f}{1:>9}")
    by_partner = ProposalFilterSet({"partner": partner.pk}, queryset=everything, request=request)
    assert by_partner.is_valid()
    ms, _ = timed(lambda: proposal_status_counts(by_partner.qs), repeat)
    print(f"{'count per status (partner filter)':<40}{ms:>10.1f}{1:>9}")

    print(f"{'CSV export':<40}{'seconds':>10}{'rows':>9}{'MB':>9}{'peak MB':>9}")
    exports = {"all rows": {}, "partner filter": {"partner": partner.pk}}
    for label, params in exports.items():

        def download(p: dict = params) -> tuple[int, int]:
            response = browser.get("/proposals/export.csv", p)
            size = lines = 0
            for piece in response.streaming_content:
                size += len(piece)
                lines += piece.count(b"\r\n")
            return size, lines

        started = time.perf_counter()
        size, lines = download()
        seconds = time.perf_counter() - started
        tracemalloc.start()  # a second pass: tracing slows Python down several times
        download()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{label:<40}{seconds:>10.2f}{lines - 1:>9,}{size / 1e6:>9.1f}{peak / 1e6:>9.1f}")

    if explain and connection.vendor == "sqlite":
        print("\nSQLite query plans of the proposal queries of each page:")
        for label, params in pages.items():
            with CaptureQueriesContext(connection) as queries:
                browser.get("/proposals/", params)
            print(f"-- {label}")
            for query in queries:
                if 'FROM "proposals_proposal"' in query["sql"]:
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
                        plan = " | ".join(row[-1] for row in cursor.fetchall())
                    print(f"   {query['sql'][:60]}...  {plan}")


if __name__ == "__main__":
    main()
