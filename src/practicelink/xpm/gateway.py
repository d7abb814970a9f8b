"""The XPM client of a practice: its tenant, its tokens and the shared rate limiter."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from practicelink.team.models import Practice
from practicelink.xpm.models import ConnectionStatus, XpmConnection
from practicelink.xpm.oauth import XpmAuthError, access_token
from practicelink.xpm.remote import InProcessRateLimiter, RateLimiter, XpmClient


@cache
def rate_limiter() -> RateLimiter:
    """One limiter per process: every call of a practice (key = tenant) takes from it."""
    return InProcessRateLimiter()


def client_for(practice: Practice) -> XpmClient:
    connection = XpmConnection.objects.filter(practice=practice).first()
    if connection is None or connection.status != ConnectionStatus.CONNECTED:
        raise XpmAuthError("XPM is not connected: an admin can connect it in Settings > Apps.")
    return XpmClient(
        settings.XPM_API_URL,
        connection.tenant_id,
        lambda: access_token(practice=practice),
        limiter=rate_limiter(),
        timeout=settings.XPM_TIMEOUT_SECONDS,
    )
