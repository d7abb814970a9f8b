"""Encryption of OAuth tokens at rest (Fernet; key from PRACTICELINK_ENCRYPTION_KEY)."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet() -> Fernet:
    return Fernet(settings.PRACTICELINK_ENCRYPTION_KEY.encode())


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    """Plain text of a stored secret; a key change makes old secrets unreadable (reconnect)."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise ValueError("Stored XPM token cannot be decrypted: reconnect XPM.") from None
