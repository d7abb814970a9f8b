"""Prometheus metrics of the XPM integration (served at /metrics).

Every process (web, workers, scheduler) writes to `PROMETHEUS_MULTIPROC_DIR` when it is set,
so the web process's /metrics adds up the whole host (see `practicelink.ops`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from prometheus_client import Counter, Histogram

XPM_CALLS = Counter(
    "practicelink_xpm_calls_total", "Calls to XPM and its identity server", ["endpoint", "status"]
)
XPM_RATE_LIMITED = Counter(
    "practicelink_xpm_rate_limited_total", "429 answers from XPM, by limit", ["problem"]
)
LIMITER_WAITS = Counter(
    "practicelink_xpm_limiter_waits_total",
    "Calls our rate limiter held back (the run was deferred), by limit",
    ["reason"],
)
DISPATCHED = Counter(
    "practicelink_sync_dispatched_total", "Periodic sync runs the dispatcher queued"
)
RUN_SECONDS = Histogram(
    "practicelink_sync_run_seconds",
    "Time a sync run worked until it finished or was deferred, by outcome",
    ["outcome"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
STEP_SECONDS = Histogram(
    "practicelink_sync_step_seconds",
    "Time a sync step worked, by step and outcome",
    ["step", "outcome"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)


@contextmanager
def step_timed(step: str) -> Iterator[dict[str, str]]:
    """Time a sync step; the caller sets `["outcome"]`, a step cut short (deferred, failed)
    counts as "stopped"."""
    labels = {"step": step, "outcome": "stopped"}
    started = time.monotonic()
    try:
        yield labels
    finally:
        STEP_SECONDS.labels(**labels).observe(time.monotonic() - started)


def endpoint_of(url: httpx.URL) -> str:
    """`staff.api/get` for `/practicemanager/3.1/staff.api/get/{uuid}`: ids never become labels."""
    segments = [s for s in url.path.split("/") if s]
    for index, segment in enumerate(segments):
        if segment.endswith(".api"):
            return "/".join(segments[index : index + 2])
    return "/".join(segments[-2:])


def count_call(response: httpx.Response) -> None:
    """An httpx response hook: one count per answer, and the limit a 429 names."""
    XPM_CALLS.labels(endpoint=endpoint_of(response.request.url), status=response.status_code).inc()
    if response.status_code == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower() or "unknown"
        XPM_RATE_LIMITED.labels(problem=problem).inc()
