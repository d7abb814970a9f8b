"""Injected faults, over real HTTP (drops need a real connection to close)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from defusedxml.ElementTree import ParseError, fromstring

from xpm_emulator.gateway import ConnectionDropped
from xpm_emulator.seed import DEMO_TENANT_ID

ADD_STAFF = "<Staff><Name>New Person</Name><Email>new@demo-practice.example</Email></Staff>"


def staff_count(live) -> int:
    return len(live.store.tenant(DEMO_TENANT_ID).staff)


def test_429_fault_then_normal_service(live, live_api):
    live.add_fault("staff.api/list", "429", retry_after=7, problem="day")
    refused = live_api.call("GET", "staff.api/list")
    assert refused.status_code == 429
    assert refused.content == b""
    assert (refused.headers["retry-after"], refused.headers["x-rate-limit-problem"]) == ("7", "day")
    assert live_api.call("GET", "staff.api/list").status_code == 200
    assert [c["fault"] for c in live.calls()] == ["429", None]


@pytest.mark.parametrize(
    ("kind", "detail"), [("500", "An error occurred"), ("503", "ServiceNotAvailable")]
)
def test_server_error_faults_write_nothing(live, live_api, kind, detail):
    live.add_fault("staff.api/add", kind)
    response = live_api.call("POST", "staff.api/add", ADD_STAFF)
    assert response.status_code == int(kind)
    assert response.json()["Detail"] == detail
    assert response.headers["xero-correlation-id"]
    assert staff_count(live) == 12


def test_slow_fault_lets_a_client_timeout_fire(live, live_api):
    live.add_fault("staff.api/list", "slow", seconds=0.5)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        live_api.http.get(
            f"{live.api_url}/staff.api/list",
            headers={"Authorization": f"Bearer {live_api.token}", "xero-tenant-id": DEMO_TENANT_ID},
            timeout=0.1,
        )
    assert time.monotonic() - started < 0.4
    live.add_fault("staff.api/list", "slow", seconds=0.2)
    started = time.monotonic()
    assert live_api.ok("GET", "staff.api/list")
    assert time.monotonic() - started >= 0.2
    # The abandoned call still completes on the server.
    while len(live.calls()) < 2 and time.monotonic() - started < 2:
        time.sleep(0.02)
    assert [(c["fault"], c["status"]) for c in live.calls()] == [("slow", 200), ("slow", 200)]


def test_drop_closes_the_connection_and_writes_nothing(live, live_api):
    live.add_fault("staff.api/add", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        live_api.call("POST", "staff.api/add", ADD_STAFF)
    assert staff_count(live) == 12
    assert live.calls()[-1]["fault"] == "drop"
    assert live_api.ok("POST", "staff.api/add", ADD_STAFF)  # the next call is served


def test_drop_after_writes_then_closes(live, live_api):
    live.add_fault("staff.api/add", "drop_after")
    with pytest.raises(httpx.RemoteProtocolError):
        live_api.call("POST", "staff.api/add", ADD_STAFF)
    assert staff_count(live) == 13
    assert live.store.tenant(DEMO_TENANT_ID).staff[-1].name == "New Person"


def test_malformed_answers_200_with_broken_xml(live, live_api):
    live.add_fault("staff.api/add", "malformed")
    response = live_api.call("POST", "staff.api/add", ADD_STAFF)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    with pytest.raises(ParseError):
        fromstring(response.content)
    assert staff_count(live) == 13


def test_counts_globs_methods_and_rates(live, live_api):
    fault = live.add_fault("job.api/*", "500", count=None, method="GET")
    assert live_api.call("GET", "job.api/current").status_code == 500
    assert live_api.call("GET", "job.api/get/J000001").status_code == 500
    assert live_api.call("POST", "job.api/delete", "<Job><ID>x</ID></Job>").status_code == 200
    assert live_api.call("GET", "staff.api/list").status_code == 200
    listed = httpx.get(f"{live.base_url}/_emulator/faults").json()
    assert [(f["id"], f["hits"]) for f in listed] == [(fault["id"], 2)]
    assert httpx.delete(f"{live.base_url}/_emulator/faults/{fault['id']}").status_code == 204
    assert httpx.delete(f"{live.base_url}/_emulator/faults/{fault['id']}").status_code == 404
    live.add_fault("job.api/get", "500", count=2)  # matches with identifiers after it
    statuses = [live_api.call("GET", "job.api/get/J1").status_code for _ in "abc"]
    assert statuses == [500, 500, 200]
    live.add_fault("staff.api/list", "500", count=None, rate=0.0)
    assert live_api.call("GET", "staff.api/list").status_code == 200
    live.clear_faults()
    assert httpx.get(f"{live.base_url}/_emulator/faults").json() == []


@pytest.mark.parametrize(
    "fault",
    [{"path": "x", "kind": "teapot"}, {"path": "x", "kind": "500", "rate": 2}, {"kind": "500"}],
)
def test_bad_fault_definitions_are_400(live, fault):
    assert httpx.post(f"{live.base_url}/_emulator/faults", json=fault).status_code == 400


def test_concurrent_limit(live, live_api):
    live.configure(concurrent_limit=2)
    live.add_fault("staff.api/list", "slow", count=None, seconds=0.4)
    token = live_api.token

    def call(_: int) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": DEMO_TENANT_ID}
        return httpx.get(f"{live.api_url}/staff.api/list", headers=headers, timeout=5)

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(call, range(3)))
    assert sorted(r.status_code for r in responses) == [200, 200, 429]
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["x-rate-limit-problem"] == "concurrent"
    assert "retry-after" not in refused.headers


def test_drop_in_process_raises(api, http):
    http.post("/_emulator/faults", json={"path": "staff.api/list", "kind": "drop"})
    with pytest.raises(ConnectionDropped):
        api.call("GET", "staff.api/list")
