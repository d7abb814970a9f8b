"""For operators: /healthz (app, database, queue) and /metrics (Prometheus).

The counters and histograms live in `practicelink.xpm.metrics`; the queue's depth and the runs
waiting are read from the queue and the database when /metrics is scraped.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from huey.contrib.djhuey import HUEY
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from practicelink.xpm.models import ACTIVE_STATUSES, SyncRun, SyncStatus

logger = logging.getLogger(__name__)


class QueueCollector(Collector):
    """Work waiting: tasks in the queue, and sync runs by status with the oldest one's age."""

    def collect(self) -> Iterator[Metric]:
        tasks = GaugeMetricFamily(
            "practicelink_queue_tasks", "Tasks in the queue, by state", labels=["state"]
        )
        tasks.add_metric(["pending"], HUEY.pending_count())
        tasks.add_metric(["scheduled"], HUEY.scheduled_count())
        yield tasks
        waiting = SyncRun.objects.filter(status__in=ACTIVE_STATUSES)
        runs = GaugeMetricFamily(
            "practicelink_sync_runs",
            "Sync runs queued, running or deferred (waiting for XPM's rate limit)",
            labels=["status"],
        )
        counts = dict(waiting.values("status").annotate(n=Count("id")).values_list("status", "n"))
        for status in ACTIVE_STATUSES:
            runs.add_metric([status], counts.get(status, 0))
        yield runs
        oldest = waiting.filter(status=SyncStatus.QUEUED).aggregate(at=Min("created_at"))["at"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "practicelink_sync_oldest_queued_seconds", "Age of the oldest queued sync run", age
        )


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def registry() -> CollectorRegistry:
    """What /metrics shows: every process of the host (multiprocess mode) or this one."""
    shown = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(shown)
    else:
        shown.register(_ThisProcess())
    shown.register(QueueCollector())
    return shown


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _queue() -> None:
    HUEY.pending_count()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the app answers and reaches its database and queue; 503 naming what failed."""
    checks = {"app": "ok"}
    for name, check in (("database", _database), ("queue", _queue)):
        try:
            check()
        except Exception as error:
            logger.warning("health check failed", extra={"check": name, "error": repr(error)})
            checks[name] = f"unreachable ({type(error).__name__})"
        else:
            checks[name] = "ok"
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
    )


def _may_scrape(request: HttpRequest) -> bool:
    """With METRICS_TOKEN set, only its bearer; without, only this host."""
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(given.encode(), token.encode())
    return request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        return HttpResponse(
            "Metrics are for this host, or for the bearer of METRICS_TOKEN.\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
