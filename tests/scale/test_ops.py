"""/healthz and /metrics: what an operator of many workers watches."""

from __future__ import annotations

import json
import logging
import logging.config

import pytest
from django.test import Client as BrowserClient
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage
from prometheus_client.parser import text_string_to_metric_families

from practicelink import settings as settings_module
from practicelink.xpm.gateway import client_for
from practicelink.xpm.models import SyncRun, SyncTrigger
from practicelink.xpm.ratelimit import rate_limiter
from practicelink.xpm.remote import RateLimitDenied
from practicelink.xpm.services.runs import sync_request
from practicelink.xpm.tasks import sync_run_task
from tests.xpm.conftest import sync

pytestmark = pytest.mark.django_db


def scrape(**headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = BrowserClient().get("/metrics", headers=headers)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.content.decode())
        for sample in family.samples
    }


def test_healthz_says_the_app_database_and_queue_answer(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "checks": {"app": "ok", "database": "ok", "queue": "ok"},
    }


@pytest.fixture
def queue_down():
    """The queue on a Redis server that is not there."""
    HUEY.immediate = False
    configured = HUEY.storage
    HUEY.storage = RedisStorage("down", url="redis://127.0.0.1:1/0")
    yield
    HUEY.storage = configured
    HUEY.immediate = True


def test_healthz_fails_when_the_queue_is_unreachable(client, queue_down):
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "failing",
        "checks": {"app": "ok", "database": "ok", "queue": "unreachable (ConnectionError)"},
    }


CALLS = "practicelink_xpm_calls_total"
WAITS = "practicelink_xpm_limiter_waits_total"


@pytest.fixture
def one_call_a_minute(settings):
    settings.XPM_RATE_LIMITER = {
        "BACKEND": "practicelink.xpm.ratelimit.InProcessRateLimiter",
        "OPTIONS": {"minute_limit": 1},
    }
    rate_limiter.cache_clear()
    yield
    rate_limiter.cache_clear()


def test_metrics_count_xpm_calls_limiter_waits_and_runs_waiting(
    practice, connected, xpm, one_call_a_minute
):
    listed = (CALLS, (("endpoint", "staff.api/list"), ("status", "200")))
    minute = (WAITS, (("reason", "minute"),))
    before = scrape()
    with client_for(practice) as client:
        client.staff_list()
        with pytest.raises(RateLimitDenied):
            client.staff_list()
    SyncRun.objects.create(practice=practice, trigger=SyncTrigger.PERIODIC)
    after = scrape()
    assert after[listed] - before.get(listed, 0) == 1
    assert after[minute] - before.get(minute, 0) == 1
    assert after[("practicelink_sync_runs", (("status", "queued"),))] == 1
    assert after[("practicelink_sync_runs", (("status", "running"),))] == 0
    assert after[("practicelink_sync_runs", (("status", "deferred"),))] == 0
    assert after[("practicelink_queue_tasks", (("state", "pending"),))] == 0
    assert after[("practicelink_sync_oldest_queued_seconds", ())] >= 0


def test_metrics_are_for_this_host_or_the_bearer_of_the_token(settings):
    elsewhere = BrowserClient(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.get("/metrics").status_code == 403
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert BrowserClient().get("/metrics").status_code == 403  # the token is asked of all
    wrong = elsewhere.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403
    assert scrape(Authorization="Bearer s3cret-scrape-token")


def test_metrics_time_each_step_of_a_sync_by_outcome(practice, connected, xpm):
    steps = [("staff", "succeeded"), ("catalogue", "succeeded")]
    samples = [
        ("practicelink_sync_step_seconds_count", (("outcome", outcome), ("step", step)))
        for step, outcome in steps
    ]
    before = scrape()
    sync(practice)
    after = scrape()
    assert [after[sample] - before.get(sample, 0) for sample in samples] == [1, 1]


def test_a_sync_logs_one_json_line_with_its_practice_and_run(practice, connected, xpm, caplog):
    json_formatter = logging.config.DictConfigurator({}).configure_formatter(
        settings_module.LOGGING["formatters"]["json"]
    )
    with caplog.at_level(logging.INFO, logger="practicelink.xpm.tasks"):
        run = sync_request(practice=practice, trigger=SyncTrigger.MANUAL)
        sync_run_task.call_local(run.pk)
    (record,) = [r for r in caplog.records if r.name == "practicelink.xpm.tasks"]
    line = json_formatter.format(record)
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["message"] == "sync run succeeded"
    assert (logged["practice_id"], logged["run_id"]) == (practice.pk, run.pk)
    assert (logged["level"], logged["logger"]) == ("INFO", "practicelink.xpm.tasks")
