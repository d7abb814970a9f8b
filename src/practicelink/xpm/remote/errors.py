"""Errors raised by the XPM client.

Every message is written for the people who read the sync log and the UI. `transient`
says whether the same call may succeed later without anyone doing anything.
"""

from __future__ import annotations


class XpmError(Exception):
    """Root of every error the XPM client raises."""

    transient: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class XpmTokenExpired(XpmError):
    def __init__(self) -> None:
        super().__init__("The XPM access token has expired; it must be refreshed.")


class XpmUnauthorized(XpmError):
    def __init__(self, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"XPM refused the credentials{suffix}. Reconnect XPM in Settings > Apps.")
        self.detail = detail


class XpmForbiddenTenant(XpmError):
    def __init__(self) -> None:
        super().__init__(
            "XPM refused access to this practice. Reconnect XPM and choose the practice again."
        )


def _seconds(value: float) -> str:
    return f"{value:g} s"


class XpmRateLimited(XpmError):
    """HTTP 429. `retry_after` is in seconds (a default when the server gives none)."""

    transient = True

    def __init__(self, problem: str, retry_after: float) -> None:
        super().__init__(
            f"XPM rate limit reached ({problem or 'unknown limit'}); "
            f"try again in {_seconds(retry_after)}."
        )
        self.problem = problem
        self.retry_after = retry_after


class RateLimitDenied(XpmError):
    """Our own limiter has no token for the call; nothing was sent to XPM."""

    transient = True

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"XPM call rate reached for this practice; next call in {_seconds(retry_after)}."
        )
        self.retry_after = retry_after


class XpmBusinessError(XpmError):
    """XPM understood the request and refused it (`Status` ERROR or a 4xx)."""

    def __init__(self, description: str) -> None:
        super().__init__(f"XPM rejected the request: {description}")
        self.description = description


class XpmNotFound(XpmBusinessError):
    """HTTP 404: the addressed record (or endpoint) does not exist."""

    def __init__(self, description: str = "not found") -> None:
        super().__init__(description)


class XpmServerError(XpmError):
    transient = True

    def __init__(self, status: int) -> None:
        super().__init__(f"XPM had a server error (HTTP {status}).")
        self.status = status


class XpmTimeout(XpmError):
    transient = True

    def __init__(self) -> None:
        super().__init__("XPM did not answer in time.")


class XpmConnectionError(XpmError):
    transient = True

    def __init__(self, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"Could not reach XPM{suffix}.")
        self.detail = detail


class XpmProtocolError(XpmError):
    """XPM answered something we cannot understand (malformed, hostile or unexpected)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"XPM sent an answer practicelink could not understand: {detail}")
        self.detail = detail


WRITE_UNCERTAIN = (XpmTimeout, XpmConnectionError, XpmProtocolError)
"""Errors after which a write may still have reached XPM: its answer timed out, was cut, or
made no sense. Any other error means XPM refused it or it was never sent."""
