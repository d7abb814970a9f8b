"""Email comparison rule shared by members, staff and links (SPEC §2.1)."""


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and case-insensitively; the stored value keeps its case."""
    return email.strip().casefold()
