"""The XPM client of a practice: its tenant, its tokens, the shared rate limiter and pool."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from practicelink.team.models import Practice
from practicelink.xpm.http import shared_client
from practicelink.xpm.models import ConnectionStatus, XpmConnection
from practicelink.xpm.oauth import (
    XpmAuthError,
    access_token,
    connection_refused,
    creation_check,
)
from practicelink.xpm.ratelimit import PracticeLimiter, rate_limiter
from practicelink.xpm.remote import XpmClient, XpmError, XpmForbiddenTenant, XpmUnauthorized


def _watch_refusals(practice: Practice) -> Callable[[XpmError], None]:
    """Any call XPM refuses for the credentials or the tenant (401 other than an expired token,
    403) marks the connection "Needs reconnect" at once, whether or not the step carries on."""

    def heard(error: XpmError) -> None:
        if isinstance(error, XpmUnauthorized | XpmForbiddenTenant):
            connection_refused(practice=practice, problem=error.message)

    return heard


def client_for(
    practice: Practice, *, interactive: bool = False, creating: bool = False
) -> XpmClient:
    """`interactive`: the work was asked for by a person, so it may spend the day's reserve.
    `creating`: the work adds records to XPM, which waits for a switched tenant's confirmation."""
    connection = XpmConnection.objects.filter(practice=practice).first()
    if connection is None or connection.status != ConnectionStatus.CONNECTED:
        raise XpmAuthError("XPM is not connected: an admin can connect it in Settings > Apps.")
    if creating:
        creation_check(practice)
    return XpmClient(
        settings.XPM_API_URL,
        connection.tenant_id,
        lambda: access_token(practice=practice),
        limiter=PracticeLimiter(rate_limiter(), interactive=interactive),
        http=shared_client(),
        timeout=settings.XPM_TIMEOUT_SECONDS,
        on_error=_watch_refusals(practice),
    )
