"""Run a real emulator server for tests.

    from xpm_emulator.testing import running_emulator
    from xpm_emulator.seed import DEMO_TENANT_ID

    with running_emulator(seed="demo") as xpm:
        access, refresh = xpm.issue_token([DEMO_TENANT_ID])
        r = httpx.get(f"{xpm.api_url}/staff.api/list",
                      headers={"Authorization": f"Bearer {access}",
                               "xero-tenant-id": DEMO_TENANT_ID})
        assert [c["endpoint"] for c in xpm.calls()] == ["staff.api/list"]

`running_emulator(config=None, seed=None)` starts uvicorn in a background thread on a free
127.0.0.1 port and stops it on exit. `seed` is "demo" (see `xpm_emulator.seed`: DEMO_TENANT_ID,
SECOND_TENANT_ID) or None/"none" for an empty store; it overrides `config.seed`.

`EmulatorHandle`:
- URLs: `base_url` (http://127.0.0.1:PORT), `api_url` (`{base_url}/practicemanager/3.1`),
  `authorize_url`, `token_url`, `revocation_url`, `connections_url`.
- Direct access (same process; touch between requests): `store` (`xpm_emulator.store.Store`:
  `store.tenant(id).staff`, `.clients`, `.jobs`...), `clock` (`xpm_emulator.clock.Clock`).
- Helpers over the control API (`/_emulator/`, see `xpm_emulator.control`):
  `reset()`; `advance(seconds)`; `set_time(datetime)`; `add_fault(path, kind, count=1, **opts)`
  -> fault dict (kind: 429, 500, 503, slow, drop, drop_after, malformed, drip, oversize,
  gzip_bomb; opts: rate, method, seconds, size, retry_after, problem); `clear_faults()`;
  `calls(tenant=None)` -> list of dicts {seq, time, method, path, endpoint, query, tenant_id,
  status, body, fault};
  `clear_calls()`; `issue_token(tenant_ids, client_id=None, scope=None)` -> (access_token,
  refresh_token), a grant minted without the browser; `revoke(grant_id=..., refresh_token=...,
  access_token=...)`; `register_client(client_id, client_secret, redirect_uris)`;
  `configure(**settings)` (EmulatorConfig fields, e.g. minute_limit=3,
  strict_task_assignment=False); `seed(document_or_name)`; `state()`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx
import uvicorn

from xpm_emulator.app import create_app
from xpm_emulator.clock import Clock
from xpm_emulator.config import EmulatorConfig
from xpm_emulator.context import Emulator
from xpm_emulator.server import build_server
from xpm_emulator.store import Store

STARTUP_TIMEOUT = 10.0


@dataclass
class EmulatorHandle:
    base_url: str
    emulator: Emulator
    control: httpx.Client
    """Kept for the emulator's lifetime: building a client per control call (a new TLS
    context and pool each time) was most of the test suite's HTTP cost."""

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/practicemanager/3.1"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/identity/connect/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/connect/token"

    @property
    def revocation_url(self) -> str:
        return f"{self.base_url}/connect/revocation"

    @property
    def connections_url(self) -> str:
        return f"{self.base_url}/connections"

    @property
    def store(self) -> Store:
        return self.emulator.store

    @property
    def clock(self) -> Clock:
        return self.emulator.clock

    def _control(self, method: str, path: str, json: Any = None) -> Any:
        response = self.control.request(method, f"{self.base_url}/_emulator/{path}", json=json)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        self._control("POST", "reset")

    def advance(self, seconds: float) -> None:
        self._control("POST", "clock", {"advance": seconds})

    def set_time(self, when: datetime) -> None:
        self._control("POST", "clock", {"set": when.isoformat()})

    def add_fault(self, path: str, kind: str, count: int | None = 1, **options: Any) -> Any:
        return self._control(
            "POST", "faults", {"path": path, "kind": kind, "count": count, **options}
        )

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def calls(self, tenant: str | None = None) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._control(
            "GET", "calls" + (f"?tenant={tenant}" if tenant else "")
        )
        return calls

    def clear_calls(self) -> None:
        self._control("DELETE", "calls")

    def issue_token(
        self,
        tenant_ids: list[str],
        client_id: str | None = None,
        scope: str | None = None,
    ) -> tuple[str, str]:
        body: dict[str, Any] = {"tenant_ids": tenant_ids}
        if client_id:
            body["client_id"] = client_id
        if scope:
            body["scope"] = scope
        answer = self._control("POST", "tokens", body)
        return answer["access_token"], answer.get("refresh_token", "")

    def revoke(self, **token_or_grant: str) -> None:
        self._control("POST", "revoke", token_or_grant)

    def register_client(
        self, client_id: str, client_secret: str | None, redirect_uris: list[str] | None = None
    ) -> None:
        self._control(
            "POST",
            "oauth-clients",
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": redirect_uris or [],
            },
        )

    def configure(self, **settings: Any) -> dict[str, Any]:
        config: dict[str, Any] = self._control("PATCH", "config", settings)
        return config

    def seed(self, document_or_name: dict[str, Any] | str) -> Any:
        if isinstance(document_or_name, str):
            return self._control("POST", "seed", {"seed": document_or_name})
        return self._control("POST", "seed", document_or_name)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self._control("GET", "state")
        return state


def _free_socket() -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every answer on a kept-alive connection waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def running_emulator(
    config: EmulatorConfig | None = None, seed: str | None = None
) -> Iterator[EmulatorHandle]:
    """A real emulator server on a free 127.0.0.1 port for the duration of the block."""
    config = replace(config or EmulatorConfig(), seed=seed or "none")  # type: ignore[arg-type]
    app = create_app(config)
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = build_server(app, "127.0.0.1", port)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"xpm-emulator-{port}", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread)
        with httpx.Client() as control:
            yield EmulatorHandle(f"http://127.0.0.1:{port}", app.state.emulator, control)
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT)
        sock.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the XPM emulator did not start")
        time.sleep(0.01)
