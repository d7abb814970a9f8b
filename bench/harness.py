"""What every benchmark shares: its own throw-away database, interleaved repeated timings,
peak RSS, the machine and its load, and a JSON line appended to `bench/results/`.

A figure means little alone: each benchmark measures a floor in the same run (the same SQL
on a bare cursor, the same XML parsed without syncing...) and prints both side by side.
Cases are interleaved (round-robin, not one after the other), so a burst of load from
another process on this shared machine spreads over every case instead of skewing one.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def summary(samples: list[float]) -> dict[str, float]:
    """min, median and p95 (nearest rank) of some timings."""
    ordered = sorted(samples)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {"min": ordered[0], "median": statistics.median(ordered), "p95": p95, "n": len(ordered)}


def interleaved(cases: Mapping[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per call of each case: one warm-up call each, then `rounds` rounds that
    call every case once, in turn."""
    for call in cases.values():
        call()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, call in cases.items():
            started = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak_rss() -> int:
    """Reset the process's peak RSS (Linux: clear_refs 5) and return its current RSS in kB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def peak_rss_kb() -> int:
    """The process's peak resident set since the last reset (all of its memory, not just
    Python's heap)."""
    return _status_kb("VmHWM")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _database_settings(connection: Any) -> dict[str, str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            found = {"version": connection.Database.sqlite_version}
            for pragma in ("journal_mode", "synchronous", "cache_size", "mmap_size"):
                cursor.execute(f"PRAGMA {pragma}")
                found[pragma] = str(cursor.fetchone()[0])
            return found
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            found = {"version": cursor.fetchone()[0]}
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit"):
                cursor.execute(f"SHOW {name}")
                found[name] = cursor.fetchone()[0]
            return found
    return {}


def environment(connection: Any) -> dict[str, Any]:
    """The machine, its load right now, and the settings the figures depend on."""
    import django

    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "commit": git.stdout.strip(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(pages / 2**30, 1),
        "load": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
        "database_settings": _database_settings(connection),
    }


def _cpu_ticks() -> tuple[int, int]:
    """(all, stolen) CPU ticks since boot: time the hypervisor gave to other machines counts
    as stolen, and slows every figure alike without showing in the load average."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields[:8]), fields[7]


_TICKS_AT_START = _cpu_ticks()


def record_end(env: dict[str, Any]) -> None:
    """Add the load at the end and the share of CPU time stolen during the run; print both."""
    env["load_after"] = [round(x, 2) for x in os.getloadavg()]
    (total, stolen), (total_0, stolen_0) = _cpu_ticks(), _TICKS_AT_START
    env["steal_percent"] = round(100 * (stolen - stolen_0) / max(1, total - total_0), 1)
    print(
        f"load after: {' '.join(map(str, env['load_after']))}; "
        f"CPU stolen by the hypervisor during the run: {env['steal_percent']} %"
    )


def print_environment(env: Mapping[str, Any]) -> None:
    settings = ", ".join(f"{k}={v}" for k, v in env["database_settings"].items())
    print(
        f"machine: {env['cpu']}, {env['cores']} cores, {env['memory_gb']} GB; "
        f"load {' '.join(map(str, env['load']))} (1/5/15 min); "
        f"Python {env['python']}, Django {env['django']}; commit {env['commit']}"
    )
    print(f"database: {env['database']} ({settings})")


def print_row(label: str, figure: Mapping[str, float], floor: Mapping[str, float]) -> None:
    """One line: min/median/p95 of a figure, of its floor, and the ratio of the medians."""
    ratio = figure["median"] / floor["median"] if floor["median"] else float("inf")
    print(
        f"{label:<38}{figure['min']:>8.1f}{figure['median']:>8.1f}{figure['p95']:>8.1f}"
        f"  |{floor['min']:>7.1f}{floor['median']:>7.1f}{floor['p95']:>7.1f}  {ratio:>5.1f}x"
    )


def print_header(what: str, unit: str = "ms") -> None:
    print(f"{what:<38}{'min':>8}{'median':>8}{'p95':>8}  |{'floor: min':>7}{'median':>7}{'p95':>7}")
    print(f"{'':<38}{'(' + unit + ')':>8}")


def record(name: str, payload: Mapping[str, Any]) -> Path:
    """Append one JSON line to bench/results/<name>.jsonl."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.jsonl"
    line = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **payload}
    with path.open("a") as out:
        out.write(json.dumps(line) + "\n")
    return path


@contextmanager
def throwaway_database(name: str, *, use_database_url: bool) -> Iterator[Any]:
    """Django set up on a database of its own, dropped afterwards: a temporary SQLite file,
    or `<name>_<pid>` created on DATABASE_URL's server (the configured database and any
    other database there are not touched). Yields django.db.connection."""
    data_dir = tempfile.mkdtemp(prefix="practicelink-bench-")
    os.environ.update(
        PRACTICELINK_DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="practicelink.settings",
        DJANGO_ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    if not use_database_url:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(data_dir) / f"{name}.sqlite3")
    else:
        connection.settings_dict["TEST"]["NAME"] = f"{name}_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(data_dir, ignore_errors=True)


def analyze(connection: Any) -> None:
    """Planner statistics as production has them before timing anything: PostgreSQL's
    autovacuum, and on SQLite the app's `PRAGMA optimize` after requests (practicelink.sqlite),
    would have run ANALYZE by then."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def as_a_web_worker(connection: Any) -> None:
    """Before timing requests, be in the state a web worker serves from: its heap settled
    once the app is loaded (`practicelink.heap`), and a fresh database connection. A request's
    own connection (CONN_MAX_AGE 0) has seen only that request's tables; the build's had seen
    every table (migrations), and `PRAGMA optimize` after each request (practicelink.sqlite)
    re-analysed every empty one: 1.3 ms a request on SQLite that production does not pay."""
    from practicelink import heap

    heap.settle()
    connection.close()


def targets() -> list[str]:
    return ["sqlite"] + (["database-url"] if os.environ.get("DATABASE_URL") else [])


def run_each_target(module: str, args: list[str]) -> None:
    """Run the benchmark once per database, each in its own process (own settings)."""
    for target in targets():
        command = [sys.executable, "-m", module, "--target", target, *args]
        subprocess.run(command, check=True)


def capture(call: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The SQL statements (with their parameters) that one call sends to the database."""
    from django.db import connection

    statements: list[tuple[str, Any]] = []

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return statements


def bare(statements: list[tuple[str, Any]], sink: Callable[[Any], Any] | None = None) -> int:
    """The floor: the same statements on a bare DB-API cursor, every row fetched (and given
    to `sink` when set); no ORM, no template, no middleware. Returns the rows read."""
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description is None:
                continue
            while batch := cursor.fetchmany(2000):
                rows += len(batch)
                if sink is not None:
                    sink(batch)
    return rows
