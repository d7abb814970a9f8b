"""Connect the demo practice to the bundled emulator (used by `practicelink run`).

The emulator mints a grant through its control API, standing in for the admin clicking
through Xero's consent page; Settings > Apps can still disconnect and reconnect for real.
"""

from __future__ import annotations

import httpx

from practicelink.team.models import Practice
from practicelink.xpm.models import ConnectionStatus, SyncSettings, SyncTrigger, XpmConnection
from practicelink.xpm.oauth import connection_from_token
from practicelink.xpm.services.runs import sync_request


def demo_connect(*, practice: Practice, emulator_url: str, tenant_id: str) -> bool:
    """Connect the practice if it has no XPM connection yet, and queue its first sync."""
    connections = XpmConnection.objects.filter(practice=practice)
    if connections.exclude(status=ConnectionStatus.DISCONNECTED).exists():
        return False
    response = httpx.post(
        f"{emulator_url.rstrip('/')}/_emulator/tokens", json={"tenant_ids": [tenant_id]}, timeout=10
    )
    response.raise_for_status()
    connection_from_token(practice=practice, by=None, token=response.json())
    # As in a practice whose creation window has passed: the first sync creates in XPM the
    # members it lacks, and leaves the gaps a person must close (Settings > Apps > Link health).
    SyncSettings.objects.update_or_create(practice=practice, defaults={"creation_window_hours": 0})
    sync_request(practice=practice, trigger=SyncTrigger.CONNECTED)
    return True
