"""Proposals screen at 100,000 proposals: pages, filters, status counts, CSV export.

    .venv/bin/python -m bench.proposals_list [--rows 100000] [--repeat 20] [--explain]

Each figure is printed next to its floor, measured in the same run, interleaved:
- a page's server time (the whole request through Django's test client: middleware, queries,
  template) vs the same SQL statements on a bare cursor;
- the CSV export vs the same SQL on a bare cursor written out by a plain `csv.writer` loop,
  with the peak RSS growth of the process for each.
Runs on a throw-away SQLite database and, when DATABASE_URL is set, also on a throw-away
database `bench_proposals_<pid>` created on that server; statistics gathered (ANALYZE) before
timing, as production has them. Each target runs in its own process. Appends a JSON line to
bench/results/proposals_list.jsonl.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from bench.harness import (
    analyze,
    as_a_web_worker,
    bare,
    capture,
    environment,
    interleaved,
    peak_rss_kb,
    print_environment,
    print_header,
    print_row,
    record,
    record_end,
    reset_peak_rss,
    run_each_target,
    summary,
    throwaway_database,
)

WORDS = ("annual", "tax", "payroll", "bookkeeping", "advisory", "audit", "budget", "forecast")
WORDS += ("compliance", "company", "secretarial", "vat", "review", "planning", "cashflow")
STATUSES = (["draft"] * 3) + (["sent"] * 3) + (["accepted"] * 2) + ["declined", "lost"]
MEMBERS, PARTNERS, CLIENTS = 60, 12, 5000
START = datetime(2023, 1, 1, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="rounds of interleaved requests")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument("--target", choices=["sqlite", "database-url"])
    args = parser.parse_args()
    options = ["--rows", str(args.rows), "--repeat", str(args.repeat)]
    options += ["--explain"] if args.explain else []
    if args.target:
        run(args.target, args.rows, args.repeat, args.explain)
    else:
        run_each_target("bench.proposals_list", options)


def run(target: str, rows: int, repeat: int, explain: bool) -> None:
    with throwaway_database("bench_proposals", use_database_url=target != "sqlite") as db:
        print(
            f"\n== proposals list on {db.vendor} ({db.settings_dict['NAME']}), {rows:,} proposals"
        )
        started = time.perf_counter()
        practice, admin_user = build(rows)
        analyze(db)
        print(f"built in {time.perf_counter() - started:.1f} s")
        as_a_web_worker(db)
        env = environment(db)
        print_environment(env)
        figures = measure(practice, admin_user, repeat, explain)
        record_end(env)
        path = record("proposals_list", {"rows": rows, "repeat": repeat, **env, **figures})
        print(f"appended to {path}")


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


def csv_floor(statements: list[tuple[str, Any]]) -> Callable[[], int]:
    """Bare cursor → csv.writer → encoded bytes: the least an export can cost."""

    def run() -> int:
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def sink(batch: list[tuple]) -> None:
            writer.writerows(batch)
            buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()

        return bare(statements, sink)

    return run


PAGES: dict[str, Callable[[Any, Any], dict[str, Any]]] = {
    "unfiltered first page": lambda partner, manager: {},
    "partner filter": lambda partner, manager: {"partner": partner.pk},
    "manager + status (sent, accepted)": lambda partner, manager: {
        "manager": manager.pk,
        "status": ["sent", "accepted"],
    },
    "created in 2024 (date range)": lambda partner, manager: {
        "created_after": "2024-01-01",
        "created_before": "2024-12-31",
    },
    "manager + status + created range": lambda partner, manager: {
        "manager": manager.pk,
        "status": ["sent", "accepted"],
        "created_after": "2024-01-01",
        "created_before": "2024-12-31",
    },
    "text search (title word)": lambda partner, manager: {"q": "payroll"},
    "text search (PROP-01234)": lambda partner, manager: {"q": "PROP-01234"},
    "sort by client, page 200": lambda partner, manager: {"sort": "client", "page": 200},
    "sent range, sort -total, 100/page": lambda partner, manager: {
        "sent_after": "2025-01-01",
        "sort": "-total",
        "per_page": 100,
    },
}
#: the pages issue 12 sets a goal for: p95 of the server time
PAGE_GOAL_MS = 30.0
PAGE_GOALS = ("partner filter", "manager + status (sent, accepted)", "created in 2024 (date range)")
#: a member's request that does almost nothing: what the framework alone costs
FRAMEWORK = "framework: client search, no match"
EXPORT_GOAL_ROWS_PER_S = {"sqlite": 50_000, "postgresql": 40_000}
EXPORT_GOAL_RSS_MB = 50
EXPORT_GOAL_FLOOR_RATIO = 2.0


def measure(practice: Any, user: Any, repeat: int, explain: bool) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client as Browser

    from practicelink.proposals.filters import ProposalFilterSet
    from practicelink.proposals.selectors import proposal_list, proposal_status_counts
    from practicelink.team.models import Member

    browser = Browser()
    browser.force_login(user)
    everything = proposal_list(practice=practice)
    request = SimpleNamespace(practice=practice)  # all the FilterSet reads from a request
    partner, manager = Member.objects.get(name="Member 03"), Member.objects.get(name="Member 20")
    params = {label: make(partner, manager) for label, make in PAGES.items()}

    def page(query: dict[str, Any]) -> Callable[[], Any]:
        def get() -> Any:
            response = browser.get("/proposals/", query)
            assert response.status_code == 200, response.status_code
            return response

        return get

    cases: dict[str, Callable[[], Any]] = {}
    queries: dict[str, int] = {}
    for label, query in params.items():
        statements = capture(page(query))
        queries[label] = len(statements)
        cases[label] = page(query)
        cases[f"floor: {label}"] = lambda s=statements: bare(s)
    by_partner = ProposalFilterSet({"partner": partner.pk}, queryset=everything, request=request)
    assert by_partner.is_valid()
    for label, qs in (
        ("status counts (all)", everything),
        ("status counts (partner)", by_partner.qs),
    ):
        cases[label] = lambda qs=qs: proposal_status_counts(qs)
        statements = capture(cases[label])
        cases[f"floor: {label}"] = lambda s=statements: bare(s)

    # What any member's request costs (session, user, memberships, middleware): the client
    # picker's search, one small query and no template, next to that query's floor.
    def client_search() -> Any:
        return browser.get("/proposals/client-options/", {"client_search": "no such client"})

    search_statements = capture(client_search)
    cases[FRAMEWORK] = client_search
    cases[f"floor: {FRAMEWORK}"] = lambda: bare(search_statements)
    samples = interleaved(cases, repeat)

    figures: dict[str, Any] = {"pages": {}, "exports": {}}
    print_header("GET /proposals/ (server time)")
    for label in [*params, "status counts (all)", "status counts (partner)", FRAMEWORK]:
        figure, floor = summary(samples[label]), summary(samples[f"floor: {label}"])
        goal = PAGE_GOAL_MS if label in PAGE_GOALS else None
        print_row(label, figure, floor)
        figures["pages"][label] = {
            "ms": figure,
            "floor_ms": floor,
            "queries": len(search_statements) if label == FRAMEWORK else queries.get(label, 1),
            "goal_p95_ms": goal,
            "met": None if goal is None else figure["p95"] <= goal,
        }
    print(
        f"queries per page: {sorted(set(queries.values()))}; "
        f"goal: p95 ≤ {PAGE_GOAL_MS:.0f} ms for {', '.join(PAGE_GOALS)}"
    )

    exports = {"all rows": {}, "partner filter": {"partner": partner.pk}}

    def download(query: dict[str, Any]) -> Callable[[], int]:
        def run() -> int:
            response = browser.get("/proposals/export.csv", query)
            lines = sum(piece.count(b"\r\n") for piece in response.streaming_content)
            response.close()
            return lines - 1

        return run

    export_cases: dict[str, Callable[[], Any]] = {}
    for label, query in exports.items():
        export_cases[label] = download(query)
        export_cases[f"floor: {label}"] = csv_floor(capture(download(query)))
    rows = {label: export_cases[label]() for label in exports}
    export_samples = interleaved(export_cases, max(3, repeat // 4))

    rss: dict[str, float] = {}
    for label in ("all rows", "floor: all rows"):
        base = reset_peak_rss()
        export_cases[label]()
        rss[label] = (peak_rss_kb() - base) / 1024

    vendor = connection.vendor
    print()
    print_header("GET /proposals/export.csv", unit="s")
    for label, count in rows.items():
        figure = summary([ms / 1000 for ms in export_samples[label]])
        floor = summary([ms / 1000 for ms in export_samples[f"floor: {label}"]])
        print_row(f"{label} ({count:,} rows)", figure, floor)
        rate, floor_rate = count / figure["median"], count / floor["median"]
        figures["exports"][label] = {
            "rows": count,
            "s": figure,
            "floor_s": floor,
            "rows_per_s": rate,
            "floor_rows_per_s": floor_rate,
        }
        print(f"{'':<38}{rate:>8,.0f} rows/s (median)  |{floor_rate:>10,.0f} rows/s")
    whole = figures["exports"]["all rows"]
    whole["rss_growth_mb"], whole["floor_rss_growth_mb"] = rss["all rows"], rss["floor: all rows"]
    ratio = whole["s"]["median"] / whole["floor_s"]["median"]
    whole["met"] = (
        whole["rows_per_s"] >= EXPORT_GOAL_ROWS_PER_S[vendor]
        and whole["rss_growth_mb"] <= EXPORT_GOAL_RSS_MB
        and ratio <= EXPORT_GOAL_FLOOR_RATIO
    )
    print(
        f"peak RSS growth, all rows: {rss['all rows']:.1f} MB (floor {rss['floor: all rows']:.1f}"
        f" MB); goal ≥ {EXPORT_GOAL_ROWS_PER_S[vendor]:,} rows/s, ≤ {EXPORT_GOAL_RSS_MB} MB, "
        f"≤ {EXPORT_GOAL_FLOOR_RATIO:.0f}x floor: {'met' if whole['met'] else 'MISSED'}"
    )

    if explain:
        print("\nquery plans of the proposal queries of each page:")
        for label, query in params.items():
            print(f"-- {label}")
            for sql, sql_params in capture(page(query)):
                if 'FROM "proposals_proposal"' in sql:
                    print(f"   {sql[:70]}...")
                    for line in plan(sql, sql_params):
                        print(f"      {line}")
    return figures


def plan(sql: str, params: Any) -> list[str]:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN" if connection.vendor == "sqlite" else "EXPLAIN ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} {sql}", params)
        return [str(row[-1]) for row in cursor.fetchall()]


if __name__ == "__main__":
    main()
