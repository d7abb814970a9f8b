"""What the sync benchmarks share: a practice connected to an emulated XPM tenant, and a sync
timed in CPU next to the floor of parsing its XML, interleaved (before and after each sync).

A sync's CPU time is that of the thread running it: the emulator serving XPM runs in another.
Each timed call starts with the process's heap collected and frozen (`gc.freeze`): a full
collection of the benchmark's own heap (the emulator's thousands of records) would otherwise
land in whichever call happens to trigger it, adding up to ~80 ms of noise to a figure of
~200 ms. Collections of what the call itself allocates are counted.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.harness import summary


def cpu_ms(call: Callable[[], Any]) -> tuple[float, float]:
    """CPU time of this thread and wall time, in ms, of one call."""
    gc.collect()
    gc.freeze()
    try:
        cpu, wall = time.thread_time(), time.perf_counter()
        call()
        return (time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
    finally:
        gc.unfreeze()


def connect(xpm: Any, tenant: Any) -> Any:
    """A practice connected to `tenant` (already in the emulator's store), auto-link on."""
    from django.conf import settings
    from django.utils import timezone

    from practicelink.team.models import Practice
    from practicelink.xpm.crypto import encrypt
    from practicelink.xpm.models import ConnectionStatus, SyncSettings, XpmConnection

    settings.XPM_API_URL = xpm.api_url
    access, refresh = xpm.issue_token([tenant.tenant_id])
    practice = Practice.objects.create(name="Bench Practice")
    SyncSettings.objects.create(practice=practice, auto_link=True)
    XpmConnection.objects.create(
        practice=practice,
        status=ConnectionStatus.CONNECTED,
        tenant_id=tenant.tenant_id,
        access_token_encrypted=encrypt(access),
        refresh_token_encrypted=encrypt(refresh),
        expires_at=timezone.now() + timedelta(minutes=30),
    )
    return practice


def fetch(xpm: Any, tenant: Any, path: str) -> bytes:
    """One XPM answer as the sync receives it (for the floor: parsing it)."""
    import httpx

    access, _ = xpm.issue_token([tenant.tenant_id])
    headers = {"Authorization": f"Bearer {access}", "Xero-Tenant-Id": tenant.tenant_id}
    return httpx.get(f"{xpm.api_url}/{path}", headers=headers, timeout=60).content


def print_header(what: str) -> None:
    print(
        f"{what:<44}{'CPU ms':>8}{'wall ms':>9}  |"
        f"{'floor: min':>6}{'median':>7}{'p95':>7}{'':>8} calls (fewest)  events"
    )


@dataclass
class Syncs:
    """Times syncs of one practice against its floor; keeps each figure in `figures`."""

    xpm: Any
    tenant: Any
    practice: Any
    floor: Callable[[], Any]
    goals: dict[str, float]
    floor_rounds: int = 5
    """Floor timings before and after each sync (fewer for a floor of seconds)."""

    def __post_init__(self) -> None:
        self.figures: dict[str, Any] = {}

    def run(self, key: str, label: str, *, fewest: int, dry_run: bool = False) -> dict[str, Any]:
        """One sync through the engine; `fewest`: the fewest XPM calls the API allows."""
        from practicelink.xpm.gateway import client_for
        from practicelink.xpm.models import SyncRun, SyncTrigger
        from practicelink.xpm.sync.engine import run_execute

        floor = [cpu_ms(self.floor)[0] for _ in range(self.floor_rounds)]
        self.xpm.clear_calls()
        run = SyncRun.objects.create(
            practice=self.practice, trigger=SyncTrigger.API, dry_run=dry_run
        )
        cpu, wall = cpu_ms(lambda: run_execute(run.pk, client_factory=client_for))
        floor += [cpu_ms(self.floor)[0] for _ in range(self.floor_rounds)]
        run.refresh_from_db()
        assert run.status == "succeeded", (run.status, run.error)
        calls = self.xpm.calls(self.tenant.tenant_id)
        goal = self.goals.get(key)
        floor_ms = summary(floor)
        ratio = cpu / floor_ms["median"]
        figure = {
            "cpu_ms": cpu,
            "wall_ms": wall,
            "floor_cpu_ms": floor_ms,
            "x_floor": ratio,
            "calls": len(calls),
            "fewest_calls": fewest,
            "endpoints": sorted(f"{c['method']} {c['endpoint']}" for c in calls),
            "events": run.events.count(),
            "goal_x": goal,
            "met": None if goal is None else ratio <= goal,
        }
        self.figures[key] = figure
        verdict = ""
        if goal:
            verdict = f"goal ≤ {goal:.0f}x: {'met' if figure['met'] else 'MISSED'}"
        print(
            f"{label:<44}{cpu:>8.0f}{wall:>9.0f}  |"
            f"{floor_ms['min']:>6.1f}{floor_ms['median']:>7.1f}{floor_ms['p95']:>7.1f}"
            f"{ratio:>7.1f}x {len(calls):>5d} ({fewest}){figure['events']:>7d}  {verdict}"
        )
        return figure
