"""The control API, seeds, snapshots, the test harness and the command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest

from tests.xpm_emulator.conftest import TestClient, XpmApi, mint_token
from xpm_emulator.app import create_app
from xpm_emulator.config import EmulatorConfig
from xpm_emulator.seed import DEMO_TENANT_ID, SECOND_TENANT_ID, demo_tenant
from xpm_emulator.store import Store
from xpm_emulator.testing import running_emulator

POSTED_STAFF = "5f1e2d3c-0000-4000-8000-000000000001"
SEED_DOCUMENT = {
    "tenants": [
        {
            "name": "Posted Practice",
            "tenant_id": "9b0c4f2e-1111-4a2b-8c3d-4e5f6a7b8c9d",
            "staff": [{"name": "Pat Posted", "uuid": POSTED_STAFF}],
            "clients": [
                {
                    "name": "Posted Client",
                    "account_manager_uuid": "5f1e2d3c-0000-4000-8000-000000000001",
                }
            ],
        }
    ]
}


def test_reset_restores_the_start(api, http, emulator, tenant):
    api.ok("POST", "staff.api/add", "<Staff><Name>Temp</Name></Staff>")
    http.post("/_emulator/faults", json={"path": "x", "kind": "500"})
    http.patch("/_emulator/config", json={"minute_limit": 1})
    emulator.clock.advance(100)
    assert http.post("/_emulator/reset").json() == {"ok": True}
    fresh = emulator.store.tenant(DEMO_TENANT_ID)
    assert len(fresh.staff) == 12
    assert emulator.store.calls == [] and http.get("/_emulator/faults").json() == []
    assert emulator.config.minute_limit == 60
    assert abs(emulator.clock.timestamp() - time.time()) < 5
    assert api.call("GET", "staff.api/list").status_code == 401  # tokens are gone
    assert "practicelink-demo" in emulator.store.oauth_clients


def test_seed_posted_tenants(http, emulator):
    answer = http.post("/_emulator/seed", json=SEED_DOCUMENT).json()
    tenant_id = SEED_DOCUMENT["tenants"][0]["tenant_id"]
    assert answer["added"] == [tenant_id]
    api = XpmApi(http, mint_token(http, tenant_ids=[tenant_id])["access_token"], tenant_id)
    client = api.ok("GET", "client.api/list").find("Clients/Client")
    assert client.findtext("AccountManager/Name") == "Pat Posted"
    assert len(emulator.store.tenant(tenant_id).job_states) == 6  # defaults filled in


@pytest.mark.parametrize(
    "body",
    [
        {"tenants": [{"name": "X", "colour": "red"}]},
        {"tenants": [{"staff": []}]},
        {"seed": "galaxy"},
        {"people": []},
        [1, 2],
    ],
)
def test_bad_seeds_are_400(http, body):
    response = http.post("/_emulator/seed", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_invalid_json_is_400(http):
    response = http.post("/_emulator/seed", content=b"{nope")
    assert response.status_code == 400


def test_seed_demo_into_an_empty_emulator():
    with TestClient(create_app()) as http:
        assert http.get("/_emulator/state").json()["tenants"] == []
        answer = http.post("/_emulator/seed", json={"seed": "demo"}).json()
        assert answer["added"] == [DEMO_TENANT_ID, SECOND_TENANT_ID]


def test_state_shows_everything(api, http):
    api.ok("GET", "staff.api/list")
    state = http.get("/_emulator/state").json()
    assert [t["name"] for t in state["tenants"]] == ["Demo Practice", "Second Street Accounting"]
    assert len(state["tenants"][0]["clients"]) == 30
    assert state["calls"][0]["endpoint"] == "staff.api/list"
    assert state["grants"] and state["clock"]["now"]


def test_clock_advance_and_set(http, emulator):
    before = emulator.clock.timestamp()
    after = http.post("/_emulator/clock", json={"advance": 3600}).json()["timestamp"]
    assert 3600 <= after - before < 3605
    answer = http.post("/_emulator/clock", json={"set": "2031-02-03T04:05:06Z"}).json()
    assert answer["now"].startswith("2031-02-03T04:05:0")
    assert emulator.clock.now().year == 2031
    assert http.post("/_emulator/clock", json={"set": "soon"}).status_code == 400
    assert http.post("/_emulator/clock", json={}).status_code == 400
    assert http.get("/_emulator/clock").json()["now"].startswith("2031")


def test_config_read_and_patch(http, emulator):
    assert http.get("/_emulator/config").json()["minute_limit"] == 60
    patched = http.patch("/_emulator/config", json={"strict_task_assignment": False}).json()
    assert patched["strict_task_assignment"] is False
    assert emulator.config.strict_task_assignment is False
    assert http.patch("/_emulator/config", json={"speed": 11}).status_code == 400


def test_tokens_endpoint_checks_its_input(http):
    assert http.post("/_emulator/tokens", json={"tenant_ids": ["nope"]}).status_code == 400
    assert http.post("/_emulator/tokens", json={"client_id": "nobody"}).status_code == 400
    assert set(mint_token(http)) >= {"access_token", "refresh_token", "grant_id", "expires_in"}


def test_demo_seed_is_deterministic():
    assert demo_tenant() == demo_tenant()
    first, second = create_app(EmulatorConfig(seed="demo")), create_app(EmulatorConfig(seed="demo"))
    assert first.state.emulator.store.tenants == second.state.emulator.store.tenants
    tenant = demo_tenant()
    assert tenant.tenant_id == DEMO_TENANT_ID and tenant.name == "Demo Practice"
    assert len(tenant.staff) == 12 and len(tenant.clients) == 30
    assert all(
        s.email == f"{s.name.split()[0].lower()}@demo-practice.example" for s in tenant.staff
    )
    staff_ids = {s.uuid for s in tenant.staff}
    assert all(c.account_manager_uuid in staff_ids for c in tenant.clients[:-1])
    assert tenant.clients[-1].account_manager_uuid is None
    assert sum(c.job_manager_uuid is None for c in tenant.clients) == 3
    assert len(tenant.templates) == 4 and all(t.task_type_uuids for t in tenant.templates)


def test_snapshot_save_and_load(api, http, emulator, tmp_path):
    api.ok("POST", "staff.api/add", "<Staff><Name>Saved Person</Name></Staff>")
    path = tmp_path / "state.json"
    assert http.post("/_emulator/snapshot", json={"path": str(path)}).json() == {"saved": str(path)}
    assert http.post("/_emulator/snapshot").status_code == 400  # no path, no --state file
    loaded = Store.load(path)
    assert loaded == emulator.store
    assert loaded.tenant(DEMO_TENANT_ID).staff[-1].name == "Saved Person"
    json.loads(path.read_text())  # plain JSON


def test_state_file_is_loaded_at_start_and_saved_at_shutdown(tmp_path):
    path = tmp_path / "state.json"
    config = EmulatorConfig(seed="demo", state_path=str(path))
    with TestClient(create_app(config)) as http:
        token = mint_token(http, tenant_ids=[DEMO_TENANT_ID])["access_token"]
        XpmApi(http, token).ok("POST", "staff.api/add", "<Staff><Name>Kept</Name></Staff>")
    assert path.exists()
    with TestClient(create_app(config)) as http:
        # The token survived too: the snapshot holds grants and tokens.
        staff = XpmApi(http, token).ok("GET", "staff.api/list").findall("StaffList/Staff")
        assert "Kept" in [s.findtext("Name") for s in staff]


def test_running_emulator_handle(tmp_path):
    with running_emulator() as xpm:
        assert xpm.base_url.startswith("http://127.0.0.1:")
        assert xpm.api_url == f"{xpm.base_url}/practicemanager/3.1"
        assert xpm.authorize_url == f"{xpm.base_url}/identity/connect/authorize"
        assert xpm.token_url == f"{xpm.base_url}/connect/token"
        assert xpm.connections_url == f"{xpm.base_url}/connections"
        assert xpm.revocation_url == f"{xpm.base_url}/connect/revocation"
        assert xpm.store.tenants == []
        xpm.seed("demo")
        xpm.seed(SEED_DOCUMENT)
        assert len(xpm.state()["tenants"]) == 3
        access, refresh = xpm.issue_token([DEMO_TENANT_ID], scope="practicemanager")
        assert refresh == ""  # no offline_access, no refresh token
        headers = {"Authorization": f"Bearer {access}", "xero-tenant-id": DEMO_TENANT_ID}
        assert httpx.get(f"{xpm.api_url}/staff.api/list", headers=headers).status_code == 200
        assert [c["endpoint"] for c in xpm.calls(tenant=DEMO_TENANT_ID)] == ["staff.api/list"]
        xpm.clear_calls()
        assert xpm.calls() == []
        xpm.set_time(datetime(2030, 1, 1, tzinfo=UTC))
        assert xpm.clock.now().year == 2030
        assert xpm.configure(minute_limit=7)["minute_limit"] == 7
        xpm.register_client("other-app", "s3cret", ["http://localhost:1/cb"])
        other, _ = xpm.issue_token([DEMO_TENANT_ID], client_id="other-app")
        xpm.revoke(access_token=other)
        headers["Authorization"] = f"Bearer {other}"
        assert httpx.get(f"{xpm.api_url}/staff.api/list", headers=headers).status_code == 401


def test_command_line_serves_and_saves_state(tmp_path):
    path = tmp_path / "state.json"
    with running_emulator() as probe:  # borrow a free port
        port = int(probe.base_url.rsplit(":", 1)[1])
    command = [sys.executable, "-m", "xpm_emulator.server", "--port", str(port)]
    process = subprocess.Popen([*command, "--seed", "demo", "--state", str(path)])
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/_emulator/state").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.05)
        assert state["tenants"][0]["tenant_id"] == DEMO_TENANT_ID
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
    assert Store.load(path).tenant(DEMO_TENANT_ID) is not None
