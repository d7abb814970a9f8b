"""The XPM client of a practice: its tenant, its tokens, the shared rate limiter and pool."""

from __future__ import annotations

from django.conf import settings

from practicelink.team.models import Practice
from practicelink.xpm.http import shared_client
from practicelink.xpm.models import ConnectionStatus, XpmConnection
from practicelink.xpm.oauth import XpmAuthError, access_token
from practicelink.xpm.ratelimit import PracticeLimiter, rate_limiter
from practicelink.xpm.remote import XpmClient


def client_for(practice: Practice, *, interactive: bool = False) -> XpmClient:
    """`interactive`: the work was asked for by a person, so it may spend the day's reserve."""
    connection = XpmConnection.objects.filter(practice=practice).first()
    if connection is None or connection.status != ConnectionStatus.CONNECTED:
        raise XpmAuthError("XPM is not connected: an admin can connect it in Settings > Apps.")
    return XpmClient(
        settings.XPM_API_URL,
        connection.tenant_id,
        lambda: access_token(practice=practice),
        limiter=PracticeLimiter(rate_limiter(), interactive=interactive),
        http=shared_client(),
        timeout=settings.XPM_TIMEOUT_SECONDS,
    )
