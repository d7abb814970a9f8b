"""The XPM API endpoints, by resource."""

from __future__ import annotations

from xpm_emulator.resources import catalog, clients, jobs, staff
from xpm_emulator.resources.base import Endpoint, XpmError, XpmRequest

ENDPOINTS: dict[tuple[str, str], list[Endpoint]] = {}
for _endpoint in (*staff.ENDPOINTS, *clients.ENDPOINTS, *jobs.ENDPOINTS, *catalog.ENDPOINTS):
    ENDPOINTS.setdefault((_endpoint.resource, _endpoint.method), []).append(_endpoint)

__all__ = ["ENDPOINTS", "Endpoint", "XpmError", "XpmRequest"]
