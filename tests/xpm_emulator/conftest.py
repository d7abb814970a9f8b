"""Fixtures for the emulator's tests: an in-process app (fast) and a real server (slower,
shared by a module, reset before each test). Nothing here touches Django's database."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from starlette.exceptions import StarletteDeprecationWarning

from xpm_emulator.app import create_app
from xpm_emulator.config import EmulatorConfig
from xpm_emulator.context import Emulator
from xpm_emulator.seed import DEMO_TENANT_ID, SECOND_TENANT_ID
from xpm_emulator.testing import EmulatorHandle, running_emulator

with warnings.catch_warnings():
    # Starlette >= 1.0 prefers the httpx2 fork for its TestClient; httpx is what we have.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


@dataclass
class XpmApi:
    """A tiny XPM client for tests: `ok()` returns the parsed OK response, `error()` the
    ErrorDescription of an ERROR one."""

    http: httpx.Client
    token: str
    tenant_id: str = DEMO_TENANT_ID
    prefix: str = "/practicemanager/3.1"

    def call(self, verb: str, path: str, body: str | None = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "xero-tenant-id": self.tenant_id}
        return self.http.request(
            verb, f"{self.prefix}/{path}", content=body, params=params, headers=headers
        )

    def ok(self, verb: str, path: str, body: str | None = None, **params: Any) -> Element:
        response = self.call(verb, path, body, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        root = fromstring(response.content)
        assert root.findtext("Status") == "OK", response.text
        return root

    def error(self, verb: str, path: str, body: str | None = None, **params: Any) -> str:
        response = self.call(verb, path, body, **params)
        assert response.status_code == 200, response.text
        root = fromstring(response.content)
        assert root.findtext("Status") == "ERROR", response.text
        return root.findtext("ErrorDescription") or ""


def mint_token(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/_emulator/tokens", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def app():
    return create_app(EmulatorConfig(seed="demo"))


@pytest.fixture
def emulator(app) -> Emulator:
    return app.state.emulator


@pytest.fixture
def http(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def token(http) -> str:
    access: str = mint_token(http, tenant_ids=[DEMO_TENANT_ID, SECOND_TENANT_ID])["access_token"]
    return access


@pytest.fixture
def api(http, token) -> XpmApi:
    return XpmApi(http, token)


@pytest.fixture
def tenant(emulator):
    return emulator.store.tenant(DEMO_TENANT_ID)


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorHandle]:
    with running_emulator(seed="demo") as handle:
        yield handle


@pytest.fixture
def live(server) -> EmulatorHandle:
    server.reset()
    return server


@pytest.fixture
def live_api(live) -> Iterator[XpmApi]:
    access, _ = live.issue_token([DEMO_TENANT_ID])
    with httpx.Client(base_url=live.base_url, timeout=5) as client:
        yield XpmApi(client, access, prefix="/practicemanager/3.1")
